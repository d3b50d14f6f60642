"""JSON (an array of objects) and JSON Lines (one object per line), with the line of every problem."""

import json
from pathlib import Path
from typing import Any

from workers.stages.errors import BrokenJson, EmptyFile, NoRows
from workers.stages.sources import Limits
from workers.stages.tables import RawTable, check_column_names, json_value

WHITESPACE = " \t\r\n"


def kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false value"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if value is None:
        return "null"
    return "object"


def looks_like_json(path: Path) -> bool:
    """True when the first character that is not white space opens an array or an object."""
    with path.open(encoding="utf-8") as handle:
        start = handle.read(4096).lstrip(WHITESPACE)
    return start[:1] in ("[", "{")


def read_json(path: Path, name: str, limits: Limits, max_rows: int | None, cut: bool) -> RawTable:
    """An array of objects, JSON Lines, or a clear refusal of a scalar or a single nested object."""
    text = path.read_text(encoding="utf-8")
    start = len(text) - len(text.lstrip(WHITESPACE))
    if start == len(text):
        raise EmptyFile(f"{name} holds only white space. Upload a JSON array of objects, one object per row.")
    if text[start] == "[":
        return _array(text, start, name, limits, max_rows, cut)
    first_line = text[start:].split("\n", 1)[0]
    if text[start] == "{":
        try:
            only = json.loads(first_line)
        except json.JSONDecodeError:
            only = None
        # One object on one line that wraps a list of rows is an API dump, not a one-row table.
        alone = isinstance(only, dict) and not text[start + len(first_line) :].strip(WHITESPACE)
        if only is not None and not (alone and _rows_key(only)):
            return read_json_lines(text, name, limits, max_rows, cut)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if cut:
            raise BrokenJson(f"The start of {name} is not a JSON array or JSON Lines; upload the whole file.") from None
        raise _broken(name, exc) from None
    if isinstance(value, dict):
        inner = _rows_key(value)
        hint = f" Its rows seem to be the list under {inner!r}: upload that list alone." if inner else ""
        raise NoRows(
            f"{name} holds one JSON object, not a list of rows.{hint} Atlas reads a JSON array of objects "
            '([{"text": ...}, ...]) or JSON Lines (one object per line).'
        )
    raise NoRows(
        f"{name} holds a single JSON {kind_of(value)}, not rows. Upload a JSON array of objects "
        '([{"text": ...}, ...]) or JSON Lines (one object per line).'
    )


def _rows_key(value: dict[str, Any]) -> str | None:
    """The key of a list of objects inside an object (where API dumps keep their rows), if any."""
    return next((k for k, item in value.items() if isinstance(item, list) and item and isinstance(item[0], dict)), None)


def _broken(name: str, exc: json.JSONDecodeError, line: int | None = None) -> BrokenJson:
    return BrokenJson(
        f"Line {line or exc.lineno} of {name} is not valid JSON: {exc.msg} at column {exc.colno}. Fix that line "
        "(a missing comma, quote or bracket is the usual cause) and upload again."
    )


def _not_an_object(name: str, where: str, value: Any) -> NoRows:
    return NoRows(
        f"{where} of {name} is a JSON {kind_of(value)}, not an object: every row must be an object with named "
        'fields, like {"text": "...", "year": 2024}. Fix it and upload again.'
    )


def _array(text: str, start: int, name: str, limits: Limits, max_rows: int | None, cut: bool) -> RawTable:
    decoder = json.JSONDecoder()
    objects: list[dict[str, Any]] = []
    lines: list[int] = []
    line, counted_to = 1, 0

    def line_at(position: int) -> int:
        nonlocal line, counted_to
        line += text.count("\n", counted_to, position)
        counted_to = position
        return line

    i = start + 1
    while True:
        while i < len(text) and text[i] in WHITESPACE:
            i += 1
        if i >= len(text):
            if cut and objects:
                break
            raise BrokenJson(f"{name} ends before the array's closing ']' (line {line_at(i)}): it is cut short.")
        if text[i] == "]" and (objects or text[start + 1 : i].strip(WHITESPACE) == ""):
            trailing = text[i + 1 :].strip(WHITESPACE)
            if trailing:
                raise BrokenJson(
                    f"Line {line_at(i)} of {name} has more after the array's closing ']': remove it, or put all "
                    "rows inside one array."
                )
            break
        if objects:
            if text[i] != ",":
                raise BrokenJson(
                    f"Line {line_at(i)} of {name} is not valid JSON: expected ',' or ']' after item {len(objects)}. "
                    "Add the missing comma or bracket and upload again."
                )
            i += 1
            while i < len(text) and text[i] in WHITESPACE:
                i += 1
            if i >= len(text):
                continue  # the end-of-text check above says the array is cut short
        try:
            value, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError as exc:
            if cut and objects:
                break
            raise _broken(name, exc) from None
        where = line_at(i)
        if not isinstance(value, dict):
            raise _not_an_object(name, f"Item {len(objects) + 1} (line {where})", value)
        objects.append(value)
        lines.append(where)
        i = end
        if max_rows is not None and len(objects) >= max_rows:
            break
    if not objects:
        raise NoRows(f"{name} is an empty JSON array: it holds no rows. Upload an array with at least one object.")
    return _table(objects, name, limits, lines, "json")


def read_json_lines(text: str, name: str, limits: Limits, max_rows: int | None, cut: bool) -> RawTable:
    objects: list[dict[str, Any]] = []
    lines: list[int] = []
    raw_lines = text.split("\n")
    if cut and len(raw_lines) > 1:
        raw_lines = raw_lines[:-1]  # the last line of a head may be cut mid-object
    for number, raw in enumerate(raw_lines, start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise _broken(name, exc, number) from None
        if not isinstance(value, dict):
            raise _not_an_object(name, f"Line {number}", value)
        objects.append(value)
        lines.append(number)
        if max_rows is not None and len(objects) >= max_rows:
            break
    if not objects:
        raise EmptyFile(f"{name} holds no JSON objects. Upload one JSON object per line.")
    return _table(objects, name, limits, lines, "jsonl")


def _table(objects: list[dict[str, Any]], name: str, limits: Limits, lines: list[int], kind: str) -> RawTable:
    columns: dict[str, None] = {}
    for item in objects:
        for key in item:
            if key not in columns:
                columns[key] = None
                if len(columns) > limits.max_columns:
                    break
    names = list(columns)
    check_column_names(names, name, limits)
    rows = [{column: json_value(item.get(column)) for column in names} for item in objects]
    return RawTable(columns=names, rows=rows, kind=kind, lines=lines)
