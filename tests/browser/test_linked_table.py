"""The linked table in the browser: the rows lit on the map, a page at a time, sortable, following the
selection and the filters, and a click on a row shows it on the map."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ConsoleErrors
from tests.browser.mapview import open_map, view_query
from tests.browser.test_selection import drag
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_table_pages_and_sorts_the_lit_rows_and_follows_the_selection_and_filters(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    open_map(page, str(live_server.url), synthetic, view_query())  # type: ignore[attr-defined]
    page.click("#table-toggle")
    expect(page.locator("#table-drawer .table-status")).to_have_text("Rows 1–50 of 240 lit")
    expect(page.locator("#lit-table thead th")).to_have_text(
        ["row ▲", "summary", "topic", "lang", "stars", "released", "maybe"]
    )
    # The box holds topics 2 and 3 (rows 80..159): the table follows the selection.
    page.keyboard.press("b")
    drag(page, [(17, 21), (24, 14)])
    expect(page.locator("#table-drawer .table-status")).to_have_text("Rows 1–50 of 80 lit")
    expect(page.locator("#lit-table tbody tr").first).to_have_attribute("data-row-id", "80")
    page.click(".table-next")
    expect(page.locator("#table-drawer .table-status")).to_have_text("Rows 51–80 of 80 lit")
    expect(page.locator(".table-next")).to_be_disabled()
    # Sorted by stars, largest first (topic 3's stars are 300 and up).
    page.click(".table-sort[data-column='stars']")
    page.click(".table-sort[data-column='stars']")
    expect(page.locator("#lit-table thead th").nth(4)).to_have_text("stars ▼")
    expect(page.locator("#lit-table tbody tr").first).to_have_attribute("data-row-id", "159")
    expect(page.locator("#lit-table tbody tr").first.locator("td").nth(2)).to_have_text(
        "terminal colour output helpers"
    )
    # A filter that hides the selection's rows leaves nothing lit.
    page.select_option("#color-by", "lang")
    page.click("#legend li[data-key='rust']")
    expect(page.locator("#table-drawer .table-status")).to_have_text("No rows lit.")
    page.click("#legend li[data-key='rust']")
    expect(page.locator("#table-drawer .table-status")).to_have_text("Rows 1–50 of 80 lit")
    # A click on a row shows it.
    page.locator("#lit-table tbody tr").nth(1).click()
    expect(page.locator("#details")).to_contain_text("terminal colour output helpers #38")
    assert console_errors == []
