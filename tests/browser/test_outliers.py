"""Outliers on the map page: colour by outlier score (kept in the link), and select the 100 most unusual rows
the filters show; a map laid out before scores existed says how to get them."""

import pytest
from playwright.sync_api import Page, expect

from maps.models import Point
from tests.browser.conftest import ConsoleErrors
from tests.browser.mapview import open_map, view_query
from tests.synthetic_map import PER_TOPIC, create_synthetic_map

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_most_unusual_rows_are_coloured_and_selected_within_the_filters(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    # Scores rising with the row id, so the most unusual rows are the last ones (topic 5's, then topic 4's).
    for point in Point.objects.filter(dataset=synthetic.dataset):
        point.outlier = point.row_id / 1000
        point.save(update_fields=["outlier"])
    base = str(live_server.url)  # type: ignore[attr-defined]
    open_map(page, base, synthetic, view_query())
    page.select_option("#color-by", label="Outlier score (how unusual)")
    expect(page.locator("#map-root")).to_have_attribute("data-color-by", "outliers")
    expect(page.locator("#legend .legend-ramp")).to_be_visible()
    page.wait_for_url("**co=1**")

    page.click("#outliers-select")
    expect(page.locator("#map-root")).to_have_attribute("data-selection-count", "100")
    expect(page.locator("#selection-topics li")).to_have_count(3)  # rows 140..239: topics 3, 4 and 5
    page.click("#selection-clear")

    # Within a topic filter: the most unusual of the rows shown, here all of topic 0's forty.
    page.click("#topic-tree li[data-topic-id='0'] > .topic-name")
    page.click("#outliers-select")
    expect(page.locator("#map-root")).to_have_attribute("data-selection-count", str(PER_TOPIC))

    # The link reopens the colouring.
    page.goto(page.url)
    page.wait_for_selector("body[data-map-ready='1']")
    expect(page.locator("#map-root")).to_have_attribute("data-color-by", "outliers")
    assert console_errors == []


def test_a_map_without_scores_says_how_to_get_them(page: Page, live_server: object) -> None:
    synthetic = create_synthetic_map()
    open_map(page, str(live_server.url), synthetic, view_query())  # type: ignore[attr-defined]
    page.click("#outliers-select")
    expect(page.locator("#error")).to_contain_text("no outlier scores yet: lay it out again")
    assert page.get_attribute("#map-root", "data-selection-count") is None
