"""Facets a text-only map has too: the length of its text (a histogram whose bars filter the map, a link and a
search), the most frequent values of a text column (a click selects their rows), and the tags, whose counts in the
charts and the tag list follow every other filter."""

import re

import pytest
from playwright.sync_api import Page, expect

from maps import actions
from maps.models import Point
from tests.browser.conftest import ConsoleErrors
from tests.browser.mapview import open_map, view_query
from tests.browser.test_charts import value_counts
from tests.browser.test_search_filters import WORDS, expect_hits
from tests.browser.test_search_modes import highlighted
from tests.browser.test_selection import drag
from tests.synthetic_map import PER_TOPIC, SyntheticMap, create_synthetic_map

pytestmark = pytest.mark.django_db(transaction=True)

LENGTH_BARS = "#charts .chart[data-facet='text-length'] .chart-bar"


def lengths_of(synthetic: SyntheticMap) -> dict[int, int]:
    return {
        row: len(text) for row, text in Point.objects.filter(dataset=synthetic.dataset).values_list("row_id", "text")
    }


def test_the_text_length_chart_filters_the_map_a_link_and_a_search(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    # One very long text: the bars end at the longest 1%, the last one holding it, not at its length.
    Point.objects.filter(dataset=synthetic.dataset, row_id=7).update(text="http clients and servers " * 40)
    lengths = lengths_of(synthetic)
    base = str(live_server.url)  # type: ignore[attr-defined]
    open_map(page, base, synthetic, view_query())
    page.click("#charts summary")
    bars = page.locator(LENGTH_BARS)
    expect(bars.first).to_be_visible()
    # The lengths run 25 to 34 but for the long one: a bar per length, the last holding the long text too.
    expect(bars).to_have_count(10)
    counts = [int(b.get_attribute("data-count") or 0) for b in bars.all()]
    assert sum(counts) == synthetic.rows
    shortest = min(lengths.values())
    assert counts[0] == sum(1 for length in lengths.values() if length == shortest)
    assert "or more" in (bars.last.get_attribute("title") or "")

    # The first bar filters the map to its texts; its own chart keeps counting every row.
    bars.first.click()
    expect(page.locator("#filter-count")).to_have_text(f"{counts[0]} of {synthetic.rows} points")
    assert sum(int(b.get_attribute("data-count") or 0) for b in bars.all()) == synthetic.rows
    expect(page).to_have_url(re.compile(r"[?&]tl=\d+\.5%3A\d+\.5"))

    # A link keeps the range; a search keeps to it (the server's text_length filter).
    page.goto(f"{base}/maps/{synthetic.dataset.id}{view_query()}&tl={shortest}:{shortest + 2}")
    page.wait_for_selector("body[data-map-ready='1']", timeout=60_000)
    short = {row for row, length in lengths.items() if shortest <= length <= shortest + 2}
    expect(page.locator("#filter-count")).to_have_text(f"{len(short)} of {synthetic.rows} points")
    page.select_option("#search-mode", "keyword")
    page.fill("#search-k", "200")
    page.fill("#search-input", WORDS)
    page.keyboard.press("Enter")
    matching = {row for row in short if row // PER_TOPIC in (0, 2, 4)}
    assert matching, "the range holds rows the search finds"
    expect_hits(page, len(matching))
    assert set(highlighted(page)) == matching
    assert console_errors == []


def test_a_text_columns_top_values_select_their_rows_and_say_when_no_value_repeats(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    for row in range(10):
        Point.objects.filter(dataset=synthetic.dataset, row_id=row).update(
            fields={**synthetic.fields[row], "summary": "<b>same</b>"}
        )
    open_map(page, str(live_server.url), synthetic, view_query())  # type: ignore[attr-defined]
    page.click("#charts summary")
    expect(page.locator("#charts .chart[data-column='summary'] .chart-value")).to_have_count(1)
    assert value_counts(page, "summary") == {"<b>same</b>": 10}, "shown as text, never markup"
    page.click("#charts .chart[data-column='summary'] .chart-value")
    expect(page.locator("#filter-count")).to_have_text(f"10 of {synthetic.rows} points")
    expect(page.locator("#charts .chart[data-column='summary'] .chart-value.active")).to_have_count(1)
    page.click("#charts .chart[data-column='summary'] .chart-value")
    expect(page.locator("#filter-count")).to_have_text(f"{synthetic.rows} of {synthetic.rows} points")

    # A column whose every value differs says so.
    Point.objects.filter(dataset=synthetic.dataset, row_id__lt=10).update(fields={"summary": "x"})
    other = create_synthetic_map("all different")
    open_map(page, str(live_server.url), other, view_query())  # type: ignore[attr-defined]
    page.click("#charts summary")
    expect(page.locator("#charts .chart[data-column='summary']")).to_contain_text(
        f"No value repeats: {other.rows} different values."
    )
    assert console_errors == []


def test_tag_counts_in_the_charts_and_the_tag_list_follow_the_other_filters(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    actions.tag_rows(actions.create_tag(synthetic.dataset, "review", "#e4572e"), list(range(0, PER_TOPIC)))
    actions.tag_rows(actions.create_tag(synthetic.dataset, "later", "#3366cc"), list(range(80, 90)))
    open_map(page, str(live_server.url), synthetic, view_query())  # type: ignore[attr-defined]
    page.click("#charts summary")
    tag_list = page.locator("#tag-list li .legend-count")
    expect(tag_list).to_have_text(["40", "10"])
    expect(page.locator("#charts .chart[data-facet='tags'] .chart-value")).to_have_count(2)
    assert value_counts_of_tags(page) == {"review": 40, "later": 10}

    # A box around topics 2 and 3: "review" (topic 0) has none of its rows lit, "later" (topic 2) all of them.
    page.keyboard.press("b")
    drag(page, [(17, 21), (24, 14)])
    expect(page.locator("#filter-count")).to_have_text(f"{2 * PER_TOPIC} of {synthetic.rows} points")
    expect(tag_list).to_have_text(["0 of 40", "10"])
    assert value_counts_of_tags(page) == {"review": 0, "later": 10}

    # A click on a tag in the charts shows only its rows; the tag legend's own hiding does not count against it.
    page.click("#selection-clear")
    page.click("#charts .chart[data-facet='tags'] .chart-value-name:text('later')")
    expect(page.locator("#filter-count")).to_have_text(f"10 of {synthetic.rows} points")
    expect(tag_list).to_have_text(["40", "10"])
    assert console_errors == []


def value_counts_of_tags(page: Page) -> dict[str, int]:
    chart = page.locator("#charts .chart[data-facet='tags']")
    names = chart.locator(".chart-value-name").all_text_contents()
    counts = chart.locator(".chart-value-count").all_text_contents()
    return {name: int(count.replace(",", "")) for name, count in zip(names, counts, strict=True)}
