"""Re-layout: lay a built map out again from its stored vectors with new parameters; nothing is re-embedded."""

import logging
import time
import uuid

from django.conf import settings

from maps import lifecycle
from maps.models import Dataset
from workers import store
from workers.arrange import arrange, class_of
from workers.jobs import Ends, JobCancelled, Run, run_job
from workers.pipeline import MAP_JOB_STEP

log = logging.getLogger(__name__)


def relayout(dataset_id: uuid.UUID) -> None:
    with store.step_lock(dataset_id, MAP_JOB_STEP):
        _relayout(dataset_id)


def _relayout(dataset_id: uuid.UUID) -> None:
    attempt = lifecycle.start_relayout(dataset_id)
    if attempt is None:
        log.info("dataset %s: no re-layout queued, nothing to do", dataset_id)
        return
    if attempt > settings.BUILD_RETRIES + 1:
        log.error("dataset %s: re-layout started %d times without finishing", dataset_id, attempt - 1)
        lifecycle.mark_failed(
            dataset_id,
            f"The re-layout stopped {attempt - 1} times before finishing: its worker was killed each time, most "
            "likely for lack of memory. The rows and vectors are kept: give the workers more memory or choose a "
            "smaller sample size, then lay the map out again.",
        )
        return
    run = Run(dataset_id, Dataset.Stage.LAYOUT)
    run_job(run, RELAYOUT_ENDS, _relayout_and_show)
    store.add_timings(dataset_id, run.timings)


# The rows and vectors stay whatever happens: the map can be laid out again.
RELAYOUT_ENDS = Ends(
    kind="re-layout",
    cancelled=lambda run: None,
    refused=lambda run, message: lifecycle.mark_failed(
        run.dataset_id, f"The re-layout stopped: {message} The rows and vectors are kept."
    ),
    crashed=lambda run: lifecycle.mark_failed(
        run.dataset_id,
        f"The re-layout stopped at the {run.stage} stage because of an internal error; it has been logged with the "
        "dataset id. The rows and vectors are kept: try the re-layout again.",
    ),
)


def _relayout_and_show(run: Run) -> None:
    dataset_id = run.dataset_id
    started = time.monotonic()
    dataset = Dataset.objects.get(id=dataset_id)
    vectors, texts, values = store.load_rows(dataset_id, dataset.label_field)
    run.timings["load"] = round(time.monotonic() - started, 3)
    classes = [class_of(value) for value in values] if values is not None else None
    clusters = arrange(run, dataset_id, vectors, texts, classes, dataset.layout, settings.LAYOUT_SEED)
    # Before the map says ready, so whoever sees it ready sees the timings of this re-layout.
    store.add_timings(dataset_id, run.timings)
    # mark_ready sets a new finished_at: the points' ETag changes and browsers fetch the new layout.
    if not lifecycle.mark_ready(dataset_id, len(vectors), clusters.count):
        raise JobCancelled(Dataset.Stage.TOPICS)
    log.info("dataset %s: re-laid out, %d topics, timings %s", dataset_id, clusters.count, run.timings)
