"""Naming topics: an editor renames a topic of any level through PATCH (in the audit log), everyone reading the
map sees the name, a viewer may not change it, and bad names or unknown topics get a 400 or 404 that says why."""

from typing import Any

import pytest
from django.test import Client

from maps.models import Dataset, Topic
from teams.models import AuditEvent, Membership, Role
from tests.accounts import create_user, default_workspace, logged_in_client
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db


def rename(client: Client, dataset: Dataset, topic_id: int, body: object) -> Any:
    return client.patch(f"/api/v1/datasets/{dataset.id}/topics/{topic_id}", body, content_type="application/json")


def test_an_editor_names_a_topic_of_any_level_and_every_reader_sees_it(client: Client) -> None:
    dataset = create_synthetic_map().dataset
    response = rename(client, dataset, 7, {"label": "  Rust <crates> "})
    assert response.status_code == 200
    assert response.json()["label"] == "Rust <crates>" and response.json()["edited"] is True
    viewer = create_user("viewer@example.org")
    Membership.objects.create(workspace=default_workspace(), user=viewer, role=Role.VIEWER)
    tree = {t["id"]: t for t in logged_in_client(viewer).get(f"/api/v1/datasets/{dataset.id}/topics").json()}
    assert (tree[7]["label"], tree[7]["edited"]) == ("Rust <crates>", True)
    assert (tree[6]["label"], tree[6]["edited"]) == ("python libraries", False)
    event = AuditEvent.objects.get(action="topic.renamed")
    assert event.detail == {"map": "synthetic", "topic": 7, "old": "rust crates", "new": "Rust <crates>"}
    # A viewer reads the name but may not change it.
    assert rename(logged_in_client(viewer), dataset, 7, {"label": "mine"}).status_code == 403
    assert Topic.objects.get(dataset=dataset, topic_id=7).label == "Rust <crates>"


@pytest.mark.parametrize(
    ("topic_id", "body", "status", "says"),
    [
        (0, {"label": "   "}, 400, "name is empty"),
        (0, {"label": "x" * 201}, 400, "at most 200"),
        (0, {}, 400, "label"),
        (0, {"label": "ok", "colour": "red"}, 400, "colour"),
        (99, {"label": "ok"}, 404, "no topic 99"),
    ],
)
def test_a_bad_name_or_an_unknown_topic_is_refused_with_what_to_send(
    client: Client, topic_id: int, body: object, status: int, says: str
) -> None:
    dataset = create_synthetic_map().dataset
    response = rename(client, dataset, topic_id, body)
    assert response.status_code == status, response.content
    assert says in response.json()["error"]["message"]
    assert not Topic.objects.filter(dataset=dataset, edited=True).exists()


def test_topics_of_a_map_being_laid_out_again_are_not_renamed(client: Client) -> None:
    dataset = create_synthetic_map().dataset
    Dataset.objects.filter(id=dataset.id).update(status=Dataset.Status.RUNNING)
    response = rename(client, dataset, 0, {"label": "later"})
    assert response.status_code == 409
    assert "not ready" in response.json()["error"]["message"]
