"""atlas_client.embed.text against a real running server (pytest-django's live_server) and in-process."""

import http.server
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from atlas_client import AtlasError, embed
from pytest_django.live_server_helper import LiveServer

from embedding import embed_texts
from teams.models import ApiToken

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("api_key")]

TEXTS = ["the cat", "a dog of stone", "river", "fish and bird", "", "the tree", "stone stone"]


@pytest.fixture(autouse=True)
def _models(tiny_models: dict[str, Path]) -> None:
    """The live server runs in this process, so it serves the tiny models too."""


def test_the_client_sends_its_api_key_and_a_wrong_key_is_refused_with_401(
    live_server: LiveServer, api_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = embed.text(["a"], model="tiny-plain", base_url=live_server.url, api_key=api_key)
    assert len(out["embeddings"]) == 1
    assert ApiToken.objects.get().last_used_at is not None, "the token's last use is recorded"
    with pytest.raises(AtlasError) as refused:
        embed.text(["a"], model="tiny-plain", base_url=live_server.url, api_key="atl_wrong", max_retries=0)
    assert refused.value.status == 401
    monkeypatch.delenv("ATLAS_API_KEY")
    with pytest.raises(AtlasError) as anonymous:
        embed.text(["a"], model="tiny-plain", base_url=live_server.url, max_retries=0)
    assert anonymous.value.status == 401 and "Bearer" in str(anonymous.value)


def test_remote_text_embedding_returns_nomic_shaped_vectors_in_order(live_server: LiveServer) -> None:
    out = embed.text(TEXTS, model="tiny-prefixed", task_type="search_query", base_url=live_server.url)
    assert set(out) == {"embeddings", "model", "usage"}
    assert out["model"] == "tiny-prefixed"
    expected = embed_texts(TEXTS, "tiny-prefixed", "search_query")
    np.testing.assert_allclose(np.asarray(out["embeddings"]), expected.vectors, atol=1e-6)
    assert out["usage"] == {"total_tokens": expected.total_tokens}


def test_long_lists_go_out_in_batches_and_come_back_whole_and_in_order(live_server: LiveServer) -> None:
    whole = embed.text(TEXTS, model="tiny-plain", base_url=live_server.url, output="numpy")
    batched = embed.text(TEXTS, model="tiny-plain", base_url=live_server.url, output="numpy", batch_size=3)
    assert isinstance(batched["embeddings"], np.ndarray)
    assert batched["embeddings"].shape == (7, 32)
    np.testing.assert_allclose(batched["embeddings"], whole["embeddings"], atol=1e-6)
    assert batched["usage"] == whole["usage"]


def test_lists_over_the_servers_limit_are_split_by_the_client(live_server: LiveServer, settings: Any) -> None:
    settings.EMBED_API_MAX_TEXTS = 2
    out = embed.text(TEXTS, model="tiny-plain", base_url=live_server.url, batch_size=2, output="numpy")
    assert out["embeddings"].shape == (7, 32)
    with pytest.raises(AtlasError, match="send at most 2 per request") as caught:
        embed.text(TEXTS, model="tiny-plain", base_url=live_server.url, batch_size=3)
    assert caught.value.status == 400


def test_remote_and_local_inference_give_the_same_vectors(live_server: LiveServer) -> None:
    options: dict[str, Any] = {"model": "tiny-prefixed", "task_type": "clustering", "dimensionality": 16}
    remote = embed.text(TEXTS, base_url=live_server.url, output="numpy", **options)
    local = embed.text(TEXTS, inference_mode="local", output="numpy", **options)
    assert local["model"] == remote["model"]
    assert local["usage"] == remote["usage"]
    cosines = np.sum(remote["embeddings"] * local["embeddings"], axis=1)
    assert cosines.min() > 0.99999


def test_the_server_url_comes_from_atlas_url_when_not_given(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_URL", live_server.url + "/")
    assert embed.text(["cat"], model="tiny-plain")["model"] == "tiny-plain"


@pytest.mark.parametrize("inference_mode", ["remote", "local"])
def test_a_refused_request_raises_the_servers_message_in_both_modes(
    live_server: LiveServer, inference_mode: Any
) -> None:
    with pytest.raises(AtlasError, match="valid task types: search_document") as caught:
        embed.text(["cat"], model="tiny-plain", task_type="qa", inference_mode=inference_mode, base_url=live_server.url)
    assert caught.value.status == 400


class FlakyHandler(http.server.BaseHTTPRequestHandler):
    """A real HTTP server that fails the first requests with 503, then answers like Atlas."""

    failures_left = 0
    requests = 0

    def do_POST(self) -> None:  # noqa: N802  # the name http.server calls
        cls = type(self)
        cls.requests += 1
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if cls.failures_left > 0:
            cls.failures_left -= 1
            payload, status = {"error": {"code": "busy", "message": "try later"}}, 503
        else:
            vectors = [[1.0, 0.0] for _ in body["texts"]]
            payload, status = {"embeddings": vectors, "model": body["model"], "usage": {"total_tokens": 1}}, 200
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def flaky_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FlakyHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_5xx_answers_are_retried_until_the_server_answers(flaky_server: str) -> None:
    FlakyHandler.failures_left, FlakyHandler.requests = 2, 0
    out = embed.text(["a", "b"], model="m", base_url=flaky_server, retry_backoff=0.01)
    assert out["embeddings"] == [[1.0, 0.0], [1.0, 0.0]]
    assert FlakyHandler.requests == 3


def test_retries_give_up_after_max_retries_with_the_last_error(flaky_server: str) -> None:
    FlakyHandler.failures_left, FlakyHandler.requests = 10, 0
    with pytest.raises(AtlasError, match="try later") as caught:
        embed.text(["a"], model="m", base_url=flaky_server, retry_backoff=0.01, max_retries=2)
    assert caught.value.status == 503
    assert FlakyHandler.requests == 3


def test_a_server_that_is_not_there_is_retried_then_reported() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(AtlasError, match="is the Atlas server running there"):
        embed.text(["a"], base_url=f"http://127.0.0.1:{port}", retry_backoff=0.01, max_retries=1)


def test_a_long_job_shows_a_progress_bar(flaky_server: str, capsys: pytest.CaptureFixture[str]) -> None:
    FlakyHandler.failures_left = 0
    embed.text(["a"] * 8, model="m", base_url=flaky_server, batch_size=2)
    assert "8/8" in capsys.readouterr().err
    embed.text(["a"] * 8, model="m", base_url=flaky_server, batch_size=2, progress=False)
    assert capsys.readouterr().err == ""


def test_a_single_string_is_refused_rather_than_embedded_letter_by_letter() -> None:
    with pytest.raises(TypeError, match="list of strings"):
        embed.text("the cat")  # type: ignore[arg-type]
