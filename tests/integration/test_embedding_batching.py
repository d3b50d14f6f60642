"""Concurrent embedding requests are coalesced: real HTTP requests from many threads against the running
test server get the vectors single calls give, from fewer model calls than requests."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from pytest_django.live_server_helper import LiveServer

from embedding import embed_texts, get_encoder
from embedding.batching import Coalescer, Options, coalescer

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = ["cat", "dog", "fish", "bird", "tree", "river", "stone"]


@pytest.fixture(autouse=True)
def _models(tiny_models: dict[str, Path]) -> None:
    """The live server runs in this process, so it serves the tiny models too."""


def test_concurrent_requests_get_single_call_answers_from_fewer_model_calls(
    live_server: LiveServer, settings: Any, api_key: str
) -> None:
    settings.EMBED_BATCH_WAIT_MS = 40.0
    settings.EMBED_API_CACHE = False  # every request must reach the model
    requests = [
        [f"the {a} of {b}"] + ([f"a {b}"] if i % 3 == 0 else [])
        for i, (a, b) in enumerate((a, b) for a in WORDS for b in WORDS[:4])
    ]
    counts = coalescer(0.04, settings.EMBED_BATCH_MAX_TEXTS).counts
    before = (counts.requests, counts.model_calls)

    def call(texts: list[str]) -> dict[str, Any]:
        body = {"texts": texts, "model": "tiny-prefixed", "task_type": "search_query", "dimensionality": 16}
        response = httpx.post(
            f"{live_server.url}/api/v1/embedding/text",
            json=body,
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(call, requests))

    for texts, answer in zip(requests, answers, strict=True):
        single = embed_texts(texts, "tiny-prefixed", "search_query", 16)
        np.testing.assert_allclose(np.asarray(answer["embeddings"]), single.vectors, atol=1e-5)
        assert answer["usage"]["total_tokens"] == single.total_tokens
    served = counts.requests - before[0]
    calls = counts.model_calls - before[1]
    assert served == len(requests)
    assert calls < served / 2, f"{calls} model calls for {served} requests"


def test_requests_with_different_options_are_never_mixed_in_one_call(tiny_models: dict[str, Path]) -> None:
    batcher = Coalescer(wait_s=0.2, max_texts=100)
    encoder = get_encoder("tiny-prefixed")
    jobs = [("the cat", "search_query"), ("the cat", "clustering"), ("the dog", "search_query")]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda job: batcher.embed(encoder, [job[0]], Options(job[1], None, "truncate")), jobs))
    for (text, task), result in zip(jobs, results, strict=True):
        np.testing.assert_allclose(result.vectors, embed_texts([text], "tiny-prefixed", task).vectors, atol=1e-5)
    # The two search_query requests shared a call; clustering had its own.
    assert (batcher.counts.requests, batcher.counts.model_calls) == (3, 2)


def test_a_failing_model_call_fails_every_request_in_it_and_the_batcher_keeps_serving(
    tiny_models: dict[str, Path],
) -> None:
    batcher = Coalescer(wait_s=0.01, max_texts=100)
    encoder = get_encoder("tiny-plain")
    with pytest.raises((TypeError, ValueError)):
        batcher.embed(encoder, [None], Options(None, None, "truncate"))  # type: ignore[list-item]  # not a text
    ok = batcher.embed(encoder, ["cat"], Options(None, None, "truncate"))
    np.testing.assert_allclose(ok.vectors, embed_texts(["cat"], "tiny-plain").vectors, atol=1e-6)
