"""CSV and TSV: sniff the delimiter and the header, check quotes, then read with pyarrow and keep its types."""

import csv
import io
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from workers.stages.errors import EmptyFile, FieldTooLarge, HeaderOnly, RaggedRows, UnbalancedQuotes
from workers.stages.sources import Limits
from workers.stages.tables import RawTable, arrow_rows, check_column_names

CANDIDATES = [",", "\t", ";", "|"]
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
QUOTE = '"'
SAMPLE_CHARS = 64 * 1024
TEXT_CHUNK = 1024 * 1024
NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")
SHOWN_BAD_ROWS = 20


def read_delimited(
    path: Path, name: str, hint: str | None, limits: Limits, max_rows: int | None, cut: bool
) -> RawTable:
    """Read a UTF-8 delimited file; max_rows stops early (a preview), cut: the file is only a head."""
    with path.open(encoding="utf-8", newline="") as handle:
        sample = handle.read(SAMPLE_CHARS)
    if not sample.strip():
        raise EmptyFile(f"{name} holds only blank lines. Upload a file with a header row and at least one row.")
    delimiter = sniff_delimiter(sample, hint)
    header = next(csv.reader(io.StringIO(sample), delimiter=delimiter, quotechar=QUOTE))
    warnings: list[str] = []
    column_names: list[str] | None = None
    if len(header) > 1 and all(NUMBER.match(cell) for cell in header):
        column_names = [f"column_{i + 1}" for i in range(len(header))]
        warnings.append(
            f"{name} has no header row (its first row holds only numbers), so its columns are named "
            f"column_1 to column_{len(header)}. Add a header row to name them."
        )
    else:
        check_column_names(header, name, limits)
    if not cut:
        opened_at = unclosed_quote_line(path, delimiter)
        if opened_at is not None:
            raise UnbalancedQuotes(
                f"Line {opened_at} of {name} opens a quoted field ({QUOTE}) that is never closed, so the rest of "
                f"the file would be read as one value. Close the quote on that line (write a quote inside a value "
                f'as two quotes, ""), and upload again.'
            )
    bad: list[tuple[int, int]] = []
    expected = len(column_names or header)

    def on_invalid_row(row: Any) -> str:
        bad.append((row.number or 0, row.actual_columns))
        return "skip"

    read_options = pacsv.ReadOptions(
        use_threads=False, block_size=2 * limits.max_field_bytes + 1024 * 1024, column_names=column_names
    )
    parse_options = pacsv.ParseOptions(
        delimiter=delimiter, quote_char=QUOTE, newlines_in_values=True, invalid_row_handler=on_invalid_row
    )
    try:
        table = _read(path, read_options, parse_options, max_rows)
    except pa.ArrowInvalid as exc:
        if "straddl" in str(exc):
            raise FieldTooLarge(
                f"{name} has a row longer than {read_options.block_size / 2**20:.0f} MB, over the field limit of "
                f"{limits.max_field_bytes / 2**20:.1f} MB (ATLAS_MAX_FIELD_BYTES). Shorten that text, or check "
                "for a quote that is never closed."
            ) from None
        raise
    if bad:
        listed = ", ".join(f"row {number} has {actual}" for number, actual in bad[:SHOWN_BAD_ROWS])
        more = f", and {len(bad) - SHOWN_BAD_ROWS} more" if len(bad) > SHOWN_BAD_ROWS else ""
        raise RaggedRows(
            f"{len(bad)} row{'s' if len(bad) > 1 else ''} of {name} do{'es' if len(bad) == 1 else ''} not have the "
            f"{expected} fields of the header: {listed}{more} (the header is row 1; the delimiter is "
            f"{DELIMITER_NAMES[delimiter]}). Fix those rows (a missing or extra {DELIMITER_NAMES[delimiter]}, or a "
            "value that needs quotes) or remove them, and upload again."
        )
    if table.num_rows == 0:
        raise HeaderOnly(f"{name} has a header row but no rows under it. Add the rows and upload again.")
    return RawTable(
        columns=list(table.column_names),
        rows=arrow_rows(table),
        kind="tsv" if delimiter == "\t" else "csv",
        first=1 if column_names else 2,
        warnings=warnings,
    )


def _read(
    path: Path, read_options: pacsv.ReadOptions, parse_options: pacsv.ParseOptions, max_rows: int | None
) -> pa.Table:
    if max_rows is None:
        # The whole-file reader promotes a column's type when a later block needs it (int -> float -> text).
        return pacsv.read_csv(path, read_options=read_options, parse_options=parse_options)
    reader = pacsv.open_csv(path, read_options=read_options, parse_options=parse_options)
    batches: list[pa.RecordBatch] = []
    rows = 0
    while rows < max_rows:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except pa.ArrowInvalid:
            # A later block whose types differ from the first one's: a preview has what it needs.
            if rows:
                break
            raise
        batches.append(batch)
        rows += batch.num_rows
    return pa.Table.from_batches(batches, schema=reader.schema).slice(0, max_rows)


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


def unclosed_quote_line(path: Path, delimiter: str) -> int | None:
    """The line where a quoted field opens and never closes, or None.

    A quote opens a field only at its start (pyarrow reads a quote inside an unquoted value as a
    character); inside a quoted field a doubled quote is a literal quote.
    """
    inside, pending_close, opened_at, line, previous = False, False, 0, 1, "\n"
    with path.open(encoding="utf-8", newline="") as handle:
        while chunk := handle.read(TEXT_CHUNK):
            i = 0
            if pending_close:
                pending_close = False
                if chunk[0] == QUOTE:
                    i = 1
                else:
                    inside = False
            while True:
                j = chunk.find(QUOTE, i)
                if j < 0:
                    line += chunk.count("\n", i)
                    break
                line += chunk.count("\n", i, j)
                if not inside:
                    before = chunk[j - 1] if j > 0 else previous
                    if before in (delimiter, "\n", "\r"):
                        inside, opened_at = True, line
                    i = j + 1
                elif j + 1 == len(chunk):
                    pending_close = True
                    i = j + 1
                elif chunk[j + 1] == QUOTE:
                    i = j + 2
                else:
                    inside = False
                    i = j + 1
            previous = chunk[-1]
    return opened_at if inside and not pending_close else None
