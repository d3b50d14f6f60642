"""A file of long texts on the upload page: passages are suggested, the map is built with them, and a search on
the map lists each hit with the passage that matched."""

from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import Page, expect

from tests.browser.conftest import ConsoleErrors
from tests.conftest import WorkerProcess, long_docstrings_csv

pytestmark = pytest.mark.django_db(transaction=True)


def test_long_texts_are_cut_into_passages_and_a_search_shows_the_passage_that_matched(
    page: Page, live_server: object, celery_worker: WorkerProcess, console_errors: ConsoleErrors, tmp_path: Path
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    page.goto(f"{base}/new")
    page.set_input_files("#file", str(long_docstrings_csv(tmp_path / "docs.csv", 40, longer_than=2000)))
    expect(page.locator("#preview")).to_be_visible()
    expect(page.locator("#text-field")).to_have_value("body")
    expect(page.locator("#passages")).to_be_checked()
    expect(page.locator("#passages-hint")).to_be_visible()
    page.select_option("#text-field", "name")  # short texts: no suggestion
    expect(page.locator("#passages")).not_to_be_checked()
    page.select_option("#text-field", "body")
    page.click("#start")
    page.wait_for_url("**/maps/*")
    dataset_id = page.url.rstrip("/").split("/")[-1]
    page.wait_for_selector("body[data-map-ready='1']", timeout=240_000)
    assert page.get_attribute("#map-root", "data-point-count") == "40"
    assert page.request.get(f"{base}/api/v1/datasets/{dataset_id}").json()["passages"]["tokens"] == 256

    # The second passage of row 5, searched: row 5 comes first and its item shows that passage, not the row.
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT p.text, s.start, s."end" FROM maps_passage s JOIN maps_point p ON p.dataset_id = s.dataset_id '
            "AND p.row_id = s.row_id WHERE s.dataset_id = %s AND s.row_id = 5 AND s.number = 1",
            [dataset_id],
        )
        text, start, end = cursor.fetchone()
    passage = text[start:end]
    page.fill("#search-input", passage[:300])
    page.keyboard.press("Enter")
    first = page.locator("#search-results li").first
    expect(first).to_have_attribute("data-row-id", "5")
    shown = first.locator(".text").text_content() or ""
    assert shown.startswith("…") and passage[:60] in shown and not shown.startswith("…" + text[:60])
    assert console_errors == []
