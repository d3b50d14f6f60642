"""The worker process that runs builds does so at a lower CPU priority than the web process
(ATLAS_WORKER_NICE, 10 by default), so searches and page loads are served first when both want the cores."""

import os

import psutil

from tests.conftest import WorkerProcess


def test_the_process_that_runs_tasks_is_ten_steps_nicer_than_its_parent(celery_worker: WorkerProcess) -> None:
    parent = psutil.Process(celery_worker.process.pid)
    [child] = parent.children()
    assert child.nice() == min(parent.nice() + 10, 19)
    assert f"worker process runs at niceness {child.nice()}" in celery_worker.log_path.read_text(errors="replace")
    assert parent.nice() == os.nice(0)  # the worker's own process keeps the caller's priority
