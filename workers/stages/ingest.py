"""Ingest: read an upload of any supported format into the texts to embed and the typed fields of every row.

One path for the browser, the API and the import command: unwrap (.gz / .zip) -> judge the format by
content and extension -> decode text -> read with the format's reader -> check limits.
"""

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq

from workers.stages.coltypes import infer_types
from workers.stages.delimited import read_delimited
from workers.stages.errors import FieldTooLarge, HeaderOnly, NotATable, TruncatedFile
from workers.stages.jsontables import read_json
from workers.stages.mapping import RowMapping, map_rows
from workers.stages.sources import FORMAT_NAMES, Limits, Unwrapped, extension_format, read_head, sniff, unwrap
from workers.stages.tables import RawTable, arrow_rows, check_column_names
from workers.stages.textscan import decoded

__all__ = ["IngestResult", "Limits", "Preview", "RowMapping", "TableRead", "preview", "read_dataset", "read_table"]

PREVIEW_ROWS = 50
# Enough text for 50 rows of long documents; a preview never decodes more.
PREVIEW_HEAD_BYTES = 8 * 1024 * 1024
TEXT_FORMATS = ("csv", "tsv", "json", "jsonl")
BINARY_FORMATS = ("parquet", "arrow")
# The dimension of the database's vector column (maps.models.EMBEDDING_DIMENSIONS); precomputed vectors must match.
VECTOR_DIMENSIONS = 384
EXTENSION_OF = {"parquet": ".parquet", "arrow": ".arrow"}


@dataclass(frozen=True)
class TableRead:
    format: str
    compression: str | None
    encoding: str | None
    table: RawTable
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class IngestResult:
    columns: list[str]
    texts: list[str]
    records: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)
    # Precomputed vectors from the upload's vector column; None: the build embeds the texts.
    vectors: npt.NDArray[np.float32] | None = None

    @property
    def row_count(self) -> int:
        return len(self.texts)


@dataclass(frozen=True)
class Preview:
    format: str
    compression: str | None
    encoding: str | None
    columns: list[dict[str, str]]
    rows: list[dict[str, Any]]
    warnings: list[str]

    @property
    def column_names(self) -> list[str]:
        return [column["name"] for column in self.columns]


def read_table(
    path: Path, display_name: str, limits: Limits, max_rows: int | None = None, partial: bool = False
) -> TableRead:
    """Read path whole, or only its first max_rows rows (a preview); partial: path is a head of the file."""
    with unwrap(path, display_name, limits, preview=max_rows is not None, partial=partial) as source:
        fmt = judge_format(source)
        if fmt in BINARY_FORMATS:
            if source.truncated:
                raise TruncatedFile(f"Only the start of {source.name} arrived; upload the whole file.")
            table = read_binary(source.path, source.name, fmt, limits, max_rows)
            read = TableRead(fmt, source.compression, None, table, table.warnings)
        else:
            head = PREVIEW_HEAD_BYTES if max_rows is not None else None
            with decoded(source.path, source.name, head) as text:
                cut = text.cut or source.truncated
                if fmt in ("json", "jsonl"):
                    table = read_json(text.path, source.name, limits, max_rows, cut)
                else:
                    table = read_delimited(text.path, source.name, fmt, limits, max_rows, cut)
                read = TableRead(table.kind, source.compression, text.encoding, table, text.warnings + table.warnings)
        check_field_sizes(table, source.name, limits)
        return read


def judge_format(source: Unwrapped) -> str:
    """The format by content; an extension that names another table format is refused."""
    head = read_head(source.path, 4096)
    content = sniff(head)
    claimed = extension_format(source.member)
    if content in BINARY_FORMATS:
        if claimed in TEXT_FORMATS:
            raise NotATable(
                f"{source.name} is a {FORMAT_NAMES[content]} file, not {FORMAT_NAMES[claimed]}: rename it "
                f"{EXTENSION_OF[content]} and upload it again."
            )
        return content
    if claimed in BINARY_FORMATS:
        start = head[:24].decode("utf-8", errors="replace")
        textual = all(c.isprintable() or c in "\t\r\n" for c in start)
        found = f"it holds text starting with {start!r}" if textual else "it lacks that format's signature"
        raise NotATable(
            f"{source.name} is not a {FORMAT_NAMES[claimed]} file: {found}. If it is CSV or JSON, give it that "
            "extension; otherwise export it again."
        )
    if claimed in TEXT_FORMATS:
        return claimed
    # No telling extension (.txt, none): JSON opens with '[' or '{', anything else is read as delimited text.
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return "json" if stripped[:1] in (b"[", b"{") else "csv"


def read_binary(path: Path, name: str, fmt: str, limits: Limits, max_rows: int | None) -> RawTable:
    try:
        table = (
            _read_parquet(path, name, limits, max_rows)
            if fmt == "parquet"
            else _read_arrow(path, name, limits, max_rows)
        )
    except (pa.ArrowException, OSError) as exc:
        raise TruncatedFile(
            f"{name} is cut short or damaged ({exc}). Upload the complete file again; if it was downloaded, "
            "download it again."
        ) from None
    if table.num_rows == 0:
        raise HeaderOnly(f"{name} has columns ({', '.join(table.column_names)}) but no rows. Export it with its rows.")
    return RawTable(columns=list(table.column_names), rows=arrow_rows(table), kind=fmt)


def _read_parquet(path: Path, name: str, limits: Limits, max_rows: int | None) -> pa.Table:
    parquet = pq.ParquetFile(path)
    check_column_names(list(parquet.schema_arrow.names), name, limits)
    if max_rows is None:
        return parquet.read()
    batches = list(itertools.islice(parquet.iter_batches(batch_size=max_rows), 1))
    return pa.Table.from_batches(batches, schema=parquet.schema_arrow)


def _read_arrow(path: Path, name: str, limits: Limits, max_rows: int | None) -> pa.Table:
    head = read_head(path, 8)
    if head.startswith(b"FEA1"):  # Feather version 1 predates the IPC file format
        table = feather.read_table(str(path))
        check_column_names(list(table.column_names), name, limits)
        return table if max_rows is None else table.slice(0, max_rows)
    with pa.memory_map(str(path)) as source:
        reader = pa.ipc.open_file(source) if head.startswith(b"ARROW1") else pa.ipc.open_stream(source)
        check_column_names(list(reader.schema.names), name, limits)
        if max_rows is None:
            return reader.read_all()
        batches, rows = [], 0
        batch_iter = (
            (reader.get_batch(i) for i in range(reader.num_record_batches))
            if isinstance(reader, pa.ipc.RecordBatchFileReader)
            else iter(reader)
        )
        for batch in batch_iter:
            batches.append(batch)
            rows += batch.num_rows
            if rows >= max_rows:
                break
        return pa.Table.from_batches(batches, schema=reader.schema).slice(0, max_rows)


def check_field_sizes(table: RawTable, name: str, limits: Limits) -> None:
    limit = limits.max_field_bytes
    for index, row in enumerate(table.rows):
        for column, value in row.items():
            # A UTF-8 character is at most 4 bytes: most values are cleared without encoding them.
            if isinstance(value, str) and len(value) * 4 > limit and (size := len(value.encode("utf-8"))) > limit:
                raise FieldTooLarge(
                    f"{table.where(index).capitalize()} of {name}, column {column!r}, holds {size:,} bytes, over the "
                    f"limit of {limit:,} bytes for one value (ATLAS_MAX_FIELD_BYTES). Shorten it (only its start is "
                    "embedded) or raise the limit."
                )


def read_dataset(
    path: Path, display_name: str, mapping: RowMapping, limits: Limits, vector_dims: int = VECTOR_DIMENSIONS
) -> IngestResult:
    """Every row of the upload: the texts to embed (or its precomputed vectors) and every column as typed fields."""
    read = read_table(path, display_name, limits)
    mapped = map_rows(read.table, mapping, display_name, vector_dims)
    return IngestResult(
        columns=read.table.columns,
        texts=mapped.texts,
        records=mapped.records,
        warnings=read.warnings,
        vectors=mapped.vectors,
    )


def preview(
    path: Path, display_name: str, limits: Limits, partial: bool = False, mapping: RowMapping | None = None
) -> Preview:
    """The first rows with each column's inferred type, read by the same readers as a build.

    With a mapping, its checks run on those rows too, so a bad choice is refused at upload time.
    """
    read = read_table(path, display_name, limits, max_rows=PREVIEW_ROWS, partial=partial)
    if mapping is not None:
        map_rows(read.table, mapping, display_name, VECTOR_DIMENSIONS, whole=False)
    rows = read.table.rows[:PREVIEW_ROWS]
    return Preview(
        format=read.format,
        compression=read.compression,
        encoding=read.encoding,
        columns=infer_types(read.table.columns, rows),
        rows=rows,
        warnings=read.warnings,
    )
