"""Rows of a map as a CSV or Parquet file: every column of the file, in its order, for the given row ids."""

import csv
import io
import json
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.db import connection

from maps.models import Dataset
from maps.queries import require_ready, require_rows

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ROW_ID_COLUMN = "row_id"
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


def neutralise(cell: str) -> str:
    """A leading apostrophe makes a spreadsheet show a would-be formula as text (OWASP's advice)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _columns(dataset: Dataset) -> list[str]:
    # A vector column is hundreds of numbers per row, kept out of the stored fields; the row id leads
    # unless the file has a column of that name.
    names = [c for c in dataset.columns if c != dataset.vector_field]
    return names if ROW_ID_COLUMN in names else [ROW_ID_COLUMN, *names]


def _records(dataset: Dataset, row_ids: list[int]) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT row_id, fields FROM maps_point WHERE dataset_id = %s AND row_id = ANY(%s::int[]) ORDER BY row_id",
            [dataset.id, row_ids],
        )
        rows = cursor.fetchall()
    out = []
    for row_id, fields in rows:
        record = json.loads(fields) if isinstance(fields, str) else dict(fields)
        record.setdefault(ROW_ID_COLUMN, row_id)
        out.append(record)
    return out


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return neutralise(json.dumps(value, ensure_ascii=False))
    # Numbers are written as numbers: -3 is a value, not a formula, and must stay -3.
    return str(value)


def to_csv(columns: list[str], records: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(c) for c in columns])
    for record in records:
        writer.writerow([_csv_cell(record.get(c)) for c in columns])
    return buffer.getvalue().encode("utf-8")


def _arrow_column(values: list[Any]) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # Mixed types in one column (a number here, a string there): JSON text keeps each value exact.
        return pa.array([None if v is None else json.dumps(v, ensure_ascii=False) for v in values], type=pa.string())


def to_parquet(columns: list[str], records: list[dict[str, Any]]) -> bytes:
    table = pa.table({c: _arrow_column([r.get(c) for r in records]) for c in columns})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return bytes(sink.getvalue().to_pybytes())


def export_rows(dataset: Dataset, row_ids: list[int], fmt: str) -> tuple[bytes, str, str]:
    """The file's bytes, its content type and a download name, rows in row-id order."""
    require_ready(dataset)
    require_rows(dataset, row_ids)
    columns = _columns(dataset)
    records = _records(dataset, row_ids)
    body = to_csv(columns, records) if fmt == "csv" else to_parquet(columns, records)
    safe_name = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in dataset.name)[:60] or "map"
    return body, CONTENT_TYPES[fmt], f"{safe_name}-{len(records)}-rows.{fmt}"
