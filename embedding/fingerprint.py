"""Names a model's exact files with a content hash, so derived artefacts (ONNX exports, cached vectors)
follow the weights and not the name: a name pointed at other weights gets fresh ones."""

import functools
import hashlib
import re
from pathlib import Path

from embedding.env import env_str

# Files that do not change what the model computes.
_IGNORED = {"README.md", ".gitattributes"}


@functools.cache
def fingerprint(path: str) -> str:
    """sha256 over every file's relative path and bytes (≈ 0.1 s for MiniLM's 90 MB); cached per process."""
    digest = hashlib.sha256()
    root = Path(path)
    for file in sorted(p for p in root.rglob("*") if p.is_file() and p.name not in _IGNORED):
        digest.update(str(file.relative_to(root)).encode() + b"\0")
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def model_key(name: str, path: str) -> str:
    return f"{name}@{fingerprint(path)}"


def artefact_dir() -> Path:
    """Where exported models live: var/models under ATLAS_DATA_DIR (read directly, as the Python client's
    local mode has no Django settings; the default matches atlas/settings.py)."""
    data = env_str("ATLAS_DATA_DIR", str(Path(__file__).resolve().parents[2] / "var"))
    return Path(data) / "models"


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)
