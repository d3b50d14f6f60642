"""The embedding library: model registry, encoders (sentence-transformers and ONNX), images, devices and
fingerprints, shared by map builds, the HTTP API and the Python client's local mode. It imports nothing of
Django, Celery or the app (make lint checks it).

Importing this package is cheap: torch and sentence-transformers load only when a model does.
"""

from embedding.encoder import Encoder, SentenceTransformerEncoder
from embedding.registry import BACKENDS, configured_backend, get_encoder
from embedding.service import TextEmbeddings, embed_texts
from embedding.specs import (
    DEFAULT_MODEL,
    LONG_TEXT_MODES,
    TASK_TYPES,
    EmbeddingRequestError,
    ModelSpec,
    UnknownModel,
    available_models,
    find_spec,
)

__all__ = [
    "BACKENDS",
    "Encoder",
    "DEFAULT_MODEL",
    "LONG_TEXT_MODES",
    "TASK_TYPES",
    "EmbeddingRequestError",
    "ModelSpec",
    "SentenceTransformerEncoder",
    "TextEmbeddings",
    "UnknownModel",
    "available_models",
    "configured_backend",
    "embed_texts",
    "find_spec",
    "get_encoder",
]
