"""Colour-by and chart reads: every column's kind, one column's values (or which of its most frequent values)
for every point in row order, and every point's text length, as Arrow."""

import pyarrow as pa
import pytest
from django.test import Client

from maps.models import Dataset, Point
from tests.accounts import default_workspace
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db


def arrow_values(content: bytes) -> pa.ChunkedArray:
    table = pa.ipc.open_stream(content).read_all()
    assert table.column_names == ["value"]
    return table.column("value")


def test_the_column_summary_calls_numbers_numbers_few_strings_categories_and_many_strings_text(
    client: Client,
) -> None:
    synthetic = create_synthetic_map()
    body = client.get(f"/api/v1/datasets/{synthetic.dataset.id}/columns").json()
    assert body == [
        {"name": "summary", "kind": "text", "distinct": synthetic.rows},
        {"name": "lang", "kind": "category", "distinct": 3},
        {"name": "stars", "kind": "number", "distinct": synthetic.rows},
        {"name": "released", "kind": "date", "distinct": 3},
        {"name": "maybe", "kind": "category", "distinct": 1},
    ]


def test_a_numeric_column_comes_as_float64_in_row_order_with_nulls_where_rows_have_no_value(client: Client) -> None:
    synthetic = create_synthetic_map()
    Point.objects.filter(dataset=synthetic.dataset, row_id=3).update(fields={"lang": "python"})
    response = client.get(f"/api/v1/datasets/{synthetic.dataset.id}/columns/stars")
    assert response.status_code == 200 and response["Content-Type"] == "application/vnd.apache.arrow.stream"
    values = arrow_values(response.getvalue())
    assert values.type == pa.float64()
    expected = [float(f["stars"]) for f in synthetic.fields.values()]  # type: ignore[arg-type]
    expected[3] = None  # type: ignore[call-overload]
    assert values.to_pylist() == expected


def test_a_category_column_comes_dictionary_encoded_most_frequent_first(client: Client) -> None:
    synthetic = create_synthetic_map()
    # One "python" row turned "go": go 81, rust 80, python 79.
    Point.objects.filter(dataset=synthetic.dataset, row_id=0).update(fields={"lang": "go"})
    values = arrow_values(client.get(f"/api/v1/datasets/{synthetic.dataset.id}/columns/lang").getvalue())
    assert pa.types.is_dictionary(values.type)
    assert values.chunk(0).dictionary.to_pylist() == ["go", "rust", "python"]
    expected = ["go"] + [str(f["lang"]) for row, f in synthetic.fields.items() if row > 0]
    assert values.to_pylist() == expected
    maybe = arrow_values(client.get(f"/api/v1/datasets/{synthetic.dataset.id}/columns/maybe").getvalue()).to_pylist()
    # Row 0 lost its "maybe" field above: a row without the column is null too.
    assert maybe == [None] + [f["maybe"] for row, f in synthetic.fields.items() if row > 0]


def test_a_date_column_comes_as_utc_milliseconds_in_row_order(client: Client) -> None:
    synthetic = create_synthetic_map()
    Point.objects.filter(dataset=synthetic.dataset, row_id=1).update(fields={"released": "2024-02-29T12:30:00+02:00"})
    values = arrow_values(client.get(f"/api/v1/datasets/{synthetic.dataset.id}/columns/released").getvalue())
    assert values.type == pa.timestamp("ms", tz="UTC")
    ms = values.cast(pa.int64()).to_pylist()
    assert ms[0] == 1577836800000  # 2020-01-01T00:00:00Z
    assert ms[1] == 1709202600000  # 2024-02-29T10:30:00Z
    assert ms[200] == 1640995200000  # topic 5: 2022-01-01


def test_a_column_of_dates_with_one_stray_word_is_not_a_date_column(client: Client) -> None:
    synthetic = create_synthetic_map()
    Point.objects.filter(dataset=synthetic.dataset, row_id=1).update(fields={"released": "soon"})
    kinds = {c["name"]: c["kind"] for c in client.get(f"/api/v1/datasets/{synthetic.dataset.id}/columns").json()}
    assert kinds["released"] == "category"
    values = arrow_values(client.get(f"/api/v1/datasets/{synthetic.dataset.id}/columns/released").getvalue())
    assert pa.types.is_dictionary(values.type)


def test_column_values_answer_304_to_their_own_etag(client: Client) -> None:
    synthetic = create_synthetic_map()
    url = f"/api/v1/datasets/{synthetic.dataset.id}/columns/lang"
    first = client.get(url)
    assert client.get(url, headers={"If-None-Match": first["ETag"]}).status_code == 304
    other = client.get(f"/api/v1/datasets/{synthetic.dataset.id}/columns/stars")
    assert other["ETag"] != first["ETag"]


def test_an_unknown_column_answers_404_naming_the_columns_there_are(client: Client) -> None:
    synthetic = create_synthetic_map()
    response = client.get(f"/api/v1/datasets/{synthetic.dataset.id}/columns/colour")
    assert response.status_code == 404
    message = response.json()["error"]["message"]
    assert "'colour'" in message and "summary, lang, stars, released, maybe" in message


def test_columns_of_a_map_that_is_not_ready_answer_409(client: Client) -> None:
    dataset = Dataset.objects.create(
        workspace=default_workspace(),
        name="q",
        source_filename="a.csv",
        upload_path="/x",
        text_field="t",
        columns=["t"],
    )
    assert client.get(f"/api/v1/datasets/{dataset.id}/columns").status_code == 409
    assert client.get(f"/api/v1/datasets/{dataset.id}/columns/t").status_code == 409
    assert client.get(f"/api/v1/datasets/{dataset.id}/columns/t/top").status_code == 409
    assert client.get(f"/api/v1/datasets/{dataset.id}/text-lengths").status_code == 409


def test_a_text_columns_top_values_name_the_values_two_rows_or_more_share_most_frequent_first(
    client: Client,
) -> None:
    synthetic = create_synthetic_map()
    base = f"/api/v1/datasets/{synthetic.dataset.id}"
    # Every summary is different until rows 5 to 7 share one and rows 8 and 9 another; row 10 has none.
    summaries = {row: "shared" for row in (5, 6, 7)} | {8: "pair", 9: "pair"}
    for row, text in summaries.items():
        Point.objects.filter(dataset=synthetic.dataset, row_id=row).update(fields={"summary": text})
    Point.objects.filter(dataset=synthetic.dataset, row_id=10).update(fields={"summary": None})
    values = arrow_values(client.get(f"{base}/columns/summary/top").getvalue())
    assert values.chunk(0).dictionary.to_pylist() == ["shared", "pair"]
    assert values.to_pylist() == [summaries.get(row) for row in range(synthetic.rows)]
    # A category's values, numbers read as text, are ranked the same way, at most TOP_VALUES of them.
    langs = arrow_values(client.get(f"{base}/columns/lang/top").getvalue())
    assert sorted(langs.chunk(0).dictionary.to_pylist()) == ["go", "python", "rust"]
    stars = arrow_values(client.get(f"{base}/columns/stars/top").getvalue())
    assert stars.null_count == synthetic.rows and len(stars.chunk(0).dictionary) == 0
    assert client.get(f"{base}/columns/nope/top").status_code == 404
    first = client.get(f"{base}/columns/summary/top")
    assert client.get(f"{base}/columns/summary/top", headers={"If-None-Match": first["ETag"]}).status_code == 304
    assert first["ETag"] != client.get(f"{base}/columns/summary")["ETag"]


def test_text_lengths_count_the_characters_of_each_points_text_in_row_order(client: Client) -> None:
    synthetic = create_synthetic_map()
    Point.objects.filter(dataset=synthetic.dataset, row_id=2).update(text="naïve ✓")
    values = arrow_values(client.get(f"/api/v1/datasets/{synthetic.dataset.id}/text-lengths").getvalue())
    assert values.type == pa.int32()
    expected = [len(str(fields["summary"])) for fields in synthetic.fields.values()]
    expected[2] = 7
    assert values.to_pylist() == expected
