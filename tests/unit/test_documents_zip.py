"""A .zip of documents is read as a table: one row per file with its path, folder, name and text (HTML as the
text a reader sees), whatever the documents' encodings; a zip of one table reads as before."""

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tables.documents import html_text
from tables.errors import DecompressionBomb, ZipProblem
from tables.reader import Limits, RowMapping, preview, read_dataset, read_table


def zipped(files: dict[str, bytes]) -> bytes:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        archive.writestr("__MACOSX/._notes.txt", b"junk")
    return sink.getvalue()


PAGE = b"""<html><head><title>T</title><style>p {color: red}</style></head>
<body><h1>Dates</h1><p>Parse   dates &amp; times.</p><script>var x = 1;</script><ul><li>one</li><li>two</li></ul>
</body></html>"""


def test_each_document_of_a_zip_is_a_row_with_its_path_folder_name_and_text(tmp_path: Path) -> None:
    path = tmp_path / "docs.zip"
    path.write_bytes(
        zipped(
            {
                "guide/intro.md": b"# Intro\n\nAtlas maps *documents*.",
                "guide/pages/dates.html": PAGE,
                "notes.txt": "Crème brûlée – 5 €".encode("cp1252"),
            }
        )
    )
    read = read_dataset(path, "docs.zip", RowMapping(text_field="text"), Limits())
    assert [r["path"] for r in read.records] == ["guide/intro.md", "guide/pages/dates.html", "notes.txt"]
    assert [r["folder"] for r in read.records] == ["guide", "guide/pages", ""]
    assert [r["name"] for r in read.records] == ["intro.md", "dates.html", "notes.txt"]
    assert read.texts == [
        "# Intro\n\nAtlas maps *documents*.",
        "Dates\nParse dates & times.\none\ntwo",
        "Crème brûlée – 5 €",
    ]
    shown = preview(path, "docs.zip", Limits())
    assert [c["name"] for c in shown.columns] == ["path", "folder", "name", "text"]
    assert len(shown.rows) == 3


def test_a_zip_of_one_table_or_of_one_text_file_still_reads_as_a_table(tmp_path: Path) -> None:
    path = tmp_path / "table.zip"
    path.write_bytes(zipped({"rows.txt": b"name,summary\na,first\nb,second\n"}))
    assert read_table(path, "table.zip", Limits()).table.columns == ["name", "summary"]
    mixed = tmp_path / "mixed.zip"
    mixed.write_bytes(zipped({"rows.csv": b"name\na\n", "readme.md": b"# about"}))
    with pytest.raises(ZipProblem, match="holds 2 files"):
        read_table(mixed, "mixed.zip", Limits())


def test_documents_that_unpack_past_the_limit_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.zip"
    path.write_bytes(zipped({f"doc{i}.md": b"word " * 100_000 for i in range(3)}))
    with pytest.raises(DecompressionBomb, match="unpacks to more than"):
        read_table(path, "big.zip", Limits(max_uncompressed_bytes=1_000_000))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(markup=st.text(alphabet=st.sampled_from(list("<>/ab p&;\"'=!-\n\x00é")), max_size=200))
def test_any_markup_gives_text_without_tags_of_the_blocks_it_names(markup: str) -> None:
    text = html_text(markup)
    assert "<p>" not in text and "<b>" not in text
    assert "\n\n" not in text and not text.startswith(" ")
