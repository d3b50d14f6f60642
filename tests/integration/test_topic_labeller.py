"""A worker with ATLAS_LABELLER_URL set names topics through a real (local) chat-completions server, and keeps
the keyword labels, ready, when that server fails, answers garbage or hangs."""

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from maps.models import Topic
from tests.chat_server import ChatServer
from tests.conftest import csv_slice
from tests.integration.workers import Workers, queued_dataset
from workers.stages.labeller import LabellerParams

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 600
TIMEOUT_S = 2
LIMITS = LabellerParams(url="", model="")


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


def test_an_editor_asks_the_labeller_to_name_one_topic_again(
    labelled_workers: Workers, chat_server: ChatServer
) -> None:
    from maps.models import Point
    from teams.models import AuditEvent
    from tests.accounts import default_user
    from tests.integration.workers import BUILD_QUEUE
    from tests.synthetic_map import create_synthetic_map
    from workers.tasks import name_topic

    dataset = create_synthetic_map().dataset
    Topic.objects.filter(dataset=dataset, topic_id=2).update(representatives=[80, 81])
    chat_server.requests.clear()
    chat_server.script = []

    def wait_for_requests(count: int) -> None:
        deadline = time.monotonic() + 60
        while len(chat_server.requests) < count:
            assert time.monotonic() < deadline, worker_log(labelled_workers)[-3000:]
            time.sleep(0.2)

    name_topic.apply_async(args=[str(dataset.id), 2, default_user().id], queue=BUILD_QUEUE)
    deadline = time.monotonic() + 60
    while Topic.objects.get(dataset=dataset, topic_id=2).label != "Model named 2":
        assert time.monotonic() < deadline, worker_log(labelled_workers)[-3000:]
        time.sleep(0.2)
    named = Topic.objects.get(dataset=dataset, topic_id=2)
    assert named.edited
    (sent,) = json.loads(chat_server.requests[0]["body"]["messages"][1]["content"])["topics"]
    texts = dict(Point.objects.filter(dataset=dataset, row_id__in=[80, 81]).values_list("row_id", "text"))
    assert (sent["id"], sent["texts"]) == (2, [texts[80], texts[81]])
    audited = AuditEvent.objects.get(action="topic.renamed")
    assert audited.detail == {
        "map": dataset.name,
        "topic": 2,
        "old": "command line parsing tools",
        "new": "Model named 2",
        "by_labeller": True,
    }

    # A reply it cannot use leaves the topic as it was.
    chat_server.script = ["garbage"]
    name_topic.apply_async(args=[str(dataset.id), 3, default_user().id], queue=BUILD_QUEUE)
    wait_for_requests(2)
    time.sleep(1)
    assert Topic.objects.get(dataset=dataset, topic_id=3).label == "terminal colour output helpers"
