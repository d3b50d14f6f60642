"""Labeller (optional): short topic names from an OpenAI-compatible chat-completions endpoint.

The c-TF-IDF keyword label is always made first; a topic whose name the endpoint does not give, or gives in a
form we refuse (empty, too long, markup), keeps it. The model's reply is untrusted text: it is parsed as JSON,
stripped of control characters and checked before it becomes a label. Nothing here raises on a bad endpoint.
"""

import http.client
import json
import re
import time
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from workers.stages.label import TopicLabel


@dataclass(frozen=True)
class LabellerParams:
    # Base URL of the API, e.g. http://localhost:11434/v1; requests go to {url}/chat/completions.
    url: str
    model: str
    api_key: str = ""
    timeout_s: float = 30.0
    # Topics of one level named in one request, and requests per build at most (broad first, then mid, then
    # fine): a map with more topics than this keeps keyword labels for its last fine topics.
    topics_per_call: int = 40
    max_calls: int = 10
    texts_per_topic: int = 3
    chars_per_text: int = 200
    max_name_chars: int = 60
    # The largest reply read; a longer one counts as a failure.
    max_reply_bytes: int = 1_000_000


class LabellerError(Exception):
    """One request's failure, said in a line for the log."""


class EndpointUnreachable(LabellerError):
    """The endpoint did not answer (refused, timed out): the other requests of this build are not tried."""


# A function that posts a JSON body and returns the reply's body; replaced in tests of the pure parts only.
Post = Callable[[LabellerParams, dict[str, Any]], bytes]

SYSTEM_PROMPT = (
    "You name the topics of a map of documents. For each topic you get its id, its keywords and a few of its "
    "texts. Give each topic a short, specific name of two to five words, in the language of its texts, without "
    "quotes, numbering or formatting. Reply with only a JSON object mapping each topic id (as a string) to its "
    'name, for example {"12": "Garden irrigation tools"}.'
)

_MARKUP = re.compile(r"[<>{}\[\]`]|&#?\w+;|^\s*#|\*\*|__|https?://", re.IGNORECASE)
_QUOTES = "\"'“”‘’«»"


def build_request(topics: Sequence[TopicLabel], texts: Sequence[str], params: LabellerParams) -> dict[str, Any]:
    """The chat-completions body asking for names of these topics (one level's, or part of it)."""
    shown = params.texts_per_topic
    described = [
        {
            "id": t.topic_id,
            "keywords": t.keywords,
            "texts": [_shorten(texts[row], params.chars_per_text) for row in t.representatives[:shown]],
        }
        for t in topics
    ]
    return {
        "model": params.model,
        "temperature": 0.2,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": json.dumps({"topics": described}, ensure_ascii=False)},
        ],
    }


def parse_reply(body: bytes, topic_ids: Sequence[int], max_name_chars: int) -> tuple[dict[int, str], list[str]]:
    """The acceptable names in a chat-completions reply, by topic id, and a line for each refused one.

    Raises LabellerError when the reply as a whole is unusable (not the chat-completions shape, or its message
    is not a JSON object of names)."""
    try:
        reply = json.loads(body)
        content = reply["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise LabellerError(f"the reply is not a chat completion ({type(error).__name__})") from None
    if not isinstance(content, str):
        raise LabellerError("the reply's message has no text")
    proposed = _names_object(content)
    names: dict[int, str] = {}
    refused: list[str] = []
    for topic_id in topic_ids:
        raw = proposed.get(str(topic_id))
        if raw is None:
            refused.append(f"topic {topic_id}: no name in the reply")
            continue
        name, why = clean_name(raw, max_name_chars)
        if name is None:
            refused.append(f"topic {topic_id}: {why}")
        else:
            names[topic_id] = name
    return names, refused


def clean_name(raw: object, max_chars: int) -> tuple[str | None, str]:
    """A proposed name made safe to show (control and format characters removed, spaces collapsed, outer
    quotes dropped), or None and why it was refused."""
    if not isinstance(raw, str):
        return None, "the name is not text"
    visible = "".join(" " if unicodedata.category(c).startswith(("C", "Z")) else c for c in raw)
    name = " ".join(visible.split()).strip(_QUOTES + " .").strip()
    if not name:
        return None, "the name is empty"
    if len(name) > max_chars:
        return None, f"the name is longer than {max_chars} characters"
    if _MARKUP.search(name):
        return None, "the name holds markup"
    return name, ""


def name_topics(
    topics: Sequence[TopicLabel], texts: Sequence[str], params: LabellerParams, post: Post | None = None
) -> tuple[list[TopicLabel], list[str]]:
    """The topics with the names the endpoint gave as labels (keywords unchanged), and a line for each failure.

    Requests go level by level, broad first, at most `topics_per_call` topics each and `max_calls` in all; after
    a request the endpoint did not answer, the rest are not sent."""
    send = post or post_json
    names: dict[tuple[str, int], str] = {}
    problems: list[str] = []
    calls = 0
    for level in _levels(topics):
        batches = [level[i : i + params.topics_per_call] for i in range(0, len(level), params.topics_per_call)]
        for batch in batches:
            if calls == params.max_calls:
                skipped = f"{batch[0].level} topics from {batch[0].topic_id} on"
                problems.append(f"{skipped}: not sent, {calls} requests is the most a build makes")
                return _renamed(topics, names), problems
            calls += 1
            ids = [t.topic_id for t in batch]
            try:
                body = send(params, build_request(batch, texts, params))
                found, refused = parse_reply(body, ids, params.max_name_chars)
            except EndpointUnreachable as error:
                problems.append(f"{batch[0].level} topics: {error}; no further requests")
                return _renamed(topics, names), problems
            except LabellerError as error:
                problems.append(f"{batch[0].level} topics {ids[0]}-{ids[-1]}: {error}")
                continue
            problems.extend(f"{batch[0].level} {line}" for line in refused)
            names.update({(batch[0].level, topic_id): name for topic_id, name in found.items()})
    return _renamed(topics, names), problems


def post_json(params: LabellerParams, payload: dict[str, Any]) -> bytes:
    """POST the body to {url}/chat/completions; the reply's body, or LabellerError. The whole exchange ends
    within about twice the timeout even if the server sends its reply a byte at a time."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if params.api_key:
        headers["Authorization"] = f"Bearer {params.api_key}"
    url = params.url.rstrip("/") + "/chat/completions"
    if not url.startswith(("http://", "https://")):
        raise EndpointUnreachable("the labeller URL is not http:// or https://")
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), headers=headers, method="POST")  # noqa: S310
    deadline = time.monotonic() + params.timeout_s
    try:
        with urllib.request.urlopen(request, timeout=params.timeout_s) as response:  # noqa: S310  # scheme checked
            body = bytearray()
            while chunk := response.read1(65536):
                body += chunk
                if len(body) > params.max_reply_bytes:
                    raise LabellerError(f"the reply is larger than {params.max_reply_bytes} bytes")
                if time.monotonic() > deadline:
                    raise EndpointUnreachable(f"no complete reply within {params.timeout_s:g} s")
            return bytes(body)
    except urllib.error.HTTPError as error:
        raise LabellerError(f"the endpoint answered HTTP {error.code}") from None
    except (http.client.HTTPException, ValueError) as error:
        raise LabellerError(f"the reply is not valid HTTP ({type(error).__name__})") from None
    except TimeoutError:
        raise EndpointUnreachable(f"no reply within {params.timeout_s:g} s") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError):
            raise EndpointUnreachable(f"no reply within {params.timeout_s:g} s") from None
        raise EndpointUnreachable(f"the endpoint could not be reached ({reason})") from None


def _names_object(content: str) -> dict[str, object]:
    """The JSON object in the message, allowing the code fence or sentence some models wrap it in."""
    start, end = content.find("{"), content.rfind("}")
    if start < 0 or end < start:
        raise LabellerError("the reply's message holds no JSON object")
    try:
        proposed = json.loads(content[start : end + 1])
    except ValueError:
        raise LabellerError("the reply's message is not valid JSON") from None
    if not isinstance(proposed, dict):
        raise LabellerError("the reply's message is not a JSON object")
    if isinstance(proposed.get("names"), dict):
        proposed = proposed["names"]
    return {str(key): value for key, value in proposed.items()}


def _levels(topics: Sequence[TopicLabel]) -> list[list[TopicLabel]]:
    """The topics grouped by level, in the order describe_topics gives them (broad first)."""
    order: dict[str, list[TopicLabel]] = {}
    for topic in topics:
        order.setdefault(topic.level, []).append(topic)
    return list(order.values())


def _renamed(topics: Sequence[TopicLabel], names: dict[tuple[str, int], str]) -> list[TopicLabel]:
    return [replace(t, label=names.get((t.level, t.topic_id), t.label)) for t in topics]


def _shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
