"""Every write the web app makes: creating a dataset from an upload and queueing its build."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from maps.errors import InvalidUpload, NotCancellable, UploadTooLarge
from maps.indexes import drop_vector_index
from maps.models import Dataset
from workers.stages.errors import BuildError
from workers.stages.ingest import read_columns


def create_dataset(upload: UploadedFile[bytes] | None, name: str, text_field: str) -> Dataset:
    """Store the upload, check its header names the text column, and queue the build."""
    if upload is None:
        raise InvalidUpload("No file was uploaded: send the CSV in the multipart field 'file'.")
    filename = Path(upload.name or "upload.csv").name
    if upload.size is not None and upload.size > settings.MAX_UPLOAD_BYTES:
        raise UploadTooLarge(
            f"{filename} is {upload.size / 1e6:.1f} MB, over the {settings.MAX_UPLOAD_BYTES / 1e6:.0f} MB limit "
            "(ATLAS_MAX_UPLOAD_MB). Upload a smaller file or raise the limit."
        )
    if upload.size == 0:
        raise InvalidUpload(f"{filename} is empty. Upload a CSV with a header row and at least one row.")
    text_field = text_field.strip()
    if not text_field:
        raise InvalidUpload("No text column was chosen: send the column to embed in the field 'text_field'.")
    dataset_id = uuid.uuid4()
    path = settings.UPLOAD_DIR / f"{dataset_id}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    try:
        columns = read_columns(path, filename)
        if text_field not in columns:
            raise InvalidUpload(
                f"Column {text_field!r} is not in {filename}; its columns are: {', '.join(columns)}. "
                "Pick one of those as the text column."
            )
    except BuildError as exc:
        path.unlink(missing_ok=True)
        raise InvalidUpload(exc.message) from exc
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
