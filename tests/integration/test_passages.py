"""Passage maps built and searched through the API and a real worker: long rows cut into passages, every
passage embedded, each row placed from its passages' mean, and every query mode answering a row with its best
passage, within filters; appended rows get passages too. Bad passage settings are refused before anything is
stored."""

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.db import connection
from django.test import Client

from tests.conftest import WorkerProcess, long_docstrings_csv
from tests.integration.helpers import wait_until_finished

pytestmark = pytest.mark.django_db(transaction=True)

TOKENS, OVERLAP = 96, 16


def upload(client: Client, path: Path, **fields: Any) -> Any:
    with path.open("rb") as handle:
        return client.post("/api/v1/datasets", {"file": handle, "text_field": "body", **fields})


def query(client: Client, dataset_id: str, **body: Any) -> list[dict[str, Any]]:
    answer = client.post(f"/api/v1/datasets/{dataset_id}/query", body, content_type="application/json")
    assert answer.status_code == 200, answer.content
    hits: list[dict[str, Any]] = answer.json()["results"]
    return hits


def passages_of(dataset_id: str) -> dict[int, list[tuple[int, int, int, np.ndarray]]]:
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT row_id, number, start, "end", embedding::text FROM maps_passage WHERE dataset_id = %s '
            "ORDER BY row_id, number",
            [dataset_id],
        )
        found: dict[int, list[tuple[int, int, int, np.ndarray]]] = {}
        for row, number, start, end, vector in cursor.fetchall():
            found.setdefault(row, []).append((number, start, end, np.array(vector.strip("[]").split(","), float)))
    return found


def row_vectors(dataset_id: str) -> dict[int, tuple[str, np.ndarray]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_id, text, embedding::text FROM maps_point WHERE dataset_id = %s", [dataset_id])
        return {r: (t, np.array(v.strip("[]").split(","), float)) for r, t, v in cursor.fetchall()}


def test_a_passage_map_searches_passages_and_answers_each_row_with_its_best_one(
    client: Client, celery_worker: WorkerProcess, tmp_path: Path
) -> None:
    created = upload(
        client, long_docstrings_csv(tmp_path / "docs.csv", 60), passage_tokens=str(TOKENS), passage_overlap=str(OVERLAP)
    )
    assert created.status_code == 201, created.content
    dataset_id = created.json()["id"]
    built = wait_until_finished(client, dataset_id)
    assert built["status"] == "ready", celery_worker.log_tail()
    assert built["passages"] == {"tokens": TOKENS, "overlap": OVERLAP}

    passages, rows = passages_of(dataset_id), row_vectors(dataset_id)
    assert sorted(passages) == list(range(60))
    for row, spans in passages.items():
        text, vector = rows[row]
        assert len(spans) > 1, row
        assert [number for number, _, _, _ in spans] == list(range(len(spans)))
        # In order, overlapping, from the text's first word to its last.
        assert spans[0][1] == 0 and text[spans[-1][2] :].strip() == ""
        assert all(a2 < b1 and a1 < a2 for (_, a1, b1, _), (_, a2, _, _) in zip(spans, spans[1:], strict=False))
        mean = np.mean([v for _, _, _, v in spans], axis=0)
        assert np.allclose(vector, mean / np.linalg.norm(mean), atol=1e-5)

    # A passage's own text finds its row first, with that passage, in every mode that embeds the query.
    row = 17
    number, start, end, _ = passages[row][-1]
    text = rows[row][0][start:end]
    for mode in ("semantic", "hybrid"):
        best = query(client, dataset_id, query=text, k=5, mode=mode)[0]
        assert best["id"] == row, mode
        assert best["passage"] == {"number": number, "start": start, "end": end, "text": text}, mode
        assert best["text"] == rows[row][0]
    # Filters apply inside the passage scan: leaving the row out still gives k other rows, each once.
    others = [r for r in range(60) if r % 2 == 0]
    hits = query(client, dataset_id, query=text, k=10, mode="semantic", filters={"rows": others})
    assert len(hits) == 10 and {h["id"] for h in hits} <= set(others) and len({h["id"] for h in hits}) == 10
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    # Keyword hits carry the passage holding most of the query's words.
    words = [w for w in re.findall(r"[A-Za-z]{4,}", text)][3:7]
    word_hits = {h["id"]: h for h in query(client, dataset_id, query=" ".join(words), k=50, mode="keyword")}
    assert row in word_hits and all(h["passage"] is not None for h in word_hits.values())
    found = word_hits[row]["passage"]["text"].lower()
    assert all(word.lower() in found for word in words), (words, found)
    # GET /search answers from the same engine, passages included.
    searched = client.get(f"/api/v1/datasets/{dataset_id}/search", {"q": text, "k": 3}).json()["results"]
    assert searched[0]["id"] == row and searched[0]["passage"]["number"] == number

    # Appended rows are cut into passages as well, and found by them.
    with long_docstrings_csv(tmp_path / "more.csv", 5, skip=60).open("rb") as handle:
        appended = client.post(f"/api/v1/datasets/{dataset_id}/rows", {"file": handle})
    assert appended.status_code == 202, appended.content
    assert wait_until_finished(client, dataset_id)["status"] == "ready", celery_worker.log_tail()
    passages, rows = passages_of(dataset_id), row_vectors(dataset_id)
    assert sorted(passages) == list(range(65))
    number, start, end, _ = passages[62][0]
    best = query(client, dataset_id, query=rows[62][0][start:end], k=3)[0]
    assert best["id"] == 62 and best["passage"]["number"] == number


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"passage_tokens": "5"}, "passage_tokens=5 is out of range; send 16 to 8192"),
        ({"passage_tokens": "128", "passage_overlap": "128"}, "must be at least 0 and less than passage_tokens"),
        ({"passage_overlap": "8"}, "passage_overlap needs passage_tokens"),
        ({"passage_tokens": "128", "vector_field": "name"}, "brings each row's vector: send one of them"),
        ({"passage_tokens": "many"}, "passage_tokens"),
    ],
)
def test_bad_passage_settings_are_refused_before_the_file_is_stored(
    client: Client, tmp_path: Path, fields: dict[str, str], says: str
) -> None:
    from django.conf import settings

    before = set(settings.UPLOAD_DIR.glob("*")) if settings.UPLOAD_DIR.exists() else set()
    refused = upload(client, long_docstrings_csv(tmp_path / "docs.csv", 3), **fields)
    assert refused.status_code == 400, refused.content
    assert says in refused.json()["error"]["message"]
    after = set(settings.UPLOAD_DIR.glob("*")) if settings.UPLOAD_DIR.exists() else set()
    assert after == before


def unit(vector: np.ndarray) -> list[float]:
    return (vector / np.linalg.norm(vector)).astype(np.float32).tolist()


@pytest.mark.parametrize("indexed", [True, False])
def test_a_row_whose_passages_crowd_the_top_still_leaves_room_for_k_distinct_rows(indexed: bool) -> None:
    """Row 0 holds the 100 passages nearest the query: the scan reads deeper until k distinct rows come back,
    each once with its best passage, in the order an exact comparison gives."""
    from django.utils import timezone

    from maps import retrieval
    from maps.indexes import create_passage_index, create_vector_index
    from maps.models import EMBEDDING_DIMENSIONS, Dataset, Passage, Point
    from tests.accounts import default_workspace

    dataset = Dataset.objects.create(
        workspace=default_workspace(), name="crowded", source_filename="c.csv", upload_path="/nowhere",
        text_field="t", columns=["t"], model_name="all-MiniLM-L6-v2", status=Dataset.Status.READY,
        stage=Dataset.Stage.DONE, row_count=30, topic_count=1, finished_at=timezone.now(), passage_tokens=64,
    )  # fmt: skip
    rng = np.random.default_rng(5)
    axis = np.eye(EMBEDDING_DIMENSIONS)
    vectors: dict[int, list[list[float]]] = {
        0: [unit(axis[0] + 0.01 * rng.normal(size=EMBEDDING_DIMENSIONS)) for _ in range(100)]
    }
    for row in range(1, 30):
        vectors[row] = [
            unit(axis[0] * (1 - row / 40) + axis[row] + 0.01 * rng.normal(size=EMBEDDING_DIMENSIONS)) for _ in range(2)
        ]
    Point.objects.bulk_create(
        [
            Point(dataset=dataset, row_id=row, text="word " * 20 * len(v), embedding=v[0], x=0, y=0)
            for row, v in vectors.items()
        ]
    )
    Passage.objects.bulk_create(
        [
            Passage(dataset=dataset, row_id=row, number=n, start=100 * n, end=100 * n + 100, embedding=vector)
            for row, found in vectors.items()
            for n, vector in enumerate(found)
        ]
    )
    if indexed:
        create_vector_index(dataset.id)
        create_passage_index(dataset.id)
    query = unit(axis[0])
    hits = retrieval.nearest(dataset, query, 10)
    best = {row: max(float(np.dot(query, v)) for v in found) for row, found in vectors.items()}
    expected = sorted(best, key=lambda row: -best[row])[:10]
    assert [hit.id for hit in hits] == expected
    assert all(hit.passage is not None for hit in hits)
    assert [hit.score for hit in hits] == pytest.approx([best[row] for row in expected], abs=1e-5)
