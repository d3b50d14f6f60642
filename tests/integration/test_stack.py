"""`make run`'s supervisor: starts the embedded services, serves, stops every process on Ctrl-C, keeps data."""

import http.cookiejar
import os
import re
import signal
import stat
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil
import pytest

from atlas.services import free_port
from atlas.stack import services
from tests.accounts import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def start_serve(data_dir: Path, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    # As a person runs it: no services given, no cookie setting (serve picks one for plain HTTP) and no
    # SECRET_KEY (serve makes one and keeps it in the data folder).
    unset = ("DATABASE_URL", "REDIS_URL", "ATLAS_SECURE_COOKIES", "SECRET_KEY")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(ATLAS_DATA_DIR=str(data_dir), PORT=str(port), ATLAS_WORKER_WARMUP="false")
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "atlas.stack", "serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )


def wait_for_ready(process: subprocess.Popen[bytes], log_path: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if re.search(r"\[atlas\] ready in", log_path.read_text(errors="replace")):
            return
        assert process.poll() is None, log_path.read_text(errors="replace")[-3000:]
        time.sleep(0.2)
    pytest.fail(f"not ready in {timeout} s:\n{log_path.read_text(errors='replace')[-3000:]}")


def started_processes(supervisor: subprocess.Popen[bytes], data_dir: Path) -> list[psutil.Process]:
    processes = psutil.Process(supervisor.pid).children(recursive=True)
    # PostgreSQL daemonises (pg_ctl), so it is not a child: its pid is in its data folder.
    postmaster = int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0])
    return [*processes, psutil.Process(postmaster)]


def interrupt(process: subprocess.Popen[bytes], log_path: Path) -> None:
    process.send_signal(signal.SIGINT)
    code = process.wait(timeout=60)
    assert code == 0, f"exit code {code} after Ctrl-C:\n{log_path.read_text(errors='replace')[-4000:]}"


def sign_up_and_make_a_token(base: str) -> str:
    """What a new person does on a fresh install: the home page offers sign-up; sign up; make an API token."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def post(path: str, fields: dict[str, str]) -> str:
        csrf = next(c.value for c in jar if c.name == "csrftoken")
        data = urllib.parse.urlencode(fields | {"csrfmiddlewaretoken": csrf}).encode()
        with browser.open(urllib.request.Request(base + path, data=data), timeout=30) as response:
            return str(response.read().decode())

    with browser.open(base + "/", timeout=30) as response:
        assert 'id="welcome-signup"' in response.read().decode()
    browser.open(base + "/accounts/signup/", timeout=30).close()
    password = PASSWORD
    home = post("/accounts/signup/", {"email": "new@example.org", "password": password, "password_again": password})
    assert "new@example.org" in home, "signed up and logged in over plain HTTP: the session cookie came back"
    browser.open(base + "/account/tokens", timeout=30).close()
    found = re.search(r'id="new-token">([^<]+)<', post("/account/tokens", {"name": "stack test"}))
    assert found is not None
    return found.group(1)


def test_serve_starts_everything_stops_every_process_on_ctrl_c_and_keeps_the_data(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "var", free_port()
    log_path, second_log_path = tmp_path / "first.log", tmp_path / "second.log"
    base = f"http://127.0.0.1:{port}"

    first = start_serve(data_dir, port, log_path)
    try:
        wait_for_ready(first, log_path)
        processes = started_processes(first, data_dir)
        commands = " ".join(" ".join(p.cmdline()) for p in processes)
        assert "celery" in commands and "gunicorn" in commands and "redis-server" in commands
        token = {"Authorization": f"Bearer {sign_up_and_make_a_token(base)}"}
        boundary = "atlasboundary"
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="text_field"\r\n\r\nsummary\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="kept.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\nname,summary\r\na,an http client\r\n--{boundary}--\r\n"
        ).encode()
        request = urllib.request.Request(
            f"{base}/api/v1/datasets",
            data=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **token},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 201
    finally:
        interrupt(first, log_path)
    gone, alive = psutil.wait_procs(processes, timeout=30)
    assert alive == [], f"left running after Ctrl-C: {[p.pid for p in alive]}"
    key_file = data_dir / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600, "the key it made is readable by its user only"
    key = key_file.read_text()

    second = start_serve(data_dir, port, second_log_path)
    try:
        wait_for_ready(second, second_log_path)
        listing = urllib.request.Request(f"{base}/api/v1/datasets", headers=token)
        with urllib.request.urlopen(listing, timeout=30) as response:
            names = response.read().decode()
        assert '"name": "kept"' in names
    finally:
        interrupt(second, second_log_path)
    assert key_file.read_text() == key, "the second start signs with the same key"


def test_external_service_urls_mean_nothing_embedded_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://atlas@db.example:5432/atlas")
    monkeypatch.setenv("REDIS_URL", "redis://cache.example:6379/0")
    with services(tmp_path) as env:
        assert env == {}
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="the server runs as a system user of its own only when root starts it")
def test_postgres_stops_even_when_its_own_user_can_no_longer_reach_its_folder(tmp_path: Path) -> None:
    from atlas.services import start_postgres

    outer = tmp_path / "outer"
    outer.mkdir(mode=0o755)
    server = start_postgres(outer / "postgres")
    pid = int((outer / "postgres" / "postmaster.pid").read_text().split()[0])
    # As pytest does to its temporary root when another session starts: pg_ctl, run as the server's user,
    # could then not stop it.
    outer.chmod(0o700)
    try:
        server.stop()
    finally:
        outer.chmod(0o755)
    assert not psutil.pid_exists(pid)


def plain_terminal(data_dir: Path) -> dict[str, str]:
    """A second terminal in the project folder: no service variable set, the same data folder as `make run`."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    env["ATLAS_DATA_DIR"] = str(data_dir)
    return env


def test_a_second_terminal_reaches_the_running_app_with_no_variable_to_set(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "var", free_port()
    log_path = tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    terminal = plain_terminal(data_dir)

    serve = start_serve(data_dir, port, log_path)
    try:
        wait_for_ready(serve, log_path)
        assert stat.S_IMODE((data_dir / "running.json").stat().st_mode) == 0o600
        for command in (["manage.py"], ["-m", "atlas.stack", "manage"]):
            email = f"cli{len(command)}@example.org"
            made = subprocess.run(
                [sys.executable, *command, "create_user", email, "--token"],
                cwd=ROOT, env=terminal, capture_output=True, text=True, timeout=180,
            )  # fmt: skip
            assert made.returncode == 0, made.stdout + made.stderr
            secret = made.stdout.strip().splitlines()[-1]
            listing = urllib.request.Request(f"{base}/api/v1/datasets", headers={"Authorization": f"Bearer {secret}"})
            with urllib.request.urlopen(listing, timeout=30) as response:
                assert response.status == 200, "the account made from the terminal is the running app's"
    finally:
        interrupt(serve, log_path)
    assert not (data_dir / "running.json").exists()
    refused = subprocess.run(
        [sys.executable, "manage.py", "create_user", "late@example.org"],
        cwd=ROOT, env=terminal, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert refused.returncode != 0
    assert "make run" in refused.stderr + refused.stdout, "nothing runs: the command says how to start it"
