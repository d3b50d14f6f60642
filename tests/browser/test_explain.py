"""What sets rows apart: a selection's (or a topic's) distinguishing words and columns, on the map page."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ConsoleErrors
from tests.browser.mapview import open_map, view_query
from tests.browser.test_selection import drag
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_selection_and_a_topic_are_explained_by_their_words_and_columns(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    open_map(page, str(live_server.url), synthetic, view_query())  # type: ignore[attr-defined]
    expect(page.locator("#explain")).to_be_hidden()

    # A box around topics 2 and 3 ("command line parsing tools", "terminal colour output helpers"; all rust).
    page.keyboard.press("b")
    drag(page, [(17, 21), (24, 14)])
    expect(page.locator("#explain-run")).to_have_text("What sets the selection apart?")
    page.click("#explain-run")
    expect(page.locator("#explain")).to_have_attribute("data-explained", "80")
    words = page.locator("#explain .explain-words .explain-name").all_text_contents()
    assert {"parsing", "terminal"} <= set(words), words
    assert not {"http", "cloud", "container"} & set(words)
    expect(page.locator("#explain .explain-columns li[data-column='lang']")).to_contain_text("rust 100% (0% elsewhere)")

    # A new selection clears the answer; with none, the topic the map is filtered to is explained.
    page.click("#selection-clear")
    expect(page.locator("#explain")).to_be_hidden()
    page.click("#topic-tree li[data-topic-id='0'] > .topic-name")
    expect(page.locator("#explain-run")).to_have_text("What sets this topic apart?")
    expect(page.locator("#explain-result")).to_be_empty()
    page.click("#explain-run")
    expect(page.locator("#explain")).to_have_attribute("data-explained", "40")
    expect(page.locator("#explain .explain-words")).to_contain_text("http")
    # Topic 0's stars are 0 to 39, the map's lowest: its median moves.
    expect(page.locator("#explain .explain-columns li[data-column='stars']")).to_contain_text("median 19.5")
    assert console_errors == []
