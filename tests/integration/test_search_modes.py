"""Keyword and similar-to-a-row search, the score threshold, their errors, and the keyword index at 20k rows."""

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from maps.indexes import create_text_index, text_index_name
from maps.models import Dataset, Point
from maps.retrieval import keyword, keyword_rows_sql
from tests.accounts import default_workspace
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db


def search(client: Client, dataset: Dataset, **params: object) -> object:
    return client.get(f"/api/v1/datasets/{dataset.id}/search", params)


def test_keyword_search_finds_stemmed_words_best_rank_first_and_honours_k(client: Client) -> None:
    synthetic = create_synthetic_map()
    body = search(client, synthetic.dataset, q="terminal colour", mode="keyword", k=5).json()  # type: ignore[attr-defined]
    assert body["mode"] == "keyword"
    assert len(body["results"]) == 5
    assert all(r["text"].startswith("terminal colour output helpers") for r in body["results"])
    assert all(r["fields"]["lang"] == "rust" for r in body["results"])
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    # English stemming: "tools" finds "tooling" (rows 160..199) as well as "tools" (rows 80..119); web-search
    # syntax: -word leaves the rows with that word out.
    body = search(client, synthetic.dataset, q="tools -parsing", mode="keyword", k=200).json()  # type: ignore[attr-defined]
    assert {r["id"] for r in body["results"]} == set(range(160, 200))
    body = search(client, synthetic.dataset, q="clouds", mode="keyword", k=200).json()  # type: ignore[attr-defined]
    assert {r["id"] for r in body["results"]} == set(range(160, 200))


def test_similar_mode_returns_the_rows_nearest_one_row_and_a_threshold_cuts_the_weak_ones(client: Client) -> None:
    synthetic = create_synthetic_map()
    body = search(client, synthetic.dataset, mode="similar", row=85, k=10).json()  # type: ignore[attr-defined]
    assert body["mode"] == "similar"
    ids = [r["id"] for r in body["results"]]
    # Row 85 is in topic 2 (rows 80..119); its neighbours are too, itself left out.
    assert len(ids) == 10 and 85 not in ids and all(80 <= i < 120 for i in ids)
    all_ = search(client, synthetic.dataset, mode="similar", row=85, k=200).json()["results"]  # type: ignore[attr-defined]
    cut = search(client, synthetic.dataset, mode="similar", row=85, k=200, threshold=0.5).json()["results"]  # type: ignore[attr-defined]
    assert len(cut) == 39 < len(all_)
    assert all(r["score"] >= 0.5 for r in cut)


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"q": "x", "mode": "fuzzy"}, "mode is \"fuzzy\": input should be 'semantic', 'keyword' or 'similar'"),
        ({"mode": "similar"}, "mode=similar needs row=<row id>"),
        ({"q": "x", "mode": "keyword", "threshold": "high"}, 'threshold is "high": input should be a valid number'),
        ({"q": "x", "mode": "keyword", "threshold": "nan"}, "not a finite number"),
        ({"q": " ", "mode": "keyword"}, "The search query is empty"),
        ({"q": "x", "mode": "keyword", "k": "0"}, 'k is "0": input should be greater than or equal to 1'),
    ],
)
def test_a_bad_search_gets_a_specific_400(client: Client, params: dict[str, str], says: str) -> None:
    synthetic = create_synthetic_map()
    response = search(client, synthetic.dataset, **params)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert says in response.json()["error"]["message"]  # type: ignore[attr-defined]


def test_keyword_search_on_a_20k_row_map_uses_the_datasets_gin_index() -> None:
    dataset = Dataset.objects.create(
        workspace=default_workspace(),
        name="twenty thousand",
        source_filename="t.csv",
        upload_path="/nowhere",
        text_field="t",
        columns=["t"],
        model_name="all-MiniLM-L6-v2",
        status=Dataset.Status.READY,
        stage=Dataset.Stage.DONE,
        row_count=20_000,
        topic_count=1,
        finished_at=timezone.now(),
    )
    # Texts with a vocabulary like real ones: 3,000 words, each in about one row of 500, so the planner's
    # statistics know that a word it has not counted is rare.
    words = [f"w{n}x" for n in range(3_000)]
    texts = [" ".join(words[(i * 7 + j * 613) % 3_000] for j in range(6)) for i in range(20_000)]
    # A rare word in one row, as the index serves best.
    texts[12_345] = "a zeppelin library"
    Point.objects.bulk_create(
        [Point(dataset=dataset, row_id=i, text=text, x=0, y=0) for i, text in enumerate(texts)], batch_size=5_000
    )
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    create_text_index(dataset.id)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + keyword_rows_sql(dataset.id), ["zeppelin", 10])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"Bitmap Index Scan on {text_index_name(dataset.id)}" in plan, plan
    assert "Seq Scan on maps_point" not in plan, plan


def test_a_row_of_a_million_characters_is_stored_and_found_by_the_words_of_its_start() -> None:
    """A tsvector holds at most 1 MB: the stored one covers the first 100,000 characters, so a huge text of
    distinct words is still stored (its whole tsvector would not fit) and found by its early words."""
    synthetic = create_synthetic_map()
    text = "zanzibar " + " ".join(f"w{i}x" for i in range(150_000))
    assert len(text) > 1_000_000
    Point.objects.create(dataset=synthetic.dataset, row_id=10_000, text=text, x=0, y=0)
    hits = keyword(synthetic.dataset, "zanzibar w100x", 5)
    assert [hit.id for hit in hits] == [10_000]
    assert keyword(synthetic.dataset, "w149999x", 5) == []
