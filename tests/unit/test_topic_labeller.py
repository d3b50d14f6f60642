"""The optional topic labeller's pure parts: the request it builds, how it reads (and refuses) a reply, and how
requests are spread over levels and bounded."""

import json
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from workers.stages.label import TopicLabel
from workers.stages.labeller import (
    EndpointUnreachable,
    LabellerError,
    LabellerParams,
    build_request,
    clean_name,
    name_topics,
    parse_reply,
    post_json,
)

PARAMS = LabellerParams(url="http://127.0.0.1:9/v1", model="tiny-llm", timeout_s=1.0)
TEXTS = [f"text number {i} " + "word " * 100 for i in range(20)]


def topic(topic_id: int, level: str = "fine", keywords: tuple[str, ...] = ("garden", "tools")) -> TopicLabel:
    words = list(keywords)
    return TopicLabel(topic_id, level, None, ", ".join(words), words, 5, 0.0, 0.0, [topic_id % 20, 3, 4, 5])


def chat_reply(content: str) -> bytes:
    return json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}).encode()


def test_the_request_carries_the_model_each_topics_id_keywords_and_its_first_representative_texts_shortened() -> None:
    body = build_request([topic(7), topic(8, keywords=("rust", "async"))], TEXTS, PARAMS)
    assert body["model"] == "tiny-llm"
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    described = json.loads(body["messages"][1]["content"])["topics"]
    assert [t["id"] for t in described] == [7, 8]
    assert described[1]["keywords"] == ["rust", "async"]
    assert len(described[0]["texts"]) == PARAMS.texts_per_topic
    assert described[0]["texts"][0].startswith("text number 7 word")
    assert all(len(text) <= PARAMS.chars_per_text for t in described for text in t["texts"])


def test_a_reply_wrapped_in_a_code_fence_gives_each_topic_its_name() -> None:
    content = 'Here you go:\n```json\n{"7": "Garden tools", "8": "Async Rust"}\n```'
    names, refused = parse_reply(chat_reply(content), [7, 8], 60)
    assert names == {7: "Garden tools", 8: "Async Rust"}
    assert refused == []


def test_names_under_a_names_key_are_read_too() -> None:
    names, _ = parse_reply(chat_reply('{"names": {"7": "Garden tools"}}'), [7], 60)
    assert names == {7: "Garden tools"}


def test_empty_overlong_marked_up_missing_and_non_text_names_are_refused_one_by_one() -> None:
    proposed = {
        "1": "Fine name",
        "2": "   ",
        "3": "x" * 61,
        "4": "<b>Bold</b>",
        "5": "[link](https://example.com)",
        "6": 42,
        "8": "&lt;script&gt;",
    }
    names, refused = parse_reply(chat_reply(json.dumps(proposed)), [1, 2, 3, 4, 5, 6, 7, 8], 60)
    assert names == {1: "Fine name"}
    assert [line.split(":")[0] for line in refused] == [f"topic {i}" for i in (2, 3, 4, 5, 6, 7, 8)]
    assert "longer than 60" in refused[1] and "markup" in refused[2] and "no name" in refused[5]


def test_control_and_invisible_characters_are_removed_and_quotes_and_spaces_tidied() -> None:
    assert clean_name('  "Garden\x00\x1btools\u202e\u200b\n"  ', 60) == ("Garden tools", "")
    assert clean_name("\x1b[31mRed\x1b[0m", 60) == (None, "the name holds markup")
    assert clean_name("\u201cHome   brewing.\u201d", 60) == ("Home brewing", "")
    assert clean_name("\x07\x08", 60) == (None, "the name is empty")


@pytest.mark.parametrize(
    "body",
    [
        b"not json at all",
        b'{"error": {"message": "model not found"}}',
        b'{"choices": []}',
        chat_reply("I cannot help with that."),
        chat_reply('["a", "list"]'),
        chat_reply('{"7": "unterminated'),
    ],
)
def test_a_reply_that_is_not_a_chat_completion_holding_a_json_object_is_refused_as_a_whole(body: bytes) -> None:
    with pytest.raises(LabellerError):
        parse_reply(body, [7], 60)


class Recorder:
    """Answers each request with names for every topic asked about, or with what a test queues instead."""

    def __init__(self, *answers: bytes | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[list[int]] = []

    def __call__(self, params: LabellerParams, payload: dict[str, Any]) -> bytes:
        ids = [t["id"] for t in json.loads(payload["messages"][1]["content"])["topics"]]
        self.requests.append(ids)
        if self.answers:
            answer = self.answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return chat_reply(json.dumps({str(i): f"Named {i}" for i in ids}))


def levels() -> list[TopicLabel]:
    """Two broad, three mid and five fine topics, broad first as describe_topics gives them."""
    return (
        [topic(i, "broad") for i in (8, 9)]
        + [topic(i, "mid", ("mid", str(i))) for i in (5, 6, 7)]
        + [topic(i, "fine", ("fine", str(i))) for i in range(5)]
    )


def test_each_level_goes_in_requests_of_its_own_and_every_topic_gets_its_name_keywords_kept() -> None:
    post = Recorder()
    named, problems = name_topics(levels(), TEXTS, PARAMS, post)
    assert post.requests == [[8, 9], [5, 6, 7], [0, 1, 2, 3, 4]]
    assert problems == []
    assert [t.label for t in named] == [f"Named {t.topic_id}" for t in levels()]
    assert [t.keywords for t in named] == [t.keywords for t in levels()]


def test_requests_are_split_and_capped_and_topics_past_the_cap_keep_keyword_labels() -> None:
    post = Recorder()
    small = LabellerParams("http://x", "m", topics_per_call=2, max_calls=4)
    named, problems = name_topics(levels(), TEXTS, small, post)
    assert post.requests == [[8, 9], [5, 6], [7], [0, 1]]
    assert [t.label for t in named[-3:]] == ["fine, 2", "fine, 3", "fine, 4"]
    assert len(problems) == 1 and "fine topics from 2" in problems[0]


def test_a_failed_request_keeps_its_topics_keyword_labels_and_the_next_level_is_still_asked() -> None:
    post = Recorder(LabellerError("the endpoint answered HTTP 500"), chat_reply("garbage"))
    named, problems = name_topics(levels(), TEXTS, PARAMS, post)
    assert len(post.requests) == 3
    assert [t.label for t in named] == [t.label for t in levels()[:5]] + [f"Named {i}" for i in range(5)]
    assert "HTTP 500" in problems[0] and "no JSON object" in problems[1]


def test_no_request_follows_one_the_endpoint_did_not_answer() -> None:
    post = Recorder(EndpointUnreachable("no reply within 1 s"))
    named, problems = name_topics(levels(), TEXTS, PARAMS, post)
    assert post.requests == [[8, 9]]
    assert [t.label for t in named] == [t.label for t in levels()]
    assert problems == ["broad topics: no reply within 1 s; no further requests"]


class LocalServer:
    """A real HTTP server on the loopback address whose one handler a test chooses."""

    def __init__(self, handle: Callable[[BaseHTTPRequestHandler], None]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  # the name http.server calls
                self.rfile.read(int(self.headers["Content-Length"]))
                handle(self)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.params = replace(PARAMS, url=f"http://127.0.0.1:{self.httpd.server_address[1]}/v1", api_key="k")

    def __enter__(self) -> "LocalServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes, length: int | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Length", str(len(body) if length is None else length))
    handler.end_headers()
    handler.wfile.write(body)


def test_post_sends_the_key_as_a_bearer_token_to_chat_completions_and_returns_the_body() -> None:
    seen: list[tuple[str, str | None]] = []

    def answer(handler: BaseHTTPRequestHandler) -> None:
        seen.append((handler.path, handler.headers.get("Authorization")))
        send(handler, 200, chat_reply("{}"))

    with LocalServer(answer) as server:
        assert post_json(server.params, {"model": "m"}) == chat_reply("{}")
    assert seen == [("/v1/chat/completions", "Bearer k")]


def test_an_error_status_is_a_failed_request_not_an_unreachable_endpoint() -> None:
    with LocalServer(lambda h: send(h, 503, b"busy")) as server, pytest.raises(LabellerError) as caught:
        post_json(server.params, {})
    assert not isinstance(caught.value, EndpointUnreachable) and "HTTP 503" in str(caught.value)


# The server trickles for two minutes: a client that waited for the whole body would run into this limit.
@pytest.mark.timeout(60)
def test_a_reply_trickled_a_byte_at_a_time_past_the_timeout_counts_as_no_reply() -> None:
    def trickle(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, b"", length=10_000)
        try:
            for _ in range(2400):
                handler.wfile.write(b" ")
                handler.wfile.flush()
                time.sleep(0.05)
        except OSError:  # the client gave up, as it should
            return

    with LocalServer(trickle) as server, pytest.raises(EndpointUnreachable, match="no complete reply"):
        post_json(replace(server.params, timeout_s=0.5), {})


def test_a_refused_connection_is_an_unreachable_endpoint() -> None:
    with LocalServer(lambda h: None) as server:
        port = server.httpd.server_address[1]
    with pytest.raises(EndpointUnreachable, match="could not be reached"):
        post_json(replace(PARAMS, url=f"http://127.0.0.1:{port}/v1"), {})
