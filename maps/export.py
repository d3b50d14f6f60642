"""Rows of a map as a CSV or Parquet file: every column of the file, in its order, for the given row ids.

Both formats are produced as a stream of byte chunks, one per batch of rows read from the database, so
exporting a million rows never holds the whole file (or every record) in memory at once.
"""

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
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
# Rows read (and, for Parquet, written as one row group) at a time.
BATCH_ROWS = 5000

Record = dict[str, Any]


def neutralise(cell: str) -> str:
    """A leading apostrophe makes a spreadsheet show a would-be formula as text (OWASP's advice)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _columns(dataset: Dataset) -> list[str]:
    # A vector column is hundreds of numbers per row, kept out of the stored fields; the row id leads
    # unless the file has a column of that name.
    names = [c for c in dataset.columns if c != dataset.vector_field]
    return names if ROW_ID_COLUMN in names else [ROW_ID_COLUMN, *names]


def _batches(dataset: Dataset, row_ids: list[int]) -> Iterator[list[Record]]:
    """The records of the given rows in row-id order, BATCH_ROWS at a time."""
    ordered = sorted(row_ids)
    for start in range(0, len(ordered), BATCH_ROWS):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT row_id, fields FROM maps_point WHERE dataset_id = %s AND row_id = ANY(%s::int[]) "
                "ORDER BY row_id",
                [dataset.id, ordered[start : start + BATCH_ROWS]],
            )
            rows = cursor.fetchall()
        batch = []
        for row_id, fields in rows:
            record = json.loads(fields) if isinstance(fields, str) else dict(fields)
            record.setdefault(ROW_ID_COLUMN, row_id)
            batch.append(record)
        yield batch


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


def csv_chunks(columns: list[str], batches: Iterable[list[Record]]) -> Iterator[bytes]:
    """The header, then one chunk of lines per batch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(c) for c in columns])
    for batch in batches:
        for record in batch:
            writer.writerow([_csv_cell(record.get(c)) for c in columns])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def to_csv(columns: list[str], records: list[Record]) -> bytes:
    return b"".join(csv_chunks(columns, [records]))


# --- Parquet: one schema for the whole file, decided before the first row group is written. ---


@dataclass
class ColumnKinds:
    """The JSON kinds a column holds over the exported rows ("number", "string", ...; nulls left out)."""

    kinds: set[str]
    # Every number in the column is a whole number.
    integral: bool = True


def arrow_type(found: ColumnKinds | None) -> pa.DataType:
    """Numbers, strings and booleans keep their type; nested values and columns that mix kinds are exact
    JSON text, since one Parquet column holds one type."""
    kinds = found.kinds if found else set()
    if kinds == {"number"}:
        return pa.int64() if found and found.integral else pa.float64()
    if kinds == {"boolean"}:
        return pa.bool_()
    return pa.string()


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def kinds_of(columns: list[str], records: list[Record]) -> dict[str, ColumnKinds]:
    out = {c: ColumnKinds(set()) for c in columns}
    for record in records:
        for c in columns:
            value: Any = record.get(c)
            kind = _json_kind(value)
            if kind == "null":
                continue
            out[c].kinds.add(kind)
            if kind == "number" and not float(value).is_integer():
                out[c].integral = False
    return out


# One pass over the exported rows: which JSON kinds each field holds and whether its numbers are whole.
_KINDS_SQL = (
    "SELECT f.key, array_agg(DISTINCT jsonb_typeof(f.value)), "
    "bool_and(CASE WHEN jsonb_typeof(f.value) = 'number' THEN (f.value)::numeric %% 1 = 0 "
    "AND abs((f.value)::numeric) < 9e18 ELSE true END) "
    "FROM maps_point p, jsonb_each(p.fields) f WHERE p.dataset_id = %s AND p.row_id = ANY(%s::int[]) GROUP BY f.key"
)


def _stored_kinds(dataset: Dataset, columns: list[str], row_ids: list[int]) -> dict[str, ColumnKinds]:
    with connection.cursor() as cursor:
        cursor.execute(_KINDS_SQL, [dataset.id, row_ids])
        found = {key: ColumnKinds(set(kinds) - {"null"}, bool(integral)) for key, kinds, integral in cursor.fetchall()}
    if ROW_ID_COLUMN not in found:
        found[ROW_ID_COLUMN] = ColumnKinds({"number"})
    return {c: found.get(c, ColumnKinds(set())) for c in columns}


def _as_json(found: ColumnKinds) -> bool:
    return arrow_type(found) == pa.string() and found.kinds not in (set(), {"string"})


def _arrow_column(values: list[Any], kind: pa.DataType, as_json: bool) -> pa.Array:
    if as_json:
        # Every value as its exact JSON, so "1" (text) and 1 (a number) stay apart in one text column.
        values = [None if v is None else json.dumps(v, ensure_ascii=False) for v in values]
    return pa.array(values, type=kind)


class _Drain:
    """A write-only file that hands out what was written since the last drain."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._written = 0
        self.closed = False

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self._written += len(data)
        return len(data)

    def tell(self) -> int:
        return self._written

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def drain(self) -> bytes:
        out = b"".join(self._parts)
        self._parts = []
        return out


def parquet_chunks(kinds: dict[str, ColumnKinds], batches: Iterable[list[Record]]) -> Iterator[bytes]:
    """One row group per batch; each chunk is the bytes that batch added, the last one the footer."""
    schema = pa.schema([(c, arrow_type(k)) for c, k in kinds.items()])
    as_json = {c: _as_json(k) for c, k in kinds.items()}
    sink = _Drain()
    writer = pq.ParquetWriter(sink, schema)
    try:
        for batch in batches:
            columns = {f.name: _arrow_column([r.get(f.name) for r in batch], f.type, as_json[f.name]) for f in schema}
            writer.write_table(pa.table(columns, schema=schema))
            yield sink.drain()
    finally:
        writer.close()
    yield sink.drain()


def to_parquet(columns: list[str], records: list[Record]) -> bytes:
    return b"".join(parquet_chunks(kinds_of(columns, records), [records]))


@dataclass(frozen=True)
class Export:
    chunks: Iterator[bytes]
    content_type: str
    filename: str


def export_rows(dataset: Dataset, row_ids: list[int], fmt: str) -> Export:
    """The file as a stream of chunks, its content type and a download name; rows in row-id order.

    Every check (the map is ready, every row exists) runs before the first chunk, so a bad request gets a
    clear error rather than a cut-off file.
    """
    require_ready(dataset)
    require_rows(dataset, row_ids)
    columns = _columns(dataset)
    batches = _batches(dataset, row_ids)
    if fmt == "csv":
        chunks = csv_chunks(columns, batches)
    else:
        chunks = parquet_chunks(_stored_kinds(dataset, columns, row_ids), batches)
    safe_name = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in dataset.name)[:60] or "map"
    return Export(chunks, CONTENT_TYPES[fmt], f"{safe_name}-{len(row_ids)}-rows.{fmt}")
