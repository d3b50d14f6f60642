"""Whatever bytes arrive, the readers answer a table or one of their own errors (tables.errors), which the
upload shows as a 400 and the build as its message; never another exception, which would be a 500. And what
they answer can be stored: no value or column name holds NUL or half a character."""

import codecs
import gzip
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tables.errors import BuildError
from tables.raw import unstorable
from tables.reader import Limits, ReadChoices, RowMapping, preview, read_dataset

SMALL = Limits(max_columns=8, max_field_bytes=200, max_uncompressed_bytes=1024 * 1024, max_compression_ratio=50)
# Pieces of text tables and of what breaks them: delimiters, quotes, line ends, NUL, bytes that are not UTF-8,
# JSON's brackets and escapes (\u0000 and a lone surrogate among them).
PIECES = [
    b",", b"\t", b";", b"|", b'"', b"'", b'""', b"\n", b"\r\n", b"\r", b" ", b"a", b"text", b"1", b"2.5", b"-",
    b"\x00", b"\xff", b"\xe9", b"\xc3\xa9", b"\xc3", b"\xf0\x9f\x98", b"{", b"}", b"[", b"]", b":", b"\\",
    b'"text"', b"\\u0000", b"\\ud800", b"\\n", b"null", b"true", b"NA",
]  # fmt: skip
HEADERS = [
    b"",
    b"text,n\n",
    b"text\tn\n",
    b"text;n\r\n",
    b"text\n",
    b'{"text": "a", "n": 1}\n',
    b'[{"text": "a"}',
    b"1,2\n",
]
NAMES = ["rows.csv", "rows.tsv", "rows.jsonl", "rows.json", "rows.txt"]
CHOICES = st.builds(
    ReadChoices,
    delimiter=st.sampled_from([None, ",", "\t", ";"]),
    quote=st.sampled_from([None, '"', "'"]),
    has_header=st.sampled_from([None, True, False]),
    bad_rows=st.sampled_from(["abort", "skip"]),
)


@st.composite
def table_bytes(draw: st.DrawFn) -> bytes:
    body = draw(st.sampled_from(HEADERS)) + b"".join(draw(st.lists(st.sampled_from(PIECES), max_size=40)))
    wrap = draw(st.sampled_from(["plain", "plain", "plain", "utf-16", "bom", "gzip", "cut gzip", "cut"]))
    if wrap == "utf-16":
        return codecs.BOM_UTF16_LE + body.decode("utf-8", errors="replace").encode("utf-16-le")
    if wrap == "bom":
        return codecs.BOM_UTF8 + body
    if wrap == "gzip":
        return gzip.compress(body)
    if wrap == "cut gzip":
        packed = gzip.compress(body)
        return packed[: draw(st.integers(min_value=1, max_value=len(packed)))]
    if wrap == "cut":
        return body[: draw(st.integers(min_value=0, max_value=len(body)))]
    return body


def assert_storable(value: Any) -> None:
    if isinstance(value, str):
        assert unstorable(value) is None, repr(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            assert_storable(str(key))
            assert_storable(item)
    elif isinstance(value, list):
        for item in value:
            assert_storable(item)


PROPERTY = settings(
    max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(content=table_bytes(), filename=st.sampled_from(NAMES), choices=CHOICES)
def test_any_bytes_read_as_a_table_or_are_refused_with_the_readers_own_error(
    tmp_path: Path, content: bytes, filename: str, choices: ReadChoices
) -> None:
    path = tmp_path / (filename + ".gz" if content.startswith(b"\x1f\x8b") else filename)
    path.write_bytes(content)
    try:
        result = read_dataset(path, path.name, RowMapping(text_field="text"), SMALL, choices=choices)
    except BuildError as error:
        assert error.message and unstorable(error.message) is None
        return
    assert result.row_count == len(result.records) > 0
    for column in result.columns:
        assert_storable(column)
    assert_storable(result.texts)
    assert_storable(result.records)


@PROPERTY
@given(content=table_bytes(), filename=st.sampled_from(NAMES), choices=CHOICES, partial=st.booleans())
def test_any_bytes_preview_as_rows_or_are_refused_with_the_readers_own_error(
    tmp_path: Path, content: bytes, filename: str, choices: ReadChoices, partial: bool
) -> None:
    path = tmp_path / (filename + ".gz" if content.startswith(b"\x1f\x8b") else filename)
    path.write_bytes(content)
    try:
        shown = preview(path, path.name, SMALL, partial=partial, choices=choices)
    except BuildError as error:
        assert error.message
        return
    assert_storable(shown.column_names)
    assert_storable(shown.rows)
