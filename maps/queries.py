"""Every read the pages and the API need: dataset status, the Arrow point payload, topics and tags.

Search and retrieval are maps.retrieval."""

import uuid
from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa
from django.db import connection
from django.db.models import Count, QuerySet

from atlas.errors import InvalidUpload, NotFound, NotReady
from maps import layout, progress
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


def retryable(dataset_id: str, who: Caller) -> Dataset:
    """A failed or cancelled map the caller may edit, to fix and upload again."""
    dataset = get_dataset(dataset_id, who, Need.EDIT)
    if dataset.status not in (Dataset.Status.FAILED, Dataset.Status.CANCELLED):
        raise InvalidUpload(
            f"The map {dataset.name!r} is {dataset.status}; only a failed or cancelled upload can be fixed and "
            "retried. Leave retry_of out to make a new map."
        )
    return dataset


def require_ready(dataset: Dataset) -> Dataset:
    if dataset.status != Dataset.Status.READY:
        raise NotReady(f"Dataset {dataset.id} is {dataset.status}, not ready yet; poll its status until it is.")
    return dataset


def dataset_summary(dataset: Dataset) -> dict[str, Any]:
    return {
        "id": str(dataset.id),
        "name": dataset.name,
        "status": dataset.status,
        "progress": {
            "stage": dataset.stage,
            "done": dataset.progress_done,
            "total": dataset.progress_total,
            **progress.timing(dataset),
        },
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
        "passages": {"tokens": dataset.passage_tokens, "overlap": dataset.passage_overlap}
        if dataset.passage_tokens
        else None,
        "filename": dataset.source_filename,
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
            "edited": t.edited,
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


def fine_topics_under(dataset_id: uuid.UUID, wanted: Iterable[int]) -> dict[int, list[int]]:
    """Each wanted topic's fine topics (the ones points carry): itself when fine, else its descendants that are;
    a topic the map lacks is left out."""
    children: dict[int, list[int]] = {}
    levels: dict[int, str] = {}
    for topic_id, parent, level in Topic.objects.filter(dataset_id=dataset_id).values_list(
        "topic_id", "parent", "level"
    ):
        levels[topic_id] = level
        if parent is not None:
            children.setdefault(parent, []).append(topic_id)
    members: dict[int, list[int]] = {}
    for topic in wanted:
        if topic not in levels:
            continue
        found, todo = [], [topic]
        while todo:
            current = todo.pop()
            if levels.get(current) == Topic.Level.FINE:
                found.append(current)
            todo.extend(children.get(current, []))
        members[topic] = found
    return members


def row_key(dataset: Dataset, fields: dict[str, Any]) -> Any:
    """A row's value in the dataset's id column (null without one); its id stays the row's position."""
    return fields.get(dataset.id_field) if dataset.id_field else None


def point_detail(dataset: Dataset, row_id: int) -> dict[str, Any]:
    point = Point.objects.filter(dataset=dataset, row_id=row_id).values("row_id", "text", "fields", "topic").first()
    if point is None:
        raise NotFound(f"Dataset {dataset.id} has no row {row_id}.")
    fields = point["fields"]
    key = row_key(dataset, fields)
    return {"id": point["row_id"], "key": key, "text": point["text"], "fields": fields, "topic": point["topic"]}


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
