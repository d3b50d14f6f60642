"""Atlas refuses to start on the public default SECRET_KEY unless DEBUG is on; the web process checks it too."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import ROOT


def run(command: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # As a fresh install would: no key given and none kept in its (empty) data folder.
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    clean |= {"ATLAS_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "atlas.settings"} | env
    return subprocess.run(command, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "command", [["manage.py", "check"], ["-c", "import atlas.wsgi"]], ids=["manage.py", "web process"]
)
def test_the_default_secret_key_is_refused_with_debug_off_and_the_message_says_how_to_make_one(
    tmp_path: Path, command: list[str]
) -> None:
    refused = run([sys.executable, *command], tmp_path)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert "atlas.E005" in output and "secrets.token_urlsafe(50)" in output, output[-3000:]
    explicit = run([sys.executable, *command], tmp_path, SECRET_KEY=settings.DEV_SECRET_KEY)
    assert explicit.returncode != 0 and "atlas.E005" in explicit.stdout + explicit.stderr


@pytest.mark.parametrize(
    "env", [{"DEBUG": "true"}, {"SECRET_KEY": "a-key-of-this-install-only-" + "x" * 30}], ids=["debug", "own key"]
)
def test_debug_or_a_key_of_its_own_starts(tmp_path: Path, env: dict[str, str]) -> None:
    for command in (["manage.py", "check"], ["-c", "import atlas.wsgi"]):
        started = run([sys.executable, *command], tmp_path, **env)
        assert started.returncode == 0, started.stdout + started.stderr
