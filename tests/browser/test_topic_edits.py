"""Editors reshape topics on the page: the selected rows move into a new topic, and a topic merges into the one
the map is filtered to; the page comes back with the new topics (a viewer gets neither control:
tests/browser/test_topic_names.py)."""

import pytest
from playwright.sync_api import Page, expect

from maps.models import Point, Topic
from tests.browser.conftest import ConsoleErrors
from tests.browser.mapview import open_map, view_query
from tests.browser.test_selection import drag
from tests.synthetic_map import PER_TOPIC, create_synthetic_map

pytestmark = pytest.mark.django_db(transaction=True)


def test_selected_rows_move_into_a_new_topic_and_a_topic_merges_into_another(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    dataset = synthetic.dataset
    open_map(page, str(live_server.url), synthetic, view_query())  # type: ignore[attr-defined]
    # A box around topics 2 and 3, moved into a new topic.
    page.keyboard.press("b")
    drag(page, [(17, 21), (24, 14)])
    expect(page.locator("#map-root")).to_have_attribute("data-selection-count", str(2 * PER_TOPIC))
    page.select_option("#move-rows-topic", "new")
    page.fill("#move-rows-label", "Rust things")
    with page.expect_navigation():
        page.click("#move-rows-form button[type=submit]")
    page.wait_for_selector("body[data-map-ready='1']")
    made = Topic.objects.get(dataset=dataset, label="Rust things")
    assert made.size == 2 * PER_TOPIC and Point.objects.filter(dataset=dataset, topic=made.topic_id).count() == 80
    expect(page.locator(f"#topic-tree li[data-topic-id='{made.topic_id}']")).to_contain_text("Rust things")

    # Filtered to topic 0, topic 1 merges into it.
    page.click("#topic-tree li[data-topic-id='0'] > .topic-name")
    page.select_option("#merge-topics", "1")
    with page.expect_navigation():
        page.click("#merge-form button[type=submit]")
    page.wait_for_selector("body[data-map-ready='1']")
    expect(page.locator("#topic-tree li[data-topic-id='1']")).to_have_count(0)
    assert Topic.objects.get(dataset=dataset, topic_id=0).size == 2 * PER_TOPIC
    assert console_errors == []


def test_a_fine_topic_splits_into_the_parts_asked_for(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    dataset = synthetic.dataset
    # Topic 1's rows join topic 0: one topic of two distant blobs.
    Point.objects.filter(dataset=dataset, topic=1).update(topic=0)
    open_map(page, str(live_server.url), synthetic, view_query())  # type: ignore[attr-defined]
    expect(page.locator("#split-form")).to_be_hidden()
    page.click("#topic-tree li[data-topic-id='6'] > .topic-name")
    expect(page.locator("#split-form")).to_be_hidden()  # a mid topic's parts are its fine topics
    page.click("#topic-tree li[data-topic-id='0'] > .topic-name")
    page.fill("#split-parts", "2")
    # Leaving the field follows the view in the URL (a same-page navigation): wait for the new topic instead.
    page.click("#split-form button[type=submit]")
    expect(page.locator("#topic-tree li[data-topic-id='11']")).to_be_attached(timeout=30_000)
    page.wait_for_selector("body[data-map-ready='1']")
    made = Topic.objects.get(dataset=dataset, topic_id=11)
    assert made.size == PER_TOPIC and made.parent == 6
    expect(page.locator("#topic-tree li[data-topic-id='11']")).to_contain_text(made.label)
    assert console_errors == []
