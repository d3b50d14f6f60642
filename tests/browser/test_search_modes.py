"""Search modes on the map: keyword search with top-k and a score threshold, similar-to-this-row from the
details panel, hits highlighted with the rest dimmed, clearing restores the map, and the URL carries it all."""

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ConsoleErrors
from tests.browser.mapview import CAMERA, mean_colour_at, nearest, open_map, pixels, screen_at, view_query
from tests.synthetic_map import FINE, create_synthetic_map

pytestmark = pytest.mark.django_db(transaction=True)

HIGHLIGHT = (235, 20, 110)
WHITE = (255, 255, 255)


def highlighted(page: Page) -> list[int]:
    raw = page.locator("#map-root").get_attribute("data-highlighted") or ""
    return [int(i) for i in raw.split(",") if i]


def result_ids(page: Page) -> list[int]:
    return [int(i) for i in page.locator("#search-results li").evaluate_all("l => l.map(li => li.dataset.rowId)")]


def test_a_keyword_search_highlights_its_ranked_hits_dims_the_rest_and_its_link_reopens_it(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    base = str(live_server.url)  # type: ignore[attr-defined]
    open_map(page, base, synthetic, view_query())
    page.select_option("#search-mode", "keyword")
    page.fill("#search-k", "50")
    page.fill("#search-input", "clouds")
    page.keyboard.press("Enter")
    expect(page.locator("#search-results li")).to_have_count(40)
    assert set(result_ids(page)) == set(range(160, 200))
    scores = [float(s) for s in page.locator("#search-results .score").all_text_contents()]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    page.wait_for_function("document.getElementById('map-root').dataset.highlighted?.split(',').length === 40")
    assert set(highlighted(page)) == set(range(160, 200))
    page.wait_for_timeout(300)
    image = pixels(page)
    assert nearest(mean_colour_at(page, image, *FINE[4][0], CAMERA), {"hit": HIGHLIGHT, "bg": WHITE}) == "hit"
    # Topic 0 (blue at full strength) is dimmed to near the background.
    assert nearest(mean_colour_at(page, image, *FINE[0][0], CAMERA), {"lit": (31, 119, 180), "bg": WHITE}) == "bg"

    page.wait_for_function("new URLSearchParams(location.search).get('m') === 'keyword'")
    query = parse_qs(urlparse(page.url).query)
    assert query["q"] == ["clouds"] and query["k"] == ["50"]

    # The same link in a fresh page runs the same search with the same settings.
    other = page.context.new_page()
    open_map(other, base, synthetic, "?" + page.url.split("?", 1)[1])
    expect(other.locator("#search-results li")).to_have_count(40)
    expect(other.locator("#search-mode")).to_have_value("keyword")
    expect(other.locator("#search-k")).to_have_value("50")
    other.close()

    # A top-k of 5 keeps the best 5; clearing brings the whole map back and empties the URL's search.
    page.fill("#search-k", "5")
    page.keyboard.press("Enter")
    expect(page.locator("#search-results li")).to_have_count(5)
    page.click("#search-clear")
    expect(page.locator("#search-results li")).to_have_count(0)
    expect(page.locator("#map-root")).not_to_have_attribute("data-highlighted", "")
    page.wait_for_function("!new URLSearchParams(location.search).has('q')")
    assert not parse_qs(urlparse(page.url).query).get("m")
    page.wait_for_timeout(300)
    image = pixels(page)
    assert nearest(mean_colour_at(page, image, *FINE[0][0], CAMERA), {"lit": (31, 119, 180), "bg": WHITE}) == "lit"
    assert console_errors == []


def test_similar_to_a_clicked_point_lists_its_neighbours_and_a_threshold_keeps_only_close_ones(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    base = str(live_server.url)  # type: ignore[attr-defined]
    open_map(page, base, synthetic, view_query())
    # deck.gl picks the point under the cursor: any of topic 0's rows (0..39).
    page.mouse.click(*screen_at(page, *FINE[0][0]))
    expect(page.locator("#find-similar")).to_be_visible()
    row = int(page.locator("#details").get_attribute("data-row-id") or "-1")
    assert 0 <= row < 40
    page.click("#find-similar")
    expect(page.locator("#search-results li")).to_have_count(10)
    ids = result_ids(page)
    assert row not in ids and all(0 <= i < 40 for i in ids)
    expect(page.locator("#search-message")).to_have_text(f"Rows similar to row {row}:")
    page.wait_for_function("new URLSearchParams(location.search).get('m') === 'similar'")
    assert parse_qs(urlparse(page.url).query)["q"] == [str(row)]

    # Scores: same topic ≈ 0.96; a threshold above that leaves nothing, one below keeps all 39 others.
    other = page.context.new_page()
    open_map(other, base, synthetic, f"?m=similar&q={row}&k=200&th=0.5")
    expect(other.locator("#search-results li")).to_have_count(39)
    expect(other.locator("#search-threshold")).to_have_value("0.5")
    other.close()
    other = page.context.new_page()
    open_map(other, base, synthetic, f"?m=similar&q={row}&k=200&th=0.999")
    # An empty list says why, and how to widen it.
    expect(other.locator("#search-message")).to_have_text(
        'No matches with a score of at least 0.999; lower or empty "Min score" to see more.'
    )
    other.close()
    assert console_errors == []
