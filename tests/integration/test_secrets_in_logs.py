"""No secret reaches a log: share, invitation and password-reset links are redacted in the web server's
access log and in the app's own log lines, and mail (which carries such links) goes to private files in the
data folder instead of the output."""

import contextlib
import os
import secrets
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from atlas.services import free_port
from atlas.stack import wait_for_http, web_command
from tests.conftest import ROOT, database_url_for

pytestmark = pytest.mark.django_db


def get(url: str, **headers: str) -> None:
    # Unknown links answer 404: the request was made and logged, which is all that matters here.
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30).close()


def test_the_web_servers_log_holds_no_share_invitation_or_password_reset_secret(tmp_path: Path) -> None:
    share, invite, token = (secrets.token_urlsafe(32) for _ in range(3))
    port, log_path = free_port(), tmp_path / "web.log"
    env = dict(os.environ, DATABASE_URL=database_url_for(connection.settings_dict["NAME"]))
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            web_command("127.0.0.1", port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/healthz", server, timeout=60)
        get(f"{base}/s/{share}")
        get(f"{base}/api/v1/datasets/{secrets.token_hex(16)}/points?limit=1&share={share}")
        get(f"{base}/invites/{invite}")
        get(f"{base}/accounts/login/?next=/invites/{invite}")
        get(f"{base}/accounts/reset/MQ/{token}/")
        get(f"{base}/static/missing.js", Referer=f"{base}/s/{share}")
        deadline = time.monotonic() + 10
        while log_path.read_text().count("[redacted]") < 7 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    logged = log_path.read_text()
    for secret in (share, invite, token):
        assert secret not in logged, logged
    assert "GET /s/[redacted] HTTP/1.1" in logged, logged
    assert "Not Found: /s/[redacted]" in logged, "the app's own line about the request is redacted too"
    assert "/points?limit=1&share=[redacted]" in logged
    assert "GET /accounts/reset/[redacted]/[redacted]/ HTTP/1.1" in logged
    assert "next=/invites/[redacted]" in logged


def test_mail_goes_to_a_private_file_in_the_data_folder_and_not_to_the_output(tmp_path: Path) -> None:
    link = f"http://localhost:8000/accounts/reset/MQ/{secrets.token_urlsafe(20)}/"
    code = (
        "import django; django.setup(); from django.core.mail import send_mail; "
        f"send_mail('Reset', 'Open {link}', None, ['alice@example.org'])"
    )
    env = {k: v for k, v in os.environ.items() if k != "EMAIL_BACKEND"}
    env |= {"ATLAS_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "atlas.settings"}
    sent = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert link not in sent.stdout + sent.stderr
    [mailed] = (tmp_path / "mail").iterdir()
    assert link in mailed.read_text()
    assert stat.S_IMODE(mailed.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "mail").stat().st_mode) == 0o700
