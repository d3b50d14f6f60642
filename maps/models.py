"""Tables for datasets, their points, topics, tags and build chunks; who may see them is teams.models."""

import json
import uuid
from typing import Any

from django.conf import settings
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

    class Visibility(models.TextChoices):
        PRIVATE = "private"
        PUBLIC = "public"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Null only for maps made before workspaces existed; nobody but staff (in the admin) can reach those.
    workspace = models.ForeignKey("teams.Workspace", on_delete=models.CASCADE, null=True, related_name="datasets")
    visibility = models.CharField(max_length=7, choices=Visibility.choices, default=Visibility.PRIVATE)
    name = models.CharField(max_length=200)
    source_filename = models.CharField(max_length=255)
    upload_path = models.CharField(max_length=500)
    # What is embedded: one column (text_field) or a template joining columns (text_template, "{a} — {b}").
    text_field = models.CharField(max_length=200, blank=True, default="")
    text_template = models.TextField(blank=True, default="")
    # Optional: the column holding each row's own id (unique, non-empty), and a column of precomputed vectors.
    id_field = models.CharField(max_length=200, blank=True, default="")
    vector_field = models.CharField(max_length=200, blank=True, default="")
    # Optional: a column of known classes; each build scores its topics against it (NMI, ARI in quality).
    label_field = models.CharField(max_length=200, blank=True, default="")
    # This map's layout and topic parameters (maps.layout): n_neighbors, min_dist, metric, sample_size,
    # min_cluster_size; filled from the settings at upload and changed by a re-layout.
    layout = models.JSONField(default=dict)
    columns = models.JSONField(default=list)
    # What the user said instead of sniffing (delimiter, quote, has_header) and bad_rows: "abort" or "skip"
    # (tables.sources.ReadChoices); empty: sniff everything and refuse rows with a wrong field count.
    read_options = models.JSONField(default=dict)
    model_name = models.CharField(max_length=100)
    # Passage maps (0: off): each row's text is cut into passages of at most passage_tokens tokens, each
    # overlapping the one before by passage_overlap tokens; every passage is embedded and searched (Passage),
    # and the row's vector, which places it, is their mean.
    passage_tokens = models.PositiveIntegerField(default=0)
    passage_overlap = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.INGEST)
    # When the current stage began (or a job started at it); kept by a database trigger on every change of stage
    # or status (migration 0018), so each stage's elapsed time is known whichever code moves it on.
    stage_started_at = models.DateTimeField(null=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True, default="")
    # What the reader had to guess or change (an encoding fallback, generated column names), shown to the user.
    warnings = models.JSONField(default=list)
    row_count = models.PositiveIntegerField(null=True)
    # How many times a build's finishing step (layout, topics, index), or a re-layout, started; one whose workers
    # keep dying (killed for memory on a big map) fails after a bound instead of being delivered forever.
    finish_attempts = models.PositiveSmallIntegerField(default=0)
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
    # How unusual the row is: the mean distance to its nearest neighbours in embedding space
    # (workers/stages/outliers.py); null on maps laid out before scores existed.
    outlier = models.FloatField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dataset", "row_id"], name="unique_row_per_dataset")]


def fields_of(raw: Any) -> dict[str, Any]:
    """A point's fields as a raw cursor hands them over: Django gives jsonb to raw cursors as text."""
    return json.loads(raw) if isinstance(raw, str) else dict(raw)


class Passage(models.Model):
    """One passage of a row of a passage map: its place in the row's text (characters start to end) and its
    vector. Retrieval searches these and answers each row with its best passage."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="passages")
    row_id = models.IntegerField()
    # Its order within the row, from 0.
    number = models.PositiveIntegerField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dataset", "row_id", "number"], name="unique_passage_per_row"),
        ]


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
    # The label was given by an editor (PATCH .../topics/<id>), not made from the rows' words; a re-layout
    # carries it to the new topic that holds most of its rows.
    edited = models.BooleanField(default=False)

    class Meta:
        ordering = ["topic_id"]
        constraints = [models.UniqueConstraint(fields=["dataset", "topic_id"], name="unique_topic_per_dataset")]


class NearPair(models.Model):
    """Two rows of a map whose vectors are almost the same (cosine similarity from workers.stages.duplicates.FLOOR
    up), found among each row's nearest neighbours when the map is laid out; first < second."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="near_pairs")
    first = models.IntegerField()
    second = models.IntegerField()
    similarity = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dataset", "first", "second"], name="unique_pair_per_dataset")]


class Classification(models.Model):
    """A classifier trained on the embeddings of a map's labelled rows (the values of label_field, or the tags in
    tag_ids), cross-validated, then asked for a label and a confidence for every row without one. Its answers are
    two columns of the rows' fields, `column` and `column`_confidence, listed in the dataset's columns once ready."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        READY = "ready"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="classifications")
    # Exactly one of the two sources of training labels.
    label_field = models.CharField(max_length=200, blank=True, default="")
    tag_ids = models.JSONField(default=list)
    column = models.CharField(max_length=200)
    status = models.CharField(max_length=7, choices=Status.choices, default=Status.QUEUED)
    # {"accuracy", "macro_f1", "folds", "rows"}: cross-validation on the labelled rows, before predicting.
    cv = models.JSONField(null=True)
    # Label -> how many labelled rows taught it (the classes that were learned).
    classes = models.JSONField(default=dict)
    predicted = models.PositiveIntegerField(null=True)
    warnings = models.JSONField(default=list)
    error_message = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A new classification into a column replaces the ready one when it is done (maps.classifications).
            models.UniqueConstraint(
                fields=["dataset", "column"],
                condition=models.Q(status="ready"),
                name="one_ready_prediction_column_per_dataset",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="failed") | ~models.Q(error_message=""),
                name="failed_classification_has_message",
            ),
        ]

    @property
    def confidence_column(self) -> str:
        return confidence_column(self.column)


def confidence_column(column: str) -> str:
    return f"{column}_confidence"


class BuildChunk(models.Model):
    """One slice of a build's rows, [start, stop), embedded by one task; a build resumes from the chunks
    not yet done, and the task that finishes the last one starts the layout."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    start = models.PositiveIntegerField()
    stop = models.PositiveIntegerField()
    # Rows of the slice that have a vector: the build's progress is the sum over its chunks.
    rows_done = models.PositiveIntegerField(default=0)
    # Set when it is handed out: a build keeps only a few chunks queued at a time, so that the chunks of
    # builds started later interleave with its own instead of waiting behind all of them.
    queued_at = models.DateTimeField(null=True)
    # Set once its message is handed to the broker: a chunk queued and not sent lost its message with a worker
    # that died in between, and the next delivery of the task that queued it sends it again.
    sent_at = models.DateTimeField(null=True)
    # How many times a task started on it; a chunk whose workers keep dying fails the build after a bound.
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True)
    done_at = models.DateTimeField(null=True)
    # The Celery hostname of the worker that finished it, and what its cache served / the model computed.
    worker = models.CharField(max_length=255, blank=True, default="")
    cache_hits = models.PositiveIntegerField(default=0)
    computed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["index"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "index"], name="unique_chunk_per_dataset"),
            models.CheckConstraint(condition=models.Q(start__lt=models.F("stop")), name="chunk_is_not_empty"),
        ]


class Tag(models.Model):
    """A named, coloured label people put on rows of one map; everyone who opens the map sees it."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=100)
    # "#rrggbb", checked by maps.tags before it is stored.
    colour = models.CharField(max_length=7)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["dataset", "name"], name="unique_tag_name_per_dataset")]


class TaggedRow(models.Model):
    """One row carrying one tag; rows are named by row id, as the API and the map name them."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="rows")
    row_id = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tag", "row_id"], name="unique_row_per_tag")]
