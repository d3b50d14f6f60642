"""Types for a delimited file read batch by batch: every cell arrives as text, each column gets a type from its
first values (number, true/false, date, timestamp) and is widened, never narrowed, when a later batch needs it.

pyarrow's streaming CSV reader fixes each column's type from the first block and then fails on a later block
whose values do not fit (an id column that turns alphanumeric at row 3 million); reading text and typing it
here keeps the whole-file reader's types for ordinary files without that failure.
"""

import math
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

# The cells pyarrow's CSV reader reads as missing in a typed column ("", "NA", "null", ...).
NULL_TEXTS = pa.array(pacsv.ConvertOptions().null_values, pa.string())
# Which types a column may take next, from what it is now; the first that casts every value wins.
LADDER: dict[str | None, list[pa.DataType]] = {
    None: [pa.int64(), pa.bool_(), pa.date32(), pa.timestamp("us"), pa.float64(), pa.string()],
    "int64": [pa.int64(), pa.float64(), pa.string()],
    "bool": [pa.bool_(), pa.string()],
    "date32[day]": [pa.date32(), pa.timestamp("us"), pa.string()],
    "timestamp[us]": [pa.timestamp("us"), pa.string()],
    "double": [pa.float64(), pa.string()],
    "string": [pa.string()],
}


def _finite(value: Any) -> Any:
    return value if value is None or math.isfinite(value) else None


def _iso(value: Any) -> Any:
    return None if value is None else value.isoformat()


PYTHON_VALUE: dict[str, Callable[[Any], Any]] = {"double": _finite, "date32[day]": _iso, "timestamp[us]": _iso}


class ColumnTypes:
    """The current type of each column of one file; None while a column has held only missing values."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self.types: list[str | None] = [None] * len(columns)

    def rows(self, batch: pa.RecordBatch) -> list[dict[str, Any]]:
        """The batch's rows as dicts of JSON-safe typed values, every column typed as described above."""
        values = [self._column(i, batch.column(i)) for i in range(batch.num_columns)]
        return [dict(zip(self.columns, row, strict=True)) for row in zip(*values, strict=True)]

    def _column(self, index: int, cells: pa.Array) -> list[Any]:
        if not pa.types.is_string(cells.type):
            # A column pyarrow typed itself (a header name the sniffer saw differently): keep its values.
            return [_plain(v) for v in cells.to_pylist()]
        missing = pc.is_in(cells, value_set=NULL_TEXTS)
        current = self.types[index]
        if current is None and pc.all(missing).as_py() is not False:
            return [None] * len(cells)
        typed: pa.Array = cells
        for candidate in LADDER[current]:
            if pa.types.is_string(candidate):
                typed, self.types[index] = cells, "string"
                break
            try:
                typed = pc.cast(pc.if_else(missing, pa.scalar(None, pa.string()), cells), candidate)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue
            self.types[index] = str(candidate)
            break
        convert = PYTHON_VALUE.get(str(typed.type))
        values = typed.to_pylist()
        return [convert(v) for v in values] if convert else values


def _plain(value: Any) -> Any:
    from tables.raw import json_value

    return json_value(value)
