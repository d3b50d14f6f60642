"""The charts beside the map: each counts the points every other filter leaves lit, a click (or a drag across
bars) on a histogram filters to that range, a click on a value shows only it, a click on a topic filters to it."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ConsoleErrors
from tests.browser.mapview import open_map, view_query
from tests.browser.test_selection import drag
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db(transaction=True)


def value_counts(page: Page, column: str | None) -> dict[str, int]:
    where = "[data-facet='topics']" if column is None else f"[data-column='{column}']"
    chart = page.locator(f"#charts .chart{where}")
    names = chart.locator(".chart-value-name").all_text_contents()
    counts = chart.locator(".chart-value-count").all_text_contents()
    return {name: int(count.replace(",", "")) for name, count in zip(names, counts, strict=True)}


def bar_counts(page: Page, column: str) -> list[int]:
    bars = page.locator(f"#charts .chart[data-column='{column}'] .chart-bar")
    return [int(b.get_attribute("data-count") or 0) for b in bars.all()]


def test_charts_cross_filter_the_map_and_each_other(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    open_map(page, str(live_server.url), synthetic, view_query())  # type: ignore[attr-defined]
    page.click("#charts summary")
    expect(page.locator("#charts .chart[data-column='lang'] .chart-value")).to_have_count(3)
    assert value_counts(page, "lang") == {"python": 80, "rust": 80, "go": 80}
    assert sum(bar_counts(page, "stars")) == 240
    assert sorted(value_counts(page, None).values()) == [40] * 6

    # A selection of topics 2 and 3 (rust): every chart counts only those rows.
    page.keyboard.press("b")
    drag(page, [(17, 21), (24, 14)])
    expect(page.locator("#filter-count")).to_have_text("80 of 240 points")
    expect(page.locator("#charts .chart[data-column='lang'] .chart-value")).to_have_count(1)
    assert value_counts(page, "lang") == {"rust": 80}
    assert sum(bar_counts(page, "stars")) == 80
    page.click("#selection-clear")
    expect(page.locator("#filter-count")).to_have_text("240 of 240 points")

    # The first bar of stars (0 to 539/24 = 22.5: rows 0..22 of topic 0) filters the map; the stars chart keeps
    # counting every row (its own filter aside), the others only those rows.
    page.locator("#charts .chart[data-column='stars'] .chart-bar").first.click()
    expect(page.locator("#filter-count")).to_have_text("23 of 240 points")
    assert sum(bar_counts(page, "stars")) == 240
    assert value_counts(page, "lang") == {"python": 23}
    expect(page.locator("#charts .chart[data-column='stars'] .chart-bar.active")).to_have_count(1)
    page.locator("#charts .chart[data-column='stars'] .chart-bar").first.click()
    expect(page.locator("#filter-count")).to_have_text("240 of 240 points")
    # A drag across the first three bars (0 to 67.4) brushes their range: topic 0's forty rows.
    bars = page.locator("#charts .chart[data-column='stars'] .chart-bar")
    first, third = bars.nth(0).bounding_box(), bars.nth(2).bounding_box()
    assert first and third
    page.mouse.move(first["x"] + 2, first["y"] + first["height"] - 2)
    page.mouse.down()
    page.mouse.move(third["x"] + 2, third["y"] + third["height"] - 2, steps=4)
    page.mouse.up()
    expect(page.locator("#filter-count")).to_have_text("40 of 240 points")
    expect(page.locator("#charts .chart[data-column='stars'] .chart-bar.active")).to_have_count(3)
    page.click("#filters summary")
    expect(page.locator("#filters .filter-row[data-column='stars'] input").first).to_have_value("0")
    page.fill("#filters .filter-row[data-column='stars'] input >> nth=0", "")
    page.fill("#filters .filter-row[data-column='stars'] input >> nth=1", "")
    page.locator("#filters .filter-row[data-column='stars'] input >> nth=1").dispatch_event("change")
    expect(page.locator("#filter-count")).to_have_text("240 of 240 points")

    # A value shows only its rows; a topic filters to it.
    page.click("#charts .chart[data-column='lang'] .chart-value[data-key='go']")
    expect(page.locator("#filter-count")).to_have_text("80 of 240 points")
    expect(page.locator("#color-by")).to_have_value("lang")
    assert value_counts(page, "lang") == {"python": 80, "rust": 80, "go": 80}, "the legend's own chart"
    page.click("#charts .chart[data-facet='topics'] .chart-value-name:text('cloud deployment tooling')")
    expect(page.locator("#filter-count")).to_have_text("40 of 240 points")
    assert console_errors == []


def test_the_legend_counts_what_the_other_filters_leave_lit(page: Page, live_server: object) -> None:
    synthetic = create_synthetic_map()
    open_map(page, str(live_server.url), synthetic, view_query())  # type: ignore[attr-defined]
    page.select_option("#color-by", "lang")
    expect(page.locator("#legend li[data-key='python'] .legend-count")).to_have_text("80")
    # A box around topics 2 and 3 (all rust): the other languages keep their totals beside a lit 0.
    page.keyboard.press("b")
    drag(page, [(17, 21), (24, 14)])
    expect(page.locator("#legend li[data-key='python'] .legend-count")).to_have_text("0 of 80")
    expect(page.locator("#legend li[data-key='rust'] .legend-count")).to_have_text("80")
    # The legend's own filter does not count against it: hiding rust leaves its count.
    page.click("#legend li[data-key='rust']")
    expect(page.locator("#legend li[data-key='rust'] .legend-count")).to_have_text("80")
