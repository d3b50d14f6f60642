"""Uploaded files on disk: the limits their content must respect, storing them, and reading their first rows."""

from __future__ import annotations

import re
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from maps.errors import InvalidUpload, UploadTooLarge
from workers.stages.errors import BuildError
from workers.stages.ingest import Limits, Preview, RowMapping, preview


def ingest_limits() -> Limits:
    return Limits(
        max_columns=settings.MAX_COLUMNS,
        max_field_bytes=settings.MAX_FIELD_BYTES,
        max_uncompressed_bytes=settings.MAX_UNCOMPRESSED_BYTES,
        max_compression_ratio=settings.MAX_COMPRESSION_RATIO,
    )


def filename_of(upload: UploadedFile[bytes] | None) -> str:
    if upload is None:
        raise InvalidUpload("No file was uploaded: send the table in the multipart field 'file'.")
    return Path(upload.name or "upload.csv").name


def store(upload: UploadedFile[bytes], stem: Path) -> Path:
    """Write the upload to disk chunk by chunk, under stem plus its own extensions (data.csv.gz -> .csv.gz)."""
    filename = filename_of(upload)
    if upload.size is not None and upload.size > settings.MAX_UPLOAD_BYTES:
        raise UploadTooLarge(
            f"{filename} is {upload.size / 1e6:.1f} MB, over the {settings.MAX_UPLOAD_BYTES / 1e6:.0f} MB limit "
            "(ATLAS_MAX_UPLOAD_MB). Upload a smaller file or raise the limit."
        )
    if upload.size == 0:
        raise InvalidUpload(f"{filename} is empty. Upload a table with a header row and at least one row.")
    suffix = re.sub(r"[^.a-z0-9]", "", "".join(Path(filename).suffixes[-2:]).lower())[:16]
    path = stem.with_name(stem.name + suffix)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


def first_rows(path: Path, filename: str, partial: bool = False, mapping: RowMapping | None = None) -> Preview:
    """The preview of a stored upload; a file the readers (or the mapping's checks) refuse becomes a 400."""
    try:
        return preview(path, filename, ingest_limits(), partial=partial, mapping=mapping)
    except BuildError as exc:
        raise InvalidUpload(exc.message) from exc


def preview_upload(upload: UploadedFile[bytes] | None, partial: bool) -> dict[str, Any]:
    """What POST /api/v1/previews answers: format, encoding, typed columns and the first 50 rows."""
    filename = filename_of(upload)
    assert upload is not None
    settings.UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.UPLOAD_DIR, prefix=".preview-") as folder:
        path = store(upload, Path(folder) / "upload")
        return asdict(first_rows(path, filename, partial))
