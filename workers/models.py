"""The embedding-model registry, as the map build and search use it; workers.embedding has the rest."""

from workers.embedding import SentenceTransformerEncoder, UnknownModel, available_models, get_encoder

__all__ = ["SentenceTransformerEncoder", "UnknownModel", "available_models", "get_encoder"]
