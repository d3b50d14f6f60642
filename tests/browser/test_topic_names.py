"""An editor renames a topic in the topic panel: the panel and the map's label show the new name at once, it is
kept for everyone who opens the map, Escape leaves the name as it was, and a viewer gets no control to rename,
move rows or merge topics. With a labeller on the server, an editor may ask it for a topic's name instead."""

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from maps.models import Topic
from teams.models import Membership, Role
from tests.accounts import create_user, default_workspace
from tests.browser.conftest import ConsoleErrors, log_in, watch_console
from tests.browser.mapview import open_map, view_query
from tests.chat_server import ChatServer
from tests.integration.workers import BUILD_QUEUE, Workers
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db(transaction=True)


def topic_name(page: Page, topic_id: int) -> str:
    return page.locator(f"#topic-tree li[data-topic-id='{topic_id}'] > .topic-name > span").first.inner_text()


def test_an_editor_renames_a_topic_in_the_panel_and_everyone_sees_the_name(
    page: Page, browser: Browser, live_server: LiveServer, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    open_map(page, live_server.url, synthetic, view_query())
    item = page.locator("#topic-tree li[data-topic-id='9']")
    item.hover()
    item.locator("> .topic-rename").click()
    field = page.locator("#topic-tree .topic-rename-form input")
    expect(field).to_have_value("software libraries")
    field.fill("  Code <libraries>  ")
    field.press("Enter")
    expect(page.locator("#topic-tree li[data-topic-id='9'] > .topic-name")).to_contain_text("Code <libraries>")
    expect(page.locator("#topic-message")).to_have_text("Renamed to “Code <libraries>”.")
    stored = Topic.objects.get(dataset=synthetic.dataset, topic_id=9)
    assert (stored.label, stored.edited) == ("Code <libraries>", True)
    assert item.get_attribute("data-edited") == "true"
    # The label on the map is the new name: the broad label drawn at this zoom is topic 9's.
    assert "9" in (page.get_attribute("#map-root", "data-labels") or "").split(",")

    # Escape leaves a name as it was, and sends nothing.
    item = page.locator("#topic-tree li[data-topic-id='0']")
    item.hover()
    item.locator("> .topic-rename").click()
    page.locator("#topic-tree .topic-rename-form input").fill("not this")
    page.locator("#topic-tree .topic-rename-form input").press("Escape")
    expect(page.locator("#topic-tree .topic-rename-form")).to_have_count(0)
    assert topic_name(page, 0) == "http clients and servers"
    assert not Topic.objects.get(dataset=synthetic.dataset, topic_id=0).edited

    # A viewer of the workspace sees the name and no rename control.
    viewer = create_user("viewer@example.org")
    Membership.objects.create(workspace=default_workspace(), user=viewer, role=Role.VIEWER)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    log_in(context, live_server.url, viewer)
    other = context.new_page()
    watch_console(other, console_errors)
    open_map(other, live_server.url, synthetic, view_query())
    assert topic_name(other, 9) == "Code <libraries>"
    expect(other.locator("#topic-tree .topic-rename")).to_have_count(0)
    expect(other.locator("#move-rows-form, #merge-form")).to_have_count(0)
    context.close()
    assert console_errors == []


def test_an_editor_asks_the_labeller_and_the_topic_takes_its_name(
    page: Page, live_server: LiveServer, console_errors: ConsoleErrors, settings: Any, tmp_path: Path
) -> None:
    # A labeller on the server (a chat-completions server on loopback) and a worker that knows it.
    server = ChatServer()
    pool = Workers(tmp_path, env={"ATLAS_LABELLER_URL": server.url, "ATLAS_LABELLER_MODEL": "tiny-llm"})
    pool.start()
    try:
        settings.LABELLER_URL, settings.BUILD_QUEUE = server.url, BUILD_QUEUE
        synthetic = create_synthetic_map()
        open_map(page, live_server.url, synthetic, view_query())
        item = page.locator("#topic-tree li[data-topic-id='2']")
        item.hover()
        item.locator("> .topic-rename").click()
        page.click("#topic-tree .topic-ask")
        expect(item.locator("> .topic-name")).to_contain_text("Model named 2", timeout=60_000)
        expect(page.locator("#topic-message")).to_have_text("Named “Model named 2” by the labeller.")
        assert Topic.objects.get(dataset=synthetic.dataset, topic_id=2).edited
        assert len(server.requests) == 1
    finally:
        pool.stop_all()
        server.close()
    assert console_errors == []


def test_without_a_labeller_the_rename_form_offers_none(
    page: Page, live_server: LiveServer, console_errors: ConsoleErrors, settings: Any
) -> None:
    settings.LABELLER_URL = ""
    synthetic = create_synthetic_map()
    open_map(page, live_server.url, synthetic, view_query())
    item = page.locator("#topic-tree li[data-topic-id='2']")
    item.hover()
    item.locator("> .topic-rename").click()
    expect(page.locator("#topic-tree .topic-rename-form input")).to_be_visible()
    expect(page.locator("#topic-tree .topic-ask")).to_have_count(0)
    assert console_errors == []
