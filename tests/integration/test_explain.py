"""Explaining a set of rows: the words that set it apart from the rest of the map and the columns that differ
inside it, for a selection, a topic or any filter; a bad filter is a 400 that says where."""

from typing import Any

import numpy as np
import pytest
from django.test import Client

from maps import explain
from maps.models import Dataset, Point
from tests.synthetic_map import PER_TOPIC, create_synthetic_map

pytestmark = pytest.mark.django_db


def explained(client: Client, dataset: Dataset, filters: Any = None, **body: Any) -> Any:
    sent = {"filters": filters, **body} if filters is not None or not body else body
    return client.post(f"/api/v1/datasets/{dataset.id}/explain", sent, content_type="application/json")


def test_a_topic_is_explained_by_its_own_words_and_the_columns_that_differ_inside_it(client: Client) -> None:
    synthetic = create_synthetic_map()
    response = explained(client, synthetic.dataset, {"topic": 0})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["rows"] == PER_TOPIC
    terms = [w["term"] for w in body["words"]]
    # Topic 0's rows read "http clients and servers #i": its words lead, with every row holding them.
    assert set(terms[:2]) <= {"http clients", "clients servers", "http", "clients", "servers"}, terms
    first = body["words"][0]
    assert (first["rows"], first["share"], first["share_elsewhere"]) == (PER_TOPIC, 1.0, 0.0)
    assert not any(t in terms for t in ("parsing", "cloud", "container")), "other topics' words are not its"
    by_column = {c["column"]: c for c in body["columns"]}
    # All python, against a third elsewhere; stars are topic x 100 + i, so the lowest of the map.
    assert by_column["lang"]["values"][0]["value"] == "python" and by_column["lang"]["values"][0]["share"] == 1.0
    assert by_column["stars"]["median"] == 19.5 and by_column["stars"]["median_elsewhere"] > 200
    assert by_column["released"]["kind"] == "date"
    assert [c["effect"] for c in body["columns"]] == sorted((c["effect"] for c in body["columns"]), reverse=True)


def test_a_selection_of_two_topics_shares_their_words_and_an_empty_one_explains_nothing(client: Client) -> None:
    synthetic = create_synthetic_map()
    rows = list(range(2 * PER_TOPIC, 4 * PER_TOPIC))  # topics 2 and 3: both rust
    body = explained(client, synthetic.dataset, rows=rows).json()
    assert explained(client, synthetic.dataset, {"rows": rows}).json() == body, "row ids or a filter of them"
    assert body["rows"] == 2 * PER_TOPIC
    terms = {w["term"] for w in body["words"]}
    assert terms & {"command", "line", "parsing", "tools", "command line"} and terms & {"terminal", "colour", "output"}
    assert {c["column"]: c for c in body["columns"]}["lang"]["values"][0]["value"] == "rust"
    assert explained(client, synthetic.dataset, rows=[9999]).json() == {"rows": 0, "words": [], "columns": []}


def test_a_bad_filter_is_refused_with_where_it_is_wrong(client: Client) -> None:
    synthetic = create_synthetic_map()
    response = explained(client, synthetic.dataset, {"topic": 99})
    assert response.status_code == 400 and "no topic 99" in response.json()["error"]["message"]
    for body in ({}, {"rows": [1], "filters": {"topic": 0}}, {"filters": None}):
        response = client.post(
            f"/api/v1/datasets/{synthetic.dataset.id}/explain", body, content_type="application/json"
        )
        assert response.status_code == 400 and "exactly one of rows" in response.json()["error"]["message"], body


def test_columns_that_differ_only_by_chance_are_not_listed(client: Client) -> None:
    synthetic = create_synthetic_map()
    rng = np.random.default_rng(5)
    # A column of noise, the same for every topic: no set of rows differs in it beyond chance.
    for point in Point.objects.filter(dataset=synthetic.dataset):
        point.fields = {**point.fields, "noise": float(rng.normal(100, 30))}
        point.save(update_fields=["fields"])
    Dataset.objects.filter(id=synthetic.dataset.id).update(columns=[*synthetic.dataset.columns, "noise"])
    columns = {c["column"] for c in explained(client, synthetic.dataset, {"topic": 0}).json()["columns"]}
    assert "lang" in columns and "noise" not in columns


def test_the_rest_is_the_map_less_the_set_when_both_are_read_from_samples() -> None:
    # The map's counts from half its rows, the set's from all of its own: each is scaled to the rows it stands for.
    terms = np.array(["alpha", "beta", "gamma"])
    whole = explain.Counts(terms, np.array([50.0, 50.0, 5.0]), np.array([50.0, 50.0, 5.0]), rows=100)
    inside = explain.Counts(terms, np.array([20.0, 0.0, 10.0]), np.array([20.0, 0.0, 10.0]), rows=20)
    words = explain.distinguishing_terms(inside, whole, set_rows=20, map_rows=200)
    assert [w["term"] for w in words] == ["gamma", "alpha"]
    gamma = words[0]
    # gamma: in every half of the set's rows, and in none of the rest (10 in the map's 200 rows, all in the set).
    assert (gamma["rows"], gamma["share"], gamma["share_elsewhere"]) == (10, 0.5, 0.0)
    assert words[1]["share_elsewhere"] == pytest.approx(80 / 180, abs=1e-4)
