"""Rows of a map as a CSV or Parquet file a notebook can use: the map's own columns (row id, the id column,
x, y, the topic id and label at each level, tags), then every column of the file in its order.

Both formats are produced as a stream of byte chunks, one per batch of rows read from the database, so
exporting a million rows never holds the whole file (or every record) in memory at once.

A CSV meant for a spreadsheet prefixes each cell a spreadsheet would run as a formula with an apostrophe;
a plain CSV and Parquet keep every value as it is stored.
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

from maps.models import Dataset, Tag, Topic, fields_of
from maps.queries import require_ready, require_rows

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# In a CSV the tags of a row are one cell, their names joined by this (Parquet keeps them a list).
TAG_SEPARATOR = "; "
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}
# Rows read (and, for Parquet, written as one row group) at a time.
BATCH_ROWS = 5000

Record = dict[str, Any]


def neutralise(cell: str) -> str:
    """A leading apostrophe makes a spreadsheet show a would-be formula as text (OWASP's advice)."""
    return "'" + cell if _risky(cell) else cell


@dataclass(frozen=True)
class Layout:
    """The header of an export and where each column comes from.

    The map's own columns take their plain names ("x", "topic_fine", ...) unless the file has a column of
    that name: then the map's one is written "atlas_x", so no file column is ever lost or renamed.
    """

    # The map's columns: their role ("row_id", "x", "y", "topic_<level>", "topic_<level>_label", "tags") ->
    # their name in this export.
    own: dict[str, str]
    # Every column in order: the row id, the id column, the map's columns, then the file's other columns.
    columns: list[str]
    # Where the map's columns come from, read once per export: the topics and the tags' names.
    tree: "TopicTree"
    tag_names: dict[int, str]

    @property
    def levels(self) -> list[str]:
        """The topic levels present, broad first."""
        return self.tree.levels()


def _free(name: str, taken: set[str]) -> str:
    while name in taken:
        name = "atlas_" + name
    return name


def layout_of(dataset: Dataset) -> Layout:
    tree = TopicTree.of(dataset)
    levels = tree.levels()
    # A vector column is hundreds of numbers per row, kept out of the stored fields.
    file = [c for c in dataset.columns if c != dataset.vector_field]
    taken = set(file)
    roles = ["row_id", "x", "y"]
    for level in levels:
        roles += [f"topic_{level}", f"topic_{level}_label"]
    roles.append("tags")
    own = {role: _free(role, taken) for role in roles}
    key = [dataset.id_field] if dataset.id_field in taken else []
    rest = [c for c in file if c not in key]
    columns = [own["row_id"], *key, *(own[r] for r in roles[1:]), *rest]
    return Layout(own, columns, tree, _tag_names(dataset))


@dataclass(frozen=True)
class TopicTree:
    """Each topic's level, label and parent, to name a row's topic at every level from its fine topic."""

    topics: dict[int, tuple[str, str, int | None]]

    @classmethod
    def of(cls, dataset: Dataset) -> "TopicTree":
        found = Topic.objects.filter(dataset=dataset).values_list("topic_id", "level", "label", "parent")
        return cls({t: (level, label, parent) for t, level, label, parent in found})

    def levels(self) -> list[str]:
        present = {level for level, _, _ in self.topics.values()}
        return [level for level in LEVELS if level in present]

    def chain(self, fine: int | None) -> dict[str, tuple[int, str]]:
        """level -> (topic id, label) for the row's fine topic and every topic above it."""
        out: dict[str, tuple[int, str]] = {}
        topic = fine
        while topic is not None and topic in self.topics and len(out) < len(LEVELS):
            level, label, parent = self.topics[topic]
            out[level] = (topic, label)
            topic = parent
        return out


# Broad first: the order of the topic columns.
LEVELS = ("broad", "mid", "fine")


def _tag_names(dataset: Dataset) -> dict[int, str]:
    return dict(Tag.objects.filter(dataset=dataset).values_list("id", "name"))


_ROWS_SQL = (
    "SELECT p.row_id, p.fields, p.x, p.y, p.topic, "
    "ARRAY(SELECT tr.tag_id FROM maps_taggedrow tr JOIN maps_tag t ON t.id = tr.tag_id "
    "WHERE t.dataset_id = p.dataset_id AND tr.row_id = p.row_id ORDER BY tr.tag_id) "
    "FROM maps_point p WHERE p.dataset_id = %s AND p.row_id = ANY(%s::int[]) ORDER BY p.row_id"
)


def _batches(dataset: Dataset, row_ids: list[int], layout: Layout) -> Iterator[list[Record]]:
    """The records of the given rows in row-id order, BATCH_ROWS at a time; tags are a list of names."""
    tree, names, own = layout.tree, layout.tag_names, layout.own
    ordered = sorted(row_ids)
    for start in range(0, len(ordered), BATCH_ROWS):
        with connection.cursor() as cursor:
            cursor.execute(_ROWS_SQL, [dataset.id, ordered[start : start + BATCH_ROWS]])
            rows = cursor.fetchall()
        batch = []
        for row_id, fields, x, y, topic, tag_ids in rows:
            record = fields_of(fields)
            record |= {own["row_id"]: row_id, own["x"]: x, own["y"]: y, own["tags"]: [names[t] for t in tag_ids]}
            chain = tree.chain(topic)
            for level in layout.levels:
                topic_id, label = chain.get(level, (None, None))
                record |= {own[f"topic_{level}"]: topic_id, own[f"topic_{level}_label"]: label}
            batch.append(record)
        yield batch


def _joined_tags(tags: str, batches: Iterable[list[Record]]) -> Iterator[list[Record]]:
    """Each row's tags as one cell of text, for a CSV."""
    for batch in batches:
        yield [record | {tags: TAG_SEPARATOR.join(record[tags])} for record in batch]


def _csv_cell(value: Any, guard: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        # Numbers are written as numbers: -3 is a value, not a formula, and must stay -3.
        return str(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return neutralise(text) if guard else text


def csv_chunks(columns: list[str], batches: Iterable[list[Record]], spreadsheet: bool) -> Iterator[bytes]:
    """The header, then one chunk of lines per batch; for a spreadsheet, would-be formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_csv_cell(c, spreadsheet) for c in columns])
    for batch in batches:
        for record in batch:
            writer.writerow([_csv_cell(record.get(c), spreadsheet) for c in columns])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def to_csv(columns: list[str], records: list[Record], spreadsheet: bool = True) -> bytes:
    return b"".join(csv_chunks(columns, [records], spreadsheet))


def _formula_sql(column: str) -> str:
    return f"left({column}, 1) = ANY(%s::text[])"


# String values of the exported file columns that a spreadsheet would run.
_FORMULA_FIELDS_SQL = (
    "SELECT count(*) FROM maps_point p, jsonb_each(p.fields) f WHERE p.dataset_id = %s "
    "AND p.row_id = ANY(%s::int[]) AND f.key = ANY(%s::text[]) AND jsonb_typeof(f.value) = 'string' "
    "AND " + _formula_sql("f.value #>> '{}'")
)
# Exported rows per fine topic, and per first tag (a row's tags cell starts with its first tag's name).
_TOPIC_ROWS_SQL = (
    "SELECT topic, count(*) FROM maps_point WHERE dataset_id = %s AND row_id = ANY(%s::int[]) GROUP BY topic"
)
_FIRST_TAG_ROWS_SQL = (
    "SELECT first.tag_id, count(*) FROM (SELECT DISTINCT ON (tr.row_id) tr.tag_id FROM maps_taggedrow tr "
    "JOIN maps_tag t ON t.id = tr.tag_id WHERE t.dataset_id = %s AND tr.row_id = ANY(%s::int[]) "
    "ORDER BY tr.row_id, tr.tag_id) first GROUP BY first.tag_id"
)


def _risky(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def neutralised_cells(dataset: Dataset, row_ids: list[int], layout: Layout) -> int:
    """How many cells of the spreadsheet CSV of these rows get a leading apostrophe, counted before the file
    is written (it is streamed, so its end comes too late to say so)."""
    count = sum(_risky(c) for c in layout.columns)
    own = set(layout.own.values())
    file_columns = [c for c in layout.columns if c not in own]
    starts = list(FORMULA_STARTS)
    tree, names = layout.tree, layout.tag_names
    with connection.cursor() as cursor:
        cursor.execute(_FORMULA_FIELDS_SQL, [dataset.id, row_ids, file_columns, starts])
        count += int(cursor.fetchone()[0])
        cursor.execute(_TOPIC_ROWS_SQL, [dataset.id, row_ids])
        for topic, rows in cursor.fetchall():
            labels = [label for _, label in tree.chain(topic).values()]
            count += rows * sum(_risky(label) for label in labels)
        cursor.execute(_FIRST_TAG_ROWS_SQL, [dataset.id, row_ids])
        count += sum(rows for tag, rows in cursor.fetchall() if _risky(names[tag]))
    return int(count)


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


@dataclass(frozen=True)
class ParquetColumn:
    name: str
    type: pa.DataType
    # Values written as their exact JSON text (a nested value, or a column mixing kinds).
    as_json: bool = False


def parquet_columns(kinds: dict[str, ColumnKinds]) -> list[ParquetColumn]:
    return [ParquetColumn(c, arrow_type(k), _as_json(k)) for c, k in kinds.items()]


def parquet_chunks(plan: list[ParquetColumn], batches: Iterable[list[Record]]) -> Iterator[bytes]:
    """One row group per batch; each chunk is the bytes that batch added, the last one the footer."""
    schema = pa.schema([(c.name, c.type) for c in plan])
    sink = _Drain()
    writer = pq.ParquetWriter(sink, schema)
    try:
        for batch in batches:
            columns = {c.name: _arrow_column([r.get(c.name) for r in batch], c.type, c.as_json) for c in plan}
            writer.write_table(pa.table(columns, schema=schema))
            yield sink.drain()
    finally:
        writer.close()
    yield sink.drain()


def to_parquet(columns: list[str], records: list[Record]) -> bytes:
    return b"".join(parquet_chunks(parquet_columns(kinds_of(columns, records)), [records]))


def _own_type(role: str) -> pa.DataType:
    if role in ("x", "y"):
        return pa.float64()
    if role == "tags":
        return pa.list_(pa.string())
    return pa.string() if role.endswith("_label") else pa.int64()


def _parquet_plan(dataset: Dataset, layout: Layout, row_ids: list[int]) -> list[ParquetColumn]:
    """The map's columns with their fixed types, the file's with the types their stored values hold."""
    roles = {name: role for role, name in layout.own.items()}
    file_columns = [c for c in layout.columns if c not in roles]
    kinds = _stored_kinds(dataset, file_columns, row_ids)
    return [
        ParquetColumn(c, _own_type(roles[c]))
        if c in roles
        else ParquetColumn(c, arrow_type(kinds[c]), _as_json(kinds[c]))
        for c in layout.columns
    ]


@dataclass(frozen=True)
class Export:
    chunks: Iterator[bytes]
    content_type: str
    filename: str
    # For a CSV meant for a spreadsheet: how many cells got a leading apostrophe (None for other files).
    neutralised: int | None = None


def export_rows(dataset: Dataset, row_ids: list[int], fmt: str, spreadsheet: bool = False) -> Export:
    """The file as a stream of chunks, its content type and a download name; rows in row-id order.

    Every check (the map is ready, every row exists) runs before the first chunk, so a bad request gets a
    clear error rather than a cut-off file.
    """
    require_ready(dataset)
    require_rows(dataset, row_ids)
    layout = layout_of(dataset)
    batches = _batches(dataset, row_ids, layout)
    neutralised = None
    if fmt == "csv":
        chunks = csv_chunks(layout.columns, _joined_tags(layout.own["tags"], batches), spreadsheet)
        neutralised = neutralised_cells(dataset, row_ids, layout) if spreadsheet else None
    else:
        chunks = parquet_chunks(_parquet_plan(dataset, layout, row_ids), batches)
    safe_name = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in dataset.name)[:60] or "map"
    return Export(chunks, CONTENT_TYPES[fmt], f"{safe_name}-{len(row_ids)}-rows.{fmt}", neutralised)
