"""The Arrow points payload is revalidated with an ETag: a browser that has it downloads it once per build."""

import datetime
import uuid
from pathlib import Path

import pytest
from django.test import Client

from maps import payloads
from maps.models import Dataset
from tests.accounts import default_workspace
from tests.conftest import WorkerProcess, csv_slice
from tests.integration.helpers import upload, wait_until_finished

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_points_payload_answers_304_to_its_own_etag_and_gets_a_new_etag_when_the_map_is_rebuilt(
    client: Client, celery_worker: WorkerProcess, tmp_path: Path
) -> None:
    ready = wait_until_finished(client, upload(client, csv_slice(tmp_path / "small.csv", 120), "summary")["id"])
    assert ready["status"] == "ready", celery_worker.log_tail()
    url = f"/api/v1/datasets/{ready['id']}/points"

    first = client.get(url)
    body = first.getvalue()  # a payload streamed from its cached file can be read once
    assert first.status_code == 200 and len(body) > 0
    etag = first["ETag"]
    assert etag.startswith('"') and ready["id"] in etag
    assert "no-cache" in first["Cache-Control"]

    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    assert client.get(url, headers={"If-None-Match": '"an-older-build"'}).status_code == 200
    assert client.get(url, headers={"If-None-Match": f'"other", {etag}'}).status_code == 304
    # The payload was written once for this build and is streamed from that file to every later reader.
    folder = payloads.folder_of(uuid.UUID(ready["id"]))
    [build_folder] = list(folder.iterdir())
    assert [path.suffix for path in build_folder.glob("*.arrow")] == [".arrow"]
    cached = client.get(url)
    assert cached.streaming and cached.getvalue() == body

    # A rebuild finishes at a new time: the browser's copy no longer matches and is fetched anew.
    dataset = Dataset.objects.get(id=ready["id"])
    assert dataset.finished_at is not None
    Dataset.objects.filter(id=dataset.id).update(finished_at=dataset.finished_at + datetime.timedelta(seconds=1))
    rebuilt = client.get(url, headers={"If-None-Match": etag})
    assert rebuilt.status_code == 200 and rebuilt["ETag"] != etag
    assert rebuilt.getvalue() == body
    # The new build's payload replaced the old one's folder.
    assert [path.name for path in folder.iterdir()] != [build_folder.name]
    assert len(list(folder.iterdir())) == 1


def test_a_map_that_is_not_ready_answers_409_even_to_an_etag(client: Client) -> None:
    dataset = Dataset.objects.create(
        workspace=default_workspace(), name="queued", source_filename="a.csv", upload_path="/nowhere", text_field="t"
    )
    response = client.get(f"/api/v1/datasets/{dataset.id}/points", headers={"If-None-Match": "*"})
    assert response.status_code == 409
