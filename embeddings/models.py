"""The content-hash cache of vectors, shared by every dataset and the embedding API."""

from django.db import models
from pgvector.django import VectorField


class CachedEmbedding(models.Model):
    """The vector a model gave for an exact text (its task prefix included), so that rebuilds and appends
    never embed the same text twice with the same model. Keyed by content, shared by every dataset."""

    # Model name and a hash of its files (embedding.fingerprint), "+int8" for quantised vectors.
    model_key = models.CharField(max_length=200)
    text_sha256 = models.BinaryField(max_length=32)
    dimensions = models.PositiveSmallIntegerField()
    # No fixed size: one table serves models of every dimensionality.
    embedding = VectorField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The table the maps app created before this app existed; cache.py's SQL names it.
        db_table = "maps_cachedembedding"
        constraints = [
            models.UniqueConstraint(fields=["model_key", "text_sha256", "dimensions"], name="cached_embedding_key")
        ]
