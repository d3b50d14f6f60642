"""Builds spread over several worker processes and survive Redis restarting and workers being stopped."""

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from atlas.services import EmbeddedRedis, free_port, start_redis
from maps.models import BuildChunk, Dataset
from tests.conftest import csv_slice
from tests.integration.workers import (
    Workers,
    assert_every_row_embedded_once,
    embedding_under_way,
    queued_dataset,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[list[EmbeddedRedis]]:
    """A Redis of the test's own (the list holds the running one), so the test may restart it."""
    servers = [start_redis(tmp_path / "redis", port=free_port())]
    yield servers
    servers[-1].stop()


@pytest.fixture
def workers(tmp_path: Path, redis: list[EmbeddedRedis]) -> Iterator[Workers]:
    pool = Workers(tmp_path / "logs", redis_url=redis[0].url)
    pool.log_dir.mkdir()
    yield pool
    pool.stop_all()


def test_two_worker_processes_share_the_chunks_of_one_build_and_two_builds_at_once_both_finish(
    workers: Workers, tmp_path: Path
) -> None:
    big = queued_dataset(csv_slice(tmp_path / "pypi_2k.csv", 2000))
    small = queued_dataset(csv_slice(tmp_path / "pypi_600.csv", 600))
    workers.start()
    workers.start()
    workers.submit(big)
    # The small build goes in once the big one's chunks wait in the queue, so whichever worker did not
    # ingest the big file takes one of them first (sent together, one worker could take the small build's
    # chunks while the other did all of the big build's).
    workers.wait_for(lambda: BuildChunk.objects.filter(dataset=big, queued_at__isnull=False).exists(), 300, "chunks")
    workers.submit(small)
    workers.wait_until_finished(big)
    workers.wait_until_finished(small)
    assert_every_row_embedded_once(big, 2000)
    assert_every_row_embedded_once(small, 600)
    hostnames = set(BuildChunk.objects.filter(dataset=big).values_list("worker", flat=True))
    assert hostnames == {workers.hostname(0), workers.hostname(1)}, workers.logs()


def test_a_build_goes_on_when_redis_restarts_in_the_middle_of_embedding(
    workers: Workers, redis: list[EmbeddedRedis], tmp_path: Path
) -> None:
    dataset = queued_dataset(csv_slice(tmp_path / "pypi_2k.csv", 2000))
    workers.start()
    workers.submit(dataset)
    workers.wait_for(embedding_under_way(dataset), 120, "the embedding stage to be under way")
    port = int(redis[0].url.rsplit(":", 1)[1].split("/")[0])
    redis[0].stop()
    # Same folder (its append-only file keeps the queues) and same port, as a restarted server would have.
    redis.append(start_redis(tmp_path / "redis", port=port))
    assert Dataset.objects.get(id=dataset.id).progress_done < 2000
    workers.wait_until_finished(dataset)
    assert_every_row_embedded_once(dataset, 2000)


def test_a_worker_stopped_with_sigterm_finishes_its_chunk_and_a_new_worker_finishes_the_build(
    workers: Workers, tmp_path: Path
) -> None:
    dataset = queued_dataset(csv_slice(tmp_path / "pypi_2k.csv", 2000))
    first = workers.start()
    workers.submit(dataset)
    workers.wait_for(embedding_under_way(dataset), 120, "the embedding stage to be under way")
    first.send_signal(signal.SIGTERM)  # what `docker compose stop` sends to the worker's main process
    assert first.wait(timeout=120) == 0, workers.logs()
    # It left no chunk half done: the one it was on is finished and committed, the rest untouched.
    stopped = Dataset.objects.get(id=dataset.id)
    assert stopped.status == "running" and 0 < stopped.progress_done < 2000
    assert not BuildChunk.objects.filter(dataset=dataset, done_at__isnull=True, rows_done__gt=0).exists()

    workers.start()
    workers.wait_until_finished(dataset)
    assert_every_row_embedded_once(dataset, 2000)
    assert set(BuildChunk.objects.filter(dataset=dataset).values_list("attempts", flat=True)) == {1}
