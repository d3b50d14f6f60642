"""Exporting chosen rows of a map: CSV and Parquet downloads with every column, and specific errors."""

import csv
import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.test import Client

from maps import export as export_module
from maps.models import Point
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db


def export(client: Client, dataset_id: object, body: object) -> object:
    return client.post(f"/api/v1/datasets/{dataset_id}/export", body, content_type="application/json")


def body_of(response: object) -> bytes:
    """A download is streamed: its bytes are the chunks joined."""
    assert response.streaming  # type: ignore[attr-defined]
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_a_csv_export_holds_the_asked_rows_in_row_order_with_every_column_and_formulas_neutralised(
    client: Client,
) -> None:
    synthetic = create_synthetic_map("my map")
    fields = dict(synthetic.fields[7], summary="=1+2 looks like a formula")
    Point.objects.filter(dataset=synthetic.dataset, row_id=7).update(fields=fields)
    response = export(client, synthetic.dataset.id, {"rows": [41, 7, 0], "format": "csv"})
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response["Content-Type"] == "text/csv; charset=utf-8"  # type: ignore[index]
    assert response["Content-Disposition"] == 'attachment; filename="my_map-3-rows.csv"'  # type: ignore[index]
    rows = list(csv.DictReader(io.StringIO(body_of(response).decode("utf-8"))))
    assert list(rows[0]) == ["row_id", "summary", "lang", "stars", "released", "maybe"]
    assert [r["row_id"] for r in rows] == ["0", "7", "41"]
    assert rows[1]["summary"] == "'=1+2 looks like a formula"
    assert rows[2] == {
        "row_id": "41",
        "summary": "data frames and arrays #1",
        "lang": "python",
        "stars": "101",
        "released": "2021-01-01",
        "maybe": "",
    }


def test_a_parquet_export_keeps_every_field_verbatim(client: Client) -> None:
    synthetic = create_synthetic_map()
    fields = dict(synthetic.fields[7], summary="=1+2 looks like a formula")
    Point.objects.filter(dataset=synthetic.dataset, row_id=7).update(fields=fields)
    response = export(client, synthetic.dataset.id, {"rows": [7, 41], "format": "parquet"})
    assert response.status_code == 200  # type: ignore[attr-defined]
    table = pq.read_table(io.BytesIO(body_of(response)))
    assert table.to_pylist() == [{"row_id": 7, **fields}, {"row_id": 41, **synthetic.fields[41]}]


def test_a_big_export_is_streamed_a_batch_of_rows_at_a_time(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows are read and sent a batch at a time (a Parquet row group each), never the whole file at once."""
    monkeypatch.setattr(export_module, "BATCH_ROWS", 50)
    synthetic = create_synthetic_map()
    Point.objects.filter(dataset=synthetic.dataset, row_id=3).update(fields=dict(synthetic.fields[3], stars="-1+1"))
    rows = list(range(240))
    response = export(client, synthetic.dataset.id, {"rows": rows, "format": "csv"})
    chunks = list(response.streaming_content)  # type: ignore[attr-defined]
    # The header, one chunk per batch of 50 rows (5 batches), then what is left (nothing).
    assert len(chunks) >= 5
    lines = list(csv.DictReader(io.StringIO(b"".join(chunks).decode("utf-8"))))
    assert [int(r["row_id"]) for r in lines] == rows
    assert lines[3]["stars"] == "'-1+1"

    response = export(client, synthetic.dataset.id, {"rows": rows, "format": "parquet"})
    parquet = pq.ParquetFile(io.BytesIO(body_of(response)))
    assert parquet.metadata.num_row_groups == 5
    table = parquet.read()
    assert table.column("row_id").to_pylist() == rows
    # One column, one type over every row group: "stars" mixes numbers with one string, so it is JSON text.
    assert table.schema.field("stars").type == pa.string()
    assert table.column("stars").to_pylist()[:4] == [str(synthetic.fields[i]["stars"]) for i in range(3)] + ['"-1+1"']


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"rows": [1], "format": "xlsx"}, 400, "format is \"xlsx\": input should be 'csv' or 'parquet'"),
        ({"format": "csv"}, 400, "rows is missing"),
        ({"rows": [1, 5000], "format": "csv"}, 404, "no row(s) 5000"),
    ],
)
def test_a_bad_export_request_gets_a_specific_error(client: Client, body: object, status: int, says: str) -> None:
    synthetic = create_synthetic_map()
    response = export(client, synthetic.dataset.id, body)
    assert response.status_code == status  # type: ignore[attr-defined]
    assert says in response.json()["error"]["message"]  # type: ignore[attr-defined]


def test_a_million_row_selection_fits_in_one_request(client: Client) -> None:
    """Over Django's 5 MB general body limit, but a map of a million points must export in one go."""
    synthetic = create_synthetic_map()
    rows = list(range(700_000))
    response = export(client, synthetic.dataset.id, {"rows": rows, "format": "csv"})
    # Every id past the map's 240 rows is named as missing: the body was read, not refused for its size.
    assert response.status_code == 404  # type: ignore[attr-defined]
    assert "no row(s) 240, 241" in response.json()["error"]["message"]  # type: ignore[attr-defined]
