"""Atlas' Python client: `embed.text(...)`, `embed.image(...)`, and `map_data(df, text_field=...)`."""

from atlas_client import embed
from atlas_client.datasets import AtlasDataset, map_data
from atlas_client.errors import AtlasError

__all__ = ["AtlasDataset", "AtlasError", "embed", "map_data"]
