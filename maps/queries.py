"""Every read the pages and the API need: dataset status, the Arrow point payload, topics and search."""

import json
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet

from maps.errors import NotFound, NotReady, UserError
from maps.models import Dataset, Point, Topic

ARROW_STREAM_TYPE = "application/vnd.apache.arrow.stream"


def list_datasets() -> QuerySet[Dataset]:
    return Dataset.objects.all()


def get_dataset(dataset_id: str) -> Dataset:
    try:
        return Dataset.objects.get(id=uuid.UUID(str(dataset_id)))
    except (ValueError, Dataset.DoesNotExist):
        raise NotFound(f"No dataset with id {dataset_id!r}.") from None


def require_ready(dataset: Dataset) -> Dataset:
    if dataset.status != Dataset.Status.READY:
        raise NotReady(f"Dataset {dataset.id} is {dataset.status}, not ready yet; poll its status until it is.")
    return dataset


def dataset_summary(dataset: Dataset) -> dict[str, Any]:
    return {
        "id": str(dataset.id),
        "name": dataset.name,
        "status": dataset.status,
        "progress": {"stage": dataset.stage, "done": dataset.progress_done, "total": dataset.progress_total},
        "error": {"message": dataset.error_message} if dataset.status == Dataset.Status.FAILED else None,
        "warnings": dataset.warnings,
        "rows": dataset.row_count,
        "topics": dataset.topic_count,
        "text_field": dataset.text_field,
        "text_template": dataset.text_template,
        "id_field": dataset.id_field,
        "vector_field": dataset.vector_field,
        "columns": dataset.columns,
        "read_options": dataset.read_options,
        "model": dataset.model_name,
        "timings": dataset.timings,
        "quality": dataset.quality,
        "created_at": dataset.created_at.isoformat(),
        "url": f"/maps/{dataset.id}",
    }


def points_etag(dataset: Dataset) -> str:
    """Names one build's layout: a rebuild sets a new finished_at, so a cached payload is never reused."""
    require_ready(dataset)
    assert dataset.finished_at is not None, "a ready dataset has finished_at"
    return f'"{dataset.id}-{dataset.finished_at.timestamp():.6f}"'


def points_arrow(dataset: Dataset) -> bytes:
    """Every point as an Arrow IPC stream: id (int32), x, y (float32), topic (int16)."""
    require_ready(dataset)
    rows = Point.objects.filter(dataset=dataset).order_by("row_id").values_list("row_id", "x", "y", "topic")
    ids, xs, ys, topics = (list(column) for column in zip(*rows, strict=True)) if rows else ([], [], [], [])
    table = pa.table(
        {
            "id": pa.array(np.asarray(ids, dtype=np.int32)),
            "x": pa.array(np.asarray(xs, dtype=np.float32)),
            "y": pa.array(np.asarray(ys, dtype=np.float32)),
            "topic": pa.array(np.asarray(topics, dtype=np.int16)),
        }
    )
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def topics(dataset: Dataset) -> list[dict[str, Any]]:
    require_ready(dataset)
    return [
        {
            "id": t.topic_id,
            "label": t.label,
            "size": t.size,
            "parent": t.parent,
            "level": t.level,
            "keywords": t.keywords,
            "representatives": t.representatives,
            "x": t.x,
            "y": t.y,
        }
        for t in Topic.objects.filter(dataset=dataset)
    ]


def point_detail(dataset: Dataset, row_id: int) -> dict[str, Any]:
    point = Point.objects.filter(dataset=dataset, row_id=row_id).values("row_id", "text", "fields", "topic").first()
    if point is None:
        raise NotFound(f"Dataset {dataset.id} has no row {row_id}.")
    fields = point["fields"]
    # key: the row's value in the dataset's id column (null without one); id stays the row's position.
    key = fields.get(dataset.id_field) if dataset.id_field else None
    return {"id": point["row_id"], "key": key, "text": point["text"], "fields": fields, "topic": point["topic"]}


@dataclass(frozen=True)
class SearchHit:
    id: int
    score: float
    text: str
    fields: dict[str, Any]


def parse_k(raw: str | None) -> int:
    if raw is None or raw == "":
        return 10
    try:
        k = int(raw)
    except ValueError:
        raise UserError(f"k={raw!r} is not a whole number; ask for 1 to {settings.SEARCH_MAX_K} results.") from None
    if not 1 <= k <= settings.SEARCH_MAX_K:
        raise UserError(f"k={k} is out of range; ask for 1 to {settings.SEARCH_MAX_K} results.")
    return k


def nearest_rows_sql(dataset_id: uuid.UUID) -> str:
    """Top-k by cosine distance; parameters: the query vector (twice) and k.

    The dataset id is written as a literal, exactly as in the partial index's predicate
    (maps.indexes), so that the planner picks that index; it is a parsed UUID, never user text.
    """
    return (
        "SELECT row_id, 1 - (embedding <=> %s::vector) AS score, text, fields FROM maps_point "
        f"WHERE dataset_id = '{dataset_id}'::uuid ORDER BY embedding <=> %s::vector LIMIT %s"
    )


def search(dataset: Dataset, query: str, k: int) -> list[SearchHit]:
    """Embed the query with the dataset's model and take the k nearest rows by cosine similarity."""
    require_ready(dataset)
    query = query.strip()
    if not query:
        raise UserError("The search query is empty: pass the text to search for as ?q=...")
    from workers.models import get_encoder

    # Models with task prefixes embedded the rows as documents; the query is embedded as a query.
    vector = get_encoder(dataset.model_name, settings.TORCH_THREADS).encode([query], task_type="search_query")[0]
    return _nearest(dataset, [float(v) for v in vector.tolist()], k)


def neighbors(dataset: Dataset, row_id: int, k: int) -> list[SearchHit]:
    """The k rows closest in meaning to one row of the dataset, the row itself left out."""
    require_ready(dataset)
    found = Point.objects.filter(dataset=dataset, row_id=row_id).values_list("embedding", flat=True)
    if not found:
        raise NotFound(f"Dataset {dataset.id} has no row {row_id}.")
    if found[0] is None:
        raise NotReady(f"Row {row_id} of dataset {dataset.id} has no vector, so it has no neighbours.")
    hits = _nearest(dataset, [float(v) for v in found[0]], k + 1)
    return [hit for hit in hits if hit.id != row_id][:k]


def _nearest(dataset: Dataset, vector: list[float], k: int) -> list[SearchHit]:
    literal = "[" + ",".join(f"{v:.7g}" for v in vector) + "]"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('hnsw.ef_search', %s, true)", [str(max(settings.SEARCH_EF, k))])
        cursor.execute(nearest_rows_sql(dataset.id), [literal, literal, k])
        rows = cursor.fetchall()
    # Django hands jsonb to raw cursors as text.
    return [
        SearchHit(id=r[0], score=float(r[1]), text=r[2], fields=json.loads(r[3]) if isinstance(r[3], str) else r[3])
        for r in rows
    ]
