"""The format of an upload, judged by its content and its name, and the readers of the binary formats (Parquet,
Arrow IPC / Feather), which stream record batches as raw tables."""

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq

from tables.errors import HeaderOnly, NotATable, TruncatedFile
from tables.raw import RawTable, TableStream, arrow_rows, check_column_names, numeric_matrix
from tables.sources import FORMAT_NAMES, Limits, Unwrapped, extension_format, read_head, sniff

TEXT_FORMATS = ("csv", "tsv", "json", "jsonl")
BINARY_FORMATS = ("parquet", "arrow")
EXTENSION_OF = {"parquet": ".parquet", "arrow": ".arrow"}


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


def _damaged(name: str, exc: Exception) -> TruncatedFile:
    return TruncatedFile(
        f"{name} is cut short or damaged ({exc}). Upload the complete file again; if it was downloaded, "
        "download it again."
    )


def open_binary(
    path: Path, name: str, fmt: str, limits: Limits, batch_rows: int, vector_column: str = ""
) -> TableStream:
    """The file's record batches as raw tables; the vector column, when it holds one length of numbers
    throughout, as an array beside the rows (a million 384-d rows as Python floats took minutes)."""
    try:
        schema, batches = _parquet_batches(path, batch_rows) if fmt == "parquet" else _arrow_batches(path, batch_rows)
    except (pa.ArrowException, OSError) as exc:
        raise _damaged(name, exc) from None
    columns = list(schema.names)
    check_column_names(columns, name, limits)
    return TableStream(fmt, columns, [], _binary_rows(batches, name, fmt, columns, vector_column))


def _binary_rows(
    batches: Iterator[pa.RecordBatch], name: str, fmt: str, columns: list[str], vector_column: str
) -> Iterator[RawTable]:
    done = 0
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            break
        except (pa.ArrowException, OSError) as exc:
            raise _damaged(name, exc) from None
        if batch.num_rows:
            yield _raw_table(pa.Table.from_batches([batch]), fmt, done, vector_column)
            done += batch.num_rows
    if done == 0:
        raise HeaderOnly(f"{name} has columns ({', '.join(columns)}) but no rows. Export it with its rows.")


def _raw_table(table: pa.Table, fmt: str, start: int, vector_column: str) -> RawTable:
    matrix = numeric_matrix(table.column(vector_column)) if vector_column in table.column_names else None
    if matrix is None:
        return RawTable(table.column_names, arrow_rows(table), kind=fmt, first=start + 1, start=start)
    rows = arrow_rows(table.drop_columns([vector_column]))
    for row in rows:
        row[vector_column] = None
    return RawTable(table.column_names, rows, kind=fmt, first=start + 1, start=start, arrays={vector_column: matrix})


def _parquet_batches(path: Path, batch_rows: int) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    parquet = pq.ParquetFile(path)
    return parquet.schema_arrow, parquet.iter_batches(batch_size=batch_rows)


def _arrow_batches(path: Path, batch_rows: int) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    head = read_head(path, 8)
    if head.startswith(b"FEA1"):  # Feather version 1 predates the IPC file format: read whole
        table = feather.read_table(str(path))
        return table.schema, iter(table.to_batches(max_chunksize=batch_rows))
    source = pa.memory_map(str(path))
    if head.startswith(b"ARROW1"):
        reader = pa.ipc.open_file(source)
        return reader.schema, (reader.get_batch(i) for i in range(reader.num_record_batches))
    stream = pa.ipc.open_stream(source)
    return stream.schema, iter(stream)
