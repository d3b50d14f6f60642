"""Rows appended to a ready map through a real worker: only they are embedded and placed; no old row moves."""

import csv
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from django.db import connection
from django.test import Client

from maps import queries
from maps.models import Dataset, Point
from tests.conftest import WorkerProcess, csv_slice
from tests.integration.helpers import assert_topics_form_a_three_level_tree, wait_until_finished
from tests.synthetic_map import create_synthetic_map
from workers import layout_model

pytestmark = pytest.mark.django_db(transaction=True)


def split_pypi(tmp_path: Path, first: int, more: int) -> tuple[Path, Path]:
    """The first `first` rows of the PyPI sample, and the `more` rows after them, each with the header."""
    with csv_slice(tmp_path / "all.csv", first + more).open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    paths = (tmp_path / "base.csv", tmp_path / "more.csv")
    for path, part in zip(paths, (rows[:first], rows[first:]), strict=True):
        with path.open("w", newline="", encoding="utf-8") as out:
            csv.writer(out).writerows([header, *part])
    return paths


def upload(client: Client, path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        response = client.post("/api/v1/datasets", {"file": handle, "name": "PyPI", "text_field": "summary"})
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def append(client: Client, dataset_id: str, path: Path) -> Any:
    with path.open("rb") as handle:
        return client.post(f"/api/v1/datasets/{dataset_id}/rows", {"file": handle})


def rows_of(dataset_id: str) -> dict[int, tuple[float | None, float | None, int | None, bool]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT row_id, x, y, topic, embedding IS NULL FROM maps_point WHERE dataset_id = %s", [dataset_id]
        )
        return {row: (x, y, topic, missing) for row, x, y, topic, missing in cursor.fetchall()}


def test_appending_50_rows_embeds_and_places_only_them_and_no_old_row_moves(
    client: Client, celery_worker: WorkerProcess, tmp_path: Path
) -> None:
    base, more = split_pypi(tmp_path, 300, 50)
    created = upload(client, base)
    built = wait_until_finished(client, created["id"])
    assert built["status"] == "ready", celery_worker.log_tail()
    assert layout_model.path_of(Dataset.objects.get(id=created["id"]).id).is_file()
    before = rows_of(created["id"])
    scored = dict(Point.objects.filter(dataset_id=created["id"]).values_list("row_id", "outlier"))
    # Fetched once before the append: its payload is cached for that build.
    old_payload = client.get(f"/api/v1/datasets/{created['id']}/points")
    etag = old_payload["ETag"]
    assert pa.ipc.open_stream(old_payload.getvalue()).read_all().num_rows == 300

    answer = append(client, created["id"], more)
    assert answer.status_code == 202, answer.content
    assert answer.json()["status"] == "queued"
    done = wait_until_finished(client, created["id"])
    assert done["status"] == "ready", celery_worker.log_tail()
    assert done["rows"] == 350 and done["topics"] == built["topics"]
    after = rows_of(created["id"])
    assert sorted(after) == list(range(350))
    # The old rows kept their exact coordinates and topics; the new ones have a place, a topic and a vector.
    assert {row: after[row] for row in before} == before
    topics = {t for _, _, t, _ in before.values()}
    for row in range(300, 350):
        x, y, topic, missing = after[row]
        assert x is not None and y is not None and abs(x) < 30 and abs(y) < 30
        assert topic in topics and not missing
    # The cached payload of the map before the append is never served for the map after it.
    new_payload = client.get(f"/api/v1/datasets/{created['id']}/points", headers={"If-None-Match": etag})
    assert new_payload.status_code == 200 and new_payload["ETag"] != etag
    body = new_payload.getvalue()
    assert pa.ipc.open_stream(body).read_all().num_rows == 350
    assert body == queries.points_arrow(Dataset.objects.get(id=created["id"]))
    # Topic sizes count the new rows at every level: each level still covers every row once.
    assert_topics_form_a_three_level_tree(client.get(f"/api/v1/datasets/{created['id']}/topics").json(), 350)
    assert "append_embed" in done["timings"] and "embed" in done["timings"]
    # New rows get an outlier score against the rows the map was fitted on; old rows keep theirs.
    scores = dict(Point.objects.filter(dataset_id=created["id"]).values_list("row_id", "outlier"))
    assert all(scores[row] is not None and 0 <= scores[row] < 2 for row in range(350))
    assert {row: scores[row] for row in range(300)} == scored
    # The file of new rows is gone once they are in.
    assert not list(layout_model.path_of(Dataset.objects.get(id=created["id"]).id).parent.glob("append-*"))


def test_rows_can_only_be_appended_to_a_ready_map_that_a_failed_append_leaves_as_it_was(
    client: Client, celery_worker: WorkerProcess, tmp_path: Path
) -> None:
    base, more = split_pypi(tmp_path, 120, 10)
    created = upload(client, base)
    early = append(client, created["id"], more)
    # Just uploaded: queued or building, not ready.
    assert early.status_code == 409, early.content
    assert early.json()["error"]["code"] == "not_ready"
    assert wait_until_finished(client, created["id"])["status"] == "ready", celery_worker.log_tail()

    wrong = tmp_path / "wrong.csv"
    wrong.write_text("name,description\nfoo,A package\n", encoding="utf-8")
    refused = append(client, created["id"], wrong)
    assert refused.status_code == 400, refused.content
    message = refused.json()["error"]["message"]
    assert "'summary'" in message and "name, description" in message
    assert client.get(f"/api/v1/datasets/{created['id']}").json()["status"] == "ready"
    assert client.post(f"/api/v1/datasets/{created['id']}/rows").status_code == 400

    # Past the first block the upload check reads, a broken row fails the append: its rows go, the map stays.
    etag = client.get(f"/api/v1/datasets/{created['id']}/points")["ETag"]
    big = tmp_path / "big.csv"
    row = "pkg,a summary of a package that is long enough to make this file big\n"
    big.write_text("name,summary\n" + row * 140_000 + "broken row without a second field\n", encoding="utf-8")
    assert append(client, created["id"], big).status_code == 202
    after = wait_until_finished(client, created["id"])
    assert after["status"] == "ready" and after["rows"] == 120, celery_worker.log_tail()
    assert "The rows of big.csv were not added: 1 row of big.csv does not have the 2 fields" in after["warnings"][-1]
    assert sorted(rows_of(created["id"])) == list(range(120))
    assert client.get(f"/api/v1/datasets/{created['id']}/points")["ETag"] == etag


def test_an_append_whose_worker_died_is_undone_when_its_task_comes_again_and_the_map_is_as_it_was() -> None:
    from maps.models import Point
    from workers import append, store

    ready = create_synthetic_map().dataset
    rows = Point.objects.filter(dataset=ready).count()
    # As a worker killed mid-append leaves it: new rows stored past the map's rows, the map still running.
    store.insert_points(ready.id, ["half", "added"], [{"text": "half"}, {"text": "added"}], start=rows)
    Dataset.objects.filter(id=ready.id).update(status=Dataset.Status.RUNNING, stage="embed")
    append.append(ready.id, "/nowhere/more.csv", "more.csv")
    back = Dataset.objects.get(id=ready.id)
    assert (back.status, back.row_count) == (Dataset.Status.READY, rows)
    assert Point.objects.filter(dataset=ready).count() == rows
    assert "Adding the rows of more.csv stopped: its worker was killed" in back.warnings[-1]
