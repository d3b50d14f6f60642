"""Every broken file gets its own error, naming the file, the place and the fix; nothing is half-read."""

import codecs
import gzip
import io
import json
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tables import errors
from tables.reader import Limits, RowMapping, preview, read_dataset

SMALL = Limits(max_columns=5, max_field_bytes=1000, max_uncompressed_bytes=4 * 1024 * 1024, max_compression_ratio=50)


def zipped(members: dict[str, bytes]) -> bytes:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return sink.getvalue()


def parquet_bytes(first: str = "a") -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.table({"text": [first, "b"] * 50}), sink)
    return sink.getvalue()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
RAGGED = b"text,n\nfine,1\nshort\nok,2\ntoo,many,3\n"

# (file name, content, error raised, parts of its message)
BAD: list[tuple[str, bytes, type[errors.BuildError], list[str]]] = [
    ("empty.csv", b"", errors.EmptyFile, ["empty.csv is empty"]),
    ("blank.csv", b"\n \n\n", errors.EmptyFile, ["blank.csv holds only blank lines"]),
    ("header.csv", b"text,n\n", errors.HeaderOnly, ["header.csv has a header row but no rows"]),
    ("header-no-newline.csv", b"text,n", errors.HeaderOnly, ["header-no-newline.csv has a header row but no rows"]),
    ("one-header.csv", b"text", errors.HeaderOnly, ["one-header.csv has a header row but no rows"]),
    ("one-header.tsv", b"text\r", errors.HeaderOnly, ["one-header.tsv has a header row but no rows"]),
    (
        "quote.csv",
        b'text,n\nfine,1\n"open,2\nnext,3\n',
        errors.UnbalancedQuotes,
        ["Line 3 of quote.csv", "never closed"],
    ),
    (
        "stray.csv",
        b'text,n\nfine,1\n"open,2\nnext,3\n"stray close,4\nlast,5\n',
        errors.UnbalancedQuotes,
        ["Line 3 of stray.csv opens a quoted field", "middle of a value on line 5"],
    ),
    ("ragged.csv", RAGGED, errors.RaggedRows, ["2 rows of ragged.csv", "row 3 has 1, row 5 has 3", "header is row 1"]),
    ("dup.csv", b"text,n,text\na,1,b\n", errors.BadColumnNames, ["two columns named 'text' (columns 1 and 3)"]),
    ("noname.csv", b"text,,n\na,1,2\n", errors.BadColumnNames, ["Column 2 of noname.csv has no name"]),
    ("nul.csv", b"text,n\nfine,1\nbad\x00,2\n", errors.NulBytes, ["Line 3 of nul.csv holds a NUL byte"]),
    ("nul.jsonl", b'{"text": "a"}\n{"text": "b\\u0000"}\n', errors.NulBytes, ["Line 2 of nul.jsonl, column 'text'"]),
    ("nested-nul.json", b'[{"text": "a", "n": {"k": ["\\u0000"]}}]', errors.NulBytes, ["Line 1 of nested-nul.json"]),
    ("nul-key.jsonl", b'{"text": "a", "\\u0000": 1}\n', errors.BadColumnNames, ["column 2 of nul-key.jsonl", "NUL"]),
    (
        "half.jsonl",
        b'{"text": "\\udc00 alone"}\n',
        errors.InvalidEncoding,
        ["Line 1 of half.jsonl, column 'text', holds an unpaired surrogate (\\udc00)"],
    ),
    ("nul-parquet.parquet", parquet_bytes("a\x00b"), errors.NulBytes, ["Row 1 of nul-parquet.parquet, column 'text'"]),
    (
        "mixed.csv",
        "text,n\ncafé,1\n".encode() + b"bad \xff byte,2\n",
        errors.InvalidEncoding,
        ["Line 3 of mixed.csv", "not valid UTF-8 (0xFF"],
    ),
    ("neither.csv", b"text\n\x81\x8d\n", errors.InvalidEncoding, ["neither UTF-8 nor Windows-1252: line 2"]),
    (
        "surrogate8.csv",
        "text\ncafé\n".encode() + b"\xed\xa0\x80\n",
        errors.InvalidEncoding,
        ["Line 3 of surrogate8.csv", "not valid UTF-8 (0xED 0xA0 0x80"],
    ),
    (
        "surrogate16.csv",
        codecs.BOM_UTF16_LE + "text\n".encode("utf-16-le") + b"\x00\xd8" + "a\n".encode("utf-16-le"),
        errors.InvalidEncoding,
        ["Line 2 of surrogate16.csv", "not valid UTF-16"],
    ),
    (
        "big.csv",
        b"text,n\nok,1\n" + b"x" * 2000 + b",2\n",
        errors.FieldTooLarge,
        ["Row 3 of big.csv, column 'text', holds 2,000 bytes", "ATLAS_MAX_FIELD_BYTES"],
    ),
    ("wide.csv", b"a,b,c,d,e,f\n1,2,3,4,5,6\n", errors.TooManyColumns, ["wide.csv has 6 columns", "ATLAS_MAX_COLUMNS"]),
    ("photo.csv", PNG, errors.NotATable, ["photo.csv is a PNG image, not a table"]),
    ("table.csv", parquet_bytes(), errors.NotATable, ["table.csv is a Parquet file, not CSV: rename it .parquet"]),
    ("table.parquet", b"text\nhello\n", errors.NotATable, ["table.parquet is not a Parquet file", "holds text"]),
    (
        "rows.json",
        b'[\n {"text": "a"},\n {"text": "b",}\n]',
        errors.BrokenJson,
        ["Line 3 of rows.json is not valid JSON"],
    ),
    ("rows.jsonl", b'{"text": "a"}\n{"text": "b"\n{"text": "c"}\n', errors.BrokenJson, ["Line 2 of rows.jsonl"]),
    ("scalar.json", b'"just a string"', errors.NoRows, ["scalar.json holds a single JSON string, not rows"]),
    (
        "nested.json",
        json.dumps({"meta": {"n": 2}, "data": [{"text": "a"}]}, indent=1).encode(),
        errors.NoRows,
        ["nested.json holds one JSON object", "list under 'data'"],
    ),
    ("dump.json", b'{"data": [{"text": "a"}]}', errors.NoRows, ["dump.json holds one JSON object", "under 'data'"]),
    ("lists.json", b'[{"text": "a"}, [1, 2]]', errors.NoRows, ["Item 2 (line 1) of lists.json is a JSON array"]),
    ("empty.json", b"[]", errors.NoRows, ["empty.json is an empty JSON array"]),
    ("cut.parquet", parquet_bytes()[:-40], errors.TruncatedFile, ["cut.parquet is cut short or damaged"]),
    ("cut.csv.gz", gzip.compress(b"text\n" + b"hello\n" * 100)[:-30], errors.TruncatedFile, ["cut.csv.gz ends before"]),
    (
        "two.zip",
        zipped({"a.csv": b"text\nx\n", "b.csv": b"text\ny\n"}),
        errors.ZipProblem,
        ["two.zip holds 2 files (a.csv, b.csv)"],
    ),
    (
        "escape.zip",
        zipped({"../../etc/evil.csv": b"text\nx\n"}),
        errors.ZipProblem,
        ["unsafe path ('../../etc/evil.csv'"],
    ),
    ("abs.zip", zipped({"/etc/evil.csv": b"text\nx\n"}), errors.ZipProblem, ["unsafe path ('/etc/evil.csv'"]),
    ("nothing.zip", zipped({"folder/": b""}), errors.ZipProblem, ["nothing.zip holds no file"]),
    (
        "bomb.csv.gz",
        gzip.compress(b"text\n" + b"a" * 3 * 1024 * 1024),
        errors.DecompressionBomb,
        ["more than 50 times its size", "ATLAS_MAX_COMPRESSION_RATIO"],
    ),
    (
        "bomb.zip",
        zipped({"big.csv": b"text\n" + b"a" * 5 * 1024 * 1024}),
        errors.DecompressionBomb,
        ["unpacks to more than 4 MB", "ATLAS_MAX_UNCOMPRESSED_MB"],
    ),
    ("sheet.zip", zipped({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>"}), errors.NotATable, ["Excel"]),
]


@pytest.mark.parametrize(("filename", "content", "error", "parts"), BAD, ids=[case[0] for case in BAD])
def test_a_bad_file_is_refused_with_a_message_that_says_where_and_how_to_fix_it(
    tmp_path: Path, filename: str, content: bytes, error: type[errors.BuildError], parts: list[str]
) -> None:
    path = tmp_path / filename
    path.write_bytes(content)
    with pytest.raises(error) as raised:
        read_dataset(path, filename, RowMapping(text_field="text"), SMALL)
    for part in parts:
        assert part in raised.value.message


@pytest.mark.parametrize(
    "filename",
    [
        "empty.csv",
        "header.csv",
        "header-no-newline.csv",
        "nul.jsonl",
        "nul-key.jsonl",
        "quote.csv",
        "ragged.csv",
        "dup.csv",
        "wide.csv",
        "photo.csv",
        "two.zip",
        "escape.zip",
    ],
)
def test_what_the_first_block_shows_is_refused_by_the_preview_too(tmp_path: Path, filename: str) -> None:
    content, error = next((c, e) for name, c, e, _ in BAD if name == filename)
    path = tmp_path / filename
    path.write_bytes(content)
    with pytest.raises(error):
        preview(path, filename, SMALL)


def test_a_quote_inside_an_unquoted_value_is_a_character_not_an_open_quote(tmp_path: Path) -> None:
    path = tmp_path / "inches.csv"
    path.write_bytes(b'text,n\na 5" screen,1\n"quoted ""twice"" here",2\n')
    assert read_dataset(path, "inches.csv", RowMapping(text_field="text"), SMALL).texts == [
        'a 5" screen',
        'quoted "twice" here',
    ]
