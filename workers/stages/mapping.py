"""How rows become what a build embeds: one text column or a template joining several, an optional id column
and an optional column of precomputed vectors, each checked on every row with the row named on failure."""

import contextlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from workers.stages.errors import BadIdColumn, BadTemplate, BadVectors, ColumnNotFound, EmptyTextColumn
from workers.stages.tables import RawTable

# At most this many offending rows or values are named in one message; the rest are counted.
NAMED_AT_MOST = 5


@dataclass(frozen=True)
class RowMapping:
    """What the user chose: text_field or text_template (one of them), and optional id and vector columns."""

    text_field: str = ""
    text_template: str = ""
    id_field: str = ""
    vector_field: str = ""


@dataclass(frozen=True)
class MappedRows:
    texts: list[str]
    records: list[dict[str, Any]]
    # Precomputed vectors (rows x dimensions), or None when the build embeds the texts.
    vectors: npt.NDArray[np.float32] | None


# A template is literal text and {column} slots; "{{" and "}}" stand for literal braces.
Piece = tuple[str, bool]  # (text, is_column)


def parse_template(template: str) -> list[Piece]:
    pieces: list[Piece] = []
    literal: list[str] = []
    i = 0
    while i < len(template):
        char = template[i]
        if template.startswith("{{", i) or template.startswith("}}", i):
            literal.append(char)
            i += 2
        elif char == "{":
            end = template.find("}", i + 1)
            inner = template[i + 1 : end] if end != -1 else ""
            if end == -1 or "{" in inner:
                raise BadTemplate(
                    f"The text template has a '{{' at character {i + 1} that is never closed. Write each column as "
                    "{column name}, and {{ for a literal brace."
                )
            if not inner.strip():
                raise BadTemplate(
                    f"The text template has an empty {{}} at character {i + 1}. Put a column name between the braces."
                )
            pieces.extend([("".join(literal), False), (inner, True)])
            literal = []
            i = end + 1
        elif char == "}":
            raise BadTemplate(
                f"The text template has a '}}' at character {i + 1} with no '{{' before it. Write each column as "
                "{column name}, and }} for a literal brace."
            )
        else:
            literal.append(char)
            i += 1
    pieces.append(("".join(literal), False))
    return [piece for piece in pieces if piece[0] or piece[1]]


def check_mapping(mapping: RowMapping, columns: list[str], file_name: str) -> None:
    """The chosen columns exist and the template parses; raised before any row is read past the preview."""
    if not mapping.text_field and not mapping.text_template:
        raise ColumnNotFound(
            "No text column was chosen: send the column to embed in the field 'text_field', or a template "
            "joining columns in 'text_template' (e.g. '{title} — {body}')."
        )
    if mapping.text_field and mapping.text_template:
        raise ColumnNotFound(
            "Both a text column and a text template were sent: send either 'text_field' or 'text_template'."
        )
    wanted = [
        ("Column", mapping.text_field),
        ("The id column", mapping.id_field),
        ("The vector column", mapping.vector_field),
    ]
    if mapping.text_template:
        slots = [text for text, is_column in parse_template(mapping.text_template) if is_column]
        if not slots:
            raise BadTemplate(
                f"The text template {mapping.text_template!r} names no column. Put column names in braces, "
                f"e.g. {{{columns[0]}}}."
            )
        wanted += [("The template's column", slot) for slot in slots]
    for role, name in wanted:
        if name and name not in columns:
            raise ColumnNotFound(
                f"{role} {name!r} is not in {file_name}; its columns are: {', '.join(columns)}. "
                "Pick one of those (names are case-sensitive)."
            )


def map_rows(table: RawTable, mapping: RowMapping, file_name: str, vector_dims: int, whole: bool = True) -> MappedRows:
    """whole: table holds every row of the file; on only its first rows, "empty in every row" cannot be told."""
    check_mapping(mapping, table.columns, file_name)
    records = table.rows
    texts = _texts(records, mapping)
    if whole and not any(text.strip() for text in texts):
        what = f"Column {mapping.text_field!r}" if mapping.text_field else f"The template {mapping.text_template!r}"
        raise EmptyTextColumn(
            f"{what} of {file_name} is empty in every row ({len(texts)} rows), so there is nothing to embed. "
            "Pick a column that holds text."
        )
    if mapping.id_field:
        check_ids(table, mapping.id_field, file_name)
    vectors = None
    if mapping.vector_field:
        vectors = read_vectors(table, mapping.vector_field, file_name, vector_dims)
        # The vectors live in their own column of the database; repeating them in every row's fields would
        # make each point's details kilobytes of numbers.
        records = [{k: v for k, v in record.items() if k != mapping.vector_field} for record in records]
    return MappedRows(texts=texts, records=records, vectors=vectors)


def _texts(records: list[dict[str, Any]], mapping: RowMapping) -> list[str]:
    if mapping.text_field:
        return [_as_text(record[mapping.text_field]) for record in records]
    pieces = parse_template(mapping.text_template)
    return ["".join(_as_text(record[text]) if is_column else text for text, is_column in pieces) for record in records]


def _as_text(value: Any) -> str:
    return "" if value is None else str(value)


def check_ids(table: RawTable, column: str, file_name: str) -> None:
    empty = [i for i, row in enumerate(table.rows) if _as_text(row[column]).strip() == ""]
    if empty:
        raise BadIdColumn(
            f"The id column {column!r} of {file_name} is empty in {_rows(table, empty)}. Every row needs an id: "
            "fill them in, or choose no id column."
        )
    first_seen: dict[str, int] = {}
    repeats: dict[str, list[int]] = {}
    for i, row in enumerate(table.rows):
        key = _as_text(row[column])
        if key in first_seen:
            repeats.setdefault(key, [first_seen[key]]).append(i)
        else:
            first_seen[key] = i
    if repeats:
        named = [f"{key!r} in {_rows(table, rows)}" for key, rows in list(repeats.items())[:NAMED_AT_MOST]]
        more = f" and {len(repeats) - NAMED_AT_MOST:,} more values" if len(repeats) > NAMED_AT_MOST else ""
        raise BadIdColumn(
            f"The id column {column!r} of {file_name} must be unique, but it repeats {'; '.join(named)}{more}. "
            "Give each row its own id, or choose no id column."
        )


def _rows(table: RawTable, indices: list[int]) -> str:
    named = ", ".join(table.where(i) for i in indices[:NAMED_AT_MOST])
    more = f" and {len(indices) - NAMED_AT_MOST:,} more" if len(indices) > NAMED_AT_MOST else ""
    return named + more


def read_vectors(table: RawTable, column: str, file_name: str, dims: int) -> npt.NDArray[np.float32]:
    """Every row's vector, its length checked against the supported dimension row by row."""
    out = np.empty((len(table.rows), dims), dtype=np.float32)
    for i, row in enumerate(table.rows):
        value = row[column]
        if isinstance(value, str):  # CSV cells hold a JSON array as text
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(value)
        where = f"{table.where(i).capitalize()} of {file_name}, column {column!r},"
        if not isinstance(value, list) or not all(_is_number(v) for v in value):
            raise BadVectors(
                f"{where} does not hold a list of numbers (found {_as_text(value)[:60]!r}). Every row needs a "
                "vector such as [0.12, -0.5, ...] with no missing or non-finite values."
            )
        if len(value) != dims:
            raise BadVectors(
                f"{where} holds a {len(value)}-dimensional vector, but only {dims}-dimensional vectors are "
                f"supported for now (the dimension of the map's vector column, expected {dims}). Export {dims}-d "
                "vectors (e.g. from all-MiniLM-L6-v2), or leave the vector column out to let Atlas embed the text."
            )
        out[i] = value
    if not np.isfinite(out).all():
        bad = int(np.flatnonzero(~np.isfinite(out).all(axis=1))[0])
        raise BadVectors(
            f"{table.where(bad).capitalize()} of {file_name}, column {column!r}, holds a value that is not finite "
            "(NaN or infinity). Replace it with a real number."
        )
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
