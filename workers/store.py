"""The build's reads and writes in PostgreSQL: claiming a build, bulk-loading rows, vectors and layout."""

import contextlib
import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import django.db
import numpy as np
import numpy.typing as npt
import psycopg
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from embedding.vectors import Indices, Vectors
from maps.indexes import drop_search_indexes
from maps.models import BuildChunk, Dataset, Point, Topic
from workers.stages.cluster import Clusters
from workers.stages.label import TopicLabel
from workers.stages.quality import Quality
from workers.stages.reduce import Coords
from workers.vector_io import load_vectors

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
STAGE_TIMINGS = ("ingest", "embed", "layout", "topics", "index")
# Rows per fetch when the finishing step reads a build's texts back.
LOAD_BATCH = 10_000


@contextmanager
def step_lock(dataset_id: uuid.UUID, step: int) -> Iterator[None]:
    """Hold a PostgreSQL advisory lock for one step of one build (ingest, a chunk, the finish) while it runs.

    Redis hands a task out again when it outlives the visibility timeout; the second copy waits here until
    the first is done (then finds nothing left to do) or its worker dies (the lock goes with its session).
    """
    key = int.from_bytes(dataset_id.bytes[:4], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [key, step])
    try:
        yield
    finally:
        with contextlib.suppress(*DATABASE_UNAVAILABLE), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [key, step])


def claim(dataset_id: uuid.UUID) -> str | None:
    """Take a build: a queued one (or one whose worker died while ingesting) starts from a clean slate and
    gets the ingest stage; one past ingest gets its stage, to resume; an ended one gets None.

    The conditional UPDATEs make a second delivery of the same task a no-op once a build has ended.
    """
    with transaction.atomic():
        taken = Dataset.objects.filter(
            Q(status=Status.QUEUED) | Q(status=Status.RUNNING, stage=Stage.INGEST), id=dataset_id
        ).update(
            status=Status.RUNNING,
            stage=Stage.INGEST,
            progress_done=0,
            progress_total=0,
            error_message="",
            quality=None,
            timings={},
            finish_attempts=0,
        )
        if taken:
            _delete_outputs(dataset_id)
            return str(Stage.INGEST)
    stage = Dataset.objects.filter(id=dataset_id, status=Status.RUNNING).values_list("stage", flat=True).first()
    return None if stage is None else str(stage)


def _delete_outputs(dataset_id: uuid.UUID) -> None:
    drop_search_indexes(dataset_id)
    Topic.objects.filter(dataset_id=dataset_id).delete()
    BuildChunk.objects.filter(dataset_id=dataset_id).delete()
    Point.objects.filter(dataset_id=dataset_id).delete()


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
    """Replace the dataset's topics (a finishing step run twice, or a re-layout, leaves one set)."""
    with transaction.atomic():
        Topic.objects.filter(dataset_id=dataset_id).delete()
        _create_topics(dataset_id, topics)


def _create_topics(dataset_id: uuid.UUID, topics: Sequence[TopicLabel]) -> None:
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


def replace_topics(dataset_id: uuid.UUID, topics: Sequence[TopicLabel]) -> None:
    """A re-layout's topics take the place of the previous ones in one step."""
    with transaction.atomic():
        Topic.objects.filter(dataset_id=dataset_id).delete()
        save_topics(dataset_id, topics)


def claim_relayout(dataset_id: uuid.UUID) -> int | None:
    """Take a re-layout and return how many times it has been started; None when there is none to do.

    A queued re-layout starts with its timings anew (it embeds nothing, so the build's embed timing no longer
    describes the map); the rows, their vectors and the index stay as they are. A running one is a re-layout
    whose worker died (its task, acknowledged late, was delivered again): it starts over, counted.
    """
    with transaction.atomic():
        fresh = Dataset.objects.filter(id=dataset_id, status=Status.QUEUED, row_count__isnull=False).update(
            status=Status.RUNNING,
            stage=Stage.LAYOUT,
            progress_done=0,
            progress_total=0,
            error_message="",
            timings={},
            finish_attempts=1,
        )
        if fresh:
            return 1
        again = Dataset.objects.filter(
            id=dataset_id, status=Status.RUNNING, row_count__isnull=False, stage__in=[Stage.LAYOUT, Stage.TOPICS]
        )
        return _count_start(again, stage=Stage.LAYOUT, timings={})


def save_quality(dataset_id: uuid.UUID, quality: Quality) -> None:
    Dataset.objects.filter(id=dataset_id).update(quality=quality.as_dict())


def count_points(dataset_id: uuid.UUID) -> int:
    return Point.objects.filter(dataset_id=dataset_id).count()


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
        _delete_outputs(dataset_id)


def begin_finish(dataset_id: uuid.UUID) -> int | None:
    """Count a start of the build's finishing step; how many there have been, None when it is not running."""
    with transaction.atomic():
        return _count_start(Dataset.objects.filter(id=dataset_id, status=Status.RUNNING))


def _count_start(rows: QuerySet[Dataset], **changes: Any) -> int | None:
    """Count one more start on the dataset `rows` selects, with `changes`; how many starts it has now, None when
    `rows` selects nothing. Called inside a transaction, so the count read back is the one just written."""
    if not rows.update(finish_attempts=F("finish_attempts") + 1, **changes):
        return None
    return int(rows.values_list("finish_attempts", flat=True).get())


def is_running(dataset_id: uuid.UUID) -> bool:
    return Dataset.objects.filter(id=dataset_id, status=Status.RUNNING).exists()


def save_warnings(dataset_id: uuid.UUID, warnings: Sequence[str]) -> None:
    """The full read's warnings replace the ones the upload's first block gave."""
    Dataset.objects.filter(id=dataset_id).update(warnings=list(warnings))


def add_timings(dataset_id: uuid.UUID, timings: dict[str, float]) -> None:
    """Merge a step's timings into the build's; `total` is the sum of the stages' (queue waits left out)."""
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().filter(id=dataset_id).first()
        if dataset is None:
            return
        merged = {**dataset.timings, **timings}
        merged["total"] = round(sum(merged.get(s, 0.0) for s in STAGE_TIMINGS), 3)
        Dataset.objects.filter(id=dataset_id).update(timings=merged)


def load_rows(
    dataset_id: uuid.UUID, label_field: str = "", first: int = 0
) -> tuple[Vectors, list[str], list[Any] | None]:
    """Every row's (from row id `first` on) vector and text in row order, and its value in label_field (None
    without one); a row without a vector is an incomplete build."""
    texts: list[str] = []
    values: list[Any] = []
    with transaction.atomic():
        vectors = load_vectors(dataset_id, first)
        with connection.cursor() as cursor:
            cursor.execute(
                # ->> gives a label as text (a JSON null as None), which is what a class is.
                "SELECT text, fields ->> %s FROM maps_point WHERE dataset_id = %s AND row_id >= %s ORDER BY row_id",
                [label_field, dataset_id, first],
            )
            while batch := cursor.fetchmany(LOAD_BATCH):
                texts.extend(text for text, _ in batch)
                if label_field:
                    values.extend(value for _, value in batch)
    return vectors, texts, (values if label_field else None)


def save_columns(dataset_id: uuid.UUID, columns: Sequence[str]) -> None:
    """Every column of the file (JSON rows may bring keys the first rows lack)."""
    Dataset.objects.filter(id=dataset_id).update(columns=list(columns))


def mark_failed(dataset_id: uuid.UUID, message: str) -> None:
    Dataset.objects.filter(id=dataset_id, status__in=[Status.QUEUED, Status.RUNNING]).update(
        status=Status.FAILED, error_message=message, finished_at=timezone.now()
    )


def next_row_id(dataset_id: uuid.UUID) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(row_id) + 1, 0) FROM maps_point WHERE dataset_id = %s", [dataset_id])
        return int(cursor.fetchone()[0])


def load_topics(dataset_id: uuid.UUID) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Every row's fine topic and noise flag in row order (the order of load_rows)."""
    rows = list(Point.objects.filter(dataset_id=dataset_id).order_by("row_id").values_list("topic", "noise"))
    topics = np.array([topic for topic, _ in rows], dtype=np.int64)
    noise = np.array([flag for _, flag in rows], dtype=bool)
    return topics, noise


def claim_append(dataset_id: uuid.UUID) -> bool:
    """Take a queued append; the map's rows stay as they are until the new ones are complete."""
    return bool(
        Dataset.objects.filter(id=dataset_id, status=Status.QUEUED, row_count__isnull=False).update(
            status=Status.RUNNING, stage=Stage.INGEST, progress_done=0, progress_total=0, error_message=""
        )
    )


def texts_without_vector(dataset_id: uuid.UUID, start: int, stop: int) -> tuple[npt.NDArray[np.int64], list[str]]:
    """Rows start .. stop - 1 that have no vector yet, with their texts: what a chunk or an append embeds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT row_id, text FROM maps_point WHERE dataset_id = %s AND row_id >= %s AND row_id < %s "
            "AND embedding IS NULL ORDER BY row_id",
            [dataset_id, start, stop],
        )
        found = cursor.fetchall()
    return np.array([r for r, _ in found], dtype=np.int64), [t for _, t in found]


def place_points(dataset_id: uuid.UUID, row_ids: Indices, coords: Coords, topics: Sequence[int]) -> None:
    """Coordinates and topics of appended rows (never noise: they join the topic of their neighbours)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE incoming_places (row_id int, x real, y real, topic int) ON COMMIT DROP")
        with cursor.copy("COPY incoming_places (row_id, x, y, topic) FROM STDIN") as copy:
            for row_id, (x, y), topic in zip(row_ids.tolist(), coords.tolist(), topics, strict=True):
                copy.write_row((row_id, x, y, topic))
        cursor.execute(
            "UPDATE maps_point p SET x = l.x, y = l.y, topic = l.topic, noise = false FROM incoming_places l "
            "WHERE p.dataset_id = %s AND p.row_id = l.row_id",
            [dataset_id],
        )


def finish_append(dataset_id: uuid.UUID, added: dict[int, int], warnings: Sequence[str]) -> bool:
    """Count the new rows into their fine topics and the topics above, and show the larger map as ready."""
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().filter(id=dataset_id, status=Status.RUNNING).first()
        if dataset is None:
            return False
        topics = {t.topic_id: t for t in Topic.objects.filter(dataset_id=dataset_id)}
        grown: dict[int, int] = {}
        for topic_id, count in added.items():
            current: int | None = topic_id
            while current is not None and current in topics:
                grown[current] = grown.get(current, 0) + count
                current = topics[current].parent
        for topic_id, count in grown.items():
            Topic.objects.filter(dataset_id=dataset_id, topic_id=topic_id).update(size=topics[topic_id].size + count)
        rows = Point.objects.filter(dataset_id=dataset_id).count()
        Dataset.objects.filter(id=dataset_id).update(
            status=Status.READY,
            stage=Stage.DONE,
            progress_done=rows,
            progress_total=rows,
            row_count=rows,
            warnings=[*dataset.warnings, *warnings],
            finished_at=timezone.now(),
        )
    return True


def abandon_interrupted_job(dataset_id: uuid.UUID, warning: str) -> bool:
    """Undo an append still marked running on a finished map (its worker died): remove the rows past the map's
    row count and show the map as it was, with the warning. False when the map is not in that state."""
    row_count = (
        Dataset.objects.filter(id=dataset_id, status=Status.RUNNING, row_count__isnull=False)
        .values_list("row_count", flat=True)
        .first()
    )
    if row_count is None:
        return False
    undo_append(dataset_id, row_count, warning)
    return True


def undo_append(dataset_id: uuid.UUID, first: int, warning: str) -> None:
    """Remove the rows an append added and show the map as it was, with a warning saying why."""
    with transaction.atomic():
        Point.objects.filter(dataset_id=dataset_id, row_id__gte=first).delete()
        dataset = Dataset.objects.select_for_update().filter(id=dataset_id).first()
        if dataset is None:
            return
        # A cancelled append ends the same way: the map as it was.
        Dataset.objects.filter(id=dataset_id, status__in=[Status.QUEUED, Status.RUNNING, Status.CANCELLED]).update(
            status=Status.READY, stage=Stage.DONE, warnings=[*dataset.warnings, warning]
        )
