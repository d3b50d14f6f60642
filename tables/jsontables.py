"""JSON (an array of objects) and JSON Lines (one object per line), with the line of every problem."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from tables.errors import BrokenJson, EmptyFile, NoRows
from tables.raw import RawTable, TableStream, check_column_names, json_value
from tables.sources import Limits

WHITESPACE = " \t\r\n"
CHUNK = 1024 * 1024


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


def open_json(path: Path, name: str, limits: Limits, cut: bool, batch_rows: int) -> TableStream:
    """An array of objects or JSON Lines read batch by batch, or a clear refusal of a scalar or a single object."""
    with path.open(encoding="utf-8", newline="\n") as handle:
        head = handle.read(4096)
        start = head.lstrip(WHITESPACE)
        while not start and head:
            head = handle.read(CHUNK)
            start = head.lstrip(WHITESPACE)
    if not start:
        raise EmptyFile(f"{name} holds only white space. Upload a JSON array of objects, one object per row.")
    columns: list[str] = []
    if start[0] == "[":
        return TableStream("json", columns, [], _array(path, name, limits, cut, batch_rows, columns))
    if start[0] == "{" and _is_json_lines(path):
        return TableStream("jsonl", columns, [], _json_lines(path, name, limits, cut, batch_rows, columns))
    # One value that is not an array: read whole (it is refused, so only the message needs it).
    text = path.read_text(encoding="utf-8")
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


def _is_json_lines(path: Path) -> bool:
    """The first line is one JSON value, and not a lone object wrapping a list of rows (an API dump)."""
    with path.open(encoding="utf-8", newline="\n") as handle:
        first_line = ""
        while not first_line.strip(WHITESPACE):
            first_line = handle.readline()
            if not first_line:
                return False
        try:
            only = json.loads(first_line)
        except json.JSONDecodeError:
            return False
        alone = True
        while chunk := handle.read(CHUNK):
            if chunk.strip(WHITESPACE):
                alone = False
                break
    return not (alone and isinstance(only, dict) and _rows_key(only))


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


class _Buffer:
    """The text of a file read in chunks, with the line number of any position still in the buffer."""

    def __init__(self, handle: TextIO) -> None:
        self.handle, self.text, self.line, self.counted_to, self.eof = handle, "", 1, 0, False

    def more(self, keep_from: int) -> int:
        """Read another chunk, dropping text before keep_from; returns how far positions moved back."""
        chunk = self.handle.read(CHUNK)
        if not chunk:
            self.eof = True
            return 0
        self.line_at(keep_from)
        self.text = self.text[keep_from:] + chunk
        self.counted_to = 0
        return keep_from

    def line_at(self, position: int) -> int:
        self.line += self.text.count("\n", self.counted_to, position)
        self.counted_to = position
        return self.line

    def skip_space(self, i: int) -> int:
        """The position of the next character that is not white space (len(text) at the end of the file)."""
        while True:
            while i < len(self.text) and self.text[i] in WHITESPACE:
                i += 1
            if i < len(self.text) or self.eof:
                return i
            i -= self.more(i)


def _decode(decoder: json.JSONDecoder, buf: _Buffer, i: int) -> tuple[Any, int, int] | json.JSONDecodeError:
    """The value starting at i (reading more of the file while it may be cut by the buffer's end), its end and
    its start (positions move when the buffer drops what it has read), or the error at the end of the file."""
    while True:
        try:
            value, end = decoder.raw_decode(buf.text, i)
            return value, end, i
        except json.JSONDecodeError as exc:
            if buf.eof:
                return exc
            i -= buf.more(i)


def _array(path: Path, name: str, limits: Limits, cut: bool, batch_rows: int, columns: list[str]) -> Iterator[RawTable]:
    decoder = json.JSONDecoder()
    objects: list[dict[str, Any]] = []
    lines: list[int] = []
    count = 0
    with path.open(encoding="utf-8", newline="\n") as handle:
        buf = _Buffer(handle)
        i = buf.skip_space(0) + 1  # past the '['
        while True:
            i = buf.skip_space(i)
            text = buf.text
            if i >= len(text):
                if cut and count:
                    break
                raise BrokenJson(
                    f"{name} ends before the array's closing ']' (line {buf.line_at(i)}): it is cut short."
                )
            if text[i] == "]":
                rest = buf.skip_space(i + 1)
                if rest < len(buf.text):
                    raise BrokenJson(
                        f"Line {buf.line_at(rest)} of {name} has more after the array's closing ']': remove it, or "
                        "put all rows inside one array."
                    )
                break
            if count:
                if text[i] != ",":
                    raise BrokenJson(
                        f"Line {buf.line_at(i)} of {name} is not valid JSON: expected ',' or ']' after item {count}. "
                        "Add the missing comma or bracket and upload again."
                    )
                i = buf.skip_space(i + 1)
                if i >= len(buf.text):
                    continue  # the end-of-text check above says the array is cut short
            decoded = _decode(decoder, buf, i)
            if isinstance(decoded, json.JSONDecodeError):
                if cut and count:
                    break  # a head ends mid-object
                raise _broken(name, decoded, buf.line_at(decoded.pos)) from None
            value, end, i = decoded
            where = buf.line_at(i)
            if not isinstance(value, dict):
                raise _not_an_object(name, f"Item {count + 1} (line {where})", value)
            objects.append(value)
            lines.append(where)
            count += 1
            i = end
            if len(objects) >= batch_rows:
                yield _table(objects, name, limits, lines, "json", columns, count - len(objects))
                objects, lines = [], []
    if objects:
        yield _table(objects, name, limits, lines, "json", columns, count - len(objects))
    if not count:
        raise NoRows(f"{name} is an empty JSON array: it holds no rows. Upload an array with at least one object.")


def _json_lines(
    path: Path, name: str, limits: Limits, cut: bool, batch_rows: int, columns: list[str]
) -> Iterator[RawTable]:
    objects: list[dict[str, Any]] = []
    lines: list[int] = []
    count = 0
    with path.open(encoding="utf-8", newline="\n") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            if cut and not raw.endswith("\n"):
                break  # the last line of a head may be cut mid-object
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise _broken(name, exc, number) from None
            if not isinstance(value, dict):
                raise _not_an_object(name, f"Line {number}", value)
            objects.append(value)
            lines.append(number)
            count += 1
            if len(objects) >= batch_rows:
                yield _table(objects, name, limits, lines, "jsonl", columns, count - len(objects))
                objects, lines = [], []
    if objects:
        yield _table(objects, name, limits, lines, "jsonl", columns, count - len(objects))
    if not count:
        raise EmptyFile(f"{name} holds no JSON objects. Upload one JSON object per line.")


def _table(
    objects: list[dict[str, Any]],
    name: str,
    limits: Limits,
    lines: list[int],
    kind: str,
    columns: list[str],
    start: int,
) -> RawTable:
    """One batch; columns is the file's, growing as later objects bring new keys (earlier rows lack them)."""
    known = set(columns)
    for item in objects:
        for key in item:
            if key not in known:
                known.add(key)
                columns.append(key)
                if len(columns) > limits.max_columns:
                    break
    check_column_names(columns, name, limits)
    rows = [{column: json_value(item.get(column)) for column in columns} for item in objects]
    return RawTable(columns=list(columns), rows=rows, kind=kind, lines=lines, word="line", start=start)
