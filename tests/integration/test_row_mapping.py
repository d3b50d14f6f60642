"""Templates, id columns and precomputed vectors through the API, built by the real worker."""

import io
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.test import Client

from maps.models import Dataset, Point
from tests.conftest import WorkerProcess, csv_slice
from tests.integration.helpers import wait_until_finished

pytestmark = pytest.mark.django_db(transaction=True)


def post(client: Client, content: bytes, filename: str, **fields: str) -> tuple[int, dict[str, Any]]:
    upload = io.BytesIO(content)
    upload.name = filename
    response = client.post("/api/v1/datasets", {"file": upload, "name": "", **fields})
    return response.status_code, response.json()


def test_a_template_and_an_id_column_build_a_map_whose_points_show_the_joined_text_and_their_key(
    client: Client, celery_worker: WorkerProcess, tmp_path: Path
) -> None:
    path = csv_slice(tmp_path / "pypi_300.csv", 300)
    status, created = post(client, path.read_bytes(), "pypi.csv", text_template="{name} — {summary}", id_field="name")
    assert status == 201, created
    final = wait_until_finished(client, created["id"])
    assert final["status"] == "ready", celery_worker.log_tail()
    assert (final["text_field"], final["text_template"], final["id_field"]) == ("", "{name} — {summary}", "name")
    first = client.get(f"/api/v1/datasets/{created['id']}/points/0").json()
    assert first["id"] == 0
    assert first["key"] == "traceai-llamaindex"
    assert first["text"] == "traceai-llamaindex — OpenTelemetry instrumentation for Llama Index"
    assert first["fields"] == {"name": "traceai-llamaindex", "summary": "OpenTelemetry instrumentation for Llama Index"}


@pytest.mark.parametrize(
    ("fields", "message_part"),
    [
        ({"text_template": "{title} — {abstract}"}, "column 'abstract' is not in docs.csv; its columns are: id, title"),
        ({"text_template": "{title — {id}"}, "never closed"),
        ({"text_template": "{title}", "text_field": "title"}, "either 'text_field' or 'text_template'"),
        ({"text_field": "title", "id_field": "id"}, "repeats '3' in row 3, row 5"),
        ({"text_field": "title", "id_field": "code"}, "The id column 'code' is not in docs.csv"),
    ],
)
def test_a_bad_text_or_id_choice_gets_a_400_and_stores_nothing(
    client: Client, fields: dict[str, str], message_part: str
) -> None:
    stored_before = set(settings.UPLOAD_DIR.glob("*"))
    status, body = post(client, b"id,title\n1,a\n3,b\n2,c\n3,d\n", "docs.csv", **fields)
    assert status == 400, body
    assert message_part in body["error"]["message"]
    assert Dataset.objects.count() == 0
    assert set(settings.UPLOAD_DIR.glob("*")) == stored_before


def test_a_repeated_id_past_the_first_rows_fails_the_build_naming_both_rows_and_stores_no_rows(
    client: Client, celery_worker: WorkerProcess
) -> None:
    ids = [str(i) for i in range(120)]
    ids[110] = "60"
    content = ("id,text\n" + "".join(f"{k},row {i}\n" for i, k in enumerate(ids))).encode()
    status, created = post(client, content, "late.csv", text_field="text", id_field="id")
    assert status == 201, created
    final = wait_until_finished(client, created["id"])
    assert final["status"] == "failed"
    assert "repeats '60' in row 62, row 112" in final["error"]["message"]
    assert Point.objects.filter(dataset_id=created["id"]).count() == 0


def clustered_vectors(rows: int, dims: int = 384) -> np.ndarray:
    """Four well-separated groups of unit vectors, so a layout and topics have something to find."""
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(4, dims))
    vectors = centres[np.arange(rows) % 4] + 0.2 * rng.normal(size=(rows, dims))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_a_parquet_vector_column_builds_the_map_without_embedding_and_stores_those_vectors(
    client: Client, celery_worker: WorkerProcess
) -> None:
    vectors = clustered_vectors(240)
    table = pa.table(
        {
            "text": [f"document {i} about group {i % 4}" for i in range(240)],
            "vec": pa.array(vectors.tolist(), pa.list_(pa.float32())),
        }
    )
    sink = io.BytesIO()
    pq.write_table(table, sink)
    status, created = post(client, sink.getvalue(), "vectors.parquet", text_field="text", vector_field="vec")
    assert status == 201, created
    final = wait_until_finished(client, created["id"])
    assert final["status"] == "ready", celery_worker.log_tail()
    assert final["rows"] == 240 and final["vector_field"] == "vec"
    assert "embed" not in final["timings"] and "layout" in final["timings"]
    stored = dict(Point.objects.filter(dataset_id=created["id"]).values_list("row_id", "embedding"))
    assert np.allclose(np.array([stored[i] for i in range(240)]), vectors, atol=1e-6)
    detail = client.get(f"/api/v1/datasets/{created['id']}/points/5").json()
    assert detail["fields"] == {"text": "document 5 about group 1"} and detail["key"] is None
    # Colour-by and filters offer the rows' fields: the vector column is not one of them.
    columns = client.get(f"/api/v1/datasets/{created['id']}/columns").json()
    assert [c["name"] for c in columns] == ["text"]
    # Rows of one group are each other's nearest neighbours: the stored vectors are the ones searched.
    near = client.get(f"/api/v1/datasets/{created['id']}/points/5/neighbors?k=5").json()["results"]
    assert all(hit["id"] % 4 == 1 for hit in near)


def test_vectors_of_another_dimension_get_a_400_saying_only_384_is_supported(client: Client) -> None:
    sink = io.BytesIO()
    pq.write_table(pa.table({"text": ["a"], "vec": pa.array([[0.1] * 768], pa.list_(pa.float32()))}), sink)
    status, body = post(client, sink.getvalue(), "v.parquet", text_field="text", vector_field="vec")
    assert status == 400
    assert "768-dimensional vector, but only 384-dimensional vectors are supported" in body["error"]["message"]
