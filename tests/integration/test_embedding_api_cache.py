"""The embedding API through the content-hash cache, and the cache's size bound."""

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.test import Client

from embedding import embed_texts, get_encoder
from embeddings.cache import prune, store, text_key
from embeddings.models import CachedEmbedding

pytestmark = pytest.mark.django_db

URL = "/api/v1/embedding/text"


@pytest.fixture(autouse=True)
def _models(tiny_models: dict[str, Path]) -> None:
    """Every test here may name the tiny models."""


def post(client: Client, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(URL, json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    answer: dict[str, Any] = response.json()
    return answer


@pytest.fixture
def model_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every list of texts that reached tiny-prefixed's model."""
    encoder = get_encoder("tiny-prefixed")
    seen: list[list[str]] = []
    original = encoder.embed

    def counting(texts: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(list(texts))
        return original(texts, *args, **kwargs)

    monkeypatch.setattr(encoder, "embed", counting)
    return seen


def test_texts_seen_before_with_the_same_model_and_task_are_read_from_the_cache(
    client: Client, settings: Any, model_calls: list[list[str]]
) -> None:
    settings.EMBED_BATCH_WAIT_MS = 0
    texts = ["the cat", "a dog", "the cat"]
    first = post(client, {"texts": texts, "model": "tiny-prefixed", "task_type": "search_query"})
    assert model_calls == [["the cat", "a dog"]]  # each distinct text once
    assert CachedEmbedding.objects.count() == 2

    again = post(client, {"texts": texts, "model": "tiny-prefixed", "task_type": "search_query"})
    assert model_calls == [["the cat", "a dog"]]
    assert again == first  # vectors and usage alike

    # Another dimensionality of the same texts: the full vectors are cached, shortened per request.
    short = post(
        client, {"texts": ["a dog"], "model": "tiny-prefixed", "task_type": "search_query", "dimensionality": 8}
    )
    assert model_calls == [["the cat", "a dog"]]
    expected = embed_texts(["a dog"], "tiny-prefixed", "search_query", 8).vectors
    np.testing.assert_allclose(np.asarray(short["embeddings"]), expected, atol=1e-6)

    # Another task reads another prefix: a new text for the model.
    post(client, {"texts": ["a dog"], "model": "tiny-prefixed", "task_type": "clustering"})
    assert model_calls[-1] == ["a dog"]
    assert CachedEmbedding.objects.count() == 3


def test_long_text_mode_mean_bypasses_the_cache(client: Client, model_calls: list[list[str]]) -> None:
    post(client, {"texts": ["the cat"], "model": "tiny-prefixed", "long_text_mode": "mean"})
    post(client, {"texts": ["the cat"], "model": "tiny-prefixed", "long_text_mode": "mean"})
    assert len(model_calls) == 2
    assert CachedEmbedding.objects.count() == 0


def test_the_cache_api_can_be_switched_off(client: Client, settings: Any, model_calls: list[list[str]]) -> None:
    settings.EMBED_API_CACHE = False
    post(client, {"texts": ["the cat"], "model": "tiny-prefixed"})
    post(client, {"texts": ["the cat"], "model": "tiny-prefixed"})
    assert len(model_calls) == 2
    assert CachedEmbedding.objects.count() == 0


def fill(count: int, start: int = 0) -> list[bytes]:
    encoder = get_encoder("tiny-plain")
    texts = [f"text {i}" for i in range(start, start + count)]
    keys = [text_key(encoder, text) for text in texts]
    store(encoder, keys, encoder.encode(texts))
    return keys


def test_pruning_keeps_the_newest_rows_up_to_the_bound() -> None:
    old = fill(6)
    new = fill(4, start=6)
    assert prune(5) == 5
    kept = {bytes(k) for k in CachedEmbedding.objects.values_list("text_sha256", flat=True)}
    assert kept == set(new) | {old[-1]}
    assert prune(5) == 0
    assert prune(0) == 0  # 0: unbounded
    assert CachedEmbedding.objects.count() == 5


def test_api_writes_prune_the_cache_to_its_bound(client: Client, settings: Any) -> None:
    settings.EMBED_CACHE_MAX_ROWS = 3
    settings.EMBED_CACHE_PRUNE_SECONDS = 0
    fill(5)
    post(client, {"texts": ["the cat", "a dog"], "model": "tiny-plain"})
    assert CachedEmbedding.objects.count() == 3
    # The request's own vectors are the newest and stay.
    encoder = get_encoder("tiny-plain")
    keys = {bytes(k) for k in CachedEmbedding.objects.values_list("text_sha256", flat=True)}
    assert {text_key(encoder, "the cat"), text_key(encoder, "a dog")} <= keys
