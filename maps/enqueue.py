"""The one way the web side reaches the workers: it enqueues their tasks, by the tasks' own functions.

Every other module of maps stays free of workers (make lint's layer contracts check it): the workers
import maps, never the other way round. Call these from transaction.on_commit, so a worker never sees a
dataset before its row is committed.
"""

import uuid
from pathlib import Path

from django.conf import settings


def build(dataset_id: uuid.UUID) -> None:
    from workers.tasks import build_dataset

    build_dataset.delay(str(dataset_id))


def relayout(dataset_id: uuid.UUID) -> None:
    from workers.tasks import relayout_dataset

    relayout_dataset.delay(str(dataset_id))


def append(dataset_id: uuid.UUID, path: Path, filename: str) -> None:
    from workers.tasks import append_rows

    append_rows.apply_async(args=[str(dataset_id), str(path), filename], queue=settings.BUILD_QUEUE)


def classify(classification_id: uuid.UUID) -> None:
    from workers.tasks import classify_rows

    classify_rows.apply_async(args=[str(classification_id)], queue=settings.BUILD_QUEUE)


def name_topic(dataset_id: uuid.UUID, topic_id: int, user_id: int) -> None:
    from workers.tasks import name_topic as task

    task.apply_async(args=[str(dataset_id), topic_id, user_id], queue=settings.BUILD_QUEUE)
