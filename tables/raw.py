"""What every reader returns (named columns, rows of JSON-safe typed values) and the checks they share."""

import base64
import datetime
import decimal
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from tables.errors import BadColumnNames, InvalidEncoding, NulBytes, TooManyColumns
from tables.sources import Limits


@dataclass
class RawTable:
    columns: list[str]
    rows: list[dict[str, Any]]
    # Which reader made it: csv, tsv, json, jsonl, parquet or arrow.
    kind: str = "csv"
    # How a user finds row i in their file: "row" counted from `first`, or the number (line) of each row.
    word: str = "row"
    first: int = 1
    lines: list[int] | None = None
    warnings: list[str] = field(default_factory=list)
    # A batch of a bigger file: the index of its first row among all the file's rows.
    start: int = 0
    # The vector column of a binary file read straight into a (rows, dimensions) array; its row values are None.
    arrays: dict[str, npt.NDArray[np.float32]] = field(default_factory=dict)

    def where(self, index: int) -> str:
        if self.lines is not None:
            return f"{self.word} {self.lines[index]}"
        return f"{self.word} {index + self.first}"


@dataclass
class TableStream:
    """A table read batch by batch: its columns (JSON may add some as it goes), what the reader had to guess
    (a list that grows: skipped rows are counted once the file is read) and the batches themselves."""

    kind: str
    columns: list[str]
    warnings: list[str]
    batches: Iterator[RawTable]


# Text that PostgreSQL cannot store: NUL, and the halves of a character (lone surrogates), which JSON's \\u
# escapes can write although no encoded file bytes decode to them.
SURROGATE = re.compile("[\ud800-\udfff]")


def unstorable(text: str) -> str | None:
    """What in text cannot be stored as text, said for a message, or None."""
    if "\0" in text:
        return "a NUL character (\\u0000)"
    if not text.isascii() and (half := SURROGATE.search(text)):
        return f"an unpaired surrogate (\\u{ord(half.group()):04x}), half of a character that was split in two"
    return None


def _unstorable_in(value: Any) -> str | None:
    if isinstance(value, str):
        return unstorable(value)
    if isinstance(value, dict):
        return next((found for k, v in value.items() if (found := unstorable(str(k)) or _unstorable_in(v))), None)
    if isinstance(value, list):
        return next((found for item in value if (found := _unstorable_in(item))), None)
    return None


def check_storable(table: RawTable, file_name: str) -> None:
    """Refuse a value holding text the database cannot store, naming its line or row and column. Decoded text
    files never hold such text (NUL bytes are refused as they are decoded); JSON escapes and binary files can."""
    for index, row in enumerate(table.rows):
        for column, value in row.items():
            if value is not None and not isinstance(value, int | float) and (found := _unstorable_in(value)):
                error = NulBytes if "NUL" in found else InvalidEncoding
                raise error(
                    f"{table.where(index).capitalize()} of {file_name}, column {column!r}, holds {found}, which "
                    "Atlas cannot store. Remove it from that value and upload again."
                )


def check_column_names(names: list[str], file_name: str, limits: Limits) -> None:
    if len(names) > limits.max_columns:
        raise TooManyColumns(
            f"{file_name} has {len(names):,} columns, over the limit of {limits.max_columns:,} (ATLAS_MAX_COLUMNS). "
            "Keep the columns you need, or check the delimiter: a wrong one can split a line into many columns."
        )
    empty = [str(i + 1) for i, name in enumerate(names) if not name.strip()]
    if empty and len(names) > 1:
        raise BadColumnNames(
            f"Column {', '.join(empty)} of {file_name} has no name in the header row. Give every column a "
            "name (or delete the empty column) and upload again."
        )
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if found := unstorable(name):
            raise BadColumnNames(
                f"The name of column {position} of {file_name} holds {found}, which Atlas cannot store. Rename that "
                "column and upload again."
            )
        if name in seen:
            raise BadColumnNames(
                f"{file_name} has two columns named {name!r} (columns {seen[name]} and {position}). Rename one "
                "of them so every column name is unique, and upload again."
            )
        seen[name] = position


def json_value(value: Any) -> Any:
    """A reader's Python value made safe for a JSON column: numbers stay numbers, dates become ISO strings."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return value


def numeric_matrix(column: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.float32] | None:
    """A list column of numbers with no missing value and one length throughout, as a float32 (rows, length)
    array, read without a Python object per number; None for anything else, which the row-by-row reader then
    reads and, where it is wrong, names the row."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    kind = column.type
    if not (pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind)):
        return None
    if not (pa.types.is_floating(kind.value_type) or pa.types.is_integer(kind.value_type)):
        return None
    if len(column) == 0 or column.null_count:
        return None
    lengths = pc.list_value_length(column).to_numpy()
    if lengths.min() != lengths.max() or lengths[0] == 0:
        return None
    values = column.flatten()
    if values.null_count:
        return None
    flat = np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.float32)
    return flat.reshape(len(column), int(lengths[0]))


def arrow_rows(table: pa.Table) -> list[dict[str, Any]]:
    names = table.column_names
    columns = [[json_value(v) for v in column.to_pylist()] for column in table.columns]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)] if columns else []
