"""Celery tasks: thin wrappers that take ids and hand them to the pipeline."""

import logging
import uuid

from celery import Task, shared_task
from django.conf import settings
from django.db import connections

from workers import pipeline, relayout, store, warmup  # noqa: F401  (warmup connects the worker start-up signal)

log = logging.getLogger(__name__)


@shared_task(bind=True, name="workers.build_dataset", acks_late=True)  # type: ignore[untyped-decorator]  # celery ships no type hints
def build_dataset(self: Task, dataset_id: str) -> None:
    try:
        pipeline.build(uuid.UUID(dataset_id))
    except store.DATABASE_UNAVAILABLE as exc:
        # A broken connection stays broken: drop it so the next attempt opens a new one.
        connections.close_all()
        attempt = self.request.retries + 1
        if attempt > settings.BUILD_RETRIES:
            log.error("dataset %s: database unavailable after %d attempts: %s", dataset_id, attempt, exc)
            store.mark_failed(
                uuid.UUID(dataset_id),
                f"The build could not reach the database after {attempt} attempts ({type(exc).__name__}). "
                "Check that PostgreSQL is running, then upload the file again.",
            )
            return
        delay = min(60, 2**self.request.retries)
        log.warning("dataset %s: database unavailable (%s); retry %d in %d s", dataset_id, exc, attempt, delay)
        raise self.retry(exc=exc, countdown=delay, max_retries=settings.BUILD_RETRIES) from exc


@shared_task(name="workers.relayout_dataset", acks_late=True)  # type: ignore[untyped-decorator]  # celery ships no type hints
def relayout_dataset(dataset_id: str) -> None:
    relayout.relayout(uuid.UUID(dataset_id))
