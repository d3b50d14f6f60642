"""Atlas' Python client: `from atlas_client import embed; embed.text(texts=[...])`."""

from atlas_client import embed
from atlas_client.errors import AtlasError

__all__ = ["AtlasError", "embed"]
