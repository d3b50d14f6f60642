"""Requests/s of the text embedding API for many small concurrent callers, with and without batching
across callers (ATLAS_EMBED_BATCH_WAIT_MS), each against a real gunicorn web process as `make run` starts it.

Run inside `python -m atlas.stack exec` (a migrated database); prints one markdown table.
"""

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from atlas.services import free_port
from benchmarks.embedding import texts

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = int(os.environ.get("BENCH_BATCH_REQUESTS", "200"))
CLIENTS = 16


def rate(wait_ms: float, data: list[str]) -> float:
    port = free_port()
    env = dict(os.environ, ATLAS_EMBED_BATCH_WAIT_MS=str(wait_ms), ATLAS_EMBED_API_CACHE="false")
    command = [sys.executable, "-m", "gunicorn", "atlas.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--worker-class", "gthread", "--workers", "1", "--threads", str(CLIENTS), "--timeout", "300"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/api/v1/embedding/text"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.post(url, json={"texts": ["warm up"]}, timeout=120).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the web process did not answer")
            time.sleep(0.5)
        with httpx.Client(timeout=120, limits=httpx.Limits(max_connections=CLIENTS)) as client:

            def call(text: str) -> None:
                assert client.post(url, json={"texts": [text]}).status_code == 200

            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
                list(pool.map(call, data))
            return len(data) / (time.monotonic() - started)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> list[str]:
    data = texts(REQUESTS)
    results = {wait: rate(wait, data) for wait in (2.0, 0.0)}
    return [
        f"| {REQUESTS} single-text requests, {CLIENTS} concurrent clients | requests/s |",
        "|---|---:|",
        f"| batching off (`ATLAS_EMBED_BATCH_WAIT_MS=0`, the default) | {results[0.0]:.0f} |",
        f"| batching on (`ATLAS_EMBED_BATCH_WAIT_MS=2`) | {results[2.0]:.0f} |",
    ]


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atlas.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    print("\n".join(main()))
