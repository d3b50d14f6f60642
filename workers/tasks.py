"""Celery tasks: thin wrappers that take ids, hand them to the pipeline and send the steps it returns.

start and finish run on the build queue, the chunks on the embed queue (settings.BUILD_QUEUE and
EMBED_QUEUE), so embedding scales out on workers of its own.
"""

import logging
import uuid
from collections.abc import Callable

from celery import Task, shared_task
from django.conf import settings
from django.db import connections

from atlas.logs import dataset_context
from maps import lifecycle
from workers import append, chunks, classify, naming, pipeline, priority, relayout, store, warmup  # noqa: F401  (priority and warmup connect worker start-up signals)

log = logging.getLogger(__name__)


@shared_task(bind=True, name="workers.build_dataset", acks_late=True)  # type: ignore[untyped-decorator]  # celery ships no type hints
def build_dataset(self: Task, dataset_id: str) -> None:
    _run(self, dataset_id, lambda: pipeline.start(uuid.UUID(dataset_id)))


@shared_task(bind=True, name="workers.embed_chunk", acks_late=True)  # type: ignore[untyped-decorator]  # celery ships no type hints
def embed_chunk(self: Task, dataset_id: str, index: int) -> None:
    worker = str(self.request.hostname or "")
    _run(self, dataset_id, lambda: pipeline.embed_chunk(uuid.UUID(dataset_id), index, worker))


@shared_task(bind=True, name="workers.finish_build", acks_late=True)  # type: ignore[untyped-decorator]  # celery ships no type hints
def finish_build(self: Task, dataset_id: str) -> None:
    _run(self, dataset_id, lambda: pipeline.finish(uuid.UUID(dataset_id)))


@shared_task(name="workers.relayout_dataset", acks_late=True)  # type: ignore[untyped-decorator]  # celery ships no type hints
def relayout_dataset(dataset_id: str) -> None:
    with dataset_context(dataset_id):
        relayout.relayout(uuid.UUID(dataset_id))


def send(dataset_id: str, todo: pipeline.Next) -> None:
    for index in todo.chunks:
        embed_chunk.apply_async(args=[dataset_id, index], queue=settings.EMBED_QUEUE)
    if todo.chunks:
        chunks.mark_sent(uuid.UUID(dataset_id), todo.chunks)
    if todo.finish:
        finish_build.apply_async(args=[dataset_id], queue=settings.BUILD_QUEUE)


def _run(task: Task, dataset_id: str, step: Callable[[], pipeline.Next]) -> None:
    with dataset_context(dataset_id):
        try:
            todo = step()
        except store.DATABASE_UNAVAILABLE as exc:
            _retry_later(task, dataset_id, exc)
            return
        send(dataset_id, todo)


def _retry_later(task: Task, dataset_id: str, exc: Exception) -> None:
    # A broken connection stays broken: drop it so the next attempt opens a new one.
    connections.close_all()
    attempt = task.request.retries + 1
    if attempt > settings.BUILD_RETRIES:
        log.error("dataset %s: database unavailable after %d attempts: %s", dataset_id, attempt, exc)
        lifecycle.mark_failed(
            uuid.UUID(dataset_id),
            f"The build could not reach the database after {attempt} attempts ({type(exc).__name__}). "
            "Check that PostgreSQL is running, then upload the file again.",
        )
        return
    delay = min(60, 2**task.request.retries)
    log.warning("dataset %s: database unavailable (%s); retry %d in %d s", dataset_id, exc, attempt, delay)
    raise task.retry(exc=exc, countdown=delay, max_retries=settings.BUILD_RETRIES) from exc


@shared_task(name="workers.append_rows", acks_late=True)  # type: ignore[untyped-decorator]  # celery ships no type hints
def append_rows(dataset_id: str, upload_path: str, filename: str) -> None:
    with dataset_context(dataset_id):
        append.append(uuid.UUID(dataset_id), upload_path, filename)


@shared_task(name="workers.classify_rows", acks_late=True)  # type: ignore[untyped-decorator]  # celery ships no type hints
def classify_rows(classification_id: str) -> None:
    classify.classify(uuid.UUID(classification_id))


@shared_task(name="workers.name_topic", acks_late=True)  # type: ignore[untyped-decorator]  # celery ships no type hints
def name_topic(dataset_id: str, topic_id: int, user_id: int) -> None:
    with dataset_context(dataset_id):
        naming.name_topic(uuid.UUID(dataset_id), topic_id, user_id)
