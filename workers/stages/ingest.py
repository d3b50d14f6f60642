"""Ingest: read an uploaded CSV into the texts to embed and the typed fields of every row."""

import datetime
import decimal
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from workers.stages.errors import ColumnNotFound, EmptyTextColumn, UnreadableFile


@dataclass(frozen=True)
class IngestResult:
    columns: list[str]
    texts: list[str]
    records: list[dict[str, Any]]

    @property
    def row_count(self) -> int:
        return len(self.texts)


def read_columns(path: Path, display_name: str) -> list[str]:
    """The header of a CSV file, read without loading the rest."""
    try:
        reader = pacsv.open_csv(path)
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError) as exc:
        raise unreadable(display_name, exc) from exc
    return list(reader.schema.names)


def read_csv(path: Path, display_name: str, text_field: str) -> IngestResult:
    try:
        table = pacsv.read_csv(path)
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError) as exc:
        raise unreadable(display_name, exc) from exc
    columns = list(table.column_names)
    if text_field not in columns:
        raise ColumnNotFound(
            f"Column {text_field!r} is not in {display_name}; its columns are: {', '.join(columns)}. "
            "Pick one of those as the text column."
        )
    records = [{key: _json_value(value) for key, value in row.items()} for row in table.to_pylist()]
    texts = [_as_text(record[text_field]) for record in records]
    if not any(text.strip() for text in texts):
        raise EmptyTextColumn(
            f"Column {text_field!r} of {display_name} is empty in every row ({len(texts)} rows), so there is "
            "nothing to embed. Pick a column that holds text."
        )
    return IngestResult(columns=columns, texts=texts, records=records)


def unreadable(display_name: str, exc: Exception) -> UnreadableFile:
    return UnreadableFile(f"Could not read {display_name} as CSV: {exc}. Save it as UTF-8 CSV with a header row.")


def _as_text(value: Any) -> str:
    return "" if value is None else str(value)


def _json_value(value: Any) -> Any:
    """Arrow's Python values, made safe for a JSON column (dates as ISO strings, NaN as null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | bytes):
        return str(value)
    return value
