"""Exporting chosen rows of a map: CSV and Parquet downloads with every column, and specific errors."""

import csv
import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.test import Client

from maps import actions
from maps import export as export_module
from maps.api import NEUTRALISED_HEADER
from maps.models import Point, Topic
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db


def export(client: Client, dataset_id: object, body: object) -> object:
    return client.post(f"/api/v1/datasets/{dataset_id}/export", body, content_type="application/json")


def body_of(response: object) -> bytes:
    """A download is streamed: its bytes are the chunks joined."""
    assert response.streaming  # type: ignore[attr-defined]
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


MAP_COLUMNS = [
    "row_id",
    "x",
    "y",
    "topic_broad",
    "topic_broad_label",
    "topic_mid",
    "topic_mid_label",
    "topic_fine",
    "topic_fine_label",
    "tags",
]
FILE_COLUMNS = ["summary", "lang", "stars", "released", "maybe"]


def csv_rows(response: object) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body_of(response).decode("utf-8"))))


def test_a_csv_export_holds_the_asked_rows_in_row_order_with_the_maps_columns_then_every_file_column(
    client: Client,
) -> None:
    synthetic = create_synthetic_map("my map")
    fields = dict(synthetic.fields[7], summary="@scope/pkg: =1+2 is kept as written")
    Point.objects.filter(dataset=synthetic.dataset, row_id=7).update(fields=fields)
    review = actions.create_tag(synthetic.dataset, "review", "#e4572e")
    actions.tag_rows(review, [41])
    actions.tag_rows(actions.create_tag(synthetic.dataset, "good; fast", "#2e86ab"), [41])
    response = export(client, synthetic.dataset.id, {"rows": [41, 7, 0], "format": "csv"})
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response["Content-Type"] == "text/csv; charset=utf-8"  # type: ignore[index]
    assert response["Content-Disposition"] == 'attachment; filename="my_map-3-rows.csv"'  # type: ignore[index]
    # A plain CSV says nothing of neutralised cells: it changed none.
    assert NEUTRALISED_HEADER not in response  # type: ignore[operator]
    rows = csv_rows(response)
    assert list(rows[0]) == MAP_COLUMNS + FILE_COLUMNS
    assert [r["row_id"] for r in rows] == ["0", "7", "41"]
    assert rows[1]["summary"] == "@scope/pkg: =1+2 is kept as written"
    point = Point.objects.get(dataset=synthetic.dataset, row_id=41)
    assert rows[2] == {
        "row_id": "41",
        "x": str(point.x),
        "y": str(point.y),
        "topic_broad": "9",
        "topic_broad_label": "software libraries",
        "topic_mid": "6",
        "topic_mid_label": "python libraries",
        "topic_fine": "1",
        "topic_fine_label": "data frames and arrays",
        "tags": "review; good; fast",
        "summary": "data frames and arrays #1",
        "lang": "python",
        "stars": "101",
        "released": "2021-01-01",
        "maybe": "",
    }


def test_a_csv_for_spreadsheets_neutralises_would_be_formulas_and_says_how_many_cells_it_changed(
    client: Client,
) -> None:
    synthetic = create_synthetic_map()
    Point.objects.filter(dataset=synthetic.dataset, row_id=7).update(
        fields=dict(synthetic.fields[7], summary="=1+2", lang="@scope/pkg")
    )
    Point.objects.filter(dataset=synthetic.dataset, row_id=8).update(fields=dict(synthetic.fields[8], maybe="-x"))
    # A tag and a topic label are cells too: a tags cell starts with its row's first tag.
    actions.tag_rows(actions.create_tag(synthetic.dataset, "+1 votes", "#e4572e"), [7, 8, 50])
    actions.tag_rows(actions.create_tag(synthetic.dataset, "ok", "#2e86ab"), [7, 9])
    # Rows 0 to 79 sit in fine topics 0 and 1, under mid topic 6.
    Topic.objects.filter(dataset=synthetic.dataset, topic_id=6).update(label="-python libraries")
    rows = [0, 7, 8, 9, 50, 120]
    plain = csv_rows(export(client, synthetic.dataset.id, {"rows": rows}))
    response = export(client, synthetic.dataset.id, {"rows": rows, "spreadsheet": True})
    guarded = csv_rows(response)
    changed = [
        (row["row_id"], column)
        for row, was in zip(guarded, plain, strict=True)
        for column, value in row.items()
        if value != was[column]
    ]
    assert sorted(changed) == sorted(
        [("7", "summary"), ("7", "lang"), ("7", "tags"), ("8", "maybe"), ("8", "tags"), ("50", "tags")]
        + [(r, "topic_mid_label") for r in ("0", "7", "8", "9", "50")]
    )
    for row_id, column in changed:
        (row,) = [r for r in guarded if r["row_id"] == row_id]
        (was,) = [r for r in plain if r["row_id"] == row_id]
        assert row[column] == "'" + was[column]
    assert response[NEUTRALISED_HEADER] == str(len(changed))  # type: ignore[index]


def test_the_maps_columns_never_hide_a_file_column_of_the_same_name_and_the_id_column_comes_first(
    client: Client,
) -> None:
    synthetic = create_synthetic_map()
    dataset = synthetic.dataset
    dataset.columns = ["summary", "x", "tags", "name"]
    dataset.id_field = "name"
    dataset.save()
    for row in (3, 4):
        Point.objects.filter(dataset=dataset, row_id=row).update(
            fields={"summary": "s", "x": "file x", "tags": "file tags", "name": f"pkg-{row}"}
        )
    rows = csv_rows(export(client, dataset.id, {"rows": [3, 4]}))
    assert list(rows[0])[:5] == ["row_id", "name", "atlas_x", "y", "topic_broad"]
    assert list(rows[0])[-4:] == ["atlas_tags", "summary", "x", "tags"]
    assert rows[1]["x"] == "file x" and rows[1]["tags"] == "file tags" and rows[1]["name"] == "pkg-4"
    point = Point.objects.get(dataset=dataset, row_id=4)
    assert rows[1]["atlas_x"] == str(point.x)


def test_spreadsheet_neutralising_is_refused_for_parquet(client: Client) -> None:
    synthetic = create_synthetic_map()
    response = export(client, synthetic.dataset.id, {"rows": [1], "format": "parquet", "spreadsheet": True})
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "spreadsheet applies to CSV only" in response.json()["error"]["message"]  # type: ignore[attr-defined]


def test_a_parquet_export_keeps_every_field_verbatim_with_typed_map_columns(client: Client) -> None:
    synthetic = create_synthetic_map()
    fields = dict(synthetic.fields[7], summary="=1+2 looks like a formula")
    Point.objects.filter(dataset=synthetic.dataset, row_id=7).update(fields=fields)
    actions.tag_rows(actions.create_tag(synthetic.dataset, "review", "#e4572e"), [41])
    response = export(client, synthetic.dataset.id, {"rows": [7, 41], "format": "parquet"})
    assert response.status_code == 200  # type: ignore[attr-defined]
    table = pq.read_table(io.BytesIO(body_of(response)))
    assert table.column_names == MAP_COLUMNS + FILE_COLUMNS
    assert [table.schema.field(c).type for c in ("row_id", "x", "topic_fine", "topic_fine_label", "tags")] == [
        pa.int64(),
        pa.float64(),
        pa.int64(),
        pa.string(),
        pa.list_(pa.string()),
    ]
    records = table.to_pylist()
    assert [{c: r[c] for c in FILE_COLUMNS} for r in records] == [fields, synthetic.fields[41]]
    assert [r["tags"] for r in records] == [[], ["review"]]
    assert [r["topic_fine"] for r in records] == [0, 1]


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
    assert lines[3]["stars"] == "-1+1"

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
