"""The small things: view-only visitors see no edit controls, hits and the details name rows by the id column,
the zoom buttons move the camera, and shortcut letters typed into the search box stay in the query."""

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from maps import actions
from maps.models import Dataset
from teams import actions as team_actions
from teams.models import Membership, Role
from tests.accounts import create_user, default_user
from tests.browser.conftest import ConsoleErrors
from tests.browser.mapview import open_map, view_query
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db(transaction=True)


def camera_zoom(page: Page) -> float:
    return float(parse_qs(urlparse(page.url).query)["v"][0].split(",")[2])


def test_a_viewer_sees_the_tags_but_no_control_that_would_refuse_them(page: Page, live_server: object) -> None:
    owner = create_user("owner@example.org")
    team = team_actions.create_workspace(owner, "Theirs")
    Membership.objects.create(workspace=team, user=default_user(), role=Role.VIEWER)
    synthetic = create_synthetic_map("theirs", team)
    actions.tag_rows(actions.create_tag(synthetic.dataset, "review", "#e4572e"), [1, 2])
    open_map(page, str(live_server.url), synthetic, view_query())  # type: ignore[attr-defined]
    expect(page.locator("#tag-list li")).to_have_count(1)
    expect(page.locator("#tag-list .tag-delete")).to_have_count(0)
    expect(page.locator("#tag-form")).to_have_count(0)
    expect(page.locator("#relayout-form")).to_have_count(0)
    expect(page.locator("#manage")).to_have_count(0)
    # Selecting still works for a viewer: it feeds the export, not tags.
    page.keyboard.press("b")
    expect(page.locator("#select-modes button[data-mode='box']")).to_have_attribute("aria-pressed", "true")


def test_hits_and_the_clicked_row_are_named_by_the_id_column(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    Dataset.objects.filter(id=synthetic.dataset.id).update(id_field="summary")
    open_map(page, str(live_server.url), synthetic, view_query())  # type: ignore[attr-defined]
    page.select_option("#search-mode", "keyword")
    page.fill("#search-input", "clouds")
    page.keyboard.press("Enter")
    first = page.locator("#search-results li").first
    expect(first.locator(".key")).to_have_text(
        f"cloud deployment tooling #{int(first.get_attribute('data-row-id') or 0) - 160}"
    )
    first.click()
    expect(page.locator("#details h2")).to_contain_text("cloud deployment tooling #")
    expect(page.locator("#details h2 .row-number")).to_contain_text("row ")
    assert console_errors == []


def test_the_zoom_buttons_and_keys_move_the_camera_and_typed_letters_stay_in_the_search(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    open_map(page, str(live_server.url), synthetic, view_query())  # type: ignore[attr-defined]
    start = camera_zoom(page)
    zoom_is = "Number((new URLSearchParams(location.search).get('v') || ',,NaN').split(',')[2])"
    page.click("#zoom-in")
    page.wait_for_function(f"Math.abs({zoom_is} - {start + 0.5}) < 0.01")
    page.click("#zoom-out")
    page.wait_for_function(f"Math.abs({zoom_is} - {start}) < 0.01")
    # The whole map: the zoom the page opens at without a camera in its link.
    page.click("#zoom-reset")
    page.wait_for_function(f"Math.abs({zoom_is} - {start}) > 0.01")
    fitted = camera_zoom(page)
    fresh = page.context.new_page()
    open_map(fresh, str(live_server.url), synthetic)  # type: ignore[attr-defined]
    fresh.click("#zoom-in")
    fresh.wait_for_function(f"Math.abs({zoom_is} - {fitted + 0.5}) < 0.01")
    fresh.close()
    page.keyboard.press("+")
    page.wait_for_function(f"Math.abs({zoom_is} - {fitted + 0.5}) < 0.01")

    # Typing "b", "l", "+" and "0" into the search box writes them; no tool, no zoom.
    zoom = camera_zoom(page)
    page.click("#search-input")
    page.keyboard.type("bl+0")
    expect(page.locator("#search-input")).to_have_value("bl+0")
    expect(page.locator("#select-modes button[data-mode='box']")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#select-modes button[data-mode='lasso']")).to_have_attribute("aria-pressed", "false")
    page.wait_for_timeout(400)
    assert camera_zoom(page) == zoom
    assert console_errors == []
