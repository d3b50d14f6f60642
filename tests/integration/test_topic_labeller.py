"""A worker with ATLAS_LABELLER_URL set names topics through a real (local) chat-completions server, and keeps
the keyword labels, ready, when that server fails, answers garbage or hangs."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from maps.models import Topic
from tests.conftest import csv_slice
from tests.integration.workers import Workers, queued_dataset
from workers.stages.labeller import LabellerParams

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 600
TIMEOUT_S = 2
LIMITS = LabellerParams(url="", model="")


class ChatServer:
    """An OpenAI-compatible /v1/chat/completions that names every topic it is asked about, unless a test
    queues other answers: an HTTP status, a body that is not JSON, or no answer at all."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: list[str] = []
        self.released = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  # the name http.server calls
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                answer = server.script.pop(0) if server.script else "names"
                if answer == "hang":
                    server.released.wait(60)
                    return
                if answer == "error":
                    self.reply(500, b'{"error": {"message": "overloaded"}}')
                elif answer == "garbage":
                    self.reply(200, b"<html>not an API</html>")
                else:
                    topics = json.loads(body["messages"][1]["content"])["topics"]
                    names = {str(t["id"]): f"Model named {t['id']}" for t in topics}
                    content = "```json\n" + json.dumps(names) + "\n```"
                    self.reply(200, json.dumps({"choices": [{"message": {"content": content}}]}).encode())

            def reply(self, status: int, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def chat_server() -> Iterator[ChatServer]:
    server = ChatServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def labelled_workers(
    django_db_setup: None, chat_server: ChatServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workers]:
    env = {
        "ATLAS_LABELLER_URL": chat_server.url,
        "ATLAS_LABELLER_MODEL": "tiny-llm",
        "ATLAS_LABELLER_API_KEY": "test-key",
        "ATLAS_LABELLER_TIMEOUT_S": str(TIMEOUT_S),
    }
    pool = Workers(tmp_path_factory.mktemp("labeller-logs"), chunk_rows=300, env=env)
    pool.start()
    yield pool
    pool.stop_all()


def worker_log(workers: Workers) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(workers.log_dir.glob("*.log")))


def test_topics_are_named_by_the_configured_endpoint_and_keep_their_keywords(
    labelled_workers: Workers, chat_server: ChatServer, tmp_path: Path
) -> None:
    chat_server.requests.clear()
    dataset = queued_dataset(csv_slice(tmp_path / "pypi.csv", ROWS))
    labelled_workers.submit(dataset)
    labelled_workers.wait_until_finished(dataset, 600)

    topics = list(Topic.objects.filter(dataset=dataset))
    assert {t.level for t in topics} == {"broad", "mid", "fine"}
    assert all(t.label == f"Model named {t.topic_id}" for t in topics), [t.label for t in topics]
    assert all(t.keywords and ", ".join(t.keywords) != t.label for t in topics)

    # One request per level (each under the per-request limit), broad first, as the settings say.
    assert [r["path"] for r in chat_server.requests] == ["/v1/chat/completions"] * 3
    assert {r["auth"] for r in chat_server.requests} == {"Bearer test-key"}
    assert {r["body"]["model"] for r in chat_server.requests} == {"tiny-llm"}
    asked = [json.loads(r["body"]["messages"][1]["content"])["topics"] for r in chat_server.requests]
    by_id = {t.topic_id: t for t in topics}
    assert [{by_id[t["id"]].level for t in level} for level in asked] == [{"broad"}, {"mid"}, {"fine"}]
    assert sorted(t["id"] for level in asked for t in level) == sorted(by_id)
    # Each topic went with its own keywords and representative texts.
    texts = dict(dataset.points.values_list("row_id", "text"))
    for level in asked:
        for sent in level:
            topic = by_id[sent["id"]]
            assert sent["keywords"] == topic.keywords
            shown = topic.representatives[: LIMITS.texts_per_topic]
            assert [t[:50] for t in sent["texts"]] == [" ".join(texts[r].split())[:50] for r in shown]


def test_a_failing_garbled_or_hanging_endpoint_leaves_a_ready_map_with_keyword_labels_and_warnings(
    labelled_workers: Workers, chat_server: ChatServer, tmp_path: Path
) -> None:
    chat_server.requests.clear()
    # broad: HTTP 500; mid: a page that is not JSON; fine: no answer within the timeout.
    chat_server.script = ["error", "garbage", "hang"]
    dataset = queued_dataset(csv_slice(tmp_path / "pypi.csv", ROWS))
    labelled_workers.submit(dataset)
    labelled_workers.wait_until_finished(dataset, 600)

    topics = list(Topic.objects.filter(dataset=dataset))
    assert topics and all(t.label == ", ".join(t.keywords) for t in topics), [t.label for t in topics]
    assert len(chat_server.requests) == 3
    log = worker_log(labelled_workers)
    warnings = [line for line in log.splitlines() if f"dataset {dataset.id}: topic labeller:" in line]
    assert any("HTTP 500" in line for line in warnings), log[-3000:]
    assert any("not a chat completion" in line for line in warnings), log[-3000:]
    assert any(f"no reply within {TIMEOUT_S} s" in line for line in warnings), log[-3000:]
