"""Managing maps: rename and move through PATCH (both in the audit log), and "fix and retry" a failed upload
with its stored file and new choices, which replaces the failed map instead of leaving it in the list."""

import io
from pathlib import Path

import pytest
from django.test import Client

from maps.models import Dataset
from teams import actions as team_actions
from teams.models import AuditEvent, Membership, Role
from tests.accounts import create_user, default_user, default_workspace, logged_in_client
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db

CSV = b"title,body,n\n" + b"".join(f"title {i},some words about thing {i},{i}\n".encode() for i in range(30))


def patch(client: Client, dataset: Dataset, body: object) -> object:
    return client.patch(f"/api/v1/datasets/{dataset.id}", body, content_type="application/json")


def test_an_editor_renames_a_map_and_the_audit_log_says_so(client: Client) -> None:
    dataset = create_synthetic_map("old name").dataset
    response = patch(client, dataset, {"name": "  a better name "})
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response.json()["name"] == "a better name"  # type: ignore[attr-defined]
    assert Dataset.objects.get(id=dataset.id).name == "a better name"
    event = AuditEvent.objects.get(action="map.renamed")
    assert event.detail == {"old": "old name", "new": "a better name"}


def test_a_map_moves_to_another_workspace_the_caller_edits_with_its_tags_and_both_logs_record_it(
    client: Client,
) -> None:
    dataset = create_synthetic_map("moving").dataset
    team = team_actions.create_workspace(default_user(), "Team")
    response = patch(client, dataset, {"workspace": str(team.id), "name": "moved"})
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response.json()["workspace"] == str(team.id)  # type: ignore[attr-defined]
    assert Dataset.objects.get(id=dataset.id).workspace_id == team.id
    moved = AuditEvent.objects.filter(action="map.moved")
    assert {e.workspace_id for e in moved} == {team.id, default_workspace().id}
    # Members of the new workspace now see it; a viewer of it still may not change it.
    viewer = create_user("viewer@example.org")
    Membership.objects.create(workspace=team, user=viewer, role=Role.VIEWER)
    assert logged_in_client(viewer).get(f"/api/v1/datasets/{dataset.id}").status_code == 200
    assert patch(logged_in_client(viewer), dataset, {"name": "x"}).status_code == 403  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"name": "   "}, 400, "name is empty"),
        ({"name": "x" * 201}, 400, "at most 200"),
        ({"workspace": "00000000-0000-4000-8000-000000000000"}, 404, "No workspace"),
    ],
)
def test_a_bad_change_gets_a_specific_error_and_changes_nothing(
    client: Client, body: object, status: int, says: str
) -> None:
    dataset = create_synthetic_map("kept").dataset
    response = patch(client, dataset, body)
    assert response.status_code == status  # type: ignore[attr-defined]
    assert says in response.json()["error"]["message"]  # type: ignore[attr-defined]
    assert Dataset.objects.get(id=dataset.id).name == "kept"


def test_a_map_cannot_move_into_a_workspace_where_the_caller_only_views(client: Client) -> None:
    dataset = create_synthetic_map("stays").dataset
    other = team_actions.create_workspace(create_user("owner@example.org"), "Theirs")
    Membership.objects.create(workspace=other, user=default_user(), role=Role.VIEWER)
    response = patch(client, dataset, {"workspace": str(other.id)})
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert Dataset.objects.get(id=dataset.id).workspace_id == default_workspace().id


def failed_upload(client: Client) -> Dataset:
    """A real upload (its file stored) whose build then failed."""
    upload = io.BytesIO(CSV)
    upload.name = "things.csv"
    created = client.post("/api/v1/datasets", {"file": upload, "text_field": "title", "name": "things"})
    assert created.status_code == 201, created.content
    dataset = Dataset.objects.get(id=created.json()["id"])
    Dataset.objects.filter(id=dataset.id).update(
        status=Dataset.Status.FAILED, error_message="The titles are too short."
    )
    return Dataset.objects.get(id=dataset.id)


def test_a_failed_upload_is_fixed_and_retried_with_its_stored_file_and_replaced_by_the_new_map(
    client: Client,
) -> None:
    failed = failed_upload(client)
    stored = Path(failed.upload_path)
    preview = client.post("/api/v1/previews", {"retry_of": str(failed.id)})
    assert preview.status_code == 200
    assert [c["name"] for c in preview.json()["columns"]] == ["title", "body", "n"]

    retried = client.post("/api/v1/datasets", {"retry_of": str(failed.id), "text_field": "body", "name": "things"})
    assert retried.status_code == 201, retried.content
    new = Dataset.objects.get(id=retried.json()["id"])
    assert (new.text_field, new.source_filename, new.workspace_id) == ("body", "things.csv", failed.workspace_id)
    assert Path(new.upload_path).read_bytes() == CSV
    assert not Dataset.objects.filter(id=failed.id).exists(), "the fixed upload replaces the failed one"
    assert not stored.exists()


def test_a_refused_retry_keeps_the_failed_map_and_leaves_no_file(client: Client, settings: object) -> None:
    failed = failed_upload(client)
    before = sorted(p.name for p in Path(settings.UPLOAD_DIR).iterdir())  # type: ignore[attr-defined]
    refused = client.post("/api/v1/datasets", {"retry_of": str(failed.id), "text_field": "nope"})
    assert refused.status_code == 400 and "nope" in refused.json()["error"]["message"]
    assert Dataset.objects.filter(id=failed.id).exists()
    assert sorted(p.name for p in Path(settings.UPLOAD_DIR).iterdir()) == before  # type: ignore[attr-defined]


def test_only_a_failed_or_cancelled_map_of_ones_own_can_be_retried(client: Client) -> None:
    ready = create_synthetic_map("ready").dataset
    refused = client.post("/api/v1/datasets", {"retry_of": str(ready.id), "text_field": "summary"})
    assert refused.status_code == 400
    assert "is ready; only a failed or cancelled upload" in refused.json()["error"]["message"]
    failed = failed_upload(client)
    stranger = logged_in_client(create_user("stranger@example.org"))
    assert stranger.post("/api/v1/datasets", {"retry_of": str(failed.id), "text_field": "body"}).status_code == 404
    assert stranger.post("/api/v1/previews", {"retry_of": str(failed.id)}).status_code == 404


def test_a_retry_whose_stored_file_is_gone_asks_for_the_file_again(client: Client) -> None:
    failed = failed_upload(client)
    Path(failed.upload_path).unlink()
    refused = client.post("/api/v1/datasets", {"retry_of": str(failed.id), "text_field": "body"})
    assert refused.status_code == 400 and "no longer stored; choose it again" in refused.json()["error"]["message"]
    # A file sent with the retry is used instead, and still replaces the failed map.
    upload = io.BytesIO(CSV)
    upload.name = "again.csv"
    again = client.post("/api/v1/datasets", {"retry_of": str(failed.id), "text_field": "body", "file": upload})
    assert again.status_code == 201
    assert not Dataset.objects.filter(id=failed.id).exists()


def test_a_text_column_of_numbers_is_built_as_asked_but_the_map_says_what_it_is(client: Client) -> None:
    upload = io.BytesIO(CSV)
    upload.name = "numbers.csv"
    created = client.post("/api/v1/datasets", {"file": upload, "text_field": "n"})
    assert created.status_code == 201
    warnings = Dataset.objects.get(id=created.json()["id"]).warnings
    assert any("'n' holds only numbers" in w for w in warnings), warnings
