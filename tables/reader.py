"""Ingest: read an upload of any supported format into the texts to embed and the typed fields of every row.

One path for the browser, the API and the import command: unwrap (.gz / .zip) -> judge the format by
content and extension -> decode text -> read with the format's reader -> check limits.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tables.coltypes import infer_types
from tables.delimited import open_delimited
from tables.errors import BadVectors, FieldTooLarge, TruncatedFile
from tables.formats import BINARY_FORMATS, judge_format, open_binary
from tables.jsontables import open_json
from tables.mapping import FileChecks, RowMapping, map_batch, map_rows
from tables.raw import RawTable, TableStream, check_storable
from tables.sources import Limits, ReadChoices, Unwrapped, unwrap
from tables.textscan import decoded

__all__ = [
    "DatasetStream",
    "IngestResult",
    "Limits",
    "MappedBatch",
    "Preview",
    "ReadChoices",
    "RowMapping",
    "TableRead",
    "open_dataset",
    "preview",
    "read_dataset",
    "read_table",
]

PREVIEW_ROWS = 50
# Enough text for 50 rows of long documents; a preview never decodes more.
PREVIEW_HEAD_BYTES = 8 * 1024 * 1024
# The dimension of the database's vector column (maps.models.EMBEDDING_DIMENSIONS); precomputed vectors must match.
VECTOR_DIMENSIONS = 384
DEFAULT_CHOICES = ReadChoices()
# Rows per batch when nothing else is said (the build passes ATLAS_INGEST_BATCH_ROWS).
BATCH_ROWS = 20_000


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


@dataclass
class OpenedTable:
    """A table being read batch by batch, with what was peeled off and guessed on the way."""

    format: str
    compression: str | None
    encoding: str | None
    stream: TableStream
    text_warnings: list[str]
    # Vectors from a .npy beside the table in a .zip (memory-mapped), one row per table row.
    vectors: npt.NDArray[np.float32] | None = None

    @property
    def columns(self) -> list[str]:
        return self.stream.columns

    @property
    def warnings(self) -> list[str]:
        """Complete once every batch is read (skipped rows are counted as they go)."""
        return self.text_warnings + self.stream.warnings


@contextmanager
def open_table(
    path: Path,
    display_name: str,
    limits: Limits,
    choices: ReadChoices = DEFAULT_CHOICES,
    max_rows: int | None = None,
    partial: bool = False,
    batch_rows: int = BATCH_ROWS,
    vector_column: str = "",
) -> Iterator[OpenedTable]:
    """Open path for reading in batches of at most batch_rows rows; max_rows: only a preview's first rows.

    partial: path is only the head of the user's file. The batches are read lazily inside the context.
    vector_column: the column of precomputed vectors, which binary formats read as one array per batch.
    """
    with unwrap(path, display_name, limits, preview=max_rows is not None, partial=partial) as source:
        fmt = judge_format(source)
        if fmt in BINARY_FORMATS:
            if source.truncated:
                raise TruncatedFile(f"Only the start of {source.name} arrived; upload the whole file.")
            stream = open_binary(source.path, source.name, fmt, limits, batch_rows, vector_column)
            yield OpenedTable(
                fmt, source.compression, None, _checked(stream, source.name, limits), [], _npy(source, display_name)
            )
            return
        head = PREVIEW_HEAD_BYTES if max_rows is not None else None
        with decoded(source.path, source.name, head) as text:
            cut = text.cut or source.truncated
            if fmt in ("json", "jsonl"):
                stream = open_json(text.path, source.name, limits, cut, batch_rows)
            else:
                stream = open_delimited(text.path, source.name, fmt, limits, choices, cut, batch_rows, text.scratch)
            yield OpenedTable(
                stream.kind,
                source.compression,
                text.encoding,
                _checked(stream, source.name, limits),
                text.warnings,
                _npy(source, display_name),
            )


def _npy(source: Unwrapped, zip_name: str) -> npt.NDArray[np.float32] | None:
    if source.vectors is None:
        return None
    try:
        array = np.load(source.vectors, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise BadVectors(f"The .npy file inside {zip_name} cannot be read ({exc}). Save it with numpy.save.") from None
    if array.ndim != 2 or not np.issubdtype(array.dtype, np.number):
        raise BadVectors(
            f"The .npy file inside {zip_name} holds a {array.dtype} array of shape {array.shape}; it must be a 2-d "
            "array of numbers, one row (vector) per table row."
        )
    return array  # type: ignore[no-any-return]  # np.load is untyped


def _checked(stream: TableStream, name: str, limits: Limits) -> TableStream:
    decoded_text = stream.kind in ("csv", "tsv")

    def batches() -> Iterator[RawTable]:
        for batch in stream.batches:
            check_field_sizes(batch, name, limits)
            if not decoded_text:
                check_storable(batch, name)
            yield batch

    return TableStream(stream.kind, stream.columns, stream.warnings, batches())


def read_table(
    path: Path,
    display_name: str,
    limits: Limits,
    max_rows: int | None = None,
    partial: bool = False,
    choices: ReadChoices = DEFAULT_CHOICES,
) -> TableRead:
    """Read path whole into one table, or only its first max_rows rows (a preview)."""
    with open_table(path, display_name, limits, choices, max_rows, partial) as opened:
        parts: list[RawTable] = []
        rows = 0
        for batch in opened.stream.batches:
            parts.append(batch)
            rows += len(batch.rows)
            if max_rows is not None and rows >= max_rows:
                break
        table = _joined(parts, opened.columns, opened.format)
        if max_rows is not None:
            table.rows = table.rows[:max_rows]
        return TableRead(opened.format, opened.compression, opened.encoding, table, opened.warnings)


def _joined(parts: list[RawTable], columns: list[str], kind: str) -> RawTable:
    first = parts[0]
    lines: list[int] | None = None
    if any(part.lines is not None for part in parts):
        lines = [number for part in parts for number in _numbers(part)]
    rows = [{column: row.get(column) for column in columns} for part in parts for row in part.rows]
    return RawTable(list(columns), rows, kind=kind, word=first.word, first=first.first, lines=lines)


def _numbers(table: RawTable) -> list[int]:
    return table.lines if table.lines is not None else list(range(table.first, table.first + len(table.rows)))


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


@dataclass(frozen=True)
class MappedBatch:
    """Rows start .. start + len(texts) - 1 of the file, ready to store."""

    start: int
    texts: list[str]
    records: list[dict[str, Any]]
    vectors: npt.NDArray[np.float32] | None


class DatasetStream:
    """The rows of an upload as mapped batches; whole-file checks raise after the last batch."""

    def __init__(self, opened: OpenedTable, mapping: RowMapping, name: str, vector_dims: int) -> None:
        self.opened, self.mapping, self.name, self.vector_dims = opened, mapping, name, vector_dims
        self.rows = 0

    @property
    def columns(self) -> list[str]:
        return self.opened.columns

    @property
    def warnings(self) -> list[str]:
        return self.opened.warnings

    def batches(self) -> Iterator[MappedBatch]:
        checks = FileChecks(self.mapping, self.name)
        npy = self.opened.vectors
        if npy is not None:
            self._check_npy(npy)
        for table in self.opened.stream.batches:
            mapped = map_batch(table, self.mapping, self.name, self.vector_dims, checks)
            vectors = mapped.vectors
            if npy is not None:
                end = table.start + len(mapped.texts)
                if end > len(npy):
                    raise self._row_mismatch(len(npy), f"at least {end:,}")
                vectors = np.asarray(npy[table.start : end], dtype=np.float32)
                if not np.isfinite(vectors).all():
                    bad = table.start + int(np.flatnonzero(~np.isfinite(vectors).all(axis=1))[0])
                    raise BadVectors(
                        f"Row {bad} (0-based) of the .npy file inside {self.name} holds a value that is not finite "
                        "(NaN or infinity). Replace it with a real number."
                    )
            yield MappedBatch(table.start, mapped.texts, mapped.records, vectors)
            self.rows = table.start + len(mapped.texts)
        if npy is not None and self.rows != len(npy):
            raise self._row_mismatch(len(npy), f"{self.rows:,}")
        checks.finish()

    def _check_npy(self, npy: npt.NDArray[np.float32]) -> None:
        if self.mapping.vector_field:
            raise BadVectors(
                f"{self.name} holds a .npy file of vectors and a vector column ({self.mapping.vector_field!r}) was "
                "chosen too. Choose no vector column to use the .npy file, or zip the table alone."
            )
        if npy.shape[1] != self.vector_dims:
            raise BadVectors(
                f"The .npy file inside {self.name} holds {npy.shape[1]}-dimensional vectors, but only "
                f"{self.vector_dims}-dimensional vectors are supported for now (the dimension of the map's vector "
                "column). Export vectors of that size, or zip the table alone to let Atlas embed the text."
            )

    def _row_mismatch(self, vectors: int, rows: str) -> BadVectors:
        return BadVectors(
            f"The .npy file inside {self.name} holds {vectors:,} vectors but the table has {rows} rows; they must "
            "match, row i's vector in row i of the array. Save the array for exactly the table's rows."
        )


@contextmanager
def open_dataset(
    path: Path,
    display_name: str,
    mapping: RowMapping,
    limits: Limits,
    choices: ReadChoices = DEFAULT_CHOICES,
    vector_dims: int = VECTOR_DIMENSIONS,
    batch_rows: int = BATCH_ROWS,
) -> Iterator[DatasetStream]:
    """Every row of the upload in batches of at most batch_rows: texts to embed (or precomputed vectors) and
    typed fields, each batch checked as it is read, so memory stays bounded by the batch size."""
    with open_table(
        path, display_name, limits, choices, batch_rows=batch_rows, vector_column=mapping.vector_field
    ) as opened:
        yield DatasetStream(opened, mapping, display_name, vector_dims)


def read_dataset(
    path: Path,
    display_name: str,
    mapping: RowMapping,
    limits: Limits,
    vector_dims: int = VECTOR_DIMENSIONS,
    choices: ReadChoices = DEFAULT_CHOICES,
    batch_rows: int = BATCH_ROWS,
) -> IngestResult:
    """Every row of the upload at once (tests, small files): the batches of open_dataset joined."""
    texts: list[str] = []
    records: list[dict[str, Any]] = []
    vectors: list[npt.NDArray[np.float32]] = []
    with open_dataset(path, display_name, mapping, limits, choices, vector_dims, batch_rows) as stream:
        for batch in stream.batches():
            texts += batch.texts
            records += batch.records
            if batch.vectors is not None:
                vectors.append(batch.vectors)
        return IngestResult(
            columns=stream.columns,
            texts=texts,
            records=records,
            warnings=stream.warnings,
            vectors=np.concatenate(vectors) if vectors else None,
        )


def preview(
    path: Path,
    display_name: str,
    limits: Limits,
    partial: bool = False,
    mapping: RowMapping | None = None,
    choices: ReadChoices = DEFAULT_CHOICES,
) -> Preview:
    """The first rows with each column's inferred type, read by the same readers as a build.

    With a mapping, its checks run on those rows too, so a bad choice is refused at upload time.
    """
    read = read_table(path, display_name, limits, max_rows=PREVIEW_ROWS, partial=partial, choices=choices)
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
