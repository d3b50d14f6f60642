"""A job's reads and writes of a map's rows in PostgreSQL: rows, vectors, layout, topics, timings (its state
moves through maps.lifecycle)."""

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

from embedding.vectors import Indices, Vectors
from maps import lifecycle
from maps.indexes import drop_search_indexes
from maps.models import BuildChunk, Dataset, Passage, Point, Topic
from maps.queries import fine_topics_under
from workers.stages.cluster import Clusters
from workers.stages.duplicates import Pairs
from workers.stages.label import TopicLabel
from workers.stages.outliers import Scores
from workers.stages.quality import Quality
from workers.stages.reduce import Coords
from workers.stages.topic_edits import EditedTopic
from workers.vector_io import load_vectors

# The database went away (a restart, a failover, a network cut): worth trying again shortly. Raw psycopg
# errors count too, as the vector COPY works on the driver's connection beneath Django's.
DATABASE_UNAVAILABLE = (
    django.db.OperationalError,
    django.db.InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)

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
        if lifecycle.start_build(dataset_id):
            _delete_outputs(dataset_id)
            return str(Stage.INGEST)
    return lifecycle.running_stage(dataset_id)


def _delete_outputs(dataset_id: uuid.UUID) -> None:
    drop_search_indexes(dataset_id)
    Topic.objects.filter(dataset_id=dataset_id).delete()
    BuildChunk.objects.filter(dataset_id=dataset_id).delete()
    Passage.objects.filter(dataset_id=dataset_id).delete()
    Point.objects.filter(dataset_id=dataset_id).delete()


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


def save_passages(
    dataset_id: uuid.UUID, row_ids: Indices, passages: Sequence[Sequence[tuple[int, int]]], vectors: Vectors
) -> None:
    """The passages of these rows (each row's character spans, in order; `vectors` one per passage, rows in
    order) in place of any an interrupted attempt left, in one transaction with the rows' own vectors: the
    normalised mean of their passages'."""
    from pgvector.psycopg import register_vector

    means = np.zeros((len(row_ids), vectors.shape[1]), dtype=np.float32)
    at = 0
    for i, spans in enumerate(passages):
        means[i] = vectors[at : at + len(spans)].mean(axis=0)
        at += len(spans)
    means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)
    with transaction.atomic():
        connection.ensure_connection()
        register_vector(connection.connection)
        cursor = connection.cursor()
        with cursor:
            cursor.execute(
                "DELETE FROM maps_passage WHERE dataset_id = %s AND row_id = ANY(%s)", [dataset_id, row_ids.tolist()]
            )
            columns = 'dataset_id, row_id, number, start, "end", embedding'
            with cursor.copy(f"COPY maps_passage ({columns}) FROM STDIN WITH (FORMAT BINARY)") as copy:
                copy.set_types(["uuid", "int4", "int4", "int4", "int4", "vector"])
                at = 0
                for row_id, spans in zip(row_ids.tolist(), passages, strict=True):
                    for number, (start, end) in enumerate(spans):
                        copy.write_row((dataset_id, row_id, number, start, end, vectors[at]))
                        at += 1
        save_embeddings(dataset_id, row_ids, means)


def save_layout(dataset_id: uuid.UUID, coords: Coords, clusters: Clusters, outliers: Scores) -> None:
    """Coordinates, topics and outlier scores of rows 0..N-1, in row order."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE incoming_layout (row_id int, x real, y real, topic int, noise bool, outlier real) "
            "ON COMMIT DROP"
        )
        with cursor.copy("COPY incoming_layout (row_id, x, y, topic, noise, outlier) FROM STDIN") as copy:
            for row_id, ((x, y), topic, noise, outlier) in enumerate(
                zip(coords.tolist(), clusters.labels.tolist(), clusters.noise.tolist(), outliers.tolist(), strict=True)
            ):
                copy.write_row((row_id, x, y, topic, noise, outlier))
        cursor.execute(
            "UPDATE maps_point p SET x = l.x, y = l.y, topic = l.topic, noise = l.noise, outlier = l.outlier "
            "FROM incoming_layout l "
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
            edited=t.edited,
        )
        for t in topics
    )


def replace_topics(dataset_id: uuid.UUID, topics: Sequence[TopicLabel]) -> None:
    """A re-layout's topics take the place of the previous ones in one step."""
    with transaction.atomic():
        Topic.objects.filter(dataset_id=dataset_id).delete()
        save_topics(dataset_id, topics)


def save_quality(dataset_id: uuid.UUID, quality: Quality) -> None:
    Dataset.objects.filter(id=dataset_id).update(quality=quality.as_dict())


def count_points(dataset_id: uuid.UUID) -> int:
    return Point.objects.filter(dataset_id=dataset_id).count()


def count_complete_points(dataset_id: uuid.UUID) -> int:
    return Point.objects.filter(
        dataset_id=dataset_id, embedding__isnull=False, x__isnull=False, y__isnull=False, topic__isnull=False
    ).count()


def discard_partial(dataset_id: uuid.UUID) -> None:
    """Remove what a cancelled build or one whose dataset was deleted wrote, so nothing is left behind."""
    with transaction.atomic():
        _delete_outputs(dataset_id)


def save_near_pairs(dataset_id: uuid.UUID, pairs: Pairs, replace: bool) -> None:
    """The map's near-duplicate pairs: all of them after a layout (replace), or those of appended rows."""
    with transaction.atomic(), connection.cursor() as cursor:
        if replace:
            cursor.execute("DELETE FROM maps_nearpair WHERE dataset_id = %s", [dataset_id])
        cursor.execute(
            "CREATE TEMP TABLE incoming_pairs (first int, second int, similarity double precision) ON COMMIT DROP"
        )
        with cursor.copy("COPY incoming_pairs (first, second, similarity) FROM STDIN") as copy:
            for row in zip(pairs.first.tolist(), pairs.second.tolist(), pairs.similarity.tolist(), strict=True):
                copy.write_row(row)
        cursor.execute(
            "INSERT INTO maps_nearpair (dataset_id, first, second, similarity) "
            "SELECT %s, first, second, similarity FROM incoming_pairs ON CONFLICT DO NOTHING",
            [dataset_id],
        )


def edited_topics(dataset_id: uuid.UUID) -> list[EditedTopic]:
    """The topics an editor renamed, with the rows under each (read before a re-layout moves the rows)."""
    edited = list(Topic.objects.filter(dataset_id=dataset_id, edited=True).values("topic_id", "level", "label"))
    if not edited:
        return []
    under = fine_topics_under(dataset_id, [t["topic_id"] for t in edited])
    wanted = sorted(set().union(*under.values()))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT topic, row_id FROM maps_point WHERE dataset_id = %s AND topic = ANY(%s) ORDER BY row_id",
            [dataset_id, wanted],
        )
        rows_of: dict[int, list[int]] = {}
        for topic, row_id in cursor.fetchall():
            rows_of.setdefault(topic, []).append(row_id)
    return [
        EditedTopic(
            level=t["level"],
            label=t["label"],
            rows=np.array(sorted(r for fine in under[t["topic_id"]] for r in rows_of.get(fine, [])), dtype=np.int64),
        )
        for t in edited
    ]


def add_warnings(dataset_id: uuid.UUID, warnings: Sequence[str]) -> None:
    """Warnings added to the map's, each once."""
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().filter(id=dataset_id).first()
        if dataset is None:
            return
        dataset.warnings = [*dataset.warnings, *(w for w in warnings if w not in dataset.warnings)]
        dataset.save(update_fields=["warnings"])


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


def place_points(
    dataset_id: uuid.UUID, row_ids: Indices, coords: Coords, topics: Sequence[int], outliers: Scores
) -> None:
    """Coordinates, topics and outlier scores of appended rows (never noise: they join the topic of their
    neighbours)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE incoming_places (row_id int, x real, y real, topic int, outlier real) ON COMMIT DROP"
        )
        with cursor.copy("COPY incoming_places (row_id, x, y, topic, outlier) FROM STDIN") as copy:
            for row_id, (x, y), topic, outlier in zip(
                row_ids.tolist(), coords.tolist(), topics, outliers.tolist(), strict=True
            ):
                copy.write_row((row_id, x, y, topic, outlier))
        cursor.execute(
            "UPDATE maps_point p SET x = l.x, y = l.y, topic = l.topic, noise = false, outlier = l.outlier "
            "FROM incoming_places l "
            "WHERE p.dataset_id = %s AND p.row_id = l.row_id",
            [dataset_id],
        )


def finish_append(dataset_id: uuid.UUID, added: dict[int, int], warnings: Sequence[str]) -> bool:
    """Count the new rows into their fine topics and the topics above, and show the larger map as ready."""
    with transaction.atomic():
        dataset = lifecycle.running_for_update(dataset_id)
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
        lifecycle.append_done(dataset, Point.objects.filter(dataset_id=dataset_id).count(), warnings)
    return True


def abandon_interrupted_job(dataset_id: uuid.UUID, warning: str) -> bool:
    """Undo an append still marked running on a finished map (its worker died): remove the rows past the map's
    row count and show the map as it was, with the warning. False when the map is not in that state."""
    row_count = lifecycle.interrupted_job_rows(dataset_id)
    if row_count is None:
        return False
    undo_append(dataset_id, row_count, warning)
    return True


def undo_append(dataset_id: uuid.UUID, first: int, warning: str) -> None:
    """Remove the rows an append added and show the map as it was, with a warning saying why."""
    with transaction.atomic():
        Passage.objects.filter(dataset_id=dataset_id, row_id__gte=first).delete()
        Point.objects.filter(dataset_id=dataset_id, row_id__gte=first).delete()
        dataset = Dataset.objects.select_for_update().filter(id=dataset_id).first()
        if dataset is None:
            return
        # A cancelled append ends the same way: the map as it was.
        lifecycle.append_undone(dataset, warning)
