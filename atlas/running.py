"""What a running `make run` leaves for a second terminal: its services' URLs in a file under the data
folder (`running.json`, readable by its user only), so that `python manage.py ...` beside it reaches the
same PostgreSQL and Redis with no variable to set. `make run` removes it when it stops, and a file whose
supervisor is gone counts for nothing. Variables that are set always win.

The data folder also keeps the SECRET_KEY `make run` made at its first start (`secret_key`, readable by its
user only), so that sessions and password-reset links survive a restart and manage.py signs with the same key.
"""

import json
import os
import secrets
from collections.abc import Mapping, MutableMapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILE_NAME = "running.json"
KEYS = ("DATABASE_URL", "REDIS_URL")
SECRET_KEY_FILE = "secret_key"  # noqa: S105  (the file's name, not a key)


def data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """The folder `make run` keeps its data in: ATLAS_DATA_DIR, else var/ in the project."""
    return Path(environ.get("ATLAS_DATA_DIR") or ROOT / "var")


def record(folder: Path, urls: Mapping[str, str]) -> Path:
    """Write the services' URLs and this process's id, for this user's eyes only (the URLs may hold passwords)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE_NAME
    partial = folder / f".{FILE_NAME}.{os.getpid()}"
    handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w") as out:
        json.dump({"pid": os.getpid(), **{key: urls[key] for key in KEYS if urls.get(key)}}, out)
    os.replace(partial, path)
    return path


def forget(folder: Path) -> None:
    """Remove the file, if it is this process's."""
    path = folder / FILE_NAME
    if _read(path).get("pid") == os.getpid():
        path.unlink(missing_ok=True)


def recorded(folder: Path) -> dict[str, str]:
    """The URLs a running `make run` recorded in `folder`; empty when none runs there."""
    found = _read(folder / FILE_NAME)
    pid = found.get("pid")
    if not isinstance(pid, int) or not _alive(pid):
        return {}
    return {key: value for key in KEYS if isinstance(value := found.get(key), str) and value}


def fill_environment(environ: MutableMapping[str, str] = os.environ) -> list[str]:
    """Set DATABASE_URL and REDIS_URL from a running `make run`, and SECRET_KEY from the one it keeps, where
    they are unset; the names it set."""
    missing = [key for key in KEYS if not environ.get(key)]
    found = recorded(data_dir(environ)) if missing else {}
    for key in missing:
        if key in found:
            environ[key] = found[key]
    filled = [key for key in missing if key in found]
    if not environ.get("SECRET_KEY") and (kept := stored_secret_key(data_dir(environ))):
        environ["SECRET_KEY"] = kept
        filled.append("SECRET_KEY")
    return filled


def secret_key(folder: Path) -> str:
    """The SECRET_KEY kept in `folder`, made (random, 400 bits) and written for this user's eyes only if none is."""
    kept = stored_secret_key(folder)
    if kept:
        return kept
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    partial = folder / f".{SECRET_KEY_FILE}.{os.getpid()}"
    handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w") as out:
        out.write(key + "\n")
    os.replace(partial, folder / SECRET_KEY_FILE)
    return key


def stored_secret_key(folder: Path) -> str:
    try:
        return (folder / SECRET_KEY_FILE).read_text().strip()
    except OSError:
        return ""


def _read(path: Path) -> dict[str, object]:
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, another user's
    return True
