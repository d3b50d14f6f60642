"""Quoted fields that never close: where they open and, to skip them, a copy of the file without their rows.

A quote opens a field only at its start (pyarrow reads a quote inside an unquoted value as a character);
inside a quoted field a doubled quote is a literal quote, and any other quote closes it. A quote that never
closes would make the rest of the file one value, and one that spans lines and is closed by a stray quote in
the middle of a later value (`"open` ... `4,"d`) silently swallows the lines between: the readers refuse
the file at the line where such a quote opens, or, told to skip bad rows, leave out the row it opens and
read the lines after it afresh.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

TEXT_CHUNK = 1024 * 1024
# Starts every row put in place of a skipped one: a decoded text table never holds a NUL, so no real row does.
SKIPPED_MARK = "\0"


@dataclass(frozen=True)
class Unclosed:
    """A row whose quoted field never closes: where the row starts, and the quote's position and line; for a
    field closed by a stray quote, the line of that quote."""

    row_start: int
    row_line: int
    quote_at: int
    quote_line: int
    stray_line: int | None = None

    def lines(self) -> str:
        if self.row_line == self.quote_line:
            return f"line {self.quote_line}"
        return f"lines {self.row_line}-{self.quote_line}"


def _chunks(path: Path, start: int) -> Iterator[tuple[int, str]]:
    """(offset of the chunk's first character, chunk) from character start to the end."""
    offset = 0
    with path.open(encoding="utf-8", newline="") as handle:
        while chunk := handle.read(TEXT_CHUNK):
            if offset + len(chunk) > start:
                skip = max(0, start - offset)
                yield offset + skip, chunk[skip:]
            offset += len(chunk)


def find_unclosed(path: Path, delimiter: str, quote: str, start: int = 0, line: int = 1) -> Unclosed | None:
    """The first quoted field from character start (the beginning of line `line`) that never closes, or that
    spans lines and is closed by a quote followed by more of a value, or None."""
    inside, pending_close, previous = False, False, "\n"
    row_start, row_line, quote_at, quote_line = start, line, 0, 0
    ends = (delimiter, "\n", "\r")
    for base, chunk in _chunks(path, start):
        i = 0
        if pending_close:
            pending_close = False
            if chunk[0] == quote:
                i = 1
            elif chunk[0] not in ends and line > quote_line:
                return Unclosed(row_start, row_line, quote_at, quote_line, line)
            else:
                inside = False
        while True:
            j = chunk.find(quote, i)
            end = len(chunk) if j < 0 else j
            if not inside:
                # The last line end before the quote (outside quotes) is where the quote's row starts.
                newline = max(chunk.rfind("\n", i, end), chunk.rfind("\r", i, end))
                if newline >= 0:
                    row_start, row_line = base + newline + 1, line + chunk.count("\n", i, newline + 1)
            line += chunk.count("\n", i, end)
            if j < 0:
                break
            if not inside:
                before = chunk[j - 1] if j > 0 else previous
                if before in (delimiter, "\n", "\r"):
                    inside, quote_at, quote_line = True, base + j, line
                i = j + 1
            elif j + 1 == len(chunk):
                pending_close = True
                i = j + 1
            elif chunk[j + 1] == quote:
                i = j + 2
            elif chunk[j + 1] not in ends and line > quote_line:
                return Unclosed(row_start, row_line, quote_at, quote_line, line)
            else:
                inside = False
                i = j + 1
        previous = chunk[-1]
    if inside and not pending_close:
        return Unclosed(row_start, row_line, quote_at, quote_line)
    return None


def line_end(path: Path, position: int) -> int:
    """The character just past the line end at or after position (the end of the file when there is none)."""
    end = position
    for base, chunk in _chunks(path, position):
        newline = chunk.find("\n")
        if newline >= 0:
            return base + newline + 1
        end = base + len(chunk)
    return end


def all_unclosed(path: Path, delimiter: str, quote: str, most: int) -> list[Unclosed]:
    """Every row with a quote that never closes, each found by reading afresh from the line after the last
    one's quote; at most `most` + 1 of them (more means the quote character is wrong, and reading stops)."""
    found: list[Unclosed] = []
    start, line = 0, 1
    while len(found) <= most:
        unclosed = find_unclosed(path, delimiter, quote, start, line)
        if unclosed is None:
            break
        found.append(unclosed)
        start, line = line_end(path, unclosed.quote_at), unclosed.quote_line + 1
    return found


def without_unclosed(path: Path, out: Path, unclosed: list[Unclosed], mark: str) -> None:
    """Copy path to out with each unclosed row (from its start to the end of its quote's line) replaced by
    `mark` on a line of its own: the CSV reader counts it as a row, so later rows keep their numbers."""
    spans = [(u.row_start, line_end(path, u.quote_at)) for u in unclosed]
    with out.open("w", encoding="utf-8", newline="") as sink:
        at = 0
        for base, chunk in _chunks(path, 0):
            end = base + len(chunk)
            while at < end:
                span = next(((s, e) for s, e in spans if e > at), None)
                if span is None or span[0] >= end:
                    sink.write(chunk[at - base :])
                    at = end
                elif at < span[0]:
                    sink.write(chunk[at - base : span[0] - base])
                    at = span[0]
                else:
                    if at == span[0]:
                        sink.write(mark + "\n")
                    at = min(span[1], end)
