"""Range filters on number and date columns, hiding instead of dimming, and hidden categories: the counts and
pixels follow, and a copied link reopens exactly that view."""

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ConsoleErrors
from tests.browser.mapview import CAMERA, enter, mean_colour_at, nearest, open_map, pixels, view_query
from tests.synthetic_map import FINE, create_synthetic_map

pytestmark = pytest.mark.django_db(transaction=True)

WHITE = (255, 255, 255)
# Topic colours at full strength (the palette's first entries).
TOPIC = {0: (31, 119, 180), 1: (255, 127, 14), 2: (44, 160, 44), 4: (148, 103, 189)}


def lit(page: Page, image: object, topic: int) -> bool:
    colour = mean_colour_at(page, image, *FINE[topic][0], CAMERA)  # type: ignore[arg-type]
    return nearest(colour, {"lit": TOPIC[topic], "bg": WHITE}) == "lit"


def test_number_and_date_ranges_dim_what_falls_outside_update_the_count_and_reopen_from_the_link(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    base = str(live_server.url)  # type: ignore[attr-defined]
    open_map(page, base, synthetic, view_query())
    page.click("#filters summary")
    rows = page.locator("#filters .filter-row").evaluate_all("r => r.map(x => x.dataset.column)")
    assert rows == ["stars", "released"]

    # Stars are topic × 100 + 0..39: 100..299 keeps topics 1 and 2.
    page.fill("[aria-label='stars from']", "100")
    page.fill("[aria-label='stars to']", "299")
    page.locator("[aria-label='stars to']").press("Enter")
    page.locator("[aria-label='stars to']").blur()
    expect(page.locator("#filter-count")).to_have_text("80 of 240 points")
    page.wait_for_timeout(300)
    image = pixels(page)
    assert lit(page, image, 1) and lit(page, image, 2)
    assert not lit(page, image, 0) and not lit(page, image, 4)

    # Released: topic % 3 gives 2020, 2021, 2022; the year 2021 leaves topic 1 of those two.
    enter(page, "released from", "2021-01-01")
    enter(page, "released to", "2021-12-31")
    expect(page.locator("#filter-count")).to_have_text("40 of 240 points")
    expect(page.locator("#export-count")).to_have_text("Export 40 points:")

    # Hiding instead of dimming: topic 2 vanishes into the background completely.
    page.check("#filter-hide")
    page.wait_for_function("new URLSearchParams(location.search).get('fh') === '1'")
    page.wait_for_timeout(300)
    image = pixels(page)
    assert mean_colour_at(page, image, *FINE[2][0], CAMERA).min() > 253
    assert lit(page, image, 1)
    query = parse_qs(urlparse(page.url).query)
    assert sorted(query["f"]) == ["released:1609459200000:1640995199999", "stars:100:299"]

    other = page.context.new_page()
    open_map(other, base, synthetic, "?" + page.url.split("?", 1)[1])
    expect(other.locator("#filter-count")).to_have_text("40 of 240 points")
    expect(other.locator("[aria-label='released to']")).to_have_value("2021-12-31")
    expect(other.locator("[aria-label='stars from']")).to_have_value("100")
    expect(other.locator("#filter-hide")).to_be_checked()
    other.close()

    # Emptying both ends of a range removes that filter.
    enter(page, "stars from", "")
    enter(page, "stars to", "")
    expect(page.locator("#filter-count")).to_have_text("80 of 240 points")
    page.wait_for_function("new URLSearchParams(location.search).getAll('f').length === 1")
    assert console_errors == []


def test_hidden_categories_live_in_the_link_and_reopen_hidden(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    base = str(live_server.url)  # type: ignore[attr-defined]
    open_map(page, base, synthetic, view_query() + "&c=lang")
    page.click("#legend li[data-key='rust']")
    page.click("#legend li[data-key='go']")
    expect(page.locator("#filter-count")).to_have_text("80 of 240 points")
    page.wait_for_function("new URLSearchParams(location.search).getAll('h').length === 2")
    assert sorted(parse_qs(urlparse(page.url).query)["h"]) == ["go", "rust"]

    other = page.context.new_page()
    open_map(other, base, synthetic, "?" + page.url.split("?", 1)[1])
    expect(other.locator("#filter-count")).to_have_text("80 of 240 points")
    expect(other.locator("#legend li.off")).to_have_count(2)
    other.wait_for_timeout(300)
    image = pixels(other)
    python, rust = (255, 127, 14), (44, 160, 44)
    assert nearest(mean_colour_at(other, image, *FINE[0][0], CAMERA), {"on": python, "bg": WHITE}) == "on"
    assert nearest(mean_colour_at(other, image, *FINE[2][0], CAMERA), {"on": rust, "bg": WHITE}) == "bg"
    other.close()
    assert console_errors == []
