"""An OpenAI-compatible chat-completions server on loopback, for the tests of the topic labeller."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


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
