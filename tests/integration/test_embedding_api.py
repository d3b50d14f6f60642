"""The embedding API's two shapes (Atlas' and OpenAI's) and its 4xx answers, on tiny local models."""

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.test import Client

from embedding import embed_texts

# The API reads and fills the embedding cache in PostgreSQL.
pytestmark = pytest.mark.django_db

TEXT_URL = "/api/v1/embedding/text"
OPENAI_URL = "/v1/embeddings"


@pytest.fixture(autouse=True)
def _models(tiny_models: dict[str, Path]) -> None:
    """Every test here may name the tiny models."""


def post(client: Client, url: str, body: Any) -> tuple[int, dict[str, Any]]:
    raw = body if isinstance(body, str) else json.dumps(body)
    response = client.post(url, raw, content_type="application/json")
    return response.status_code, response.json()


def test_text_embedding_answers_one_unit_vector_per_text_with_model_and_usage(client: Client) -> None:
    texts = ["the cat", "a river of stone", ""]
    status, body = post(client, TEXT_URL, {"texts": texts, "model": "tiny-prefixed", "task_type": "search_query"})
    assert status == 200
    assert set(body) == {"embeddings", "model", "usage"}
    assert body["model"] == "tiny-prefixed"
    vectors = np.asarray(body["embeddings"], dtype=np.float32)
    assert vectors.shape == (3, 32)
    np.testing.assert_allclose(vectors, embed_texts(texts, "tiny-prefixed", "search_query").vectors, atol=1e-6)
    assert body["usage"] == {"total_tokens": embed_texts(texts, "tiny-prefixed", "search_query").total_tokens}


def test_text_embedding_passes_dimensionality_and_long_text_mode_through(client: Client) -> None:
    long_text = "cat dog " * 20
    request = {"texts": [long_text], "model": "tiny-prefixed", "dimensionality": 8, "long_text_mode": "mean"}
    status, body = post(client, TEXT_URL, request)
    assert status == 200
    expected = embed_texts([long_text], "tiny-prefixed", None, 8, "mean").vectors
    np.testing.assert_allclose(np.asarray(body["embeddings"]), expected, atol=1e-6)


def test_text_embedding_without_a_model_uses_the_default_minilm(client: Client) -> None:
    status, body = post(client, TEXT_URL, {"texts": ["hello world"]})
    assert status == 200
    assert body["model"] == "all-MiniLM-L6-v2"
    assert len(body["embeddings"][0]) == 384


@pytest.mark.parametrize("encoding_format", ["float", "base64"])
def test_openai_embeddings_answer_in_openais_shape(client: Client, encoding_format: str) -> None:
    texts = ["the cat", "fish"]
    request = {"input": texts, "model": "tiny-plain", "encoding_format": encoding_format}
    status, body = post(client, OPENAI_URL, request)
    assert status == 200
    assert body["object"] == "list"
    assert body["model"] == "tiny-plain"
    assert [(item["object"], item["index"]) for item in body["data"]] == [("embedding", 0), ("embedding", 1)]
    expected = embed_texts(texts, "tiny-plain")
    assert body["usage"] == {"prompt_tokens": expected.total_tokens, "total_tokens": expected.total_tokens}
    for item, vector in zip(body["data"], expected.vectors, strict=True):
        got = item["embedding"]
        if encoding_format == "base64":
            got = np.frombuffer(base64.b64decode(got), dtype="<f4")
        np.testing.assert_allclose(np.asarray(got), vector, atol=1e-6)


def test_openai_embeddings_take_a_single_string_and_dimensions(client: Client) -> None:
    status, body = post(client, OPENAI_URL, {"input": "the cat", "model": "tiny-prefixed", "dimensions": 16})
    assert status == 200
    assert len(body["data"]) == 1
    np.testing.assert_allclose(
        body["data"][0]["embedding"], embed_texts(["the cat"], "tiny-prefixed", dimensionality=16).vectors[0], atol=1e-6
    )


TASKS = "search_document, search_query, clustering, classification"


@pytest.mark.parametrize(
    ("body", "status", "message_part"),
    [
        ("not json", 400, "not valid JSON"),
        (["cat"], 400, "must be a JSON object"),
        ({}, 400, "texts is missing"),
        ({"texts": "cat"}, 400, "texts must be a non-empty list of strings"),
        ({"texts": []}, 400, "texts must be a non-empty list of strings"),
        ({"texts": ["cat", 7]}, 400, "texts[1] is not a string"),
        ({"texts": ["cat"] * 5}, 400, "send at most 4 per request"),
        ({"texts": ["x" * 101]}, 400, "texts[0] has 101 characters; the limit is 100"),
        ({"texts": ["cat"], "model": "text-embedding-3-small"}, 400, "available models: all-MiniLM-L6-v2, nomic"),
        ({"texts": ["cat"], "model": 3}, 400, "model must be a model name"),
        ({"texts": ["cat"], "task_type": "search"}, 400, f"valid task types: {TASKS}"),
        ({"texts": ["cat"], "long_text_mode": "split"}, 400, "valid modes: truncate, mean"),
        ({"texts": ["cat"], "dimensionality": "16"}, 400, 'dimensionality must be a whole number, not "16"'),
        ({"texts": ["cat"], "dimensionality": True}, 400, "dimensionality must be a whole number, not true"),
        ({"texts": ["cat"], "model": "tiny-plain", "dimensionality": 16}, 400, "cannot shorten them"),
        ({"texts": ["cat"], "model": "tiny-prefixed", "dimensionality": 2}, 400, "from 8 to 32"),
        ({"texts": ["cat"], "dimensions": 16}, 400, "Unknown field(s) 'dimensions'; the fields are: texts, model"),
    ],
)
def test_a_bad_text_embedding_request_gets_a_4xx_that_says_what_to_send(
    client: Client, settings: Any, body: Any, status: int, message_part: str
) -> None:
    settings.EMBED_API_MAX_TEXTS = 4
    settings.EMBED_API_MAX_CHARS = 100
    got_status, answer = post(client, TEXT_URL, body)
    assert got_status == status
    assert answer["error"]["code"] == "invalid_embedding_request"
    assert message_part in answer["error"]["message"]


@pytest.mark.parametrize(
    ("body", "param", "message_part"),
    [
        ({"model": "tiny-plain"}, "input", "input is missing"),
        ({"input": [[1, 2, 3]]}, "input", "Token arrays are not supported"),
        ({"input": ["cat"], "encoding_format": "int8"}, "encoding_format", "valid formats: float, base64"),
        ({"input": ["cat"], "model": "text-embedding-3-small"}, "model", "available models: all-MiniLM-L6-v2"),
        ({"input": ["cat"], "model": "tiny-plain", "dimensions": 8}, "dimensions", "cannot shorten them"),
        ({"input": ["cat"], "task_type": "rerank"}, "task_type", f"valid task types: {TASKS}"),
    ],
)
def test_a_bad_openai_request_gets_an_openai_style_error(
    client: Client, body: dict[str, Any], param: str, message_part: str
) -> None:
    status, answer = post(client, OPENAI_URL, body)
    assert status == 400
    assert set(answer["error"]) == {"message", "type", "param", "code"}
    assert answer["error"]["type"] == "invalid_request_error"
    assert answer["error"]["param"] == param
    assert message_part in answer["error"]["message"]


@pytest.mark.parametrize("url", [TEXT_URL, OPENAI_URL])
def test_embedding_endpoints_answer_other_methods_with_a_json_405(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "takes POST, not GET" in response.json()["error"]["message"]


def test_a_request_body_over_the_upload_limit_is_a_413(client: Client, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    status, answer = post(client, TEXT_URL, {"texts": ["cat " * 1000] * 300})
    assert status == 413
    assert "over 1 MB" in answer["error"]["message"]
