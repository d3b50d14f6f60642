"""Searching within the map's filters: hidden legend categories and number and date ranges go with the search, so
every hit it highlights passes them, a change of filters runs the search again, and a link reopens it filtered."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ConsoleErrors
from tests.browser.mapview import enter, open_map, view_query
from tests.browser.test_search_modes import highlighted, result_ids
from tests.synthetic_map import PER_TOPIC, create_synthetic_map

pytestmark = pytest.mark.django_db(transaction=True)

# Matches topic 0 ("http clients and servers", python), 2 ("command line parsing tools", rust) and
# 4 ("cloud deployment tooling", go): 120 rows, all of which fit in one search of k=200.
WORDS = "servers or parsing or clouds"


def rows_of(*topics: int) -> set[int]:
    return {topic * PER_TOPIC + i for topic in topics for i in range(PER_TOPIC)}


def search(page: Page, hits: int) -> None:
    page.select_option("#search-mode", "keyword")
    page.fill("#search-k", "200")
    page.fill("#search-input", WORDS)
    page.keyboard.press("Enter")
    expect_hits(page, hits)


def expect_hits(page: Page, hits: int) -> None:
    expect(page.locator("#search-results li")).to_have_count(hits)
    page.wait_for_function(
        f"document.getElementById('map-root').dataset.highlighted?.split(',').length === {hits}", timeout=10_000
    )


def test_a_search_returns_only_rows_of_the_categories_the_legend_shows_and_follows_the_legend(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    base = str(live_server.url)  # type: ignore[attr-defined]
    open_map(page, base, synthetic, view_query() + "&c=lang")
    page.click("#legend li[data-key='go']")
    expect(page.locator("#filter-count")).to_have_text("160 of 240 points")

    # Unfiltered, the words match 120 rows, 40 of them go's; with go hidden none of those comes back.
    search(page, 80)
    assert set(result_ids(page)) == set(highlighted(page)) == rows_of(0, 2)
    assert all(synthetic.fields[row]["lang"] != "go" for row in highlighted(page))

    # Hiding one more language runs the search again within the new filters.
    page.click("#legend li[data-key='rust']")
    expect_hits(page, 40)
    assert set(result_ids(page)) == set(highlighted(page)) == rows_of(0)

    # The link reopens the search with its filters, though the legend's column loads after the search starts.
    page.wait_for_function("new URLSearchParams(location.search).getAll('h').length === 2")
    other = page.context.new_page()
    open_map(other, base, synthetic, "?" + page.url.split("?", 1)[1])
    expect_hits(other, 40)
    assert set(highlighted(other)) == rows_of(0)
    other.close()

    # Showing every language again brings back every match.
    page.click("#legend li[data-key='go']")
    page.click("#legend li[data-key='rust']")
    expect_hits(page, 120)
    assert console_errors == []


def test_a_search_returns_only_rows_inside_the_number_and_date_ranges(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    base = str(live_server.url)  # type: ignore[attr-defined]
    open_map(page, base, synthetic, view_query())
    page.click("#filters summary")
    # Stars are topic × 100 + 0..39, so 0..219 keeps topics 0 and 1 and the first 20 rows of topic 2.
    enter(page, "stars from", "0")
    enter(page, "stars to", "219")
    expect(page.locator("#filter-count")).to_have_text("100 of 240 points")
    search(page, 60)
    assert set(highlighted(page)) == rows_of(0) | set(range(80, 100))

    # Released in 2022 (topics 2 and 5) leaves only topic 2's first 20 rows.
    enter(page, "released from", "2022-01-01")
    enter(page, "released to", "2022-12-31")
    expect(page.locator("#filter-count")).to_have_text("20 of 240 points")
    expect_hits(page, 20)
    hits = highlighted(page)
    assert set(hits) == set(range(80, 100))
    for row in hits:
        fields = synthetic.fields[row]
        assert fields["stars"] in range(220) and str(fields["released"]).startswith("2022")

    # Filters that leave no match say why the list is empty, and nothing stays highlighted.
    enter(page, "stars from", "500")
    expect(page.locator("#search-message")).to_have_text(
        "No matches among the points the filters show; widen or clear the filters to see more."
    )
    expect(page.locator("#search-results li")).to_have_count(0)
    page.wait_for_function("!document.getElementById('map-root').hasAttribute('data-highlighted')")
    assert console_errors == []
