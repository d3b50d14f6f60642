"""On a phone (390 × 844) every page fits the screen's width, the map page stacks the map above its panel, draws
its points and opens the linked table where it can be seen."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ConsoleErrors
from tests.browser.test_map_flow import non_background_pixels
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the screen (0: no sideways scrolling)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_a_phone_gets_the_map_above_its_panel_and_no_page_wider_than_the_screen(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    synthetic = create_synthetic_map("a map with a rather long name for a small screen")
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/maps/{synthetic.dataset.id}")
    page.wait_for_selector("body[data-map-ready='1']", timeout=60_000)
    assert overflow(page) == 0
    shown, panel = page.locator("#map").bounding_box(), page.locator("#panel").bounding_box()
    assert shown and panel
    assert shown["width"] == PHONE["width"] and shown["height"] >= 0.5 * PHONE["height"]
    assert panel["y"] >= shown["y"] + shown["height"] - 1, "the panel follows the map"
    assert non_background_pixels(page.locator("#map").screenshot()) > 200, "the points are drawn"

    # The table button sits below the map: the table opens over the map's foot and comes into view.
    page.locator("#table-toggle").scroll_into_view_if_needed()
    page.click("#table-toggle")
    drawer = page.locator("#table-drawer")
    expect(drawer.locator("tbody tr").first).to_be_visible()
    expect(drawer).to_be_in_viewport()

    for path in ("/", "/new", "/workspaces", "/account/tokens"):
        page.goto(base + path)
        assert overflow(page) == 0, f"{path} is wider than a phone"
    assert console_errors == []
