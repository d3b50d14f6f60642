"""The build's reads and writes in PostgreSQL: claiming a build, bulk-loading rows, vectors and layout."""

import json
import uuid
from collections.abc import Sequence
from typing import Any

import django.db
import psycopg
from django.db import connection, transaction
from django.utils import timezone

from maps.indexes import drop_vector_index
from maps.models import Dataset, Point, Topic
from workers.stages.cluster import Clusters
from workers.stages.embed import Indices, Vectors
from workers.stages.label import TopicLabel
from workers.stages.quality import Quality
from workers.stages.reduce import Coords

# The database went away (a restart, a failover, a network cut): worth trying again shortly. Raw psycopg
# errors count too, as the vector COPY works on the driver's connection beneath Django's.
DATABASE_UNAVAILABLE = (
    django.db.OperationalError,
    django.db.InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)

Status = Dataset.Status
Stage = Dataset.Stage


def claim(dataset_id: uuid.UUID) -> bool:
    """Take a queued build (or one whose worker died mid-way) and start it from a clean slate.

    The conditional UPDATE makes a second delivery of the same task a no-op once a build has ended.
    """
    with transaction.atomic():
        taken = Dataset.objects.filter(id=dataset_id, status__in=[Status.QUEUED, Status.RUNNING]).update(
            status=Status.RUNNING,
            stage=Stage.INGEST,
            progress_done=0,
            progress_total=0,
            error_message="",
            quality=None,
        )
        if taken:
            drop_vector_index(dataset_id)
            Topic.objects.filter(dataset_id=dataset_id).delete()
            Point.objects.filter(dataset_id=dataset_id).delete()
    return bool(taken)


def set_progress(dataset_id: uuid.UUID, stage: str, done: int, total: int) -> bool:
    """Record progress; False when the build is no longer wanted (cancelled, or the dataset deleted)."""
    return bool(
        Dataset.objects.filter(id=dataset_id, status=Status.RUNNING).update(
            stage=stage, progress_done=done, progress_total=total, updated_at=timezone.now()
        )
    )


def insert_points(
    dataset_id: uuid.UUID, texts: Sequence[str], records: Sequence[dict[str, Any]], start: int = 0
) -> None:
    """COPY rows start, start + 1, ... (one batch of the file; the build calls it once per batch)."""
    with (
        connection.cursor() as cursor,
        cursor.copy("COPY maps_point (dataset_id, row_id, text, fields, noise) FROM STDIN") as copy,
    ):
        for row_id, (text, record) in enumerate(zip(texts, records, strict=True), start=start):
            copy.write_row((dataset_id, row_id, text, json.dumps(record, ensure_ascii=False), False))


def save_embeddings(dataset_id: uuid.UUID, row_ids: Indices, vectors: Vectors) -> None:
    from pgvector.psycopg import register_vector

    with transaction.atomic():
        # A psycopg cursor copies its connection's adapters when it is made: register first.
        connection.ensure_connection()
        register_vector(connection.connection)
        cursor = connection.cursor()
        with cursor:
            cursor.execute("CREATE TEMP TABLE incoming_vectors (row_id int, embedding vector) ON COMMIT DROP")
            with cursor.copy("COPY incoming_vectors (row_id, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
                copy.set_types(["int4", "vector"])
                for row_id, vector in zip(row_ids.tolist(), vectors, strict=True):
                    copy.write_row((row_id, vector))
            cursor.execute(
                "UPDATE maps_point p SET embedding = v.embedding FROM incoming_vectors v "
                "WHERE p.dataset_id = %s AND p.row_id = v.row_id",
                [dataset_id],
            )


def save_layout(dataset_id: uuid.UUID, coords: Coords, clusters: Clusters) -> None:
    """Coordinates and topics of rows 0..N-1, in row order."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE incoming_layout (row_id int, x real, y real, topic int, noise bool) ON COMMIT DROP"
        )
        with cursor.copy("COPY incoming_layout (row_id, x, y, topic, noise) FROM STDIN") as copy:
            for row_id, ((x, y), topic, noise) in enumerate(
                zip(coords.tolist(), clusters.labels.tolist(), clusters.noise.tolist(), strict=True)
            ):
                copy.write_row((row_id, x, y, topic, noise))
        cursor.execute(
            "UPDATE maps_point p SET x = l.x, y = l.y, topic = l.topic, noise = l.noise FROM incoming_layout l "
            "WHERE p.dataset_id = %s AND p.row_id = l.row_id",
            [dataset_id],
        )


def save_topics(dataset_id: uuid.UUID, topics: Sequence[TopicLabel]) -> None:
    Topic.objects.bulk_create(
        Topic(
            dataset_id=dataset_id,
            topic_id=t.topic_id,
            level=t.level,
            label=t.label[:200],
            keywords=t.keywords,
            size=t.size,
            parent=t.parent,
            x=t.x,
            y=t.y,
            representatives=t.representatives,
        )
        for t in topics
    )


def save_quality(dataset_id: uuid.UUID, quality: Quality) -> None:
    Dataset.objects.filter(id=dataset_id).update(quality=quality.as_dict())


def count_complete_points(dataset_id: uuid.UUID) -> int:
    return Point.objects.filter(
        dataset_id=dataset_id, embedding__isnull=False, x__isnull=False, y__isnull=False, topic__isnull=False
    ).count()


def mark_ready(dataset_id: uuid.UUID, row_count: int, topic_count: int) -> bool:
    return bool(
        Dataset.objects.filter(id=dataset_id, status=Status.RUNNING).update(
            status=Status.READY,
            stage=Stage.DONE,
            progress_done=row_count,
            progress_total=row_count,
            row_count=row_count,
            topic_count=topic_count,
            finished_at=timezone.now(),
        )
    )


def discard_partial(dataset_id: uuid.UUID) -> None:
    """Remove what a cancelled build or one whose dataset was deleted wrote, so nothing is left behind."""
    with transaction.atomic():
        drop_vector_index(dataset_id)
        Topic.objects.filter(dataset_id=dataset_id).delete()
        Point.objects.filter(dataset_id=dataset_id).delete()


def is_running(dataset_id: uuid.UUID) -> bool:
    return Dataset.objects.filter(id=dataset_id, status=Status.RUNNING).exists()


def save_warnings(dataset_id: uuid.UUID, warnings: Sequence[str]) -> None:
    """The full read's warnings replace the ones the upload's first block gave."""
    Dataset.objects.filter(id=dataset_id).update(warnings=list(warnings))


def save_columns(dataset_id: uuid.UUID, columns: Sequence[str]) -> None:
    """Every column of the file (JSON rows may bring keys the first rows lack)."""
    Dataset.objects.filter(id=dataset_id).update(columns=list(columns))


def save_timings(dataset_id: uuid.UUID, timings: dict[str, float]) -> None:
    Dataset.objects.filter(id=dataset_id).update(timings=timings)


def mark_failed(dataset_id: uuid.UUID, message: str) -> None:
    Dataset.objects.filter(id=dataset_id, status__in=[Status.QUEUED, Status.RUNNING]).update(
        status=Status.FAILED, error_message=message, finished_at=timezone.now()
    )
