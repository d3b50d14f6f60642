"""A dataset's transitions are guarded: each happens only from the states it may start from, once."""

import uuid

import pytest
from django.conf import settings
from django.db import transaction

from maps import lifecycle
from maps.models import Dataset

pytestmark = pytest.mark.django_db(transaction=True)
Status, Stage = Dataset.Status, Dataset.Stage


def dataset(status: str, stage: str = Stage.INGEST, finished: bool = False) -> uuid.UUID:
    return Dataset.objects.create(
        name="life",
        source_filename="life.csv",
        upload_path="/nowhere",
        text_field="t",
        model_name=settings.EMBED_MODEL,
        status=status,
        stage=stage,
        row_count=10 if finished else None,
        topic_count=2 if finished else None,
        error_message="earlier" if status == Status.FAILED else "",
    ).id


def state(dataset_id: uuid.UUID) -> tuple[str, str]:
    found = Dataset.objects.get(id=dataset_id)
    return found.status, found.stage


def test_a_build_starts_once_runs_its_stages_and_is_ready_once() -> None:
    d = dataset(Status.QUEUED)
    assert lifecycle.start_build(d) and state(d) == ("running", "ingest")
    assert lifecycle.begin_embedding(d, 10) and state(d) == ("running", "embed")
    assert not lifecycle.begin_embedding(d, 10), "a second delivery of the ingest step plans nothing"
    assert not lifecycle.start_build(d), "a build past ingest is resumed, not started again"
    assert lifecycle.running_stage(d) == "embed"
    assert lifecycle.embedded_so_far(d, 4) and Dataset.objects.get(id=d).progress_done == 4
    assert lifecycle.embedding_done(d) and lifecycle.awaits_finish(d)
    assert lifecycle.count_finish_start(d) == 1 and lifecycle.count_finish_start(d) == 2
    assert lifecycle.mark_ready(d, 10, 2) and state(d) == ("ready", "done")
    assert not lifecycle.mark_ready(d, 10, 2) and not lifecycle.is_running(d)
    assert lifecycle.running_stage(d) is None and lifecycle.count_finish_start(d) is None


def test_a_cancelled_build_takes_no_further_step() -> None:
    d = dataset(Status.QUEUED)
    assert lifecycle.start_build(d)
    assert lifecycle.cancel(d) and state(d)[0] == "cancelled"
    assert not lifecycle.set_progress(d, Stage.INGEST, 1, 10)
    assert not lifecycle.begin_embedding(d, 10)
    assert not lifecycle.mark_ready(d, 10, 2)
    lifecycle.mark_failed(d, "too late")
    assert state(d)[0] == "cancelled" and not lifecycle.cancel(d)


def test_only_a_finished_map_no_job_holds_is_laid_out_again() -> None:
    never_finished = dataset(Status.FAILED)
    assert not lifecycle.queue_relayout(never_finished, {"n_neighbors": 5})
    running = dataset(Status.RUNNING, Stage.EMBED, finished=True)
    assert not lifecycle.queue_relayout(running, {"n_neighbors": 5})
    ready = dataset(Status.READY, Stage.DONE, finished=True)
    assert lifecycle.queue_relayout(ready, {"n_neighbors": 5}) and state(ready) == ("queued", "layout")
    assert Dataset.objects.get(id=ready).layout == {"n_neighbors": 5}
    assert lifecycle.start_relayout(ready) == 1 and state(ready) == ("running", "layout")
    # Its task delivered again after its worker died: it starts over, counted.
    assert lifecycle.start_relayout(ready) == 2
    assert lifecycle.mark_ready(ready, 10, 3) and lifecycle.start_relayout(ready) is None


def test_rows_are_added_only_to_a_ready_map_and_an_undone_append_leaves_it_ready() -> None:
    queued = dataset(Status.QUEUED)
    assert not lifecycle.queue_append(queued)
    ready = dataset(Status.READY, Stage.DONE, finished=True)
    assert lifecycle.queue_append(ready) and not lifecycle.queue_append(ready)
    assert lifecycle.start_append(ready) and state(ready) == ("running", "ingest")
    assert lifecycle.interrupted_job_rows(ready) == 10
    with transaction.atomic():
        held = lifecycle.running_for_update(ready)
        assert held is not None
        lifecycle.append_undone(held, "the rows were not added")
    found = Dataset.objects.get(id=ready)
    assert (found.status, found.stage, found.warnings) == ("ready", "done", ["the rows were not added"])
    with transaction.atomic():
        assert lifecycle.interrupted_job_rows(ready) is None and lifecycle.running_for_update(ready) is None


def test_a_finished_append_shows_the_larger_map() -> None:
    d = dataset(Status.READY, Stage.DONE, finished=True)
    assert lifecycle.queue_append(d) and lifecycle.start_append(d)
    with transaction.atomic():
        held = lifecycle.running_for_update(d)
        assert held is not None
        lifecycle.append_done(held, 15, ["one row skipped"])
    found = Dataset.objects.get(id=d)
    assert (found.status, found.row_count, found.progress_done, found.warnings) == (
        "ready",
        15,
        15,
        ["one row skipped"],
    )
