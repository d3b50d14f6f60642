"""The Duplicates panel: groups largest first at the similarity the reader sets; a click selects a group, and the
buttons select one row per group or all but one."""

import pytest
from playwright.sync_api import Page, expect

from maps.models import NearPair, Point
from tests.browser.conftest import ConsoleErrors
from tests.browser.mapview import open_map, view_query
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db(transaction=True)


def test_duplicate_groups_are_listed_and_selected(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    dataset = synthetic.dataset
    Point.objects.filter(dataset=dataset, row_id__in=[0, 1, 2]).update(text="<b>same</b> text")
    Point.objects.filter(dataset=dataset).update(outlier=0.1)
    NearPair.objects.bulk_create(
        [
            NearPair(dataset=dataset, first=50, second=51, similarity=0.97),
            NearPair(dataset=dataset, first=100, second=101, similarity=0.86),
        ]
    )
    open_map(page, str(live_server.url), synthetic, view_query())  # type: ignore[attr-defined]
    page.click("#duplicates summary")
    expect(page.locator("#duplicates")).to_have_attribute("data-groups", "2")
    groups = page.locator("#dup-groups .dup-group")
    expect(groups.first).to_contain_text("3 rows, same text<b>same</b> text")
    expect(page.locator("#dup-status")).to_have_text("2 groups of 5 rows.")

    groups.first.click()
    expect(page.locator("#map-root")).to_have_attribute("data-selection-count", "3")
    page.click("#dup-select-extra")
    expect(page.locator("#map-root")).to_have_attribute("data-selection-count", "3")  # 2 of the 3, 1 of the pair
    page.click("#dup-select-one")
    expect(page.locator("#map-root")).to_have_attribute("data-selection-count", "2")

    # The map coloured by duplicate group: a legend entry per group, named by its representative (as text).
    page.select_option("#color-by", label="Duplicate group")
    expect(page.locator("#map-root")).to_have_attribute("data-color-by", "duplicates")
    expect(page.locator("#legend")).to_contain_text("1. <b>same</b> text")
    expect(page.locator("#legend")).not_to_contain_text("3. ")

    # A lower similarity takes in the 0.86 pair, in the list and in the colours.
    page.fill("#dup-threshold", "0.85")
    page.locator("#dup-threshold").dispatch_event("change")
    expect(page.locator("#duplicates")).to_have_attribute("data-groups", "3")
    expect(page.locator("#legend")).to_contain_text("3. ")
    page.wait_for_function("location.search.includes('cd=1')")  # the URL follows the view after a pause
    assert console_errors == []
