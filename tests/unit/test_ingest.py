"""Reading an upload into texts and typed fields, and the messages about the text column."""

from pathlib import Path

import pytest

from tables.errors import ColumnNotFound, EmptyTextColumn, UnreadableFile
from tables.reader import Limits, RowMapping, preview, read_dataset


def write(tmp_path: Path, content: str | bytes, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def test_rows_keep_their_typed_fields_and_the_text_column_becomes_the_text(tmp_path: Path) -> None:
    path = write(tmp_path, 'name,summary,stars\nreq,"HTTP, for humans",5\nnp,,2.5\n')
    table = read_dataset(path, "data.csv", RowMapping(text_field="summary"), Limits())
    assert table.columns == ["name", "summary", "stars"]
    assert table.texts == ["HTTP, for humans", ""]
    assert table.records[0] == {"name": "req", "summary": "HTTP, for humans", "stars": 5.0}
    assert table.records[1]["summary"] == ""


def test_a_missing_text_column_names_the_file_and_the_columns_there_are(tmp_path: Path) -> None:
    with pytest.raises(ColumnNotFound) as error:
        read_dataset(write(tmp_path, "a,b\n1,2\n"), "mine.csv", RowMapping(text_field="body"), Limits())
    assert "'body'" in error.value.message and "mine.csv" in error.value.message and "a, b" in error.value.message


def test_an_empty_text_column_says_so_and_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(EmptyTextColumn) as error:
        read_dataset(write(tmp_path, "a,b\n1,\n2,  \n"), "mine.csv", RowMapping(text_field="b"), Limits())
    assert "empty in every row (2 rows)" in error.value.message


def test_a_binary_file_is_reported_as_unreadable(tmp_path: Path) -> None:
    path = write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "image.csv")
    with pytest.raises(UnreadableFile) as error:
        read_dataset(path, "image.csv", RowMapping(text_field="a"), Limits())
    assert "image.csv" in error.value.message


def test_the_preview_names_the_columns_of_the_first_rows(tmp_path: Path) -> None:
    assert preview(write(tmp_path, "x,y,z\n1,2,3\n"), "f.csv", Limits()).column_names == ["x", "y", "z"]
