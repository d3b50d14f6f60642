"""Tables for datasets, their points and their topics, and the invariants they keep."""

import uuid

from django.db import models
from pgvector.django import VectorField

EMBEDDING_DIMENSIONS = 384


class Dataset(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        READY = "ready"
        FAILED = "failed"
        CANCELLED = "cancelled"

    class Stage(models.TextChoices):
        INGEST = "ingest"
        EMBED = "embed"
        LAYOUT = "layout"
        TOPICS = "topics"
        INDEX = "index"
        DONE = "done"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    source_filename = models.CharField(max_length=255)
    upload_path = models.CharField(max_length=500)
    # What is embedded: one column (text_field) or a template joining columns (text_template, "{a} — {b}").
    text_field = models.CharField(max_length=200, blank=True, default="")
    text_template = models.TextField(blank=True, default="")
    # Optional: the column holding each row's own id (unique, non-empty), and a column of precomputed vectors.
    id_field = models.CharField(max_length=200, blank=True, default="")
    vector_field = models.CharField(max_length=200, blank=True, default="")
    columns = models.JSONField(default=list)
    # What the user said instead of sniffing (delimiter, quote, has_header) and bad_rows: "abort" or "skip"
    # (workers.stages.sources.ReadChoices); empty: sniff everything and refuse rows with a wrong field count.
    read_options = models.JSONField(default=dict)
    model_name = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.INGEST)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True, default="")
    # What the reader had to guess or change (an encoding fallback, generated column names), shown to the user.
    warnings = models.JSONField(default=list)
    row_count = models.PositiveIntegerField(null=True)
    topic_count = models.PositiveIntegerField(null=True)
    # Seconds each stage of the last build took, and the total.
    timings = models.JSONField(default=dict)
    # How well the last build's map keeps the embedding's neighbourhoods (workers.stages.quality).
    quality = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A ready map has every count filled in; a failed one says why.
            models.CheckConstraint(
                condition=~models.Q(status="ready") | models.Q(row_count__isnull=False, topic_count__isnull=False),
                name="ready_dataset_has_counts",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="failed") | ~models.Q(error_message=""),
                name="failed_dataset_has_message",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Point(models.Model):
    """One row of the uploaded file: its text, its other fields, its vector and its place on the map."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="points")
    row_id = models.IntegerField()
    text = models.TextField()
    fields = models.JSONField(default=dict)
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True)
    x = models.FloatField(null=True)
    y = models.FloatField(null=True)
    topic = models.IntegerField(null=True)
    noise = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dataset", "row_id"], name="unique_row_per_dataset")]


class Topic(models.Model):
    """One topic of one level; ids are unique per dataset across levels, points carry their fine topic id."""

    class Level(models.TextChoices):
        BROAD = "broad"
        MID = "mid"
        FINE = "fine"

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="topics")
    topic_id = models.IntegerField()
    level = models.CharField(max_length=5, choices=Level.choices, default=Level.FINE)
    label = models.CharField(max_length=200)
    keywords = models.JSONField(default=list)
    size = models.PositiveIntegerField()
    # The topic_id of the topic one level up (fine -> mid -> broad); null for broad topics.
    parent = models.IntegerField(null=True)
    # Row ids of the members nearest the topic's centroid in embedding space, nearest first.
    representatives = models.JSONField(default=list)
    x = models.FloatField()
    y = models.FloatField()

    class Meta:
        ordering = ["topic_id"]
        constraints = [models.UniqueConstraint(fields=["dataset", "topic_id"], name="unique_topic_per_dataset")]


class CachedEmbedding(models.Model):
    """The vector a model gave for an exact text (its task prefix included), so that rebuilds and appends
    never embed the same text twice with the same model. Keyed by content, shared by every dataset."""

    # Model name and a hash of its files (workers.embedding.fingerprint), "+int8" for quantised vectors.
    model_key = models.CharField(max_length=200)
    text_sha256 = models.BinaryField(max_length=32)
    dimensions = models.PositiveSmallIntegerField()
    # No fixed size: one table serves models of every dimensionality.
    embedding = VectorField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model_key", "text_sha256", "dimensions"], name="cached_embedding_key")
        ]
