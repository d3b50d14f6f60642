"""Tags on a map: create, list with counts, put on and take off rows, delete; stored for everyone, checked input."""

import pytest
from django.test import Client

from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db


def post_json(client: Client, url: str, body: object, method: str = "post") -> object:
    return getattr(client, method)(url, body, content_type="application/json")


def test_a_tag_put_on_rows_is_listed_with_its_count_and_its_rows_until_it_is_removed(client: Client) -> None:
    synthetic = create_synthetic_map()
    base = f"/api/v1/datasets/{synthetic.dataset.id}/tags"
    created = post_json(client, base, {"name": "to review", "colour": "#E4572E"})
    assert created.status_code == 201  # type: ignore[attr-defined]
    tag = created.json()  # type: ignore[attr-defined]
    assert tag == {"id": tag["id"], "name": "to review", "colour": "#e4572e", "count": 0}

    rows = f"{base}/{tag['id']}/rows"
    assert post_json(client, rows, {"rows": [5, 1, 5, 3]}).json() == {"added": 3}  # type: ignore[attr-defined]
    # Tagging again adds only the rows that lacked it.
    assert post_json(client, rows, {"rows": [3, 7]}).json() == {"added": 1}  # type: ignore[attr-defined]
    assert client.get(rows).json() == {"rows": [1, 3, 5, 7]}
    assert client.get(base).json() == {"tags": [{**tag, "count": 4}]}

    assert post_json(client, rows, {"rows": [1, 7, 9]}, "delete").json() == {"removed": 2}  # type: ignore[attr-defined]
    assert client.get(rows).json() == {"rows": [3, 5]}

    assert client.delete(f"{base}/{tag['id']}").status_code == 204
    assert client.get(base).json() == {"tags": []}
    assert client.get(rows).status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"colour": "#000000"}, 400, "name is missing"),
        ({"name": "x", "colour": "red"}, 400, "hex colour"),
        ({"name": "x" * 101}, 400, "at most 100"),
        ({"name": "taken"}, 409, "already has a tag named 'taken'"),
    ],
)
def test_a_bad_new_tag_gets_a_specific_error(client: Client, body: dict[str, object], status: int, says: str) -> None:
    synthetic = create_synthetic_map()
    base = f"/api/v1/datasets/{synthetic.dataset.id}/tags"
    post_json(client, base, {"name": "taken"})
    response = post_json(client, base, body)
    assert response.status_code == status  # type: ignore[attr-defined]
    assert says in response.json()["error"]["message"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (b"not json", 400, "not valid JSON"),
        ({"rows": "1,2"}, 400, 'rows is "1,2": input should be a valid list'),
        ({"rows": [1, "2"]}, 400, 'rows[1] is "2"'),
        ({"rows": [1, True]}, 400, "rows[1] is true"),
        ({"rows": [0, 240, 999]}, 404, "no row(s) 240, 999"),
    ],
)
def test_bad_row_ids_are_refused_with_the_offending_ids_named_and_nothing_is_tagged(
    client: Client, body: object, status: int, says: str
) -> None:
    synthetic = create_synthetic_map()
    base = f"/api/v1/datasets/{synthetic.dataset.id}/tags"
    tag = post_json(client, base, {"name": "t"}).json()  # type: ignore[attr-defined]
    url = f"{base}/{tag['id']}/rows"
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == status
    assert response.json()["error"]["code"] and says in response.json()["error"]["message"]
    assert client.get(url).json() == {"rows": []}


def test_a_tag_of_another_map_is_not_found_through_this_one(client: Client) -> None:
    one, other = create_synthetic_map("one"), create_synthetic_map("other")
    tag = post_json(client, f"/api/v1/datasets/{one.dataset.id}/tags", {"name": "t"}).json()  # type: ignore[attr-defined]
    response = client.get(f"/api/v1/datasets/{other.dataset.id}/tags/{tag['id']}/rows")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
