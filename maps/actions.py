"""Every write the web app makes: creating a dataset from an upload and queueing its build."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from maps import uploads
from maps.errors import InvalidUpload, NotCancellable
from maps.indexes import drop_vector_index
from maps.models import Dataset


def create_dataset(upload: UploadedFile[bytes] | None, name: str, text_field: str) -> Dataset:
    """Store the upload, check that its first rows read and hold the text column, and queue the build."""
    filename = uploads.filename_of(upload)
    assert upload is not None
    text_field = text_field.strip()
    dataset_id = uuid.uuid4()
    path = uploads.store(upload, settings.UPLOAD_DIR / str(dataset_id))
    try:
        if not text_field:
            raise InvalidUpload("No text column was chosen: send the column to embed in the field 'text_field'.")
        found = uploads.first_rows(path, filename)
        columns = found.column_names
        if text_field not in columns:
            raise InvalidUpload(
                f"Column {text_field!r} is not in {filename}; its columns are: {', '.join(columns)}. "
                "Pick one of those as the text column."
            )
    except InvalidUpload:
        path.unlink(missing_ok=True)
        raise
    with transaction.atomic():
        dataset = Dataset.objects.create(
            id=dataset_id,
            name=(name.strip() or Path(filename).stem)[:200],
            source_filename=filename,
            upload_path=str(path),
            text_field=text_field,
            columns=columns,
            warnings=found.warnings,
            model_name=settings.EMBED_MODEL,
        )
        transaction.on_commit(lambda: _queue_build(dataset_id))
    return dataset


def _queue_build(dataset_id: uuid.UUID) -> None:
    from workers.tasks import build_dataset

    build_dataset.delay(str(dataset_id))


def cancel_build(dataset: Dataset) -> Dataset:
    """Stop a queued or running build; the worker notices at its next progress report and cleans up."""
    stopped = Dataset.objects.filter(id=dataset.id, status__in=[Dataset.Status.QUEUED, Dataset.Status.RUNNING]).update(
        status=Dataset.Status.CANCELLED, finished_at=timezone.now()
    )
    dataset.refresh_from_db()
    if not stopped:
        raise NotCancellable(
            f"Dataset {dataset.id} is {dataset.status}; only a queued or running build can be cancelled."
        )
    return dataset


def delete_dataset(dataset: Dataset) -> None:
    """Remove a dataset with its rows, its vector index and its uploaded file."""
    with transaction.atomic():
        drop_vector_index(dataset.id)
        dataset.delete()
    Path(dataset.upload_path).unlink(missing_ok=True)
