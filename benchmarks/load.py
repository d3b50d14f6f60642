"""BENCH_LOAD=1 make bench: 50 concurrent viewers load a 100,000-point map and search it while a build runs.

The app runs as `make run` runs it (`python -m atlas.stack serve`: one Celery worker, gunicorn gthread,
1 process x 8 threads) on loopback. The map is built first, in this process, from synthetic precomputed
vectors (benchmarks.layout.clustered_vectors, a Parquet file with a vector column); then a PyPI build
(BENCH_LOAD_BUILD_ROWS rows, 5,000 by default) is uploaded and, while it runs, every viewer fetches
`/points` and runs a few searches. Bounded: BENCH_LOAD_VIEWERS viewers x BENCH_LOAD_SEARCHES searches
each. Writes its section of docs/BENCHMARKS.md.
"""

import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from benchmarks import report

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Many viewers during a build"
ROWS = int(os.environ.get("BENCH_LOAD_ROWS", "100000"))
VIEWERS = int(os.environ.get("BENCH_LOAD_VIEWERS", "50"))
SEARCHES = int(os.environ.get("BENCH_LOAD_SEARCHES", "5"))
BUILD_ROWS = int(os.environ.get("BENCH_LOAD_BUILD_ROWS", "5000"))
QUERIES = ["http client", "data frames", "command line parser", "machine learning", "web framework", "testing"]


def build_map(folder: Path) -> str:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from django.core.files.uploadedfile import SimpleUploadedFile

    from benchmarks.accounts import bench_workspace
    from benchmarks.layout import clustered_vectors
    from maps.actions import create_dataset
    from maps.models import Dataset
    from tables.mapping import RowMapping
    from workers import pipeline

    vectors, _, texts = clustered_vectors(ROWS)
    path = folder / "synthetic.parquet"
    table = pa.table({"text": texts, "vector": pa.array(list(vectors), pa.list_(pa.float32()))})
    pq.write_table(table, path)
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    dataset = create_dataset(
        upload, "synthetic 100k", RowMapping(text_field="text", vector_field="vector"), bench_workspace()
    )
    # A public map: the viewers are anonymous, as readers of a published map are.
    Dataset.objects.filter(id=dataset.id).update(visibility=Dataset.Visibility.PUBLIC)
    pipeline.build(dataset.id)
    assert Dataset.objects.get(id=dataset.id).status == "ready"
    return str(dataset.id)


def serve(port: int, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PORT=str(port), ATLAS_DATA_DIR=os.environ["ATLAS_DATA_DIR"])
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "atlas.stack", "serve"],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group, so stop() can signal it
        )
    deadline = time.monotonic() + 120
    while "[atlas] ready in" not in log.read_text(errors="replace"):
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.3)
    return process


def upload_build(port: int, folder: Path) -> str:
    """Upload BUILD_ROWS PyPI rows through the API (multipart, as a script would: with an API token of the
    benchmark account); returns the dataset id."""
    import json

    from benchmarks.accounts import bench_token
    from benchmarks.run import pypi_slice

    path = pypi_slice(BUILD_ROWS, folder)
    boundary = uuid.uuid4().hex
    body = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="text_field"\r\n\r\nsummary\r\n'.encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'.encode(),
            b"Content-Type: text/csv\r\n\r\n",
            path.read_bytes(),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Authorization": f"Bearer {bench_token()}"}
    conn.request("POST", "/api/v1/datasets", body, headers)
    response = conn.getresponse()
    answer = json.loads(response.read())
    assert response.status == 201, answer
    return str(answer["id"])


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {"points": [], "search": []}
        self.errors: list[str] = []

    def timed(self, conn: http.client.HTTPConnection, kind: str, path: str) -> None:
        started = time.perf_counter()
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            ok = response.status == 200 and len(body) > 0
            error = "" if ok else f"{kind} {response.status}"
        except OSError as exc:
            error = f"{kind} {type(exc).__name__}"
        elapsed = time.perf_counter() - started
        with self.lock:
            if error:
                self.errors.append(error)
            else:
                self.latencies[kind].append(elapsed)


def viewer(port: int, dataset_id: str, number: int, results: Results) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    results.timed(conn, "points", f"/api/v1/datasets/{dataset_id}/points")
    for i in range(SEARCHES):
        query = QUERIES[(number + i) % len(QUERIES)].replace(" ", "+")
        results.timed(conn, "search", f"/api/v1/datasets/{dataset_id}/search?q={query}%20{number}&k=10")
    conn.close()


def percentile(values: list[float], share: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def main() -> None:
    from django.core.management import call_command

    from atlas.services import free_port
    from atlas.stack import stop
    from maps.models import Dataset

    call_command("migrate", verbosity=0)
    folder = Path(tempfile.mkdtemp(prefix="atlas-bench-load-"))
    started = time.monotonic()
    dataset_id = build_map(folder)
    map_build = time.monotonic() - started
    port = free_port()
    server = serve(port, folder / "serve.log")
    try:
        # One search first, so the web process has loaded the model (as after any first search).
        Results().timed(http.client.HTTPConnection("127.0.0.1", port, timeout=120), "search",
                        f"/api/v1/datasets/{dataset_id}/search?q=warm")  # fmt: skip
        build_id = upload_build(port, folder)
        results = Results()
        threads = [threading.Thread(target=viewer, args=(port, dataset_id, n, results)) for n in range(VIEWERS)]
        load = LoadAverages()
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - started
        load.stop()
        build_status = Dataset.objects.get(id=build_id)
        during = f"{build_status.status} at {build_status.stage}"
    finally:
        stop([server], grace=60)
    write_section(results, wall, map_build, during, load)


class LoadAverages:
    """The machine's 1-minute load average (as `uptime` shows it) sampled every second while the load runs:
    the machine is shared, and the latencies mean little without it."""

    def __init__(self) -> None:
        self.before = os.getloadavg()[0]
        self.samples: list[float] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self) -> None:
        while not self.done.wait(1.0):
            self.samples.append(os.getloadavg()[0])

    def stop(self) -> None:
        self.done.set()
        self.thread.join()
        self.after = os.getloadavg()[0]

    def describe(self) -> str:
        during = max(self.samples, default=self.after)
        return (
            f"1-minute load average {self.before:.1f} when the load began, up to {during:.1f} during it and "
            f"{self.after:.1f} at its end ({os.cpu_count()} cores)"
        )


def write_section(results: Results, wall: float, map_build: float, during: str, load: LoadAverages) -> None:
    from benchmarks.run import machine

    total = sum(len(v) for v in results.latencies.values()) + len(results.errors)
    lines = [
        SECTION,
        "",
        f"Written by `BENCH_LOAD=1 make bench` on {time.strftime('%Y-%m-%d')}. Machine: {machine()}; shared",
        "with other work while it ran. `python -m atlas.stack serve` (gunicorn gthread 1 x 8, one Celery worker)",
        f"on loopback; the load generator (Python threads) runs on the same cores. A {ROWS:,}-point map from",
        f"synthetic precomputed vectors (built in {map_build:.0f} s, no embedding); a {BUILD_ROWS:,}-row PyPI build",
        f"uploaded just before the load (when the load ended it was {during}). {VIEWERS} viewers at once, each",
        f"fetching `/points` (Arrow, {ROWS:,} points) then running {SEARCHES} searches (`/search?q=...&k=10`,",
        "the query embedded by the web process, HNSW in PostgreSQL).",
        "",
        f"{total} requests in {wall:.1f} s: {total / wall:.1f} requests/s, {len(results.errors)} errors"
        + (f" ({', '.join(sorted(set(results.errors)))})" if results.errors else "")
        + f". Machine: {load.describe()}.",
        "",
        "| request | count | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for kind, values in results.latencies.items():
        if values:
            lines.append(
                f"| {kind} | {len(values)} | {percentile(values, 0.5) * 1000:.0f} |"
                f" {percentile(values, 0.95) * 1000:.0f} | {max(values) * 1000:.0f} |"
            )
    lines += [
        "",
        "Every request is served by one of 8 threads in one gunicorn process, on the same cores as the worker's",
        "build and the load generator. The viewers all ask for `/points` at once, for a build whose payload nobody",
        "fetched yet: one request reads the rows and writes the Arrow payload to a file (maps/payloads.py) while",
        "the others wait for it, then all are streamed that file (browsers then revalidate with its ETag and get",
        "`304`). Each search embeds its query in the web process first.",
    ]
    report.write_section(SECTION, lines)
    print("\n".join(lines), flush=True)
