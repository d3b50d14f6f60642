"""Managing a map from its page: rename, move to another workspace, delete after a confirmation; and a failed
upload fixed and retried from the list, with its stored file and choices, replacing the failed map."""

import io

import pytest
from playwright.sync_api import Page, expect

from maps.models import Dataset
from teams import actions as team_actions
from tests.accounts import default_user, logged_in_client
from tests.browser.conftest import ConsoleErrors
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_editor_renames_moves_and_deletes_a_map_from_its_page(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    dataset = create_synthetic_map("first name").dataset
    team = team_actions.create_workspace(default_user(), "Team room")
    page.goto(f"{base}/maps/{dataset.id}")
    page.click("#manage summary")
    page.fill("#rename-input", "second name")
    page.click("#rename-form button")
    expect(page.locator("#manage-message")).to_have_text("Renamed to “second name”.")
    expect(page.locator("#map-title")).to_have_text("second name")
    assert Dataset.objects.get(id=dataset.id).name == "second name"

    page.select_option("#move-workspace", str(team.id))
    page.click("#move-form button")
    expect(page.locator("#manage-message")).to_have_text("Moved to Team room.")
    assert Dataset.objects.get(id=dataset.id).workspace_id == team.id

    # Deleting asks first: dismissed, nothing happens; accepted, the map is gone and the list shows.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("#delete-map")
    assert Dataset.objects.filter(id=dataset.id).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#delete-map")
    page.wait_for_url(f"{base}/")
    assert not Dataset.objects.filter(id=dataset.id).exists()
    assert console_errors == []


def test_a_viewer_gets_no_manage_controls(page: Page, live_server: object) -> None:
    from teams.models import Membership, Role
    from tests.accounts import create_user

    owner = create_user("owner@example.org")
    team = team_actions.create_workspace(owner, "Theirs")
    Membership.objects.create(workspace=team, user=default_user(), role=Role.VIEWER)
    dataset = create_synthetic_map("theirs", team).dataset
    page.goto(f"{live_server.url}/maps/{dataset.id}")  # type: ignore[attr-defined]
    expect(page.locator("#map-title")).to_have_text("theirs")
    expect(page.locator("#manage")).to_have_count(0)
    expect(page.locator("#sharing-link")).to_have_count(0)


def test_a_failed_upload_is_fixed_from_the_list_with_its_file_and_choices_and_replaced(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    csv = "title;body;n\n" + "".join(f"t{i};a few words about subject {i};{i}\n" for i in range(40))
    upload = io.BytesIO(csv.encode())
    upload.name = "subjects.csv"
    created = logged_in_client(default_user()).post(
        "/api/v1/datasets", {"file": upload, "text_field": "title", "id_field": "n", "delimiter": ";"}
    )
    assert created.status_code == 201, created.content
    failed_id = created.json()["id"]
    Dataset.objects.filter(id=failed_id).update(status="failed", error_message="Titles this short say nothing.")

    page.goto(base)
    page.click(f"tr[data-dataset-id='{failed_id}'] .retry-link")
    expect(page.locator("h1")).to_have_text("Fix and retry")
    expect(page.locator("#retry-notice")).to_contain_text("Titles this short say nothing.")
    expect(page.locator("#retry-notice")).to_contain_text("subjects.csv")
    # The stored file is previewed, read as before (its delimiter kept), with the old choices preselected.
    expect(page.locator("#preview tbody tr")).to_have_count(10)
    expect(page.locator("#delimiter")).to_have_value(";")
    expect(page.locator("#text-field")).to_have_value("title")
    expect(page.locator("#id-field")).to_have_value("n")
    expect(page.locator("#name")).to_have_value("subjects")
    page.select_option("#text-field", "body")
    page.click("#start")
    page.wait_for_url(f"{base}/maps/**")
    new_id = page.url.rsplit("/", 1)[1].split("?")[0]
    assert new_id != failed_id
    new = Dataset.objects.get(id=new_id)
    assert (new.text_field, new.id_field, new.read_options["delimiter"]) == ("body", "n", ";")
    assert not Dataset.objects.filter(id=failed_id).exists()
    page.goto(base)
    expect(page.locator(f"tr[data-dataset-id='{failed_id}']")).to_have_count(0)
    assert [e for e in console_errors if "404" not in e] == []
