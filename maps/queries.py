"""Every read the pages and the API need: dataset status, the Arrow point payload, topics, search and tags."""

import json
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, QuerySet

from atlas.errors import NotFound, NotReady, UserError
from maps import layout
from maps.indexes import TEXT_SEARCH_CONFIG, TSVECTOR_SQL
from maps.models import Dataset, Point, Tag, TaggedRow, Topic
from teams import access
from teams.access import Caller, Need

ARROW_STREAM_TYPE = "application/vnd.apache.arrow.stream"


def list_datasets(who: Caller) -> QuerySet[Dataset]:
    """The datasets of every workspace the caller belongs to, newest first."""
    if who.user is None:
        return Dataset.objects.none()
    return Dataset.objects.filter(workspace__memberships__user=who.user).select_related("workspace")


def get_dataset(dataset_id: str, who: Caller, need: Need) -> Dataset:
    """The one place dataset-scoped views fetch a dataset: 404 unless the caller may see it, 403 unless it
    may also do `need` (teams.access)."""
    try:
        found = Dataset.objects.get(id=uuid.UUID(str(dataset_id)))
    except (ValueError, Dataset.DoesNotExist):
        raise NotFound(f"No dataset with id {dataset_id!r}.") from None
    return access.check_dataset(who, found, need)


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
        "label_field": dataset.label_field,
        "layout": {**layout.defaults(), **dataset.layout},
        "columns": dataset.columns,
        "read_options": dataset.read_options,
        "model": dataset.model_name,
        "timings": dataset.timings,
        "quality": dataset.quality,
        "created_at": dataset.created_at.isoformat(),
        "url": f"/maps/{dataset.id}",
        "workspace": str(dataset.workspace_id) if dataset.workspace_id else None,
        "visibility": dataset.visibility,
    }


def points_etag(dataset: Dataset) -> str:
    """Names one build's layout: a rebuild sets a new finished_at, so a cached payload is never reused."""
    require_ready(dataset)
    assert dataset.finished_at is not None, "a ready dataset has finished_at"
    return f'"{dataset.id}-{dataset.finished_at.timestamp():.6f}"'


def points_arrow(dataset: Dataset) -> bytes:
    """Every point as an Arrow IPC stream: id (int32), x, y (float32), topic (int16)."""
    require_ready(dataset)
    # A plain cursor and one numpy conversion: at a million rows the ORM's per-row work took most of the time.
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_id, x, y, topic FROM maps_point WHERE dataset_id = %s ORDER BY row_id", [dataset.id])
        rows = np.array(cursor.fetchall(), dtype=np.float64).reshape(-1, 4)
    table = pa.table(
        {
            "id": pa.array(rows[:, 0].astype(np.int32)),
            "x": pa.array(rows[:, 1].astype(np.float32)),
            "y": pa.array(rows[:, 2].astype(np.float32)),
            "topic": pa.array(rows[:, 3].astype(np.int16)),
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
    from embedding import get_encoder

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


@dataclass(frozen=True)
class SearchRequest:
    mode: str
    query: str
    k: int
    # Hits scoring below this are left out; None keeps all k.
    threshold: float | None
    # The row "similar" mode starts from.
    row: int | None


def run_search(dataset: Dataset, request: SearchRequest) -> list[SearchHit]:
    if request.mode == "keyword":
        hits = keyword_search(dataset, request.query, request.k)
    elif request.mode == "similar":
        assert request.row is not None, "SearchParams sets row for similar"
        hits = neighbors(dataset, request.row, request.k)
    else:
        hits = search(dataset, request.query, request.k)
    if request.threshold is not None:
        hits = [hit for hit in hits if hit.score >= request.threshold]
    return hits


def keyword_rows_sql(dataset_id: uuid.UUID) -> str:
    """Rows whose text matches a web-search style query (quotes, OR, -word), best ts_rank first.

    The dataset id is a literal and the tsvector expression is the index's own (maps.indexes), so the
    planner can use the dataset's GIN index; parameters: the query and k.
    """
    return (
        f"SELECT row_id, ts_rank({TSVECTOR_SQL}, q) AS score, text, fields "
        f"FROM maps_point, websearch_to_tsquery('{TEXT_SEARCH_CONFIG}', %s) AS q "
        f"WHERE dataset_id = '{dataset_id}'::uuid AND {TSVECTOR_SQL} @@ q "
        "ORDER BY score DESC, row_id LIMIT %s"
    )


def keyword_search(dataset: Dataset, query: str, k: int) -> list[SearchHit]:
    """Postgres full-text search over the rows' text; scores are ts_rank values (higher is better)."""
    require_ready(dataset)
    query = query.strip()
    if not query:
        raise UserError("The search query is empty: pass the words to look for as ?q=...")
    with connection.cursor() as cursor:
        cursor.execute(keyword_rows_sql(dataset.id), [query, k])
        rows = cursor.fetchall()
    return [
        SearchHit(id=r[0], score=float(r[1]), text=r[2], fields=json.loads(r[3]) if isinstance(r[3], str) else r[3])
        for r in rows
    ]


def require_rows(dataset: Dataset, row_ids: list[int]) -> None:
    """Every id names a row of this dataset; otherwise a 404 naming the first few that do not."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(r) FROM unnest(%s::int[]) AS r "
            "WHERE NOT EXISTS (SELECT 1 FROM maps_point p WHERE p.dataset_id = %s AND p.row_id = r)",
            [row_ids, dataset.id],
        )
        missing = cursor.fetchone()[0] or []
    if missing:
        shown = ", ".join(str(r) for r in sorted(missing)[:10])
        raise NotFound(
            f"Dataset {dataset.id} has no row(s) {shown}{' …' if len(missing) > 10 else ''}; "
            f"row ids run from 0 to {(dataset.row_count or 1) - 1}."
        )


def tags(dataset: Dataset) -> list[dict[str, Any]]:
    """Every tag of a map with how many rows carry it, oldest first."""
    found = Tag.objects.filter(dataset=dataset).annotate(count=Count("rows")).order_by("id")
    return [tag_summary(t, t.count) for t in found]


def tag_summary(tag: Tag, count: int) -> dict[str, Any]:
    return {"id": tag.id, "name": tag.name, "colour": tag.colour, "count": count}


def get_tag(dataset: Dataset, tag_id: int) -> Tag:
    try:
        return Tag.objects.get(dataset=dataset, id=tag_id)
    except Tag.DoesNotExist:
        raise NotFound(f"Dataset {dataset.id} has no tag {tag_id}; GET .../tags lists its tags.") from None


def tagged_row_ids(tag: Tag) -> list[int]:
    return list(TaggedRow.objects.filter(tag=tag).order_by("row_id").values_list("row_id", flat=True))
