"""One job runner for every job on a map: a build's steps, an append and a re-layout.

A job runs with a `Run` (its dataset, its current stage, how long each stage took) and ends in one of four
ways, handled alike for every kind of job: done; cancelled (the dataset was cancelled or deleted: a write
of its found the dataset no longer running); refused (a BuildError: the user's file or choice, whose
message says what to fix); crashed (an internal error, logged with the dataset id). A lost database is
raised for the task to retry (workers.tasks). What each kind of job leaves behind at each end is its own:
`Ends` says it.
"""

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from maps import lifecycle
from maps.models import Dataset
from tables.errors import BuildError
from workers import store

log = logging.getLogger(__name__)
T = TypeVar("T")


class JobCancelled(Exception):
    """The dataset was cancelled or deleted while a job ran on it: stop, and leave what the job's Ends say."""


class IncompleteBuild(Exception):
    """A stage wrote fewer rows than it should have: never show such a map as ready."""


class Run:
    """One job on one dataset: which stage it is in and how long each took."""

    def __init__(self, dataset_id: uuid.UUID, stage: str = Dataset.Stage.INGEST) -> None:
        self.dataset_id = dataset_id
        self.stage: str = stage
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage_of(self, stage: str, total: int) -> Iterator[None]:
        self.stage = stage
        self.progress(0, total)
        started = time.monotonic()
        yield
        self.timings[str(stage)] = round(time.monotonic() - started, 3)

    def progress(self, done: int, total: int) -> None:
        if not lifecycle.set_progress(self.dataset_id, self.stage, done, total):
            raise JobCancelled(self.stage)


@dataclass(frozen=True)
class Ends:
    """What a kind of job leaves behind when it does not finish; each is given the run."""

    # What the job is called in the log: "build", "append", "re-layout".
    kind: str
    cancelled: Callable[[Run], None]
    refused: Callable[[Run, str], None]
    crashed: Callable[[Run], None]


def run_job(run: Run, ends: Ends, body: Callable[[Run], T]) -> T | None:
    """Run the body of a job; what it returns when it finishes, None when it ended any other way."""
    try:
        return body(run)
    except JobCancelled:
        ends.cancelled(run)
        # Logged once the job's leftovers are handled, so the line means "nothing is left" to whoever waits on it.
        log.info("dataset %s: cancelled or deleted during the %s stage of its %s", run.dataset_id, run.stage, ends.kind)
    except BuildError as exc:
        log.info("dataset %s: %s failed at %s: %s", run.dataset_id, ends.kind, run.stage, exc.message)
        ends.refused(run, exc.message)
    except store.DATABASE_UNAVAILABLE:
        raise
    except Exception:
        if not lifecycle.is_running(run.dataset_id):
            # Cancelling or deleting a dataset mid-job makes the job's next write fail: that is a cancellation.
            ends.cancelled(run)
            log.info("dataset %s: %s gone during %s", run.dataset_id, ends.kind, run.stage)
            return None
        log.exception("dataset %s: %s crashed at stage %s", run.dataset_id, ends.kind, run.stage)
        ends.crashed(run)
    return None
