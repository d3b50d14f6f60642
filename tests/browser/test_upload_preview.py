"""The upload page previews any supported format through the server, and shows why a file is refused."""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_choosing_a_parquet_file_shows_its_rows_with_column_types_and_preselects_the_text(
    page: Page, live_server: object, tmp_path: Path
) -> None:
    path = tmp_path / "papers.parquet"
    titles = [f"Paper {i}" for i in range(60)]
    abstracts = [f"We study <b>maps</b> of embeddings, part {i}, and find they help people explore." for i in range(60)]
    pq.write_table(pa.table({"title": titles, "abstract": abstracts, "year": [2000 + i % 20 for i in range(60)]}), path)
    page.goto(f"{live_server.url}/new")  # type: ignore[attr-defined]
    page.set_input_files("#file", str(path))
    expect(page.locator("#preview")).to_be_visible()
    expect(page.locator("#preview thead")).to_contain_text("abstract text")
    expect(page.locator("#preview thead")).to_contain_text("year number")
    expect(page.locator("#preview tbody tr")).to_have_count(10)
    expect(page.locator("#preview tbody")).to_contain_text("<b>maps</b>")
    assert page.locator("#preview b").count() == 0
    expect(page.locator("#text-field")).to_have_value("abstract")
    expect(page.locator("#name")).to_have_value("papers")
    expect(page.locator("#start")).to_be_enabled()


def test_choosing_an_image_named_csv_shows_the_servers_message_and_keeps_start_disabled(
    page: Page, live_server: object, tmp_path: Path
) -> None:
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    page.goto(f"{live_server.url}/new")  # type: ignore[attr-defined]
    page.set_input_files("#file", str(path))
    expect(page.locator("#upload-error")).to_contain_text("photo.csv is a PNG image, not a table")
    expect(page.locator("#start")).to_be_disabled()
    expect(page.locator("#preview")).to_be_hidden()
