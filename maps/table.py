"""The linked table: a page of a map's rows (all of them, or the ones lit on the map), sorted by any column."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection

from atlas.errors import UserError
from maps.models import Dataset, fields_of
from maps.queries import require_ready, row_key

# Sorting by these names sorts by the row's place in the table, its text or its fine topic; any other name is
# a column of the file, compared as JSON values (numbers by value, then text; empty values last).
OWN_SORTS = {"row_id": "p.row_id", "text": "p.text", "topic": "p.topic"}


@dataclass(frozen=True)
class TablePage:
    total: int
    rows: list[dict[str, Any]]


def _order(dataset: Dataset, sort: str, descending: bool) -> tuple[str, list[Any]]:
    direction = "DESC" if descending else "ASC"
    if sort in OWN_SORTS:
        return f"{OWN_SORTS[sort]} {direction} NULLS LAST, p.row_id", []
    if sort not in dataset.columns or sort == dataset.vector_field:
        raise UserError(
            f"sort={sort!r} is not a column of this map; sort by row_id, text, topic or one of: "
            f"{', '.join(c for c in dataset.columns if c != dataset.vector_field)}."
        )
    # jsonb orders numbers by value and strings as text; a missing or null value goes last either way.
    return f"NULLIF(p.fields -> %s, 'null'::jsonb) {direction} NULLS LAST, p.row_id", [sort]


def table_page(
    dataset: Dataset, row_ids: list[int] | None, sort: str, descending: bool, offset: int, limit: int
) -> TablePage:
    """`limit` rows from `offset` of the map's rows (or of `row_ids`), sorted; with how many there are in all."""
    require_ready(dataset)
    order, order_params = _order(dataset, sort, descending)
    where = "p.dataset_id = %s"
    params: list[Any] = [dataset.id]
    if row_ids is not None:
        where += " AND p.row_id = ANY(%s::int[])"
        params.append(row_ids)
    with connection.cursor() as cursor:
        if row_ids is None:
            total = dataset.row_count or 0
        else:
            cursor.execute(f"SELECT count(*) FROM maps_point p WHERE {where}", params)
            total = int(cursor.fetchone()[0])
        cursor.execute(
            f"SELECT p.row_id, p.text, p.fields, p.topic FROM maps_point p WHERE {where} "
            f"ORDER BY {order} LIMIT %s OFFSET %s",
            [*params, *order_params, limit, offset],
        )
        found = cursor.fetchall()
    rows = []
    for row_id, text, raw, topic in found:
        fields = fields_of(raw)
        rows.append(
            {
                "id": row_id,
                "key": row_key(dataset, fields),
                "text": text,
                "topic": topic,
                "fields": {c: v for c, v in fields.items() if c != dataset.vector_field},
            }
        )
    return TablePage(total, rows)
