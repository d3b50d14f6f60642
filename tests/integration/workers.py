"""Worker processes of their own for fault and scale-out tests: each is a separate `celery worker` with its
own environment and hostname, on queues no other worker reads, so a test controls who builds what."""

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from atlas.celery import app as celery_app
from atlas.stack import worker_command
from maps.models import BuildChunk, Dataset, Point
from tests.accounts import default_workspace
from tests.conftest import ROOT, database_url_for
from workers.tasks import build_dataset

# Queues of their own, so the session's shared worker never takes these builds or their chunks.
BUILD_QUEUE = "fault-builds"
EMBED_QUEUE = "fault-embed"


class Workers:
    def __init__(
        self, log_dir: Path, redis_url: str = "", chunk_rows: int = 250, env: dict[str, str] | None = None
    ) -> None:
        self.log_dir = log_dir
        self.redis_url = redis_url or os.environ["REDIS_URL"]
        self.chunk_rows = chunk_rows
        # More settings for these workers only (e.g. a labeller endpoint).
        self.env = env or {}
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        from django.db import connection

        number = len(self.processes)
        env = dict(
            os.environ,
            DATABASE_URL=database_url_for(connection.settings_dict["NAME"]),
            REDIS_URL=self.redis_url,
            ATLAS_BUILD_QUEUE=BUILD_QUEUE,
            ATLAS_EMBED_QUEUE=EMBED_QUEUE,
            ATLAS_EMBED_CHUNK_ROWS=str(self.chunk_rows),
            ATLAS_TASK_VISIBILITY_TIMEOUT="10",
            ATLAS_WORKER_WARMUP="false",
            ATLAS_TORCH_THREADS="1",
            **self.env,
        )
        with (self.log_dir / f"worker-{number}.log").open("wb") as log:
            process = subprocess.Popen(
                worker_command("--hostname", self.hostname(number), queues=f"{BUILD_QUEUE},{EMBED_QUEUE}"),
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        return process

    def hostname(self, number: int) -> str:
        return f"fault-{number}-{os.getpid()}@{os.uname().nodename}"

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                self.kill(process)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.log_dir.glob("*.log")))

    def submit(self, dataset: Dataset) -> None:
        """Send a build to these workers through their Redis (which may not be the session's)."""
        with celery_app.connection_for_write(self.redis_url) as conn, conn.Producer() as producer:
            build_dataset.apply_async(args=[str(dataset.id)], queue=BUILD_QUEUE, producer=producer)

    def wait_for(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting for {what}\n{self.logs()}"
            time.sleep(0.1)

    def wait_until_finished(self, dataset: Dataset, timeout: float = 300) -> Dataset:
        self.wait_for(
            lambda: Dataset.objects.get(id=dataset.id).status in ("ready", "failed"),
            timeout,
            "the build",
        )
        finished = Dataset.objects.get(id=dataset.id)
        assert finished.status == "ready", f"{finished.error_message}\n{self.logs()}"
        return finished


def queued_dataset(path: Path, text_field: str = "summary", vector_field: str = "") -> Dataset:
    settings.UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    stored = settings.UPLOAD_DIR / f"{uuid.uuid4()}{path.suffix}"
    stored.write_bytes(path.read_bytes())
    return Dataset.objects.create(
        workspace=default_workspace(),
        name=path.stem,
        source_filename=path.name,
        upload_path=str(stored),
        text_field=text_field,
        vector_field=vector_field,
        columns=["name", "summary"] if text_field == "summary" else [text_field, vector_field],
        model_name=settings.EMBED_MODEL,
    )


def embedding_under_way(dataset: Dataset) -> Callable[[], bool]:
    def check() -> bool:
        current = Dataset.objects.get(id=dataset.id)
        return current.stage == "embed" and 0 < current.progress_done < current.progress_total

    return check


def assert_every_row_embedded_once(dataset: Dataset, rows: int) -> None:
    """One point per row, no gaps, every one with a vector, a place and a topic; every chunk done once."""
    points = Point.objects.filter(dataset=dataset)
    assert points.count() == rows
    assert sorted(points.values_list("row_id", flat=True)) == list(range(rows))
    assert not points.filter(embedding__isnull=True).exists()
    assert not points.filter(topic__isnull=True).exists()
    chunks = list(BuildChunk.objects.filter(dataset=dataset))
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert [(c.start, c.stop) for c in chunks] == [
        (s, min(rows, s + chunks[0].stop)) for s in range(0, rows, chunks[0].stop)
    ]
    assert all(c.done_at is not None and c.rows_done == c.stop - c.start for c in chunks)
    assert Dataset.objects.get(id=dataset.id).progress_done == rows
