"""POST /query: one engine for text, vector and row queries, keyword and hybrid ranking, and filters applied
inside the scan. The filters are checked against a reference evaluation in Python over generated filter trees."""

import base64
import json
from typing import Any

import numpy as np
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maps import actions
from maps.indexes import create_vector_index
from maps.models import EMBEDDING_DIMENSIONS, Dataset
from tests.synthetic_map import FINE, MID, PER_TOPIC, SyntheticMap, create_synthetic_map

pytestmark = pytest.mark.django_db

ALL = len(FINE) * PER_TOPIC


def query(client: Client, dataset: Dataset, **body: Any) -> Any:
    return client.post(f"/api/v1/datasets/{dataset.id}/query", json.dumps(body), content_type="application/json")


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [hit["id"] for hit in response.json()["results"]]


def axis(topic: int) -> list[float]:
    vector = np.zeros(EMBEDDING_DIMENSIONS, dtype=np.float32)
    vector[topic] = 1.0
    return vector.tolist()


def test_a_vector_as_numbers_or_base64_finds_the_rows_of_its_topic_with_their_key_and_topic(client: Client) -> None:
    synthetic = create_synthetic_map()
    as_list = query(client, synthetic.dataset, vector=axis(3), k=5)
    packed = base64.b64encode(np.asarray(axis(3), dtype="<f4").tobytes()).decode()
    as_base64 = query(client, synthetic.dataset, vector=packed, k=5)
    assert ids(as_list) == ids(as_base64)
    assert all(3 * PER_TOPIC <= row < 4 * PER_TOPIC for row in ids(as_list))
    hit = as_list.json()["results"][0]
    assert hit["topic"] == 3 and hit["key"] is None and set(hit) >= {"id", "score", "text", "fields"}


def test_a_row_query_leaves_the_row_out_and_fields_narrow_what_each_hit_carries(client: Client) -> None:
    synthetic = create_synthetic_map()
    answer = query(client, synthetic.dataset, row=85, k=10, fields=["lang"])
    assert 85 not in ids(answer) and all(80 <= row < 120 for row in ids(answer))
    assert all(hit["fields"] == {"lang": "rust"} for hit in answer.json()["results"])


def test_a_selective_filter_still_returns_k_rows_through_the_hnsw_scan_and_the_exact_scan(client: Client) -> None:
    synthetic = with_hnsw_index(create_synthetic_map())
    # A query aimed at topic 0 but filtered to topic 5: a top-k cut afterwards would return nothing.
    for exact_rows in (0, 10_000):
        with override_settings(SEARCH_EXACT_ROWS=exact_rows):
            found = ids(query(client, synthetic.dataset, vector=axis(0), k=10, filters={"topic": 5}))
        assert len(found) == 10 and all(5 * PER_TOPIC <= row < 6 * PER_TOPIC for row in found), exact_rows


def test_keyword_and_hybrid_queries_take_filters_and_hybrid_finds_what_either_finds(client: Client) -> None:
    synthetic = create_synthetic_map()
    dataset = synthetic.dataset
    rust = {"column": "lang", "op": "=", "value": "rust"}
    words = ids(query(client, dataset, query="helpers", mode="keyword", k=200, filters=rust))
    assert set(words) == set(range(3 * PER_TOPIC, 4 * PER_TOPIC))
    assert ids(query(client, dataset, query="helpers", mode="keyword", filters={"topic": 0})) == []
    # Hybrid fuses the two rankings: its best row is one of theirs, each one's best row is among its k, and
    # it finds nothing else.
    text = "terminal colour output helpers"
    dense = ids(query(client, dataset, query=text, mode="semantic", k=50))
    keyword = ids(query(client, dataset, query=text, mode="keyword", k=50))
    hybrid = query(client, dataset, query=text, mode="hybrid", k=10)
    assert hybrid.json()["mode"] == "hybrid"
    assert ids(hybrid)[0] in (dense[0], keyword[0])
    assert {dense[0], keyword[0]} <= set(ids(hybrid))
    assert set(ids(hybrid)) <= set(dense) | set(keyword)
    scores = [hit["score"] for hit in hybrid.json()["results"]]
    assert scores == sorted(scores, reverse=True)


def test_a_text_query_is_hybrid_by_default_and_a_vector_or_row_query_semantic(client: Client) -> None:
    synthetic = create_synthetic_map()
    text = "terminal colour output helpers"
    default = query(client, synthetic.dataset, query=text, k=10)
    assert default.json()["mode"] == "hybrid"
    assert ids(default) == ids(query(client, synthetic.dataset, query=text, mode="hybrid", k=10))
    by_vector = query(client, synthetic.dataset, vector=axis(3), k=5)
    assert by_vector.json()["mode"] == "semantic"
    assert ids(by_vector) == ids(query(client, synthetic.dataset, vector=axis(3), k=5, mode="semantic"))
    assert query(client, synthetic.dataset, row=85, k=5).json()["mode"] == "semantic"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({}, "exactly one of query (text), vector or row"),
        ({"query": "x", "row": 3}, "this request sends query and row"),
        ({"row": 3, "mode": "keyword"}, "mode=keyword matches words"),
        ({"vector": [1.0, 2.0]}, "vector has 2 numbers; this map's model embeds in 384"),
        ({"vector": "not base64!"}, "not base64"),
        ({"vector": [0.0] * EMBEDDING_DIMENSIONS}, "all zeros"),
        ({"query": "x", "k": 100000}, "k=100000 is out of range"),
        ({"query": "x", "filters": {"column": "lang", "op": "~", "value": 1}}, "filters.op is '~'; use one of"),
        ({"query": "x", "filters": {"column": "nope", "op": "=", "value": 1}}, "no column 'nope'; its columns are"),
        ({"query": "x", "filters": {"and": [{"topic": 99}]}}, "no topic 99"),
        ({"query": "x", "filters": {"tag": 12345}}, "no tag 12345"),
        ({"query": "x", "filters": {"or": []}}, "filters.or must be a non-empty list"),
        ({"query": "x", "filters": {"and": [{"colour": 1}]}}, "filters.and[0] has the keys ['colour']"),
        ({"query": "x", "filters": {"column": "stars", "op": "between", "value": [1, "b"]}}, "[low, high]"),
        ({"query": "x", "filters": {"column": "lang", "op": "=", "value": "a\u0000"}}, "NUL"),
        ({"query": "x", "filters": {"text_length": [None, None]}}, "filters.text_length bounds nothing"),
        ({"query": "x", "filters": {"text_length": [50, 10]}}, "put the shorter length first"),
        ({"query": "x", "filters": {"or": [{"text_length": [-1, 9]}]}}, "filters.or[0].text_length[0] must be a whole"),
        ({"query": "x", "filters": {"text_length": 20}}, "[shortest, longest] in characters"),
        ({"query": "x", "fields": ["nope"]}, "fields names 'nope'"),
        ({"query": "x", "surprise": 1}, "surprise"),
    ],
)
def test_a_bad_query_gets_a_400_that_says_what_and_where(client: Client, body: dict[str, Any], says: str) -> None:
    synthetic = create_synthetic_map()
    response = query(client, synthetic.dataset, **body)
    assert response.status_code == 400, response.content
    assert says in response.json()["error"]["message"]


def test_a_filter_too_big_or_too_deep_is_refused_with_a_400_not_a_recursion_error(client: Client) -> None:
    synthetic = create_synthetic_map()
    wide = {"or": [{"topic": 0}] * 250}
    response = query(client, synthetic.dataset, query="x", filters=wide)
    assert response.status_code == 400 and "more than 200 parts" in response.json()["error"]["message"]
    deep: dict[str, Any] = {"topic": 0}
    for _ in range(150):
        deep = {"and": [deep]}
    response = query(client, synthetic.dataset, query="x", filters=deep)
    assert response.status_code == 400 and "recursion limit" in response.json()["error"]["message"]


# The reference: what a filter means, evaluated in Python over the rows' stored fields.
def children_of(topic: int) -> list[int]:
    if topic in FINE:
        return [topic]
    groups = {**{t: c for t, (c, _) in MID.items()}, 9: [6, 7], 10: [8]}
    return [fine for child in groups[topic] for fine in children_of(child)]


def matches(spec: dict[str, Any], row: int, fields: dict[str, Any], tagged: set[int]) -> bool:
    if "and" in spec:
        return all(matches(part, row, fields, tagged) for part in spec["and"])
    if "or" in spec:
        return any(matches(part, row, fields, tagged) for part in spec["or"])
    if "topic" in spec:
        return row // PER_TOPIC in children_of(spec["topic"])
    if "tag" in spec:
        return row in tagged
    if "rows" in spec:
        return row in spec["rows"]
    if "text_length" in spec:
        # The map's text is its summary column.
        low, high = spec["text_length"]
        length = len(str(fields["summary"]))
        return (low is None or length >= low) and (high is None or length <= high)
    value, op, operand = fields.get(spec["column"]), spec["op"], spec["value"]
    if op == "=":
        return value == operand
    if op == "!=":
        return value != operand
    if op == "in":
        return value in operand
    if op == "contains":
        return value is not None and operand.lower() in str(value).lower()
    low, high = operand if op == "between" else (operand, operand)
    if isinstance(low, str) != isinstance(value, str) or value is None:
        return False
    return {
        "<": value < low,
        "<=": value <= low,
        ">": value > low,
        ">=": value >= low,
        "between": low <= value <= high,
    }[op]


STARS = st.integers(-10, 600)
DATES = st.sampled_from(["2019-12-31", "2020-01-01", "2021-01-01", "2021-06-30", "2022-01-01", "2023-01-01"])
LEAF = st.one_of(
    st.fixed_dictionaries(
        {"column": st.just("lang"), "op": st.sampled_from(["=", "!="]), "value": st.sampled_from(["python", "go"])}
    ),
    st.fixed_dictionaries(
        {"column": st.just("lang"), "op": st.just("in"), "value": st.lists(st.sampled_from(["rust", "go"]), min_size=1)}
    ),
    st.fixed_dictionaries(
        {"column": st.just("stars"), "op": st.sampled_from(["<", "<=", ">", ">=", "=", "!="]), "value": STARS}
    ),
    st.fixed_dictionaries(
        {"column": st.just("stars"), "op": st.just("between"), "value": st.tuples(STARS, STARS).map(sorted)}
    ),
    st.fixed_dictionaries(
        {"column": st.just("released"), "op": st.sampled_from(["<", ">=", "between"]), "value": DATES}
    ).map(lambda f: {**f, "value": [f["value"], "2021-12-31"]} if f["op"] == "between" else f),
    st.fixed_dictionaries(
        {
            "column": st.sampled_from(["summary", "stars"]),
            "op": st.just("contains"),
            "value": st.sampled_from(["HTTP", "tools", "1", "#3", "zzz"]),
        }
    ),
    st.fixed_dictionaries({"column": st.just("maybe"), "op": st.sampled_from(["=", "!="]), "value": st.none()}),
    st.builds(lambda t: {"topic": t}, st.sampled_from([0, 3, 5, 6, 8, 9, 10])),
    st.builds(lambda rows: {"rows": rows}, st.lists(st.integers(0, ALL + 5), max_size=20)),
    st.just({"tag": "TAG"}),
    st.builds(
        lambda low, high: {"text_length": [low, high if low is None or high is None else max(low, high)]},
        st.none() | st.integers(0, 40),
        st.integers(0, 40),
    ),
)
FILTERS = st.recursive(
    LEAF,
    lambda inner: st.one_of(
        st.builds(lambda p: {"and": p}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda p: {"or": p}, st.lists(inner, min_size=1, max_size=3)),
    ),
    max_leaves=6,
)


def with_tag(spec: Any, tag_id: int) -> Any:
    if isinstance(spec, dict):
        return {key: (tag_id if value == "TAG" else with_tag(value, tag_id)) for key, value in spec.items()}
    if isinstance(spec, list):
        return [with_tag(item, tag_id) for item in spec]
    return spec


def with_hnsw_index(synthetic: SyntheticMap) -> SyntheticMap:
    """The map's HNSW index, as a build makes it, and a planner that must use it (the map is small)."""
    create_vector_index(synthetic.dataset.id)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
    return synthetic


@pytest.fixture
def tagged_map() -> tuple[SyntheticMap, int, set[int]]:
    synthetic = with_hnsw_index(create_synthetic_map())
    tag = actions.create_tag(synthetic.dataset, "picked", "#e4572e")
    rows = set(range(0, ALL, 7))
    actions.tag_rows(tag, sorted(rows))
    return synthetic, tag.id, rows


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(spec=FILTERS, exact=st.booleans())
def test_a_filter_keeps_exactly_the_rows_it_describes_in_both_scans(
    client: Client, tagged_map: tuple[SyntheticMap, int, set[int]], spec: dict[str, Any], exact: bool
) -> None:
    synthetic, tag_id, tagged = tagged_map
    spec = with_tag(spec, tag_id)
    expected = {row for row, fields in synthetic.fields.items() if matches(spec, row, fields, tagged)}
    with override_settings(SEARCH_EXACT_ROWS=ALL if exact else 0, SEARCH_MAX_K=ALL):
        found = ids(query(client, synthetic.dataset, vector=axis(1), k=ALL, filters=spec))
    assert set(found) == expected
    assert len(found) == len(set(found))
