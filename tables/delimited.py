"""CSV and TSV: sniff the delimiter, quote and header (or take the user's), check quotes, then read with
pyarrow in batches, every cell as text typed by tables.widen."""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from tables.errors import EmptyFile, FieldTooLarge, HeaderOnly, RaggedRows, UnbalancedQuotes, UnreadableFile
from tables.quotes import SKIPPED_MARK, Unclosed, all_unclosed, without_unclosed
from tables.raw import RawTable, TableStream, check_column_names
from tables.sources import Limits, ReadChoices
from tables.widen import ColumnTypes

CANDIDATES = [",", "\t", ";", "|"]
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
QUOTE = '"'
SAMPLE_CHARS = 64 * 1024
NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")
SHOWN_BAD_ROWS = 20


@dataclass
class BadRows:
    """Rows with another number of fields than the header: (row number, fields found), in file order."""

    found: list[tuple[int, int]] = field(default_factory=list)
    count: int = 0

    def add(self, number: int, actual: int) -> None:
        self.count += 1
        if len(self.found) < SHOWN_BAD_ROWS:
            self.found.append((number, actual))

    def listed(self) -> str:
        listed = ", ".join(f"row {number} has {actual}" for number, actual in self.found)
        more = f", and {self.count - SHOWN_BAD_ROWS} more" if self.count > SHOWN_BAD_ROWS else ""
        return listed + more


def open_delimited(
    path: Path,
    name: str,
    hint: str | None,
    limits: Limits,
    choices: ReadChoices,
    cut: bool,
    batch_rows: int,
    scratch: Path,
) -> TableStream:
    """Read a UTF-8 delimited file batch by batch; cut: the file is only a head (a preview); scratch: a
    folder for a copy of the file without the rows it skips."""
    with path.open(encoding="utf-8", newline="") as handle:
        sample = handle.read(SAMPLE_CHARS)
    if not sample.strip():
        raise EmptyFile(f"{name} holds only blank lines. Upload a file with a header row and at least one row.")
    delimiter = choices.delimiter or sniff_delimiter(sample, hint)
    quote = choices.quote or QUOTE
    try:
        # newline="": a lone \r ends a line, as it does for the reader that reads the rows.
        header = next(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, quotechar=quote))
    except csv.Error as exc:
        raise UnreadableFile(
            f"The header row of {name} cannot be read ({exc}). Check that it is one line of column names, "
            "separated by the delimiter, with any quotes closed."
        ) from None
    warnings: list[str] = []
    column_names: list[str] | None = None
    if choices.has_header is False:
        column_names = [f"column_{i + 1}" for i in range(len(header))]
    elif choices.has_header is None and len(header) > 1 and all(NUMBER.match(cell) for cell in header):
        column_names = [f"column_{i + 1}" for i in range(len(header))]
        warnings.append(
            f"{name} has no header row (its first row holds only numbers), so its columns are named "
            f"column_1 to column_{len(header)}. Add a header row to name them, or say the file has none."
        )
    else:
        check_column_names(header, name, limits)
    columns = column_names or header
    if not cut:
        path = _without_unclosed_quotes(path, name, (delimiter, quote), choices, len(columns), scratch, warnings)
    kind = "tsv" if delimiter == "\t" else "csv"
    batches = _batches(
        path, name, limits, choices, (delimiter, quote), columns, column_names is not None, batch_rows, warnings
    )
    return TableStream(kind=kind, columns=columns, warnings=warnings, batches=batches)


def _without_unclosed_quotes(
    path: Path,
    name: str,
    marks: tuple[str, str],
    choices: ReadChoices,
    width: int,
    scratch: Path,
    warnings: list[str],
) -> Path:
    """path when every quoted field closes; else the refusal naming the line where the first one opens, or
    (bad_rows=skip) a copy in scratch with each such row marked to be skipped, which a warning lists."""
    delimiter, quote = marks
    skip = choices.bad_rows == "skip"
    unclosed = all_unclosed(path, delimiter, quote, SHOWN_BAD_ROWS if skip else 0)
    if not unclosed:
        return path
    first = unclosed[0]
    if not skip or first.row_line == 1 or len(unclosed) > SHOWN_BAD_ROWS:
        raise _unbalanced(name, quote, first, len(unclosed) > SHOWN_BAD_ROWS)
    copy = scratch / "without-unclosed-quotes"
    without_unclosed(path, copy, unclosed, SKIPPED_MARK + delimiter * width)
    listed = ", ".join(u.lines() for u in unclosed)
    if len(unclosed) == 1:
        said = f"the row at {listed} of {name}, which opens a quoted field ({quote}) that is never properly closed"
    else:
        said = f"{len(unclosed)} rows of {name} that open a quoted field ({quote}) never properly closed: {listed}"
    them = "it" if len(unclosed) == 1 else "them"
    warnings.append(
        f"Skipped {said}; the lines after {'it' if them == 'it' else 'each'} were read as rows. Close the quote "
        f"(write a quote inside a value as two quotes, {quote * 2}) and upload again to keep {them}."
    )
    return copy


def _unbalanced(name: str, quote: str, first: Unclosed, too_many: bool) -> UnbalancedQuotes:
    if too_many:
        return UnbalancedQuotes(
            f"Over {SHOWN_BAD_ROWS} rows of {name} open a quoted field ({quote}) never properly closed, the first at "
            f"line {first.quote_line}: {quote} is probably not the file's quote character. Say which character "
            "quotes values (quote), or fix those lines, and upload again."
        )
    skipping = (
        "; or choose to skip bad rows (bad_rows=skip) to leave that row out and read the lines after it"
        if first.row_line > 1
        else ""
    )
    if first.stray_line is not None:
        return UnbalancedQuotes(
            f"Line {first.quote_line} of {name} opens a quoted field ({quote}) that is never properly closed: the "
            f"quote that ends it is in the middle of a value on line {first.stray_line}, so the lines between would "
            f"be read as one value. Close the quote on line {first.quote_line} (write a quote inside a value as two "
            f"quotes, {quote * 2}), and upload again{skipping}."
        )
    return UnbalancedQuotes(
        f"Line {first.quote_line} of {name} opens a quoted field ({quote}) that is never closed, so the rest of the "
        f"file would be read as one value. Close the quote on that line (write a quote inside a value as two quotes, "
        f"{quote * 2}), and upload again{skipping}."
    )


def delimiter_name(delimiter: str) -> str:
    return DELIMITER_NAMES.get(delimiter, repr(delimiter))


def _batches(
    path: Path,
    name: str,
    limits: Limits,
    choices: ReadChoices,
    marks: tuple[str, str],
    columns: list[str],
    named: bool,
    batch_rows: int,
    warnings: list[str],
) -> Iterator[RawTable]:
    """Batches of at most batch_rows rows; skipped rows add a warning once the file is read."""
    delimiter, quote = marks
    bad = BadRows()
    # Every row left out so far (bad ones, and those put in place of a quoted field that never closes), and
    # the numbers of those in the batch being read: later rows are numbered past them.
    skipped = 0
    new_bad: list[int] = []

    def on_invalid_row(row: Any) -> str:
        nonlocal skipped
        if not row.text.startswith(SKIPPED_MARK):
            bad.add(row.number or 0, row.actual_columns)
        skipped += 1
        new_bad.append(row.number or 0)
        return "skip"

    read_options = pacsv.ReadOptions(
        use_threads=False, block_size=2 * limits.max_field_bytes + 1024 * 1024, column_names=columns if named else None
    )
    parse_options = pacsv.ParseOptions(
        delimiter=delimiter, quote_char=quote, newlines_in_values=True, invalid_row_handler=on_invalid_row
    )
    # Every cell as text: types come from ColumnTypes, which widens instead of failing on a later block.
    convert_options = pacsv.ConvertOptions(column_types={column: pa.string() for column in columns})
    types = ColumnTypes(columns)
    first = 1 if named else 2
    skip = choices.bad_rows == "skip"
    kind = "tsv" if delimiter == "\t" else "csv"
    done = 0
    try:
        reader = pacsv.open_csv(
            path, read_options=read_options, parse_options=parse_options, convert_options=convert_options
        )
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            if bad.count and not skip:
                # Count every bad row (parsing only) so the message says how many there are.
                for _ in reader:
                    pass
                raise _ragged(name, bad, len(columns), delimiter)
            if batch.num_rows == 0:
                new_bad.clear()
                continue
            lines = _row_numbers(first + done + skipped - len(new_bad), batch.num_rows, new_bad) if skipped else None
            new_bad.clear()
            rows = types.rows(batch)
            for offset in range(0, len(rows), batch_rows):
                part = rows[offset : offset + batch_rows]
                part_lines = lines[offset : offset + batch_rows] if lines is not None else None
                yield RawTable(columns, part, kind=kind, first=first + done, lines=part_lines, start=done)
                done += len(part)
    except pa.ArrowInvalid as exc:
        if "straddl" in str(exc):
            raise FieldTooLarge(
                f"{name} has a row longer than {read_options.block_size / 2**20:.0f} MB, over the field limit of "
                f"{limits.max_field_bytes / 2**20:.1f} MB (ATLAS_MAX_FIELD_BYTES). Shorten that text, or check "
                "for a quote that is never closed."
            ) from None
        if "Empty CSV file" in str(exc) and not named:
            # The header line ends the file without a line break: there is nothing under it.
            raise _header_only(name) from None
        raise UnreadableFile(
            f"{name} cannot be read as {kind.upper()} ({exc}). Check that it is a {kind.upper()} file with one "
            "header row, export it again, and upload it."
        ) from None
    if bad.count and not skip:
        raise _ragged(name, bad, len(columns), delimiter)
    if done == 0:
        raise _header_only(name)
    if bad.count:
        s = "s" if bad.count > 1 else ""
        warnings.append(
            f"Skipped {bad.count:,} row{s} of {name} that do{'es' if bad.count == 1 else ''} not have the "
            f"{len(columns)} fields of the header: {bad.listed()} (the header is row 1)."
        )


def _header_only(name: str) -> HeaderOnly:
    return HeaderOnly(f"{name} has a header row but no rows under it. Add the rows and upload again.")


def _row_numbers(number: int, count: int, bad: list[int]) -> list[int]:
    """The row numbers of a batch's rows, stepping over the skipped rows among them."""
    skipped, numbers = set(bad), []
    for _ in range(count):
        while number in skipped:
            number += 1
        numbers.append(number)
        number += 1
    return numbers


def _ragged(name: str, bad: BadRows, expected: int, delimiter: str) -> RaggedRows:
    said = delimiter_name(delimiter)
    return RaggedRows(
        f"{bad.count:,} row{'s' if bad.count > 1 else ''} of {name} do{'es' if bad.count == 1 else ''} not have the "
        f"{expected} fields of the header: {bad.listed()} (the header is row 1; the delimiter is {said}). Fix those "
        f"rows (a missing or extra {said}, or a value that needs quotes) or remove them, and upload again; or "
        'choose to skip such rows (bad_rows=skip, "Skip rows with the wrong number of fields" on the upload '
        "page) to import the rest and be told which were left out."
    )


def sniff_delimiter(sample: str, hint: str | None) -> str:
    """The candidate found most often in the header line, preferring one that line 2 has as often."""
    lines = sample.splitlines()[:2]
    header, second = lines[0], lines[1] if len(lines) > 1 else ""
    if hint == "tsv" and "\t" in header:
        return "\t"

    def score(candidate: str) -> tuple[bool, int]:
        count = header.count(candidate)
        return (count > 0 and second.count(candidate) == count, count)

    best = max(CANDIDATES, key=score)
    return best if header.count(best) else ","
