"""BENCH_QUERY=1 make bench: where a search's time goes and how long one takes over HTTP, on a map of
BENCH_QUERY_ROWS rows (100,000 by default), against the same run's baseline.

The map is written straight into PostgreSQL (synthetic clustered 384-d vectors, benchmarks.layout; no
layout, which search does not read) with its HNSW and text indexes, as a build leaves them. Then:

- hnsw.ef_search: recall@10 of the HNSW scan against exact search, for held-out vectors of the same
  clusters, at several ef_search values;
- one client, one query at a time, over HTTP to `python -m atlas.stack serve` (as `make run` starts it):
  distinct real query texts (docstrings_queries.parquet), each endpoint and mode, then the same texts again;
- BENCH_QUERY_CLIENTS clients at once (20) while a BENCH_QUERY_BUILD_ROWS-row PyPI build (2,000) runs.

The baseline is the same server set as the code was before this benchmark's changes: the query encoder on
ONNX Runtime's default thread count, no remembered query vectors, a new database connection per request,
hnsw.ef_search 100 and the worker at the web process's CPU priority (ATLAS_QUERY_THREADS=0,
ATLAS_QUERY_CACHE_SIZE=0, ATLAS_DB_CONN_MAX_AGE=0, ATLAS_SEARCH_EF=100, ATLAS_WORKER_NICE=0). Writes its
section of docs/BENCHMARKS.md.
"""

import http.client
import io
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from benchmarks import report

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"
SECTION = "## Query latency"
ROWS = int(os.environ.get("BENCH_QUERY_ROWS", "100000"))
QUERIES = int(os.environ.get("BENCH_QUERY_QUERIES", "200"))  # per request kind, at most 333
CLIENTS = int(os.environ.get("BENCH_QUERY_CLIENTS", "20"))
PER_CLIENT = int(os.environ.get("BENCH_QUERY_PER_CLIENT", "10"))
BUILD_ROWS = int(os.environ.get("BENCH_QUERY_BUILD_ROWS", "2000"))
EF_VALUES = (40, 64, 100, 150, 200, 300)
HELD_OUT = 200
BASELINE = {
    "ATLAS_QUERY_THREADS": "0",
    "ATLAS_QUERY_CACHE_SIZE": "0",
    "ATLAS_DB_CONN_MAX_AGE": "0",
    "ATLAS_SEARCH_EF": "100",
    "ATLAS_WORKER_NICE": "0",
}


def create_map(vectors: np.ndarray, texts: list[str]) -> Any:
    """A ready, public map of these rows with its search indexes."""
    from django.db import connection
    from django.utils import timezone

    from benchmarks.accounts import bench_workspace
    from maps.indexes import create_text_index, create_vector_index
    from maps.models import Dataset

    dataset = Dataset.objects.create(
        workspace=bench_workspace(),
        visibility=Dataset.Visibility.PUBLIC,
        name=f"query latency {len(texts)}",
        source_filename="synthetic.parquet",
        upload_path="/nowhere",
        text_field="text",
        columns=["text", "n"],
        model_name="all-MiniLM-L6-v2",
        status=Dataset.Status.READY,
        stage=Dataset.Stage.DONE,
        row_count=len(texts),
        topic_count=0,
        finished_at=timezone.now(),
    )
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        with raw.copy("COPY maps_point (dataset_id, row_id, text, fields, embedding, noise) FROM STDIN") as copy:
            buffer = io.StringIO()
            for i, (vector, text) in enumerate(zip(vectors, texts, strict=True)):
                literal = "[" + ",".join(f"{v:.6g}" for v in vector) + "]"
                buffer.write(f"{dataset.id}\t{i}\t{text}\t{json.dumps({'text': text, 'n': i})}\t{literal}\tf\n")
                if buffer.tell() > 1 << 22:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
    started = time.monotonic()
    create_vector_index(dataset.id)
    create_text_index(dataset.id)
    print(f"indexes of {len(texts)} rows in {time.monotonic() - started:.0f} s", flush=True)
    return dataset


def ef_recall(dataset: Any, matrix: np.ndarray, held_out: np.ndarray) -> list[tuple[int, float, float]]:
    """(ef_search, recall@10 against exact, median ms in process) for each EF_VALUES."""
    from django.test.utils import override_settings

    from maps import retrieval

    exact = [set(np.argsort(-(matrix @ q))[:10].tolist()) for q in held_out]
    found = []
    for ef in EF_VALUES:
        with override_settings(SEARCH_EF=ef):
            recalls, times = [], []
            for q, truth in zip(held_out, exact, strict=True):
                started = time.perf_counter()
                hits = retrieval.nearest(dataset, q.tolist(), 10)
                times.append((time.perf_counter() - started) * 1000)
                recalls.append(len(truth & {hit.id for hit in hits}) / 10)
        found.append((ef, statistics.mean(recalls), statistics.median(times)))
        print("ef_search", found[-1], flush=True)
    return found


def parts_of_a_search(dataset: Any, texts: list[str]) -> dict[str, float]:
    """Median ms, in process, of each part of a semantic search: embedding the text (1 and 0 = all threads),
    writing the vector literal, and the database query."""
    from embedding import get_encoder
    from maps import retrieval

    parts: dict[str, list[float]] = {"embed, 1 thread": [], "embed, ONNX default threads": [], "literal": [],
                                     "database (nearest)": []}  # fmt: skip
    one, default = get_encoder(dataset.model_name, 1), get_encoder(dataset.model_name, 0)
    for text in texts[:100]:
        for name, encoder in (("embed, 1 thread", one), ("embed, ONNX default threads", default)):
            started = time.perf_counter()
            vector = encoder.encode([text], task_type="search_query")[0].tolist()
            parts[name].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        "[" + ",".join(f"{v:.7g}" for v in vector) + "]"
        parts["literal"].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        retrieval.nearest(dataset, vector, 10)
        parts["database (nearest)"].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(times) for name, times in parts.items()}


class Client:
    """One keep-alive HTTP connection with the benchmark account's token."""

    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def timed(self, method: str, path: str, body: dict[str, Any] | None = None) -> float | None:
        """Milliseconds to a complete 200 answer; None for an error."""
        started = time.perf_counter()
        try:
            self.conn.request(method, path, None if body is None else json.dumps(body), self.headers)
            response = self.conn.getresponse()
            answer = response.read()
        except OSError:
            self.conn.close()
            return None
        elapsed = (time.perf_counter() - started) * 1000
        return elapsed if response.status == 200 and answer else None


def requests(dataset_id: str, texts: list[str]) -> dict[str, list[tuple[str, str, dict[str, Any] | None]]]:
    from urllib.parse import quote

    base = f"/api/v1/datasets/{dataset_id}"
    return {
        "GET /search (semantic)": [("GET", f"{base}/search?q={quote(t)}&k=10", None) for t in texts],
        "POST /query, semantic": [("POST", f"{base}/query", {"query": t, "mode": "semantic"}) for t in texts],
        "POST /query, default (hybrid)": [("POST", f"{base}/query", {"query": t}) for t in texts],
    }


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def one_client(port: int, token: str, dataset_id: str, texts: list[str]) -> dict[str, tuple[float, float, int]]:
    """Each request kind over its own QUERIES texts, none asked before, then the default query again over the
    texts it was asked."""
    client = Client(port, token)
    measured = {}
    for number, name in enumerate(requests(dataset_id, []), start=0):
        calls = requests(dataset_id, texts[number * QUERIES : (number + 1) * QUERIES])[name]
        times = [client.timed(*call) for call in calls]
        ok = [t for t in times if t is not None]
        measured[name] = (*percentiles(ok), len(times) - len(ok))
    again = requests(dataset_id, texts[2 * QUERIES : 3 * QUERIES])["POST /query, default (hybrid)"]
    times = [client.timed(*call) for call in again]
    ok = [t for t in times if t is not None]
    measured["POST /query, default, texts seen before"] = (*percentiles(ok), len(times) - len(ok))
    return measured


def many_clients(port: int, token: str, dataset_id: str, texts: list[str]) -> tuple[float, float, int, int]:
    """CLIENTS threads, each PER_CLIENT default queries of texts no one asked before, all at once."""
    lock = threading.Lock()
    times: list[float] = []
    errors = [0]

    def run(number: int) -> None:
        client = Client(port, token)
        for i in range(PER_CLIENT):
            text = texts[(number * PER_CLIENT + i) % len(texts)] + f" {number}"
            took = client.timed("POST", f"/api/v1/datasets/{dataset_id}/query", {"query": text})
            with lock:
                if took is None:
                    errors[0] += 1
                else:
                    times.append(took)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return (*percentiles(times), len(times), errors[0])


def embedding(dataset_id: str, timeout: float = 120) -> None:
    """Wait until the build is embedding, so the load runs beside it."""
    from maps.models import Dataset

    deadline = time.monotonic() + timeout
    while Dataset.objects.filter(id=dataset_id, status="running", stage="embed").count() == 0:
        assert time.monotonic() < deadline, f"build {dataset_id} did not start embedding in {timeout} s"
        time.sleep(0.2)


def against_server(env: dict[str, str], folder: Path, dataset_id: str, texts: list[str]) -> dict[str, Any]:
    """One server with these settings: one client, then many while a build runs."""
    from atlas.services import free_port
    from atlas.stack import stop
    from benchmarks.accounts import bench_token
    from benchmarks.load import LoadAverages, serve, upload_build
    from maps.models import Dataset

    port = free_port()
    os.environ.update(env)
    try:
        server = serve(port, folder / f"serve-{port}.log")
    finally:
        for name in env:
            os.environ.pop(name, None)
    token = bench_token()
    try:
        # A first search loads the model into the web process, as after any first search.
        Client(port, token).timed("POST", f"/api/v1/datasets/{dataset_id}/query", {"query": "warm up"})
        single = one_client(port, token, dataset_id, texts)
        build_id = upload_build(port, folder)
        embedding(build_id)
        load = LoadAverages()
        crowd = many_clients(port, token, dataset_id, texts)
        load.stop()
        build = Dataset.objects.get(id=build_id)
        during = f"{build.status} at {build.stage}"
        # Gone before the next server starts, so its worker does not carry on with this one.
        Client(port, token).timed("DELETE", f"/api/v1/datasets/{build_id}")
    finally:
        stop([server], grace=60)
    print(env, single, crowd, during, flush=True)
    return {"single": single, "crowd": crowd, "during": during, "load": max(load.samples or [load.before])}


def main(machine: str) -> None:
    from django.core.management import call_command

    from benchmarks.layout import clustered_vectors

    call_command("migrate", verbosity=0)
    folder = Path(tempfile.mkdtemp(prefix="atlas-bench-query-"))
    vectors, _, texts = clustered_vectors(ROWS + HELD_OUT, seed=3)
    started = time.monotonic()
    dataset = create_map(vectors[:ROWS], texts[:ROWS])
    made = time.monotonic() - started
    recall = ef_recall(dataset, vectors[:ROWS], vectors[ROWS:])
    # Each request kind gets its own texts (a text asked once is remembered by the server).
    queries = [q["query"] for q in pq.read_table(DATASETS / "docstrings_queries.parquet").to_pylist()][: 3 * QUERIES]
    parts = parts_of_a_search(dataset, queries)
    runs = {
        "baseline (before)": against_server(BASELINE, folder, str(dataset.id), queries),
        "now": against_server({}, folder, str(dataset.id), queries),
    }
    write_section(machine, made, recall, parts, runs)


def write_section(
    machine: str,
    made: float,
    recall: list[tuple[int, float, float]],
    parts: dict[str, float],
    runs: dict[str, dict[str, Any]],
) -> None:
    from django.conf import settings

    lines = [
        SECTION,
        "",
        f"`BENCH_QUERY=1 make bench` on {time.strftime('%Y-%m-%d')}. Machine: {machine}. A map of {ROWS:,} rows "
        f"(synthetic clustered 384-d vectors, written with COPY, HNSW and text indexes made in {made:.0f} s),",
        "`python -m atlas.stack serve` on loopback (gunicorn gthread 1 x 8, one Celery worker), the clients",
        f"(Python threads) on the same cores. {QUERIES} query texts per request kind from docstrings_queries.parquet,",
        "each kind its own, embedded by all-MiniLM-L6-v2 in the web process (the last row asks the hybrid texts",
        "again). Times are end to end over HTTP: request sent to answer read.",
        "",
        "**hnsw.ef_search**: recall@10 of the HNSW scan against exact search, for held-out vectors of the",
        f"same clusters (now ATLAS_SEARCH_EF={settings.SEARCH_EF}):",
        "",
        "| ef_search | recall@10 | median ms (in process) |",
        "|---:|---:|---:|",
    ]
    lines += [f"| {ef} | {r:.3f} | {ms:.1f} |" for ef, r, ms in recall]
    lines += ["", "**One semantic search taken apart** (in process, median of 100):", ""]
    lines += ["| part | median ms |", "|---|---:|"]
    lines += [f"| {name} | {ms:.2f} |" for name, ms in parts.items()]
    lines += ["", "**One client, one query at a time**:", ""]
    lines += ["| request | " + " | ".join(f"{run}: p50 / p95 ms" for run in runs) + " |"]
    lines += ["|---|" + "---:|" * len(runs)]
    names = list(next(iter(runs.values()))["single"])
    for name in names:
        cells = [f"{r['single'][name][0]:.1f} / {r['single'][name][1]:.1f}" for r in runs.values()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", f"**{CLIENTS} clients at once while a {BUILD_ROWS:,}-row build runs** ({PER_CLIENT} default", ""]
    lines[-2] += " queries each, of texts no one asked before):"
    lines += ["| run | p50 ms | p95 ms | answered | errors | build when the load ended | peak load average |"]
    lines += ["|---|---:|---:|---:|---:|---|---:|"]
    for run, r in runs.items():
        p50, p95, done, errors = r["crowd"]
        lines.append(f"| {run} | {p50:.0f} | {p95:.0f} | {done} | {errors} | {r['during']} | {r['load']:.1f} |")
    report.write_section(SECTION, lines)


if __name__ == "__main__":
    raise SystemExit("run through BENCH_QUERY=1 make bench")
