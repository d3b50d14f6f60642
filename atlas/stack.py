"""Run Atlas on one machine: the embedded services (unless DATABASE_URL / REDIS_URL name external ones),
migrations, one Celery worker (on every queue) and the web server; Ctrl-C stops every process this started.

    python -m atlas.stack serve            # what `make run` calls
    python -m atlas.stack exec -- CMD ...  # run CMD with fresh services in a temporary folder (`make test`)
    python -m atlas.stack manage ARGS ...  # manage.py against the app's database (make backup / restore)
"""

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path

from atlas import running
from atlas.services import child_env, start_postgres, start_redis

ROOT = Path(__file__).resolve().parent.parent


def say(message: str) -> None:
    print(f"[atlas] {message}", flush=True)


@contextmanager
def services(data_dir: Path) -> Iterator[dict[str, str]]:
    """Yield the environment that points at the services, starting embedded ones where none is given."""
    env: dict[str, str] = {}
    with ExitStack() as stack:
        if os.environ.get("DATABASE_URL"):
            say("using the PostgreSQL server in DATABASE_URL")
        else:
            postgres = start_postgres(data_dir / "postgres")
            stack.callback(postgres.stop)
            stack.callback(say, "stopping PostgreSQL")
            env["DATABASE_URL"] = postgres.url
            say(f"PostgreSQL is up (data in {postgres.datadir})")
        if os.environ.get("REDIS_URL"):
            say("using the Redis server in REDIS_URL")
        else:
            redis = start_redis(data_dir / "redis")
            stack.callback(redis.stop)
            stack.callback(say, "stopping Redis")
            env["REDIS_URL"] = redis.url
            say(f"Redis is up at {redis.url}")
        yield env


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    # A session of its own: the terminal's Ctrl-C reaches only this supervisor, which then stops the
    # children in order instead of every process racing to exit at once.
    return subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)


def stop(processes: list[subprocess.Popen[bytes]], grace: float = 15.0) -> None:
    for process in processes:
        if process.poll() is None:
            # The group may be gone between the poll and the signal.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        # Whatever is left of the group (a worker's pool children, say) goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class Interrupted(Exception):
    pass


def _raise_interrupted(signum: int, frame: object) -> None:
    raise Interrupted(signal.Signals(signum).name)


def wait_for_http(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the web server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  (our own http:// URL)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the web server did not answer at {url} within {timeout:.0f} s")


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex((host, port)) != 0


def serve() -> int:
    started = time.monotonic()
    signal.signal(signal.SIGINT, _raise_interrupted)
    signal.signal(signal.SIGTERM, _raise_interrupted)
    host = os.environ.get("HOST") or "127.0.0.1"
    port = int(os.environ.get("PORT") or "8000")
    if not port_is_free(host, port):
        say(f"port {port} on {host} is already in use: stop what runs there or pick another with PORT=8001 make run")
        return 1
    data_dir = running.data_dir()
    children: list[subprocess.Popen[bytes]] = []
    if host in LOOPBACK:
        # Plain HTTP on this machine only: Secure cookies would never come back, so logging in would fail.
        os.environ.setdefault("ATLAS_SECURE_COOKIES", "false")
    if not os.environ.get("SECRET_KEY"):
        # Never the public default: a key of this install's own, made once and kept with its data.
        os.environ["SECRET_KEY"] = running.secret_key(data_dir)
    try:
        with services(data_dir) as service_env:
            env = child_env(**service_env)
            # A second terminal's manage.py reads it to reach these services (atlas.running).
            running.record(data_dir, env)
            try:
                return run_children(children, env, host, port, started)
            finally:
                running.forget(data_dir)
                # Children first, while the database and Redis they use are still up.
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                stop(children)
    except Interrupted:
        say("stopped")
        return 0


def run_children(
    children: list[subprocess.Popen[bytes]], env: dict[str, str], host: str, port: int, started: float
) -> int:
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    children.append(start(worker_command(queues=build_queues(env)), env))
    children.append(start(web_command(host, port), env))
    url = f"http://{host}:{port}/"
    wait_for_http(url, children[-1], timeout=60)
    say(f"ready in {time.monotonic() - started:.1f} s: open {url}  (Ctrl-C stops everything)")
    while all(child.poll() is None for child in children):
        time.sleep(0.5)
    say("a child process exited; stopping the rest")
    return 1


def web_command(host: str, port: int) -> list[str]:
    # The access log goes to stdout through atlas.weblog, which blanks the secrets in request URLs.
    return [
        sys.executable, "-m", "gunicorn", "atlas.wsgi",
        "--bind", f"{host}:{port}",
        "--worker-class", "gthread", "--workers", "1", "--threads", "8",
        "--timeout", "300", "--access-logfile", "-", "--logger-class", "atlas.weblog.AccessLogger",
    ]  # fmt: skip


def build_queues(env: Mapping[str, str] | None = None) -> str:
    """Both queues a worker of `make run` consumes: the build steps' and the embedding chunks'."""
    found: Mapping[str, str] = os.environ if env is None else env
    return f"{found.get('ATLAS_BUILD_QUEUE') or 'builds'},{found.get('ATLAS_EMBED_QUEUE') or 'embed'}"


def worker_command(*extra: str, queues: str = "") -> list[str]:
    # One task at a time, taken only when the last is done (prefetch multiplier 1): a small build's chunks
    # then wait behind the few chunks a big build has queued, not behind the whole big build.
    return [
        sys.executable, "-m", "celery", "-A", "atlas", "worker",
        "--concurrency", "1", "--prefetch-multiplier", "1", "--queues", queues or build_queues(),
        "--without-mingle", "--without-gossip", "--loglevel", "INFO", *extra,
    ]  # fmt: skip


def exec_with_services(command: list[str], keep: bool) -> int:
    if not command:
        say("nothing to run: python -m atlas.stack exec -- COMMAND ...")
        return 2
    data_dir = Path(tempfile.mkdtemp(prefix="atlas-test-", dir=os.environ.get("ATLAS_TEST_TMP")))
    try:
        with services(data_dir) as service_env:
            # Tests that restart the embedded PostgreSQL need to know where it lives.
            env = child_env(
                **service_env,
                # Test servers speak plain HTTP on the loopback address, as `make run` does.
                ATLAS_SECURE_COOKIES=os.environ.get("ATLAS_SECURE_COOKIES", "false"),
                ATLAS_DATA_DIR=str(data_dir / "data"),
                SECRET_KEY=os.environ.get("SECRET_KEY") or running.secret_key(data_dir),
                ATLAS_EMBEDDED_PGDATA=str(data_dir / "postgres"),
            )
            return subprocess.run(command, cwd=ROOT, env=env).returncode
    finally:
        if not keep:
            import shutil

            shutil.rmtree(data_dir, ignore_errors=True)


def manage(args: list[str]) -> int:
    """Run manage.py against the app's database: DATABASE_URL's, else a running `make run`'s, else the embedded
    one (started for the command, and stopped again afterwards)."""
    env = dict(os.environ)
    running.fill_environment(env)
    postgres = None
    if not env.get("DATABASE_URL"):
        datadir = running.data_dir(env) / "postgres"
        was_running = (datadir / "postmaster.pid").exists()
        postgres = start_postgres(datadir)
        env["DATABASE_URL"] = postgres.url
        if was_running:
            postgres = None
    try:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env).returncode
    finally:
        if postgres is not None:
            postgres.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m atlas.stack", description=__doc__.split("\n")[0] if __doc__ else ""
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="start everything and serve the app (make run)")
    run = sub.add_parser("exec", help="run a command against fresh services in a temporary folder")
    run.add_argument("--keep", action="store_true", help="keep the temporary folder afterwards")
    run.add_argument("argv", nargs=argparse.REMAINDER)
    admin = sub.add_parser("manage", help="run manage.py against the app's database")
    admin.add_argument("argv", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve()
    if args.command == "manage":
        return manage(args.argv)
    argv_rest = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    return exec_with_services(argv_rest, args.keep)


if __name__ == "__main__":
    sys.exit(main())
