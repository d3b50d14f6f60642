"""A quoted field that never closes, or is closed by a stray quote lines later, never swallows the rest of the
file: it is refused at the line where it opens, or, with bad_rows=skip, its row is left out, the lines after
it are read as rows and keep their numbers, and a warning names its line."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tables import errors, quotes
from tables.reader import Limits, ReadChoices, RowMapping, read_dataset

SKIP = ReadChoices(bad_rows="skip")


def read(
    tmp_path: Path, content: bytes, choices: ReadChoices = SKIP, id_field: str = ""
) -> tuple[list[str], list[str]]:
    path = tmp_path / "rows.csv"
    path.write_bytes(content)
    result = read_dataset(path, "rows.csv", RowMapping(text_field="text", id_field=id_field), Limits(), choices=choices)
    return result.texts, result.warnings


@pytest.mark.parametrize(
    ("content", "texts", "lines"),
    [
        (b'id,text\n1,a\n2,"open\n3,c\n4,d\n', ["a", "c", "d"], "the row at line 3 of rows.csv"),
        (b'id,text\n1,a\n2,"open\n3,c\n4,"d\n5,e\n', ["a", "c", "e"], "2 rows of rows.csv"),
        (b'id,text\r\n1,a\r\n2,"open\r\n3,c\r\n', ["a", "c"], "the row at line 3 of rows.csv"),
        (b'id,text\n1,"two\nlines"\n2,"open\n3,c', ["two\nlines", "c"], "the row at line 4 of rows.csv"),
        (b'id,text\n1,"two\nlines",2,"open\n3,c\n', ["c"], "the row at lines 2-3 of rows.csv"),
        (b'text\nhello\n"open\nworld\nfoo\n', ["hello", "world", "foo"], "the row at line 3 of rows.csv"),
    ],
)
def test_skipping_bad_rows_leaves_out_only_the_row_whose_quote_never_closes(
    tmp_path: Path, content: bytes, texts: list[str], lines: str
) -> None:
    found, warnings = read(tmp_path, content)
    assert found == texts
    assert any(f"Skipped {lines}" in warning for warning in warnings), warnings


def test_rows_after_a_skipped_quote_keep_their_row_numbers(tmp_path: Path) -> None:
    content = b'id,text\n1,a\n2,"open\n3,c\n1,d\n'
    with pytest.raises(errors.BadIdColumn, match=r"repeats '1' in row 2, row 5\."):
        read(tmp_path, content, id_field="id")


def test_a_quote_that_never_closes_in_the_header_is_refused_even_when_skipping(tmp_path: Path) -> None:
    with pytest.raises(errors.UnbalancedQuotes, match="Line 1 of rows.csv"):
        read(tmp_path, b'"id,text\n1,a\n2,b\n')


def test_many_quotes_that_never_close_say_the_quote_character_is_probably_wrong(tmp_path: Path) -> None:
    content = b"id,text\n" + b'1,"a\n' * 30
    with pytest.raises(errors.UnbalancedQuotes, match="probably not the file's quote character"):
        read(tmp_path, content)


def test_without_skipping_the_refusal_names_the_line_and_offers_to_skip(tmp_path: Path) -> None:
    with pytest.raises(errors.UnbalancedQuotes, match="Line 3 of rows.csv.*bad_rows=skip"):
        read(tmp_path, b'id,text\n1,a\n2,"open\n3,c\n', choices=ReadChoices())


def test_a_quoted_value_closed_and_continued_on_its_own_line_is_still_read(tmp_path: Path) -> None:
    assert read(tmp_path, b'text,n\n"quoted"tail,1\n', choices=ReadChoices())[0] == ["quotedtail"]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(text=st.text(alphabet='ab,"\n\r', max_size=60), chunk=st.integers(min_value=1, max_value=7))
def test_finding_an_unclosed_quote_does_not_depend_on_where_the_file_is_cut_into_chunks(
    tmp_path_factory: pytest.TempPathFactory, text: str, chunk: int
) -> None:
    path = tmp_path_factory.mktemp("quotes") / "rows.csv"
    path.write_text(text, encoding="utf-8", newline="")
    whole = quotes.find_unclosed(path, ",", '"')
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(quotes, "TEXT_CHUNK", chunk)
        assert quotes.find_unclosed(path, ",", '"') == whole
        assert quotes.line_end(path, 0) == (text.find("\n") + 1 if "\n" in text else len(text))
