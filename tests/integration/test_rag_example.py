"""docs/RAG.md's example run as the guide says: `python examples/rag.py upload <folder>` makes a passage map of
a folder of documents through a live server and a real worker; `ask` retrieves passages within a folder and
builds a prompt from them, or sends it to the OpenAI-compatible chat endpoint CHAT_BASE_URL names (a stand-in
server here: no language model runs in the tests)."""

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_django.live_server_helper import LiveServer

from tests.conftest import ROOT, WorkerProcess, long_docstrings

pytestmark = [pytest.mark.django_db(transaction=True)]


def documents(folder: Path) -> dict[str, str]:
    """Eight long docstrings as Markdown files in two folders (plus a file the example leaves out)."""
    written = {}
    for n, row in enumerate(long_docstrings(8)):
        path = Path("guide" if n % 2 else "reference") / f"{row['name'].replace('.', '_')}.md"
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(f"# {row['name']}\n\n{row['body']}", encoding="utf-8")
        written[path.as_posix()] = row["body"]
    (folder / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return written


def run(*args: str, **env: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "rag.py"), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


class Chat(BaseHTTPRequestHandler):
    asked: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 (the http.server name)
        Chat.asked.append({"path": self.path, **json.loads(self.rfile.read(int(self.headers["Content-Length"])))})
        answer = {"choices": [{"message": {"role": "assistant", "content": "It parses dates [1]."}}]}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def chat_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Chat)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()


def test_the_rag_example_uploads_a_folder_as_a_passage_map_and_answers_from_its_passages(
    live_server: LiveServer, celery_worker: WorkerProcess, api_key: str, chat_server: str, tmp_path: Path
) -> None:
    written = documents(tmp_path / "docs")
    atlas = {"ATLAS_URL": live_server.url, "ATLAS_API_KEY": api_key}
    dataset_id = run("upload", str(tmp_path / "docs"), **atlas).strip()
    summary = httpx.get(
        f"{live_server.url}/api/v1/datasets/{dataset_id}", headers={"Authorization": f"Bearer {api_key}"}
    ).json()
    assert summary["status"] == "ready", celery_worker.log_tail()
    assert summary["rows"] == 8 and summary["passages"] == {"tokens": 256, "overlap": 32}
    assert summary["columns"] == ["path", "folder", "name", "text"]

    # A question taken from a guide document's body: the prompt cites it first, with a passage of it.
    path, body = next((p, b) for p, b in written.items() if p.startswith("guide/"))
    question = " ".join(body.split()[:40])
    prompt = run("ask", dataset_id, question, "--folder", "guide", "--k", "3", **atlas)
    assert prompt.startswith("Answer the question from the sources below only")
    assert f"[1] {path}\n" in prompt and "reference/" not in prompt
    assert prompt.rstrip().endswith(f"Question: {question}")

    answer = run("ask", dataset_id, question, **atlas, CHAT_BASE_URL=chat_server, CHAT_MODEL="local-model")
    assert answer.strip() == "It parses dates [1]."
    [asked] = Chat.asked
    assert asked["path"] == "/v1/chat/completions" and asked["model"] == "local-model"
    assert f"[1] {path}\n" in asked["messages"][0]["content"]
