"""The linked table's rows: a page of every row or of the lit ones, sorted by row, text, topic or any column
(numbers by value, empty values last), with specific errors for a bad sort or page."""

import pytest
from django.test import Client

from maps.models import Dataset, Point
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db


def page(client: Client, dataset: Dataset, **body: object) -> object:
    return client.post(f"/api/v1/datasets/{dataset.id}/table", body, content_type="application/json")


def test_every_row_pages_in_row_order_with_the_total(client: Client) -> None:
    synthetic = create_synthetic_map()
    first = page(client, synthetic.dataset, limit=5).json()  # type: ignore[attr-defined]
    assert first["total"] == 240 and [r["id"] for r in first["rows"]] == [0, 1, 2, 3, 4]
    assert first["rows"][1]["fields"] == synthetic.fields[1] and first["rows"][1]["topic"] == 0
    later = page(client, synthetic.dataset, limit=5, offset=235).json()  # type: ignore[attr-defined]
    assert [r["id"] for r in later["rows"]] == [235, 236, 237, 238, 239]


def test_the_lit_rows_sort_by_a_number_column_by_value_and_empty_values_come_last(client: Client) -> None:
    synthetic = create_synthetic_map()
    Point.objects.filter(dataset=synthetic.dataset, row_id=7).update(fields=dict(synthetic.fields[7], stars=None))
    lit = [7, 3, 150, 41, 200, 9, 41]
    answer = page(client, synthetic.dataset, rows=lit, sort="stars", descending=True, limit=10).json()  # type: ignore[attr-defined]
    assert answer["total"] == 6, "a repeated id counts once"
    assert [r["id"] for r in answer["rows"]] == [200, 150, 41, 9, 3, 7]
    up = page(client, synthetic.dataset, rows=lit, sort="stars", limit=10).json()  # type: ignore[attr-defined]
    assert [r["id"] for r in up["rows"]] == [3, 9, 41, 150, 200, 7]


def test_the_id_column_is_each_rows_key_and_text_sorts_as_text(client: Client) -> None:
    synthetic = create_synthetic_map()
    Dataset.objects.filter(id=synthetic.dataset.id).update(id_field="summary")
    answer = page(client, synthetic.dataset, rows=[0, 40, 80], sort="text", limit=3).json()  # type: ignore[attr-defined]
    assert [r["key"] for r in answer["rows"]] == [
        "command line parsing tools #0",
        "data frames and arrays #0",
        "http clients and servers #0",
    ]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"sort": "nope"}, "sort='nope' is not a column of this map"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
        ({"rows": [1, "x"]}, "rows"),
    ],
)
def test_a_bad_table_request_gets_a_specific_error(client: Client, body: dict[str, object], says: str) -> None:
    synthetic = create_synthetic_map()
    response = page(client, synthetic.dataset, **body)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert says in response.json()["error"]["message"]  # type: ignore[attr-defined]
