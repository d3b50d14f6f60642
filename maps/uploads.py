"""Uploaded files on disk: the limits their content must respect, storing them, and reading their first rows."""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.http import HttpRequest

from atlas.errors import InvalidUpload, UploadTooLarge
from maps.models import Dataset
from maps.reading import ingest_limits, read_choices
from tables.errors import BuildError
from tables.raw import unstorable
from tables.reader import Preview, RowMapping, preview

# Names people type for a delimiter, besides the character itself.
DELIMITER_WORDS = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " "}
YES, NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
# The longest file name a dataset keeps (Dataset.source_filename).
LONGEST_FILENAME = 255


def check_text(what: str, value: str, longest: int | None = None) -> None:
    """Refuse a value given with an upload that the database could not store: too long, or holding NUL or half a
    character. Called before the file is stored, so a refusal leaves nothing behind."""
    if found := unstorable(value):
        raise InvalidUpload(f"The {what} holds {found}, which Atlas cannot store. Remove it and send it again.")
    if longest is not None and len(value) > longest:
        raise InvalidUpload(
            f"The {what} is {len(value):,} characters long; Atlas keeps at most {longest}. Send a shorter one."
        )


def parse_choices(values: Mapping[str, str]) -> dict[str, Any]:
    """The read options of a form or query (delimiter, quote, has_header, bad_rows), checked; only those given."""
    found: dict[str, Any] = {}
    delimiter = values.get("delimiter", "")
    if delimiter:
        check_text("delimiter", delimiter)
        delimiter = DELIMITER_WORDS.get(delimiter.lower(), delimiter)
        if len(delimiter) != 1 or delimiter in "\r\n":
            raise InvalidUpload(
                f"The delimiter {values['delimiter']!r} is not one character. Send one character such as ',' or ';', "
                "or 'tab'; leave it out to let Atlas find it."
            )
        found["delimiter"] = delimiter
    quote = values.get("quote", "")
    if quote:
        check_text("quote character", quote)
        if len(quote) != 1 or quote in "\r\n":
            raise InvalidUpload(f"The quote character {quote!r} is not one character. Send one, such as '\"' or \"'\".")
        if quote == found.get("delimiter"):
            raise InvalidUpload(f"The quote character and the delimiter are both {quote!r}; they must differ.")
        found["quote"] = quote
    header = values.get("has_header", "").lower()
    if header:
        if header not in YES + NO:
            raise InvalidUpload(
                f"has_header is {values['has_header']!r}; send 1 (the first row names the columns) or 0 (it is "
                "data), or leave it out to let Atlas decide."
            )
        found["has_header"] = header in YES
    bad_rows = values.get("bad_rows", "")
    if bad_rows:
        if bad_rows not in ("abort", "skip"):
            raise InvalidUpload(
                f"bad_rows is {bad_rows!r}; send 'abort' (refuse a file with rows whose field count differs from "
                "the header's) or 'skip' (leave those rows out and list them in the warnings)."
            )
        found["bad_rows"] = bad_rows
    return found


def filename_of(upload: UploadedFile[bytes] | None) -> str:
    """The upload's file name, checked before anything is stored: messages and the dataset show it."""
    if upload is None:
        raise InvalidUpload("No file was uploaded: send the table in the multipart field 'file'.")
    filename = Path(upload.name or "upload.csv").name
    check_text("file name", filename, LONGEST_FILENAME)
    return filename


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
    if isinstance(upload, TemporaryUploadedFile):
        # Django already streamed it to a temporary file in chunks: move it rather than copy it.
        shutil.move(upload.temporary_file_path(), path)
        upload.close()  # Django's close accepts that the file has moved away
        return path
    try:
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


@contextlib.contextmanager
def stored(upload: UploadedFile[bytes], stem: Path) -> Iterator[Path]:
    """The upload stored as store() does, for a request that may still refuse it: any exception inside the
    block (a refusal, a database error) removes the file and the folders storing it made, so nothing is left."""
    made = [folder for folder in [stem.parent, *stem.parent.parents] if not folder.exists()]
    path = store(upload, stem)
    try:
        yield path
    except BaseException:
        path.unlink(missing_ok=True)
        for folder in made:  # deepest first
            with contextlib.suppress(OSError):  # not empty: something else is there now
                folder.rmdir()
        raise


# A file name for a raw body without ?filename=, from its content type; the readers judge the content anyway.
BODY_NAMES = {
    "text/csv": "upload.csv",
    "text/tab-separated-values": "upload.tsv",
    "application/json": "upload.json",
    "application/x-ndjson": "upload.jsonl",
    "application/jsonl": "upload.jsonl",
    "application/vnd.apache.parquet": "upload.parquet",
    "application/vnd.apache.arrow.file": "upload.arrow",
    "application/vnd.apache.arrow.stream": "upload.arrow",
    "application/gzip": "upload.gz",
    "application/zip": "upload.zip",
}
BODY_CHUNK = 1024 * 1024


def receive_body(request: HttpRequest, filename: str) -> TemporaryUploadedFile:
    """The raw request body (a table sent as it is, not as a form) streamed to a temporary file in chunks.

    The size limit holds while it streams: a body announced or found bigger is refused with 413.
    """
    name = Path(filename).name if filename else BODY_NAMES.get(request.content_type or "", "upload")
    limit = settings.MAX_UPLOAD_BYTES
    too_large = UploadTooLarge(
        f"{name} is over the {limit / 1e6:.0f} MB limit (ATLAS_MAX_UPLOAD_MB); nothing was stored. Upload a "
        "smaller file or raise the limit."
    )
    announced = request.headers.get("Content-Length", "")
    if announced.isdigit() and int(announced) > limit:
        raise too_large
    upload = TemporaryUploadedFile(name, request.content_type or "application/octet-stream", 0, None)
    handle = upload.file
    assert handle is not None
    size = 0
    try:
        while chunk := request.read(BODY_CHUNK):
            size += len(chunk)
            if size > limit:
                raise too_large
            handle.write(chunk)
    except BaseException:
        upload.close()  # the temporary file goes with it
        raise
    handle.flush()
    handle.seek(0)
    upload.size = size
    return upload


@contextlib.contextmanager
def reopened(dataset: Dataset) -> Iterator[UploadedFile[bytes]]:
    """The stored file of a failed or cancelled map, as an upload, to fix and upload again."""
    path = Path(dataset.upload_path)
    if not path.is_file():
        raise InvalidUpload(
            f"The file of {dataset.name!r} ({dataset.source_filename}) is no longer stored; choose it again."
        )
    with path.open("rb") as handle:
        yield UploadedFile(handle, name=dataset.source_filename, size=path.stat().st_size)


def preview_stored(dataset: Dataset, options: Mapping[str, Any]) -> dict[str, Any]:
    """What POST /api/v1/previews answers for the stored file of a failed or cancelled map."""
    with reopened(dataset):
        return asdict(first_rows(Path(dataset.upload_path), dataset.source_filename, options=options))


def first_rows(
    path: Path,
    filename: str,
    partial: bool = False,
    mapping: RowMapping | None = None,
    options: Mapping[str, Any] | None = None,
) -> Preview:
    """The preview of a stored upload; a file the readers (or the mapping's checks) refuse becomes a 400."""
    try:
        return preview(
            path, filename, ingest_limits(), partial=partial, mapping=mapping, choices=read_choices(options or {})
        )
    except BuildError as exc:
        raise InvalidUpload(exc.message) from exc


def preview_upload(upload: UploadedFile[bytes] | None, partial: bool, options: Mapping[str, Any]) -> dict[str, Any]:
    """What POST /api/v1/previews answers: format, encoding, typed columns and the first 50 rows."""
    filename = filename_of(upload)
    assert upload is not None
    settings.UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.UPLOAD_DIR, prefix=".preview-") as folder:
        path = store(upload, Path(folder) / "upload")
        return asdict(first_rows(path, filename, partial, options=options))
