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


def bench_token() -> str:
    """A fresh API token of the bench account: the embedding API serves accounts only."""
    from django.contrib.auth import get_user_model

    from benchmarks.accounts import BENCH_EMAIL, bench_workspace
    from teams.actions import create_api_token

    bench_workspace()
    return create_api_token(get_user_model().objects.get(username=BENCH_EMAIL), "batching bench").secret


def rate(wait_ms: float, data: list[str], token: str) -> float:
    port = free_port()
    # The API cache off so every request reaches the model; the rate limit out of the way of the bench.
    env = dict(
        os.environ,
        ATLAS_EMBED_BATCH_WAIT_MS=str(wait_ms),
        ATLAS_EMBED_API_CACHE="false",
        ATLAS_RATE_LIMIT_EMBEDDING="1000000/60",
    )
    headers = {"Authorization": f"Bearer {token}"}
    command = [sys.executable, "-m", "gunicorn", "atlas.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--worker-class", "gthread", "--workers", "1", "--threads", str(CLIENTS), "--timeout", "300"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/api/v1/embedding/text"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                answer = httpx.post(url, json={"texts": ["warm up"]}, headers=headers, timeout=120)
                if answer.status_code == 200:
                    break
                raise RuntimeError(f"the web process answered {answer.status_code}: {answer.text[:300]}")
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the web process did not answer")
            time.sleep(0.5)
        limits = httpx.Limits(max_connections=CLIENTS)
        with httpx.Client(timeout=120, limits=limits, headers=headers) as client:

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
    from django.conf import settings

    from embedding import get_encoder

    data = texts(REQUESTS)
    token = bench_token()
    get_encoder(settings.EMBED_MODEL)  # the ONNX export, once, before any server starts
    waits = [float(w) for w in os.environ.get("BENCH_BATCH_WAITS", "0,2").split(",")]
    rates: dict[float, list[float]] = {w: [] for w in waits}
    # The settings take turns, there and back, so load from elsewhere hits each alike.
    for wait in [*waits, *reversed(waits)]:
        rates[wait].append(rate(wait, data, token))
        print(f"wait {wait} ms: {rates[wait][-1]:.1f} requests/s", flush=True)
    lines = [
        f"| {REQUESTS} single-text requests, {CLIENTS} concurrent clients | requests/s (each run) |",
        "|---|---:|",
    ]
    for wait in waits:
        label = "batching off" if wait <= 0 else "batching on"
        figures = ", ".join(f"{r:.0f}" for r in rates[wait])
        lines.append(f"| {label} (`ATLAS_EMBED_BATCH_WAIT_MS={wait:g}`) | {figures} |")
    return lines


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atlas.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    print("\n".join(main()))
