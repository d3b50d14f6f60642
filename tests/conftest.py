"""Shared fixtures: a real Celery worker process against the test database and the real Redis.

`make test` runs pytest inside `python -m atlas.stack exec`, which starts a fresh PostgreSQL and Redis
and sets DATABASE_URL / REDIS_URL; pytest-django creates the test database on that server.
"""

import csv
import itertools
import os
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from atlas.celery import app as celery_app
from atlas.stack import worker_command
from embedding.specs import NOMIC_PREFIXES
from tests.accounts import logged_in_client
from tests.tiny_models import build_tiny_clip, build_tiny_model

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"

# Test accounts need no protection against offline guessing; the production hasher would spend a
# third of a second on every account the tests make.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def database_url_for(name: str) -> str:
    """DATABASE_URL with its database swapped for the test database pytest-django created."""
    parts = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


class WorkerProcess:
    def __init__(self, process: subprocess.Popen[bytes], log_path: Path) -> None:
        self.process = process
        self.log_path = log_path

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]


@pytest.fixture(scope="session")
def celery_worker(
    django_db_setup: None, django_db_blocker: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerProcess]:
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    # Chunks of 500 rows: a 2,000-row test build runs as four embedding tasks.
    env = dict(
        os.environ, DATABASE_URL=database_url_for(connection.settings_dict["NAME"]), ATLAS_EMBED_CHUNK_ROWS="500"
    )
    hostname = f"test-worker-{os.getpid()}@%h"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            worker_command("--hostname", hostname), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    worker = WorkerProcess(process, log_path)
    deadline = time.monotonic() + 60
    while not celery_app.control.ping(timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the Celery worker did not start:\n{worker.log_tail()}")
    yield worker
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def client(db: None) -> Client:
    """pytest-django's client, logged in as the default user: the maps tests make are theirs."""
    return logged_in_client()


@pytest.fixture
def api_key(db: None, monkeypatch: pytest.MonkeyPatch) -> str:
    """An API token of the default user in ATLAS_API_KEY, where scripts keep it (the client reads it)."""
    from teams.actions import create_api_token
    from tests.accounts import default_user

    secret = create_api_token(default_user(), "tests").secret
    monkeypatch.setenv("ATLAS_API_KEY", secret)
    return secret


@pytest.fixture
def anonymous_client() -> Client:
    return Client()


@pytest.fixture
def pypi_csv(tmp_path: Path) -> Path:
    """The first 2,000 rows of the PyPI summaries file."""
    return csv_slice(tmp_path / "pypi_2k.csv", 2000)


def csv_slice(out: Path, rows: int) -> Path:
    with (DATASETS / "pypi_summaries_20k.csv").open(newline="", encoding="utf-8") as source:
        taken = list(itertools.islice(csv.reader(source), rows + 1))
    with out.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(taken)
    return out


def long_docstrings(rows: int, longer_than: int = 1500, skip: int = 0) -> list[dict[str, str]]:
    """Docstrings (name, body) whose bodies run past `longer_than` characters: several passages each."""
    import pyarrow.parquet as pq

    table = pq.read_table(DATASETS / "docstrings_corpus.parquet", columns=["name", "body"]).to_pylist()
    return [r for r in table if len(r["body"]) > longer_than][skip : skip + rows]


def long_docstrings_csv(out: Path, rows: int, longer_than: int = 1500, skip: int = 0) -> Path:
    """long_docstrings as a CSV of name and body."""
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "body"])
        writer.writerows([r["name"], r["body"]] for r in long_docstrings(rows, longer_than, skip))
    return out


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """Tiny local models served through ATLAS_EXTRA_MODELS, as an operator would configure them:

    tiny-prefixed declares Nomic's task prefixes in its own config and is flagged Matryoshka (from 8
    dimensions); tiny-plain declares nothing; nomic-embed-text-v1.5 is tiny-plain's directory under the
    name Atlas knows Nomic's prefixes for.
    """
    root = tmp_path_factory.mktemp("models")
    prefixed = build_tiny_model(root / "prefixed", prompts=NOMIC_PREFIXES, seed=1)
    plain = build_tiny_model(root / "plain", seed=2)
    paths = {"tiny-prefixed": prefixed, "tiny-plain": plain, "nomic-embed-text-v1.5": plain}
    flags = {"tiny-prefixed": ";matryoshka=8"}
    value = ",".join(f"{name}={path}{flags.get(name, '')}" for name, path in paths.items())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ATLAS_EXTRA_MODELS", value)
        yield paths


@pytest.fixture(scope="session")
def tiny_clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_clip(tmp_path_factory.mktemp("clip"), seed=3)


@pytest.fixture
def tiny_clip(tiny_models: dict[str, Path], tiny_clip_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tiny CLIP-style model served as tiny-clip (images and texts), next to the tiny text models, for
    one test: other tests see the model list without it."""
    monkeypatch.setenv("ATLAS_EXTRA_MODELS", f"{os.environ['ATLAS_EXTRA_MODELS']},tiny-clip={tiny_clip_dir};clip")
    return tiny_clip_dir


def pytest_report_header() -> list[str]:
    return [f"database: {settings.DATABASES['default'].get('NAME')}, python: {sys.version.split()[0]}"]
