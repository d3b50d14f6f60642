"""How rows become what a build embeds: one text column or a template joining several, an optional id column
and an optional column of precomputed vectors, each checked on every row with the row named on failure."""

import contextlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tables.errors import BadIdColumn, BadTemplate, BadVectors, ColumnNotFound, EmptyTextColumn
from tables.raw import RawTable

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
    checks = FileChecks(mapping, file_name)
    mapped = map_batch(table, mapping, file_name, vector_dims, checks)
    if whole:
        checks.finish()
    elif checks.ids is not None:
        checks.ids.finish()
    return mapped


def map_batch(
    table: RawTable, mapping: RowMapping, file_name: str, vector_dims: int, checks: "FileChecks"
) -> MappedRows:
    """One batch of rows mapped and checked row by row; checks collects what needs the whole file."""
    check_mapping(mapping, table.columns, file_name)
    records = table.rows
    texts = _texts(records, mapping)
    checks.add(table, texts)
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
    """The ids of one table (a preview's first rows) are non-empty and unique."""
    ids = IdCheck(column, file_name)
    ids.add(table)
    ids.finish()


def _named(wheres: list[str], total: int) -> str:
    more = f" and {total - NAMED_AT_MOST:,} more" if total > NAMED_AT_MOST else ""
    return ", ".join(wheres[:NAMED_AT_MOST]) + more


class IdCheck:
    """Empty and repeated ids over a whole file seen batch by batch, in memory that stays small: a 64-bit hash
    and a row number per row, in sorted runs merged as they grow (a few dozen MB for millions of rows)."""

    def __init__(self, column: str, file_name: str) -> None:
        self.column, self.file_name = column, file_name
        self.word = "row"
        self.empty: list[str] = []
        self.empty_count = 0
        self.runs: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = []
        # The first few repeated values with where they are; the rest are only counted.
        self.repeats: dict[str, list[str]] = {}
        self.other_repeats: set[str] = set()

    def add(self, table: RawTable) -> None:
        keys = [_as_text(row[self.column]) for row in table.rows]
        numbers = np.array(
            table.lines if table.lines is not None else range(table.first, table.first + len(keys)), dtype=np.int64
        )
        self.word = table.word
        for i, key in enumerate(keys):
            if not key.strip():
                self.empty_count += 1
                if len(self.empty) < NAMED_AT_MOST:
                    self.empty.append(table.where(i))
        hashes = np.fromiter((hash(key) for key in keys), dtype=np.int64, count=len(keys))
        earlier = self._find(hashes)
        if (earlier >= 0).any() or len(np.unique(hashes)) < len(hashes):
            self._name_repeats(keys, numbers, earlier)
        order = np.argsort(hashes, kind="stable")
        self.runs.append((hashes[order], numbers[order]))
        # Merge runs of similar size: O(log n) runs, each row merged O(log n) times.
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
            (h1, n1), (h2, n2) = self.runs[-2], self.runs[-1]
            merged = np.concatenate([h1, h2])
            order = np.argsort(merged, kind="stable")
            self.runs[-2:] = [(merged[order], np.concatenate([n1, n2])[order])]

    def _find(self, hashes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """For each hash, the row number where an earlier batch had it, or -1."""
        found = np.full(len(hashes), -1, dtype=np.int64)
        for run_hashes, run_numbers in self.runs:
            at = np.minimum(np.searchsorted(run_hashes, hashes), len(run_hashes) - 1)
            hit = (run_hashes[at] == hashes) & (found < 0)
            found[hit] = run_numbers[at[hit]]
        return found

    def _name_repeats(self, keys: list[str], numbers: npt.NDArray[np.int64], earlier: npt.NDArray[np.int64]) -> None:
        local: dict[str, int] = {}
        for key, number, before in zip(keys, numbers.tolist(), earlier.tolist(), strict=True):
            first = before if before >= 0 else local.get(key)
            if first is None:
                local[key] = number
                continue
            if key in self.repeats:
                self.repeats[key].append(f"{self.word} {number}")
            elif len(self.repeats) < NAMED_AT_MOST:
                self.repeats[key] = [f"{self.word} {first}", f"{self.word} {number}"]
            else:
                self.other_repeats.add(key)

    def finish(self) -> None:
        if self.empty_count:
            raise BadIdColumn(
                f"The id column {self.column!r} of {self.file_name} is empty in "
                f"{_named(self.empty, self.empty_count)}. Every row needs an id: fill them in, or choose no id column."
            )
        if self.repeats:
            named = [f"{key!r} in {_named(wheres, len(wheres))}" for key, wheres in self.repeats.items()]
            more = f" and {len(self.other_repeats):,} more values" if self.other_repeats else ""
            raise BadIdColumn(
                f"The id column {self.column!r} of {self.file_name} must be unique, but it repeats "
                f"{'; '.join(named)}{more}. Give each row its own id, or choose no id column."
            )


class FileChecks:
    """What only the whole file can show: a text column empty in every row, and empty or repeated ids."""

    def __init__(self, mapping: RowMapping, file_name: str) -> None:
        self.mapping, self.file_name = mapping, file_name
        self.rows = 0
        self.any_text = False
        self.ids = IdCheck(mapping.id_field, file_name) if mapping.id_field else None

    def add(self, table: RawTable, texts: list[str]) -> None:
        self.rows += len(texts)
        self.any_text = self.any_text or any(text.strip() for text in texts)
        if self.ids is not None:
            self.ids.add(table)

    def finish(self) -> None:
        if not self.any_text:
            mapping = self.mapping
            what = f"Column {mapping.text_field!r}" if mapping.text_field else f"The template {mapping.text_template!r}"
            raise EmptyTextColumn(
                f"{what} of {self.file_name} is empty in every row ({self.rows} rows), so there is nothing to "
                "embed. Pick a column that holds text."
            )
        if self.ids is not None:
            self.ids.finish()


def read_vectors(table: RawTable, column: str, file_name: str, dims: int) -> npt.NDArray[np.float32]:
    """Every row's vector, its length checked against the supported dimension row by row."""
    if column in table.arrays:  # read as one array: one length throughout, no missing value
        out = table.arrays[column]
        if out.shape[1] != dims:
            raise _wrong_dimension(
                f"{table.where(0).capitalize()} of {file_name}, column {column!r},", out.shape[1], dims
            )
    else:
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
                raise _wrong_dimension(where, len(value), dims)
            out[i] = value
    if not np.isfinite(out).all():
        bad = int(np.flatnonzero(~np.isfinite(out).all(axis=1))[0])
        raise BadVectors(
            f"{table.where(bad).capitalize()} of {file_name}, column {column!r}, holds a value that is not finite "
            "(NaN or infinity). Replace it with a real number."
        )
    return out


def _wrong_dimension(where: str, found: int, dims: int) -> BadVectors:
    return BadVectors(
        f"{where} holds a {found}-dimensional vector, but only {dims}-dimensional vectors are "
        f"supported for now (the dimension of the map's vector column, expected {dims}). Export {dims}-d "
        "vectors (e.g. from all-MiniLM-L6-v2), or leave the vector column out to let Atlas embed the text."
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
