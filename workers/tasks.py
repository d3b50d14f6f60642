"""Celery tasks: thin wrappers that take ids and hand them to the pipeline."""

import uuid

from celery import shared_task

from workers import pipeline, warmup  # noqa: F401  (warmup connects the worker start-up signal)


@shared_task(name="workers.build_dataset", acks_late=True)  # type: ignore[untyped-decorator]  # celery ships no type hints
def build_dataset(dataset_id: str) -> None:
    pipeline.build(uuid.UUID(dataset_id))
