"""One home for a dataset's life: its states, and every move between them as one guarded UPDATE.

    queued ──▶ running ──▶ ready ──(re-layout / append)──▶ queued ──▶ running ──▶ ready
       │          │
       └──────────┴──▶ failed (with its message) / cancelled

`status` says where a map is, `stage` which step of a running job: ingest → embed → layout → topics →
index → done. Each function below is one transition and returns whether it happened: the guard (the
states it may start from) is part of the UPDATE, so two processes that race agree on one winner, and a
job whose dataset was cancelled or deleted learns it at its next write. Nothing else writes `status` or
moves `stage` (tests/unit/test_dataset_lifecycle_home.py reads the code for it). A map "finished once" when
its first build completed: every row has its vector, so it may be laid out again or grow.
"""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from maps.models import Dataset

Status = Dataset.Status
Stage = Dataset.Stage

# Set when the first build completes (mark_ready): every row has its vector.
FINISHED = Q(row_count__isnull=False)
ACTIVE = (Status.QUEUED, Status.RUNNING)
ENDED = (Status.READY, Status.FAILED, Status.CANCELLED)


def _in(dataset_id: uuid.UUID, *states: str, guard: Q | None = None, **fields: Any) -> QuerySet[Dataset]:
    rows = Dataset.objects.filter(id=dataset_id, status__in=states, **fields)
    return rows.filter(guard) if guard is not None else rows


# --- asked for on the web side (maps.actions) ---


def queue_relayout(dataset_id: uuid.UUID, layout: Mapping[str, Any]) -> bool:
    """A map whose build finished once, and that no job holds, waits for a new layout with these parameters."""
    return bool(
        _in(dataset_id, *ENDED, guard=FINISHED).update(
            status=Status.QUEUED, stage=Stage.LAYOUT, layout=dict(layout), quality=None
        )
    )


def queue_append(dataset_id: uuid.UUID) -> bool:
    """A ready map waits for its new rows."""
    return bool(_in(dataset_id, Status.READY, guard=FINISHED).update(status=Status.QUEUED, stage=Stage.INGEST))


def cancel(dataset_id: uuid.UUID) -> bool:
    """A queued or running job stops; its worker notices at its next write and cleans up."""
    return bool(_in(dataset_id, *ACTIVE).update(status=Status.CANCELLED, finished_at=timezone.now()))


# --- a build (workers.pipeline) ---


def start_build(dataset_id: uuid.UUID) -> bool:
    """A queued build (or one whose worker died while ingesting) starts from a clean slate at ingest."""
    return bool(
        _in(dataset_id, Status.QUEUED, Status.RUNNING, guard=Q(status=Status.QUEUED) | Q(stage=Stage.INGEST)).update(
            status=Status.RUNNING,
            stage=Stage.INGEST,
            progress_done=0,
            progress_total=0,
            error_message="",
            quality=None,
            timings={},
            finish_attempts=0,
        )
    )


def running_stage(dataset_id: uuid.UUID) -> str | None:
    """The stage of a running job; None when none runs (it ended, or the dataset is gone)."""
    stage = _in(dataset_id, Status.RUNNING).values_list("stage", flat=True).first()
    return None if stage is None else str(stage)


def is_running(dataset_id: uuid.UUID) -> bool:
    return _in(dataset_id, Status.RUNNING).exists()


def hold_running(dataset_id: uuid.UUID) -> bool:
    """Lock a running dataset's row until the caller's transaction ends (it orders the chunks' bookkeeping);
    False when no job runs."""
    return _in(dataset_id, Status.RUNNING).select_for_update().exists()


def set_progress(dataset_id: uuid.UUID, stage: str, done: int, total: int) -> bool:
    """A running job's stage and progress; False when it is no longer wanted (cancelled, or deleted)."""
    return bool(
        _in(dataset_id, Status.RUNNING).update(
            stage=stage, progress_done=done, progress_total=total, updated_at=timezone.now()
        )
    )


def begin_embedding(dataset_id: uuid.UUID, rows: int) -> bool:
    """An ingested build moves on to embedding its rows."""
    return bool(
        _in(dataset_id, Status.RUNNING, stage=Stage.INGEST).update(
            stage=Stage.EMBED, progress_done=0, progress_total=rows, updated_at=timezone.now()
        )
    )


def embedded_so_far(dataset_id: uuid.UUID, done: int) -> bool:
    """How many rows of an embedding build have their vector; False when it is no longer wanted."""
    return bool(
        _in(dataset_id, Status.RUNNING, stage=Stage.EMBED).update(progress_done=done, updated_at=timezone.now())
    )


def embedding_done(dataset_id: uuid.UUID) -> bool:
    """Every row has its vector: the build waits for its finishing step (layout, topics, index)."""
    return bool(
        _in(dataset_id, Status.RUNNING, stage=Stage.EMBED).update(stage=Stage.LAYOUT, updated_at=timezone.now())
    )


def awaits_finish(dataset_id: uuid.UUID) -> bool:
    """A first build (not a re-layout or an append) whose rows are embedded and that waits for its finishing step."""
    return _in(dataset_id, Status.RUNNING, stage=Stage.LAYOUT, row_count__isnull=True).exists()


def count_finish_start(dataset_id: uuid.UUID) -> int | None:
    """Count a start of a running build's finishing step; how many there have been, None when none runs."""
    with transaction.atomic():
        return _count_start(_in(dataset_id, Status.RUNNING))


def mark_ready(dataset_id: uuid.UUID, row_count: int, topic_count: int) -> bool:
    """A running build or re-layout is done: the map is shown, with its counts."""
    return _shown(dataset_id, row_count, topic_count=topic_count)


def _shown(dataset_id: uuid.UUID, rows: int, **more: Any) -> bool:
    """A running job is done: the map of `rows` rows is shown, with `more` of its fields changed."""
    return bool(
        _in(dataset_id, Status.RUNNING).update(
            status=Status.READY,
            stage=Stage.DONE,
            progress_done=rows,
            progress_total=rows,
            row_count=rows,
            finished_at=timezone.now(),
            **more,
        )
    )


def mark_failed(dataset_id: uuid.UUID, message: str) -> None:
    """A queued or running job failed; the message says why and what to do."""
    _in(dataset_id, *ACTIVE).update(status=Status.FAILED, error_message=message, finished_at=timezone.now())


# --- a re-layout (workers.relayout) ---


def start_relayout(dataset_id: uuid.UUID) -> int | None:
    """Take a re-layout and return how many times it has been started; None when there is none to do.

    A queued re-layout starts with its timings anew (it embeds nothing, so the build's embed timing no longer
    describes the map); a running one is a re-layout whose worker died (its task, acknowledged late, was
    delivered again): it starts over, counted.
    """
    with transaction.atomic():
        fresh = _in(dataset_id, Status.QUEUED, guard=FINISHED).update(
            status=Status.RUNNING,
            stage=Stage.LAYOUT,
            progress_done=0,
            progress_total=0,
            error_message="",
            timings={},
            finish_attempts=1,
        )
        if fresh:
            return 1
        again = _in(dataset_id, Status.RUNNING, guard=FINISHED, stage__in=[Stage.LAYOUT, Stage.TOPICS])
        return _count_start(again, stage=Stage.LAYOUT, timings={})


def _count_start(rows: QuerySet[Dataset], **changes: Any) -> int | None:
    """Count one more start on the dataset `rows` selects, with `changes`; how many starts it has now, None when
    `rows` selects nothing. Called inside a transaction, so the count read back is the one just written."""
    if not rows.update(finish_attempts=F("finish_attempts") + 1, **changes):
        return None
    return int(rows.values_list("finish_attempts", flat=True).get())


# --- an append (workers.append) ---


def start_append(dataset_id: uuid.UUID) -> bool:
    """Take a queued append; the map's rows stay as they are until the new ones are complete."""
    return bool(
        _in(dataset_id, Status.QUEUED, guard=FINISHED).update(
            status=Status.RUNNING, stage=Stage.INGEST, progress_done=0, progress_total=0, error_message=""
        )
    )


def interrupted_job_rows(dataset_id: uuid.UUID) -> int | None:
    """The row count of a finished map that a job still holds as running (its worker died); None otherwise."""
    return _in(dataset_id, Status.RUNNING, guard=FINISHED).values_list("row_count", flat=True).first()


def running_for_update(dataset_id: uuid.UUID) -> Dataset | None:
    """The running dataset, its row locked until the caller's transaction ends; None when no job runs."""
    return _in(dataset_id, Status.RUNNING).select_for_update().first()


def append_done(dataset: Dataset, rows: int, warnings: Sequence[str]) -> None:
    """The appended rows are placed: the larger map is shown. Called inside the transaction that holds
    `dataset` (running_for_update)."""
    _shown(dataset.id, rows, warnings=[*dataset.warnings, *warnings])


def append_undone(dataset: Dataset, warning: str) -> None:
    """An append that failed, was cancelled or lost its worker ends with the map as it was, and a warning."""
    _in(dataset.id, *ACTIVE, Status.CANCELLED).update(
        status=Status.READY, stage=Stage.DONE, warnings=[*dataset.warnings, warning]
    )
