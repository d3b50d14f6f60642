"""/healthz says the process is up; /readyz says whether the database, Redis and a worker answer."""

import pytest
from django.test import Client

from tests.conftest import WorkerProcess

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_answers_while_the_process_is_up(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_when_database_redis_and_a_worker_answer(client: Client, celery_worker: WorkerProcess) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["ready"] is True
    assert body["checks"][0] == "database: ok" and body["checks"][1] == "redis: ok"
    assert body["checks"][2].startswith("workers: ") and "answering" in body["checks"][2]


def test_readyz_is_503_and_says_why_when_redis_is_unreachable(client: Client, settings: object) -> None:
    from atlas.services import free_port

    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # type: ignore[attr-defined]
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["ready"] is False
    assert body["checks"][1].startswith("redis: ConnectionError")
    assert body["checks"][2] == "workers: not checked, Redis is down"
