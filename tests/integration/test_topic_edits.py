"""Editing topics by hand: merging topics of one level, moving rows into a fine topic or a new one; sizes at
every level follow the rows, empty topics go, the map's ETag changes, and wrong edits say why."""

from typing import Any

import pytest
from django.test import Client

from maps.models import Dataset, Point, Topic
from teams.models import AuditEvent
from tests.synthetic_map import PER_TOPIC, create_synthetic_map

pytestmark = pytest.mark.django_db


def post(client: Client, dataset: Dataset, path: str, body: object) -> Any:
    return client.post(f"/api/v1/datasets/{dataset.id}/topics/{path}", body, content_type="application/json")


def sizes(answer: list[dict[str, Any]]) -> dict[int, int]:
    return {t["id"]: t["size"] for t in answer}


def test_merging_fine_topics_moves_their_rows_and_keeps_every_level_counted(client: Client) -> None:
    synthetic = create_synthetic_map()
    dataset = synthetic.dataset
    etag = client.get(f"/api/v1/datasets/{dataset.id}/points")["ETag"]
    # Topic 2 (rust, mid 7) and topic 4 (go, mid 8) into topic 0 (python, mid 6).
    answer = post(client, dataset, "merge", {"into": 0, "topics": [2, 4]})
    assert answer.status_code == 200, answer.content
    tree = sizes(answer.json())
    assert 2 not in tree and 4 not in tree
    assert tree[0] == 3 * PER_TOPIC and tree[6] == 4 * PER_TOPIC and tree[7] == PER_TOPIC and tree[8] == PER_TOPIC
    assert tree[9] == 5 * PER_TOPIC and tree[10] == PER_TOPIC
    assert Point.objects.filter(dataset=dataset, topic=0).count() == 3 * PER_TOPIC
    assert Dataset.objects.get(id=dataset.id).topic_count == 4
    assert client.get(f"/api/v1/datasets/{dataset.id}/points")["ETag"] != etag
    assert AuditEvent.objects.get(action="topic.merged").detail["topics"] == [2, 4]

    # Merging the mid topics 7 and 8 into 6: their fine topics move under it, and the broad topic 10 (go) empties.
    tree = sizes(post(client, dataset, "merge", {"into": 6, "topics": [7, 8]}).json())
    assert tree[6] == 6 * PER_TOPIC and 7 not in tree and 8 not in tree and 10 not in tree and tree[9] == 240
    assert Topic.objects.get(dataset=dataset, topic_id=5).parent == 6


def test_rows_move_into_a_topic_or_a_new_one_and_emptied_topics_go(client: Client) -> None:
    synthetic = create_synthetic_map()
    dataset = synthetic.dataset
    first = list(range(0, 10))  # of topic 0
    tree = sizes(post(client, dataset, "move-rows", {"rows": first, "topic": 1}).json())
    assert tree[0] == PER_TOPIC - 10 and tree[1] == PER_TOPIC + 10 and tree[6] == 2 * PER_TOPIC
    answer = post(client, dataset, "move-rows", {"rows": list(range(200, 240)), "label": "  My <topic> "}).json()
    made = [t for t in answer if t["label"] == "My <topic>"]
    assert len(made) == 1 and made[0]["level"] == "fine" and made[0]["edited"] and made[0]["size"] == PER_TOPIC
    # Topic 5 lost every row: it is gone, and the new topic sits under its parent, at its rows' median.
    assert 5 not in sizes(answer) and made[0]["parent"] == 8
    assert (made[0]["x"], made[0]["y"]) == pytest.approx((45.0, -30.0), abs=1.0)
    assert Point.objects.filter(dataset=dataset, topic=made[0]["id"]).count() == PER_TOPIC


@pytest.mark.parametrize(
    ("path", "body", "status", "says"),
    [
        ("merge", {"into": 0, "topics": [0]}, 400, "Name the topics to merge"),
        ("merge", {"into": 0, "topics": [6]}, 400, "not a fine topic like topic 0"),
        ("merge", {"into": 0, "topics": [99]}, 404, "no topic 99"),
        ("move-rows", {"rows": [1], "topic": 6}, 400, "rows move into fine topics only"),
        ("move-rows", {"rows": [1], "topic": 1, "label": "x"}, 400, "exactly one of topic"),
        ("move-rows", {"rows": [9999], "topic": 1}, 404, "none of these rows"),
        ("move-rows", {"rows": [], "topic": 1}, 400, "rows"),
    ],
)
def test_a_wrong_edit_is_refused_with_why_and_changes_nothing(
    client: Client, path: str, body: object, status: int, says: str
) -> None:
    synthetic = create_synthetic_map()
    before = sizes(client.get(f"/api/v1/datasets/{synthetic.dataset.id}/topics").json())
    response = post(client, synthetic.dataset, path, body)
    assert response.status_code == status, response.content
    assert says in response.json()["error"]["message"]
    assert sizes(client.get(f"/api/v1/datasets/{synthetic.dataset.id}/topics").json()) == before


def test_splitting_a_fine_topic_finds_its_parts_on_the_map_and_names_them(client: Client) -> None:
    synthetic = create_synthetic_map()
    dataset = synthetic.dataset
    # Topic 1 (data frames, 40 units below topic 0) joins topic 0: one topic of two distant blobs.
    post(client, dataset, "merge", {"into": 0, "topics": [1]})
    etag = client.get(f"/api/v1/datasets/{dataset.id}/points")["ETag"]
    answer = post(client, dataset, "0/split", {"parts": 2})
    assert answer.status_code == 200, answer.content
    tree = {t["id"]: t for t in answer.json()}
    assert tree[0]["size"] == tree[11]["size"] == PER_TOPIC and tree[11]["parent"] == tree[0]["parent"] == 6
    assert tree[6]["size"] == 2 * PER_TOPIC and tree[11]["level"] == "fine"
    parts = {t: set(Point.objects.filter(dataset=dataset, topic=t).values_list("row_id", flat=True)) for t in (0, 11)}
    assert sorted(parts.values(), key=min) == [set(range(PER_TOPIC)), set(range(PER_TOPIC, 2 * PER_TOPIC))]
    names = {t: tree[t]["label"] for t in (0, 11)}
    by_rows = {min(rows): names[t] for t, rows in parts.items()}
    assert "http" in by_rows[0] and "data" in by_rows[PER_TOPIC] and "frames" in by_rows[PER_TOPIC], names
    assert Dataset.objects.get(id=dataset.id).topic_count == 6
    assert client.get(f"/api/v1/datasets/{dataset.id}/points")["ETag"] != etag
    assert AuditEvent.objects.get(action="topic.split").detail["parts"] == [0, 11]

    # Without a number, HDBSCAN finds the two blobs again; an edited name stays with the largest part.
    post(client, dataset, "merge", {"into": 0, "topics": [11]})
    client.patch(f"/api/v1/datasets/{dataset.id}/topics/0", {"label": "Python things"}, content_type="application/json")
    Point.objects.filter(dataset=dataset, row_id__in=range(PER_TOPIC, PER_TOPIC + 5)).update(x=-40.0, y=20.0)
    tree = {t["id"]: t for t in post(client, dataset, "0/split", {}).json()}
    assert (tree[0]["label"], tree[0]["size"], tree[11]["size"]) == ("Python things", PER_TOPIC + 5, PER_TOPIC - 5)


def test_a_split_that_cannot_be_made_says_why(client: Client) -> None:
    dataset = create_synthetic_map().dataset
    for path, body, status, message in [
        ("6/split", {"parts": 2}, 400, "mid topic"),
        ("0/split", {"parts": 9}, 400, "needs at least 45"),
        ("0/split", {"parts": 1}, 400, "parts"),
        ("0/split", {"parts": 21}, 400, "parts"),
        ("99/split", {"parts": 2}, 404, "no topic 99"),
    ]:
        answer = post(client, dataset, path, body)
        assert answer.status_code == status, (path, body, answer.content)
        assert message in answer.json()["error"]["message"], answer.json()
    assert Topic.objects.filter(dataset=dataset).count() == 11


def test_asking_for_a_labeller_name_needs_a_labeller_on_the_server(client: Client, settings: Any) -> None:
    dataset = create_synthetic_map().dataset
    settings.LABELLER_URL = ""
    refused = post(client, dataset, "2/name", None)
    assert refused.status_code == 400 and "ATLAS_LABELLER_URL" in refused.json()["error"]["message"]
    settings.LABELLER_URL = "http://127.0.0.1:9/v1"
    assert post(client, dataset, "99/name", None).status_code == 404
    queued = post(client, dataset, "2/name", None)
    assert queued.status_code == 202 and queued.json() == {"topic": 2, "status": "queued"}
