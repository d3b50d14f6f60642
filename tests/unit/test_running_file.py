"""The file a running `make run` leaves for a second terminal: private, read only while its writer lives."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from atlas import running

URLS = {"DATABASE_URL": "postgresql://postgres@/postgres?host=/tmp/pg", "REDIS_URL": "redis://127.0.0.1:6390/0"}


def test_the_recorded_urls_are_readable_by_their_user_only_and_read_back(tmp_path: Path) -> None:
    path = running.record(tmp_path, URLS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert running.recorded(tmp_path) == URLS
    assert [p.name for p in tmp_path.iterdir()] == ["running.json"], "no partial file is left behind"


def test_a_file_whose_writer_is_gone_counts_for_nothing(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / "running.json").write_text(json.dumps({"pid": int(gone.stdout), **URLS}))
    assert running.recorded(tmp_path) == {}
    (tmp_path / "running.json").write_text("not json")
    assert running.recorded(tmp_path) == {}
    assert running.recorded(tmp_path / "nothing-here") == {}


def test_set_variables_win_and_only_the_missing_ones_are_filled(tmp_path: Path) -> None:
    running.record(tmp_path, URLS)
    environ = {"ATLAS_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://elsewhere/db"}
    assert running.fill_environment(environ) == ["REDIS_URL"]
    assert environ["DATABASE_URL"] == "postgresql://elsewhere/db" and environ["REDIS_URL"] == URLS["REDIS_URL"]
    assert running.fill_environment({"ATLAS_DATA_DIR": str(tmp_path / "empty")}) == []


def test_only_the_writer_removes_the_file(tmp_path: Path) -> None:
    (tmp_path / "running.json").write_text(json.dumps({"pid": os.getppid(), **URLS}))
    running.forget(tmp_path)
    assert (tmp_path / "running.json").exists(), "another process's file stays"
    running.record(tmp_path, URLS)
    running.forget(tmp_path)
    assert not (tmp_path / "running.json").exists()


def test_make_runs_secret_key_is_made_once_for_its_user_only_and_read_back(tmp_path: Path) -> None:
    key = running.secret_key(tmp_path / "var")
    assert len(key) >= 50
    path = tmp_path / "var" / running.SECRET_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert running.secret_key(tmp_path / "var") == key, "the next start signs with the same key"
    assert [p.name for p in (tmp_path / "var").iterdir()] == [running.SECRET_KEY_FILE]
    assert running.secret_key(tmp_path / "other") != key


def test_a_second_terminal_signs_with_the_kept_key_unless_one_is_set(tmp_path: Path) -> None:
    key = running.secret_key(tmp_path)
    environ = {"ATLAS_DATA_DIR": str(tmp_path)}
    assert running.fill_environment(environ) == ["SECRET_KEY"] and environ["SECRET_KEY"] == key
    given = {"ATLAS_DATA_DIR": str(tmp_path), "SECRET_KEY": key[::-1]}
    assert running.fill_environment(given) == [] and given["SECRET_KEY"] == key[::-1]
