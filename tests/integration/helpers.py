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
