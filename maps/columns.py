"""Reads for colour-by and the charts: what each column of a map holds, one column's values (or its most
frequent values) for every point as Arrow, and the length of every point's text."""

import datetime
import re
import uuid
from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa
from django.db import connection

from atlas.errors import NotFound
from maps.models import Classification, Dataset, confidence_column
from maps.queries import require_ready

# Above this many distinct values a palette stops telling anything apart: the column is "text".
MAX_CATEGORIES = 50

# ISO 8601 dates and date-times, as ingest writes datetime columns (2021-03-04, 2021-03-04T05:06:07+00:00).
ISO_DATE = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"

# One pass per column over the dataset's points; jsonb_typeof tells numbers from strings without parsing.
_SUMMARY_SQL = (
    "SELECT count(DISTINCT fields ->> %s), "
    "count(fields -> %s) FILTER (WHERE jsonb_typeof(fields -> %s) <> 'null'), "
    "count(*) FILTER (WHERE jsonb_typeof(fields -> %s) = 'number'), "
    "count(*) FILTER (WHERE jsonb_typeof(fields -> %s) = 'string' AND fields ->> %s ~ %s) "
    "FROM maps_point WHERE dataset_id = %s"
)
_VALUES_SQL = "SELECT jsonb_typeof(fields -> %s), fields ->> %s FROM maps_point WHERE dataset_id = %s ORDER BY row_id"
_LENGTHS_SQL = "SELECT char_length(text) FROM maps_point WHERE dataset_id = %s ORDER BY row_id"
_OUTLIERS_SQL = "SELECT outlier FROM maps_point WHERE dataset_id = %s ORDER BY row_id"
# The values held by more than one row, most frequent first (ties by value): a text column's top values.
_TOP_SQL = (
    "SELECT fields ->> %s AS value FROM maps_point WHERE dataset_id = %s AND jsonb_typeof(fields -> %s) "
    "NOT IN ('null', 'object', 'array') GROUP BY 1 HAVING count(*) > 1 ORDER BY count(*) DESC, 1 LIMIT %s"
)
# How many of a column's most frequent values /top sends: a chart shows the first of them the filters leave.
TOP_VALUES = 20


def _kind(distinct: int, present: int, numbers: int, dates: int) -> str:
    if present and numbers == present:
        return "number"
    if present and dates == present:
        return "date"
    # A column that is empty everywhere has nothing to colour by; call it text so it is not offered.
    if present == 0 or distinct > MAX_CATEGORIES:
        return "text"
    return "category"


def require_column(dataset: Dataset, name: str) -> str:
    """The name of one of the dataset's columns, or a 404 that lists them."""
    if name not in dataset.columns:
        raise NotFound(
            f"Dataset {dataset.id} has no column {name!r}; its columns are: {', '.join(dataset.columns)}. "
            "Ask for one of those (GET .../columns lists them)."
        )
    return name


def written_by(dataset: Dataset, name: str) -> str:
    """'' for a column of the file; for a prediction column or its confidences, '@' and the id of the classification
    that wrote them, so that each classification's values are a payload (and an ETag) of their own."""
    for c in Classification.objects.filter(dataset=dataset, status=Classification.Status.READY):
        if name in (c.column, confidence_column(c.column)):
            return f"@{c.id}"
    return ""


def summaries(dataset: Dataset) -> list[dict[str, Any]]:
    """[{"name", "kind": "number"|"date"|"category"|"text", "distinct"}] in the file's column order; the column
    of precomputed vectors is not a field of the rows (the vectors have their own place), so it is not listed."""
    require_ready(dataset)
    out = []
    with connection.cursor() as cursor:
        for name in (c for c in dataset.columns if c != dataset.vector_field):
            cursor.execute(_SUMMARY_SQL, [name, name, name, name, name, name, ISO_DATE, uuid.UUID(str(dataset.id))])
            distinct, present, numbers, dates = cursor.fetchone()
            out.append({"name": name, "kind": _kind(distinct, present, numbers, dates), "distinct": distinct})
    return out


def values_arrow(dataset: Dataset, name: str) -> bytes:
    """One column `value` in row-id order (the /points order): float64 for numbers, timestamp[ms, UTC] for
    dates, else dictionary strings.

    The dictionary is ordered most frequent first (ties by value), so a legend's top entries are its head.
    Booleans are strings, so they colour as categories.
    """
    require_ready(dataset)
    name = require_column(dataset, name)
    with connection.cursor() as cursor:
        cursor.execute(_VALUES_SQL, [name, name, uuid.UUID(str(dataset.id))])
        rows = cursor.fetchall()
    present = [kind for kind, _ in rows if kind not in (None, "null")]
    texts_present = [text for kind, text in rows if kind == "string"]
    if present and len(texts_present) == len(present) and all(ISO_PATTERN.match(t) for t in texts_present):
        array: pa.Array = pa.array(
            [_parse_date(text) if kind == "string" else None for kind, text in rows], type=pa.timestamp("ms", tz="UTC")
        )
    elif present and all(kind == "number" for kind in present):
        numbers = np.array([float(text) if text is not None else np.nan for _, text in rows], dtype=np.float64)
        array = pa.array(numbers, mask=np.isnan(numbers), type=pa.float64())
    else:
        texts = [text if kind not in (None, "null") else None for kind, text in rows]
        counts = Counter(t for t in texts if t is not None)
        dictionary = sorted(counts, key=lambda value: (-counts[value], value))
        index = {value: i for i, value in enumerate(dictionary)}
        codes = pa.array([index[t] if t is not None else None for t in texts], type=pa.int32())
        array = pa.DictionaryArray.from_arrays(codes, pa.array(dictionary, type=pa.string()))
    return arrow_stream(array)


def top_values_arrow(dataset: Dataset, name: str) -> bytes:
    """One column `value` in row-id order: dictionary strings naming which of the column's TOP_VALUES most
    frequent values (held by two rows or more, as text) the row holds; null for every other row."""
    require_ready(dataset)
    name = require_column(dataset, name)
    dataset_id = uuid.UUID(str(dataset.id))
    with connection.cursor() as cursor:
        cursor.execute(_TOP_SQL, [name, dataset_id, name, TOP_VALUES])
        top = [value for (value,) in cursor.fetchall()]
        cursor.execute(_VALUES_SQL, [name, name, dataset_id])
        rows = cursor.fetchall()
    index = {value: i for i, value in enumerate(top)}
    codes = pa.array([index.get(text) if kind not in (None, "null") else None for kind, text in rows], type=pa.int8())
    return arrow_stream(pa.DictionaryArray.from_arrays(codes, pa.array(top, type=pa.string())))


def text_lengths_arrow(dataset: Dataset) -> bytes:
    """One column `value` (int32) in row-id order: how many characters long each point's text (what the map
    embedded) is."""
    require_ready(dataset)
    with connection.cursor() as cursor:
        cursor.execute(_LENGTHS_SQL, [uuid.UUID(str(dataset.id))])
        lengths = np.array([length for (length,) in cursor.fetchall()], dtype=np.int32)
    return arrow_stream(pa.array(lengths, type=pa.int32()))


def outliers_arrow(dataset: Dataset) -> bytes:
    """One column `value` (float32) in row-id order: each row's outlier score, the mean distance to its nearest
    neighbours in embedding space (higher: more unusual); null on maps laid out before scores existed."""
    require_ready(dataset)
    with connection.cursor() as cursor:
        cursor.execute(_OUTLIERS_SQL, [uuid.UUID(str(dataset.id))])
        scores = [score for (score,) in cursor.fetchall()]
    return arrow_stream(pa.array(scores, type=pa.float32()))


def arrow_stream(array: pa.Array) -> bytes:
    table = pa.table({"value": array})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


ISO_PATTERN = re.compile(ISO_DATE)


def _parse_date(text: str) -> datetime.datetime:
    # A date or a naive date-time is taken as UTC; "Z" is what fromisoformat reads as +00:00 since 3.11.
    parsed = datetime.datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def name_tag(name: str) -> str:
    """A column name as ETag-safe characters (names are user text and may hold quotes)."""
    return name.encode("utf-8").hex()
