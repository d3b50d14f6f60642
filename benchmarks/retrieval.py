"""BENCH_RETRIEVAL=1 make bench: how well each query mode finds the one known answer, and how fast.

Data: `../shared/datasets/docstrings_corpus.parquet` built as a map (text: `body`) by the worker's own code,
queried with `docstrings_queries.parquet` (each query is an object's one-line summary; its answer is the row
whose `name` is `relevant_name`). Modes: exact dense (brute-force cosine over the stored vectors, numpy),
HNSW dense (what semantic mode runs), keyword (every word must match, as /search), keyword with any word,
and hybrid (reciprocal rank fusion of dense and keyword). Hybrid's settings are tuned on the first
TUNE_QUERIES queries and every mode is reported on the rest, in the same run. Writes the "Retrieval"
section of docs/BENCHMARKS.md.
"""

import itertools
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from benchmarks import report

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"
SECTION = "## Retrieval: which query mode finds the answer"
TUNE_QUERIES = int(os.environ.get("BENCH_TUNE_QUERIES", "300"))
CUT = 10
Ranker = Callable[[str], list[int]]


def build_map() -> Any:
    """The docstrings corpus as a ready map, built as a user's upload is."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from maps.actions import create_dataset
    from maps.models import Dataset
    from tables.mapping import RowMapping
    from teams.models import Workspace
    from workers import pipeline

    path = DATASETS / "docstrings_corpus.parquet"
    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/octet-stream")
    workspace, _ = Workspace.objects.get_or_create(name="benchmarks")
    dataset = create_dataset(upload, "docstrings", RowMapping(text_field="body"), workspace)
    started = time.monotonic()
    pipeline.build(dataset.id)
    dataset = Dataset.objects.get(id=dataset.id)
    assert dataset.status == Dataset.Status.READY, dataset.error_message
    print(f"built {dataset.row_count} rows in {time.monotonic() - started:.0f} s", flush=True)
    return dataset


def score(ranker: Ranker, queries: list[tuple[str, int]]) -> dict[str, float]:
    """recall@1, recall@10, MRR@10 and the median / p95 milliseconds of one query."""
    first = within = reciprocal = 0.0
    times = []
    for text, answer in queries:
        started = time.perf_counter()
        ranked = ranker(text)[:CUT]
        times.append((time.perf_counter() - started) * 1000)
        if answer in ranked:
            rank = ranked.index(answer) + 1
            first += rank == 1
            within += 1
            reciprocal += 1 / rank
    n = len(queries)
    ordered = sorted(times)
    return {
        "r1": first / n,
        "r10": within / n,
        "mrr": reciprocal / n,
        "ms": statistics.median(times),
        "p95": ordered[int(0.95 * (len(ordered) - 1))],
    }


def main(machine: str) -> None:
    from django.core.management import call_command

    from maps import retrieval
    from maps.models import Point

    call_command("migrate", verbosity=0)
    dataset = build_map()
    rows = list(Point.objects.filter(dataset=dataset).order_by("row_id").values_list("row_id", "fields", "embedding"))
    row_of_name: dict[str, int] = {}
    for row_id, fields, _ in rows:
        row_of_name.setdefault(fields["name"], row_id)
    ids = np.array([r[0] for r in rows])
    matrix = np.array([r[2] for r in rows], dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    table = pq.read_table(DATASETS / "docstrings_queries.parquet").to_pylist()
    queries = [(q["query"], row_of_name[q["relevant_name"]]) for q in table if q["relevant_name"] in row_of_name]
    tune, test = queries[:TUNE_QUERIES], queries[TUNE_QUERIES:]
    # Every query's vector once, as semantic mode embeds it; the dense rankers then time the search alone.
    vectors = {text: retrieval.embed_query(dataset, text) for text, _ in queries}
    started = time.perf_counter()
    for text, _ in queries[:200]:
        retrieval.embed_query(dataset, text + " ")
    embed_ms = (time.perf_counter() - started) * 1000 / 200

    def exact(text: str) -> list[int]:
        similarity = matrix @ np.asarray(vectors[text], dtype=np.float32)
        return [int(i) for i in ids[np.argsort(-similarity)[:CUT]]]

    def hnsw(text: str) -> list[int]:
        return [hit.id for hit in retrieval.nearest(dataset, vectors[text], CUT)]

    def keyword(any_word: bool, normalization: int = 0) -> Ranker:
        return lambda text: [
            hit.id for hit in retrieval.keyword(dataset, text, CUT, any_word=any_word, normalization=normalization)
        ]

    def hybrid(fusion: retrieval.Fusion) -> Ranker:
        def rank(text: str) -> list[int]:
            query = retrieval.Query(mode="hybrid", text=text, vector=vectors[text], k=CUT)
            return [hit.id for hit in retrieval.hybrid(dataset, query, fusion)]

        return rank

    # Tuning: every combination on the tuning queries (each ranking fetched once, 100 deep, then fused), the
    # best by MRR@10 then recall@10.
    deepest = 100
    dense_runs = {text: retrieval.nearest(dataset, vectors[text], deepest) for text, _ in tune}
    keyword_runs = {
        (any_word, norm): {
            text: retrieval.keyword(dataset, text, deepest, any_word=any_word, normalization=norm) for text, _ in tune
        }
        for any_word, norm in itertools.product((True, False), (0, 1))
    }

    def fused(fusion: retrieval.Fusion) -> Ranker:
        runs = keyword_runs[(fusion.any_word, fusion.normalization)]
        return lambda text: [
            hit.id
            for hit in retrieval.fuse(
                [(dense_runs[text][: fusion.depth], fusion.dense_weight), (runs[text][: fusion.depth], 1.0)],
                fusion.rrf_k,
                CUT,
            )
        ]

    grid = [
        retrieval.Fusion(depth, rrf_k, weight, any_word, normalization)
        for depth, rrf_k, weight, any_word, normalization in itertools.product(
            (20, 50, 100), (5, 10, 30, 60), (0.5, 1.0, 1.5, 2.0, 3.0), (True, False), (0, 1)
        )
    ]
    tuned = []
    for fusion in grid:
        found = score(fused(fusion), tune)
        tuned.append((found["mrr"], found["r10"], fusion))
    tuned.sort(key=lambda t: (t[0], t[1]), reverse=True)
    best = tuned[0][2]
    print("best", tuned[:5], flush=True)
    modes: list[tuple[str, Ranker]] = [
        ("dense, exact (numpy brute force)", exact),
        ("dense, HNSW (semantic mode)", hnsw),
        ("keyword, every word (keyword mode)", keyword(False)),
        ("keyword, any word", keyword(True)),
        (f"hybrid, default ({retrieval.FUSION})", hybrid(retrieval.FUSION)),
        (f"hybrid, tuned ({best})", hybrid(best)),
    ]
    results = [(name, score(ranker, test)) for name, ranker in modes]
    for name, found in results:
        print(name, found, flush=True)
    write_section(machine, dataset, len(tune), len(test), embed_ms, results, tuned[:5])


def write_section(
    machine: str,
    dataset: Any,
    tune: int,
    test: int,
    embed_ms: float,
    results: list[tuple[str, dict[str, float]]],
    top: list[tuple[float, float, Any]],
) -> None:
    lines = [
        SECTION,
        "",
        f"`BENCH_RETRIEVAL=1 make bench` on {time.strftime('%Y-%m-%d')}. Machine: {machine}. Data: "
        f"`docstrings_corpus.parquet` ({dataset.row_count:,} rows, text `body`, all-MiniLM-L6-v2, built by the",
        "worker's code), `docstrings_queries.parquet`: one known answer per query. Hybrid's settings were tuned",
        f"on the first {tune} queries; every row below is measured on the other {test}, in the same run.",
        f"Times are in-process, per query, without embedding the query (embedding one took {embed_ms:.1f} ms",
        "median on torch here; semantic and hybrid modes add it).",
        "",
        "| mode | recall@1 | recall@10 | MRR@10 | median ms | p95 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, found in results:
        lines.append(
            f"| {name} | {found['r1']:.3f} | {found['r10']:.3f} | {found['mrr']:.3f} | {found['ms']:.1f} |"
            f" {found['p95']:.1f} |"
        )
    lines += ["", "Best hybrid settings on the tuning queries (MRR@10, recall@10):", ""]
    lines += [f"- {fusion}: {mrr:.3f}, {r10:.3f}" for mrr, r10, fusion in top]
    report.write_section(SECTION, lines)


if __name__ == "__main__":
    raise SystemExit("run through BENCH_RETRIEVAL=1 make bench")
