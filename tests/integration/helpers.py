"""Helpers for tests that drive a build through the API and wait for the real worker."""

import time
from pathlib import Path
from typing import Any

from django.test import Client


def upload(client: Client, path: Path, text_field: str, name: str = "") -> dict[str, Any]:
    with path.open("rb") as handle:
        response = client.post("/api/v1/datasets", {"file": handle, "name": name, "text_field": text_field})
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def wait_until_finished(client: Client, dataset_id: str, timeout: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(f"/api/v1/datasets/{dataset_id}").json()
        if body["status"] in ("ready", "failed"):
            return body
        assert time.monotonic() < deadline, f"build still {body['status']} after {timeout} s: {body}"
        time.sleep(0.5)


def assert_topics_form_a_three_level_tree(topics: list[dict[str, Any]], rows: int) -> None:
    """Broad -> mid -> fine: each level covers every row once and each topic is the sum of its children."""
    by_id = {t["id"]: t for t in topics}
    assert len(by_id) == len(topics), "topic ids repeat across levels"
    levels = {name: [t for t in topics if t["level"] == name] for name in ("broad", "mid", "fine")}
    assert sum(len(level) for level in levels.values()) == len(topics)
    assert 1 <= len(levels["broad"]) <= min(10, len(levels["mid"])) <= len(levels["mid"]) <= len(levels["fine"])
    for name, parent_level in (("broad", None), ("mid", "broad"), ("fine", "mid")):
        assert sum(t["size"] for t in levels[name]) == rows, name
        for topic in levels[name]:
            if parent_level is None:
                assert topic["parent"] is None
            else:
                assert by_id[topic["parent"]]["level"] == parent_level, topic
            assert topic["label"] and topic["keywords"], topic
            assert 1 <= len(topic["representatives"]) <= 5 and all(0 <= r < rows for r in topic["representatives"])
    for parent in levels["broad"] + levels["mid"]:
        assert parent["size"] == sum(t["size"] for t in topics if t["parent"] == parent["id"]), parent
