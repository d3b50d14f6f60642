"""Every write the web app makes: creating a dataset from an upload and queueing its build."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from maps import uploads
from maps.errors import InvalidUpload, NotCancellable
from maps.indexes import drop_vector_index
from maps.models import Dataset
from workers.stages.mapping import RowMapping


def create_dataset(
    upload: UploadedFile[bytes] | None, name: str, mapping: RowMapping, options: dict[str, Any] | None = None
) -> Dataset:
    """Store the upload, check its first rows read and fit the chosen columns, and queue the build."""
    filename = uploads.filename_of(upload)
    assert upload is not None
    mapping = RowMapping(
        text_field=mapping.text_field.strip(),
        text_template=mapping.text_template.strip(),
        id_field=mapping.id_field.strip(),
        vector_field=mapping.vector_field.strip(),
    )
    dataset_id = uuid.uuid4()
    path = uploads.store(upload, settings.UPLOAD_DIR / str(dataset_id))
    try:
        found = uploads.first_rows(path, filename, mapping=mapping, options=options)
    except InvalidUpload:
        path.unlink(missing_ok=True)
        raise
    columns = found.column_names
    with transaction.atomic():
        dataset = Dataset.objects.create(
            id=dataset_id,
            name=(name.strip() or Path(filename).stem)[:200],
            source_filename=filename,
            upload_path=str(path),
            text_field=mapping.text_field,
            text_template=mapping.text_template,
            id_field=mapping.id_field,
            vector_field=mapping.vector_field,
            columns=columns,
            read_options=options or {},
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
