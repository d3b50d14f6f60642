"""A real Celery worker builds maps from uploads against the real PostgreSQL and Redis."""

import io
import time
import uuid
from pathlib import Path

import pyarrow as pa
import pytest
from django.db import connection
from django.test import Client

from maps import payloads
from maps.indexes import vector_index_name
from maps.models import Dataset, Point, Topic
from maps.retrieval import nearest_rows_sql
from tests.conftest import WorkerProcess, csv_slice
from tests.integration.helpers import assert_topics_form_a_three_level_tree, upload, wait_until_finished

pytestmark = pytest.mark.django_db(transaction=True)


def test_uploading_2000_pypi_rows_builds_a_searchable_map(
    client: Client, celery_worker: WorkerProcess, pypi_csv: Path
) -> None:
    created = upload(client, pypi_csv, "summary", name="PyPI 2k")
    assert created["status"] == "queued"
    assert created["url"] == f"/maps/{created['id']}"

    final = wait_until_finished(client, created["id"])
    assert final["status"] == "ready", celery_worker.log_tail()
    assert final["rows"] == 2000
    assert final["error"] is None
    assert final["progress"] == {"stage": "done", "done": 2000, "total": 2000, "elapsed_s": None, "remaining_s": None}

    points = Point.objects.filter(dataset_id=created["id"])
    assert points.count() == 2000
    assert points.filter(embedding__isnull=True).count() == 0
    assert points.filter(x__isnull=True).count() == 0
    assert points.filter(topic__isnull=True).count() == 0
    assert sorted(points.values_list("row_id", flat=True)) == list(range(2000))

    every_level = client.get(f"/api/v1/datasets/{created['id']}/topics").json()
    topics = [t for t in every_level if t["level"] == "fine"]
    # A real layout of 2,000 package summaries has many distinct regions, none holding most rows.
    assert len(topics) >= 10
    assert max(t["size"] for t in topics) < 1000
    assert final["topics"] == len(topics)
    assert sum(t["size"] for t in topics) == 2000
    assert all(t["label"] and set(t) >= {"id", "label", "size", "parent"} for t in topics)
    assert_topics_form_a_three_level_tree(every_level, rows=2000)

    # The 2D map keeps most of each row's embedding neighbourhood: far above chance (10 / 2,000).
    quality = final["quality"]
    assert set(quality) == {"knn_preservation", "trustworthiness", "topics", "noise_share"}
    assert quality["knn_preservation"] > 0.1 and quality["trustworthiness"] > 0.8, quality
    assert quality["topics"] == len(topics) and 0 <= quality["noise_share"] < 1

    payload = client.get(f"/api/v1/datasets/{created['id']}/points")
    assert payload["Content-Type"] == "application/vnd.apache.arrow.stream"
    table = pa.ipc.open_stream(io.BytesIO(payload.getvalue())).read_all()
    assert table.schema.names == ["id", "x", "y", "topic"]
    assert table.schema.field("x").type == pa.float32()
    assert table.num_rows == 2000
    assert set(table.column("topic").to_pylist()) == {t["id"] for t in topics}

    # Every row has an outlier score (mean cosine distance to its 10 nearest rows), served in row order.
    outliers = pa.ipc.open_stream(client.get(f"/api/v1/datasets/{created['id']}/outliers").getvalue()).read_all()
    scores = outliers.column("value").to_pylist()
    assert outliers.schema.field("value").type == pa.float32() and None not in scores and len(scores) == 2000
    assert min(scores) >= 0 and max(scores) < 2 and len(set(scores)) > 1000
    stored = dict(points.values_list("row_id", "outlier"))
    assert scores == pytest.approx([stored[row] for row in range(2000)], rel=1e-6)

    results = client.get(f"/api/v1/datasets/{created['id']}/search", {"q": "http client library", "k": 10}).json()[
        "results"
    ]
    assert len(results) == 10
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    # The 2,000-row slice holds few HTTP packages: the best three must be about HTTP, and half of all ten.
    about_http = ["http" in r["text"].lower() for r in results]
    assert all(about_http[:3]) and sum(about_http) >= 5, [r["text"] for r in results]
    assert set(results[0]["fields"]) == {"name", "summary"}
    assert results[0]["fields"]["summary"] == results[0]["text"]

    neighbours = client.get(f"/api/v1/datasets/{created['id']}/points/{results[0]['id']}/neighbors", {"k": 5}).json()
    assert len(neighbours["results"]) == 5
    assert results[0]["id"] not in [n["id"] for n in neighbours["results"]]
    assert [n["score"] for n in neighbours["results"]] == sorted(
        (n["score"] for n in neighbours["results"]), reverse=True
    )
    assert client.get(f"/api/v1/datasets/{created['id']}/points/99999/neighbors").status_code == 404

    # The search runs on this dataset's own HNSW index, not a scan of every dataset's rows.
    probe = "[" + ",".join(["0.05"] * 384) + "]"
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + nearest_rows_sql(uuid.UUID(created["id"])), [probe, probe, 10])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert vector_index_name(uuid.UUID(created["id"])) in plan, plan


def test_a_build_whose_text_column_is_empty_fails_with_a_message_and_the_worker_serves_the_next(
    client: Client, celery_worker: WorkerProcess, tmp_path: Path
) -> None:
    empty = tmp_path / "empty_text.csv"
    empty.write_text("name,notes\nalpha,\nbeta,\ngamma,\n", encoding="utf-8")
    failed = wait_until_finished(client, upload(client, empty, "notes")["id"])
    assert failed["status"] == "failed"
    assert "'notes'" in failed["error"]["message"]
    assert "empty in every row" in failed["error"]["message"]
    assert "Pick a column that holds text" in failed["error"]["message"]
    assert client.get(f"/api/v1/datasets/{failed['id']}/points").status_code == 409

    small = csv_slice(tmp_path / "small.csv", 120)
    ready = wait_until_finished(client, upload(client, small, "summary")["id"])
    assert ready["status"] == "ready", celery_worker.log_tail()
    assert Dataset.objects.get(id=ready["id"]).row_count == 120


def test_deleting_a_dataset_removes_its_rows_topics_index_and_file(
    client: Client, celery_worker: WorkerProcess, tmp_path: Path
) -> None:
    ready = wait_until_finished(client, upload(client, csv_slice(tmp_path / "small.csv", 60), "summary")["id"])
    assert ready["status"] == "ready", celery_worker.log_tail()
    dataset_id = uuid.UUID(ready["id"])
    stored = Path(Dataset.objects.get(id=dataset_id).upload_path)
    assert stored.exists()
    # Viewing the map caches its payloads (the points, a column's values) in the dataset's folder.
    assert client.get(f"/api/v1/datasets/{dataset_id}/points").status_code == 200
    assert client.get(f"/api/v1/datasets/{dataset_id}/columns/summary").status_code == 200
    cached = list(payloads.folder_of(dataset_id).rglob("*.arrow"))
    assert len(cached) == 2

    assert client.delete(f"/api/v1/datasets/{dataset_id}").status_code == 204
    assert client.get(f"/api/v1/datasets/{dataset_id}").status_code == 404
    assert not Point.objects.filter(dataset_id=dataset_id).exists()
    assert not Topic.objects.filter(dataset_id=dataset_id).exists()
    assert not stored.exists()
    assert not any(path.exists() for path in cached)
    assert not payloads.folder_of(dataset_id).parent.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = %s", [vector_index_name(dataset_id)])
        assert cursor.fetchone() == (0,)


def wait_for_worker_log(worker: WorkerProcess, text: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while text not in worker.log_tail(200_000):
        assert time.monotonic() < deadline, f"worker never logged {text!r}:\n{worker.log_tail()}"
        time.sleep(0.2)


def wait_for_stage(dataset_id: str, stage: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while Dataset.objects.get(id=dataset_id).stage != stage:
        assert time.monotonic() < deadline, f"never reached {stage}"
        time.sleep(0.05)


def assert_nothing_left(dataset_id: uuid.UUID) -> None:
    assert not Point.objects.filter(dataset_id=dataset_id).exists()
    assert not Topic.objects.filter(dataset_id=dataset_id).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = %s", [vector_index_name(dataset_id)])
        assert cursor.fetchone() == (0,)


def test_cancelling_a_running_build_stops_it_and_removes_what_it_wrote(
    client: Client, celery_worker: WorkerProcess, pypi_csv: Path
) -> None:
    created = upload(client, pypi_csv, "summary")
    wait_for_stage(created["id"], "embed")
    response = client.post(f"/api/v1/datasets/{created['id']}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    wait_for_worker_log(celery_worker, f"dataset {created['id']}: cancelled or deleted")
    assert Dataset.objects.get(id=created["id"]).status == "cancelled"
    assert_nothing_left(uuid.UUID(created["id"]))
    again = client.post(f"/api/v1/datasets/{created['id']}/cancel")
    assert again.status_code == 409
    assert "only a queued or running build can be cancelled" in again.json()["error"]["message"]


def test_deleting_a_dataset_while_it_builds_leaves_nothing_behind(
    client: Client, celery_worker: WorkerProcess, pypi_csv: Path
) -> None:
    created = upload(client, pypi_csv, "summary")
    wait_for_stage(created["id"], "embed")
    stored = Path(Dataset.objects.get(id=created["id"]).upload_path)
    assert client.delete(f"/api/v1/datasets/{created['id']}").status_code == 204
    wait_for_worker_log(celery_worker, f"dataset {created['id']}:")
    assert not stored.exists()
    assert_nothing_left(uuid.UUID(created["id"]))


def test_a_parquet_upload_builds_a_map_with_typed_fields_and_a_late_bad_row_fails_the_build_whole(
    client: Client, celery_worker: WorkerProcess, tmp_path: Path
) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    source = pacsv.read_csv(csv_slice(tmp_path / "small.csv", 120))
    table = source.append_column("stars", pa.array(range(120), pa.int64()))
    parquet = tmp_path / "packages.parquet"
    pq.write_table(table, parquet)
    ready = wait_until_finished(client, upload(client, parquet, "summary")["id"])
    assert ready["status"] == "ready", celery_worker.log_tail()
    assert ready["rows"] == 120 and ready["columns"] == [*source.column_names, "stars"]
    detail = client.get(f"/api/v1/datasets/{ready['id']}/points/7").json()
    assert detail["fields"]["stars"] == 7 and detail["text"] == source.column("summary")[7].as_py()

    # Past the first block the upload check reads, a row with a missing field fails the build itself.
    big = tmp_path / "big.csv"
    row = "pkg,a summary of a package that is long enough to make this file big\n"
    big.write_text("name,summary\n" + row * 140_000 + "broken row without a second field\n", encoding="utf-8")
    failed = wait_until_finished(client, upload(client, big, "summary")["id"])
    assert failed["status"] == "failed"
    assert "1 row of big.csv does not have the 2 fields of the header: row 140002 has 1" in failed["error"]["message"]
    assert Point.objects.filter(dataset_id=failed["id"]).count() == 0
