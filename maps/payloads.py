"""Built payloads of a map (the /points Arrow stream, a column's values) kept on disk, one copy per build.

A payload is written once per ETag (which names a build, a re-layout or an append) into the dataset's upload
folder, so deleting the dataset deletes it; a new ETag is a new folder and the folders of older ones are removed.
Files are written beside their final name and renamed into place, so a reader never sees half a payload, and
a lock file lets one request build a missing payload while the others wait for it instead of each building it.
At 100,000 points the /points payload is about 1.4 MB (14 bytes a point): a file read by the page cache and
sent by the server costs the web process far less than keeping copies of it in Redis beside the broker.
"""

import contextlib
import fcntl
import hashlib
import logging
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase

from maps.models import Dataset
from maps.queries import ARROW_STREAM_TYPE

log = logging.getLogger(__name__)

FOLDER = "payloads"


def folder_of(dataset_id: uuid.UUID) -> Path:
    return Path(settings.UPLOAD_DIR) / str(dataset_id) / FOLDER


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def cached(dataset: Dataset, build_etag: str, name: str, make: Callable[[], bytes]) -> IO[bytes] | bytes:
    """The payload `name` of the build `build_etag` (the /points ETag) names: an open file when it is (or now
    gets) cached, else the bytes `make` returned (the folder could not be written, or the map changed while
    they were made). Every payload of one build shares its folder, so caching one never evicts another."""
    build = folder_of(dataset.id) / _digest(build_etag)
    path = build / f"{_digest(name)}.arrow"
    with contextlib.suppress(FileNotFoundError):
        return path.open("rb")
    try:
        build.mkdir(parents=True, exist_ok=True)
        lock = (build / f"{path.stem}.lock").open("a+b")
    except OSError as exc:
        log.warning("dataset %s: payload cache not writable (%s); sending the payload uncached", dataset.id, exc)
        return make()
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        with contextlib.suppress(FileNotFoundError):
            return path.open("rb")  # another request made it while this one waited
        payload = make()
        if not _still_current(dataset):
            # A re-layout or an append began after this request read the dataset: these bytes may mix the two.
            return payload
        try:
            _write(path, payload)
            _remove_older(build)
            return path.open("rb")
        except OSError as exc:
            log.warning("dataset %s: could not cache a payload (%s); sending it uncached", dataset.id, exc)
            return payload


def _still_current(dataset: Dataset) -> bool:
    return Dataset.objects.filter(id=dataset.id, status=Dataset.Status.READY, finished_at=dataset.finished_at).exists()


def _write(path: Path, payload: bytes) -> None:
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".partial-", delete=False) as partial:
        try:
            partial.write(payload)
        except BaseException:
            Path(partial.name).unlink(missing_ok=True)
            raise
    Path(partial.name).replace(path)


def _remove_older(current: Path) -> None:
    """Folders of earlier builds of the map: nobody asks for their ETag once the map has a newer one."""
    for other in current.parent.iterdir():
        if other != current and other.is_dir():
            shutil.rmtree(other, ignore_errors=True)


def cached_bytes(dataset: Dataset, build_etag: str, name: str, make: Callable[[], bytes]) -> bytes:
    """The bytes of `cached`'s payload, read whole (for a payload the server reads rather than sends)."""
    payload = cached(dataset, build_etag, name, make)
    if isinstance(payload, bytes):
        return payload
    with payload:
        return payload.read()


def response(payload: IO[bytes] | bytes, headers: dict[str, str]) -> HttpResponseBase:
    """An Arrow payload as a response: a cached one streamed from its file, one that could not be cached sent
    from memory."""
    if isinstance(payload, bytes):
        return HttpResponse(payload, content_type=ARROW_STREAM_TYPE, headers=headers)
    return FileResponse(payload, content_type=ARROW_STREAM_TYPE, headers=headers)
