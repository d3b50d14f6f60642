"""Topics scored against a label column, and a re-layout from the stored vectors, through a real worker."""

import io
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from django.db import connection
from django.test import Client

from maps import payloads, queries
from maps.models import Dataset
from tests.accounts import default_workspace
from tests.conftest import WorkerProcess
from tests.integration.helpers import wait_until_finished
from tests.synthetic_map import create_synthetic_map
from tests.themes import write_themes_csv

pytestmark = pytest.mark.django_db(transaction=True)


def upload_themes(client: Client, tmp_path: Path, **extra: str) -> dict[str, Any]:
    path = write_themes_csv(tmp_path / "themes.csv")
    with path.open("rb") as handle:
        response = client.post("/api/v1/datasets", {"file": handle, "name": "Themes", "text_field": "text", **extra})
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def xy(payload: bytes) -> list[tuple[float, float]]:
    table = pa.ipc.open_stream(io.BytesIO(payload)).read_all()
    return list(zip(table.column("x").to_pylist(), table.column("y").to_pylist(), strict=True))


def stored_vectors(dataset_id: str) -> list[tuple[int, bytes]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT row_id, vector_send(embedding) FROM maps_point WHERE dataset_id = %s ORDER BY row_id",
            [dataset_id],
        )
        return [(row_id, bytes(raw)) for row_id, raw in cursor.fetchall()]


def rows_under(dataset_id: str, topic_id: int) -> set[int]:
    """The rows of a topic of any level: those whose fine topic is it or below it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE below AS (SELECT topic_id, level FROM maps_topic WHERE dataset_id = %s AND topic_id = %s "
            "UNION SELECT t.topic_id, t.level FROM maps_topic t JOIN below b ON t.parent = b.topic_id "
            "WHERE t.dataset_id = %s) "
            "SELECT row_id FROM maps_point WHERE dataset_id = %s AND topic IN (SELECT topic_id FROM below)",
            [dataset_id, topic_id, dataset_id, dataset_id],
        )
        return {row for (row,) in cursor.fetchall()}


def test_topics_of_three_themes_agree_with_the_theme_column_and_a_relayout_keeps_every_vector_and_topic_name(
    client: Client, celery_worker: WorkerProcess, tmp_path: Path
) -> None:
    created = upload_themes(client, tmp_path, label_field="theme", min_cluster_size="10")
    built = wait_until_finished(client, created["id"])
    assert built["status"] == "ready", celery_worker.log_tail()
    assert built["label_field"] == "theme"
    assert built["layout"]["min_cluster_size"] == 10 and built["layout"]["metric"] == "cosine"
    quality = built["quality"]
    # Three themes as far apart as cooking, football and astronomy: chance NMI and ARI are about 0.
    assert quality["labelled_rows"] == 240 and quality["classes"] == 3
    assert quality["nmi_broad"] > 0.6 and quality["ari_broad"] > 0.5, quality
    assert quality["nmi_fine"] > 0.5, quality
    assert "embed" in built["timings"]

    before = stored_vectors(created["id"])
    old_payload = client.get(f"/api/v1/datasets/{created['id']}/points")
    # An editor names the largest fine and broad topics: the re-layout carries each name to the new topic of its
    # level holding at least 80 % of its rows, or says it could not.
    named = {}
    for level in ("fine", "broad"):
        largest = max(
            (t for t in client.get(f"/api/v1/datasets/{created['id']}/topics").json() if t["level"] == level),
            key=lambda t: t["size"],
        )
        label = f"My {level} topic"
        assert (
            client.patch(
                f"/api/v1/datasets/{created['id']}/topics/{largest['id']}",
                {"label": label},
                content_type="application/json",
            ).status_code
            == 200
        )
        named[label] = (level, rows_under(created["id"], largest["id"]))
    etag = old_payload["ETag"]

    answer = client.post(
        f"/api/v1/datasets/{created['id']}/relayout",
        {"n_neighbors": 8, "min_dist": 0.3, "metric": "euclidean", "min_cluster_size": 20},
        content_type="application/json",
    )
    assert answer.status_code == 202, answer.content
    assert answer.json()["status"] == "queued"
    relaid = wait_until_finished(client, created["id"])
    assert relaid["status"] == "ready", celery_worker.log_tail()
    assert relaid["layout"] == {
        "n_neighbors": 8,
        "min_dist": 0.3,
        "metric": "euclidean",
        "sample_size": 50_000,
        "min_cluster_size": 20,
    }
    # Nothing was embedded: the build's embed stage and cache lookups did not run, the vectors are the same bytes.
    assert "embed" not in relaid["timings"] and "embed_cache_hits" not in relaid["timings"], relaid["timings"]
    assert set(relaid["timings"]) >= {"load", "layout", "topics", "total"}
    assert stored_vectors(created["id"]) == before
    assert relaid["quality"]["topics"] == relaid["topics"] and "nmi_fine" in relaid["quality"]

    refreshed = client.get(f"/api/v1/datasets/{created['id']}/points", HTTP_IF_NONE_MATCH=etag)
    assert refreshed.status_code == 200 and refreshed["ETag"] != etag
    body = refreshed.getvalue()
    assert xy(body) != xy(old_payload.getvalue()), "the new parameters gave the same map"
    # The payload cached before the re-layout is not what is served after it: this one is the new layout's.
    assert body == queries.points_arrow(Dataset.objects.get(id=created["id"]))
    assert len(list(payloads.folder_of(uuid.UUID(created["id"])).iterdir())) == 1, "older builds' payloads stay"
    topics = client.get(f"/api/v1/datasets/{created['id']}/topics").json()
    fine = [t for t in topics if t["level"] == "fine"]
    assert len(fine) == relaid["topics"] and sum(t["size"] for t in fine) == 240
    for label, (level, rows) in named.items():
        shares = [len(rows & rows_under(created["id"], t["id"])) / len(rows) for t in topics if t["level"] == level]
        carried = [t for t in topics if t["label"] == label]
        if max(shares) >= 0.8:
            assert len(carried) == 1 and carried[0]["edited"] and carried[0]["level"] == level, (label, shares)
            assert len(rows & rows_under(created["id"], carried[0]["id"])) == max(shares) * len(rows)
        else:
            assert not carried and any(label in warning for warning in relaid["warnings"]), (label, shares)


def test_a_label_column_the_file_lacks_is_refused_naming_the_columns(client: Client, tmp_path: Path) -> None:
    path = write_themes_csv(tmp_path / "themes.csv")
    with path.open("rb") as handle:
        response = client.post("/api/v1/datasets", {"file": handle, "text_field": "text", "label_field": "topic"})
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "'topic'" in message and "text, theme" in message


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"n_neighbors": 1}, "n_neighbors must be a whole number from 2 to 200"),
        ({"min_dist": "far"}, 'min_dist is "far": input should be a valid number'),
        ({"metric": "manhattan"}, "metric is \"manhattan\": input should be 'cosine' or 'euclidean'"),
        ({"sample_size": 10}, "sample_size must be 0"),
        ({"min_cluster_size": 1}, "min_cluster_size must be 0"),
    ],
)
def test_bad_layout_parameters_are_refused_with_what_is_allowed(
    client: Client, body: dict[str, Any], fragment: str
) -> None:
    ready = create_synthetic_map().dataset  # a ready map: only the parameters can be wrong
    response = client.post(f"/api/v1/datasets/{ready.id}/relayout", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_layout"
    assert fragment in response.json()["error"]["message"]
    assert Dataset.objects.get(id=ready.id).status == Dataset.Status.READY


def test_a_map_still_building_cannot_be_laid_out_again(client: Client) -> None:
    # Written straight to the table (no task queued), so no worker builds it under the test.
    building = Dataset.objects.create(
        workspace=default_workspace(),
        name="building",
        source_filename="x.csv",
        upload_path="/nowhere",
        text_field="text",
        model_name="all-MiniLM-L6-v2",
        status=Dataset.Status.RUNNING,
    )
    response = client.post(f"/api/v1/datasets/{building.id}/relayout", {"n_neighbors": 10})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_relayoutable"
    assert Dataset.objects.get(id=building.id).status == Dataset.Status.RUNNING


def test_a_relayout_whose_worker_died_starts_over_when_its_task_comes_again() -> None:
    from workers import relayout

    ready = create_synthetic_map().dataset
    # As a claimed re-layout is left when its worker is killed while finding topics.
    Dataset.objects.filter(id=ready.id).update(status=Dataset.Status.RUNNING, stage="topics", finish_attempts=1)
    relayout.relayout(ready.id)
    done = Dataset.objects.get(id=ready.id)
    assert (done.status, done.finish_attempts) == (Dataset.Status.READY, 2), done.error_message
    # A late copy of the same task finds nothing to do.
    relayout.relayout(ready.id)
    assert Dataset.objects.get(id=ready.id).finish_attempts == 2


def test_a_relayout_whose_workers_keep_dying_fails_with_a_message_and_keeps_the_vectors() -> None:
    from django.conf import settings

    from workers import relayout

    ready = create_synthetic_map().dataset
    before = stored_vectors(str(ready.id))
    Dataset.objects.filter(id=ready.id).update(
        status=Dataset.Status.RUNNING, stage="layout", finish_attempts=settings.BUILD_RETRIES + 1
    )
    relayout.relayout(ready.id)
    failed = Dataset.objects.get(id=ready.id)
    assert failed.status == Dataset.Status.FAILED
    assert f"The re-layout stopped {settings.BUILD_RETRIES + 1} times before finishing" in failed.error_message
    assert "rows and vectors are kept" in failed.error_message
    assert stored_vectors(str(ready.id)) == before
