"""BENCH_DUPLICATES=1 make bench: how well near duplicates are found, and what finding them costs.

Precision and recall: 1,000 copies, each of a different real PyPI summary, made with small edits as people make
them (another case, a word dropped or repeated, punctuation added), planted among the 20,000 summaries; every
row embedded by the build's own encoder, the layout fitted as a build fits it, and the pairs read off each row's
nearest neighbours as the layout stage reads them (workers/stages/outliers.py, duplicates.py), joined with the
exact (normalised text) groups as GET .../duplicates joins them. A planted copy is found when it lands in its
original's group; precision is the share of grouped pairs (row and group representative) that are planted.

Cost at scale: synthetic 384-d clusters (benchmarks/scale.py) with 1 % of rows planted as copies of another row
plus noise (cosine about 0.95), at BENCH_DUPLICATE_SIZES rows (default 100,000; 1,000,000 takes about 15
minutes): the UMAP fit on the layout's 50,000-row sample (what any build pays), then the neighbour search and
pairs (what duplicates and outliers add), off the index alone and with the shared-neighbour comparison builds
add above the sample, and the recall of the planted copies each way. Writes the "Near
duplicates" section of docs/BENCHMARKS.md.
"""

import csv
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks import report
from tests.planted import edited

DATASETS = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
SECTION = "## Near duplicates"
THRESHOLDS = (0.85, 0.9, 0.95, 0.97)
PLANTED = 1_000
SIZES = [int(n) for n in os.environ.get("BENCH_DUPLICATE_SIZES", "100000").split(",")]
SAMPLE = 50_000


def _fit(vectors: npt.NDArray[np.float32]) -> Any:
    """The layout's fitted UMAP as a build makes it (on a 50,000-row sample above that many rows)."""
    from workers.stages.reduce import FittedLayout, LayoutParams, _umap

    params = LayoutParams()
    n = len(vectors)
    sample = np.sort(np.random.default_rng(params.seed).choice(n, size=min(n, SAMPLE), replace=False))
    reducer = _umap(len(sample), params).fit(vectors[sample])
    return FittedLayout(reducer, None, None, np.zeros(2), 1.0, rows=sample.astype(np.int64) if n > SAMPLE else None)


def _pairs(fitted: Any, vectors: npt.NDArray[np.float32], shared: bool = True) -> Any:
    """The pairs as the layout stage finds them (workers/arrange.py): off the neighbour index, and (shared) among
    rows outside the sample that share a nearest sampled row."""
    from workers.stages.duplicates import merge_pairs, near_pairs, shared_neighbour_pairs
    from workers.stages.outliers import nearest

    near = nearest(fitted, vectors, np.arange(len(vectors)))
    pairs = near_pairs(near, 0.85)
    if shared and fitted.rows is not None:
        outside = np.ones(len(vectors), dtype=bool)
        outside[fitted.rows] = False
        pairs = merge_pairs([pairs, shared_neighbour_pairs(near, vectors, 0.85, outside)])
    return pairs


def _groups(n: int, pairs: Any, threshold: float, exact: list[list[int]]) -> npt.NDArray[np.int64]:
    """Each row's group (its smallest row id), joined by maps.duplicates' own union-find as GET .../duplicates
    joins exact groups and pairs."""
    from maps.duplicates import Groups

    found = Groups()
    for rows in exact:
        for row in rows[1:]:
            found.join(rows[0], row)
    keep = pairs.similarity >= threshold
    for a, b in zip(pairs.first[keep].tolist(), pairs.second[keep].tolist(), strict=True):
        found.join(a, b)
    return np.array([found.find(r) for r in range(n)], dtype=np.int64)


def _scores(groups: npt.NDArray[np.int64], planted: dict[int, int]) -> dict[str, float]:
    """Recall: planted copies in their original's group. Precision: of the rows grouped with another (each
    counted once against its group's smallest row), the share that are a planted copy or its original."""
    found = sum(groups[copy] == groups[original] for copy, original in planted.items())
    sizes = np.bincount(groups, minlength=len(groups))
    grouped = np.flatnonzero(sizes[groups] > 1)
    involved = set(planted) | set(planted.values())
    right = sum(1 for row in grouped.tolist() if row in involved)
    return {
        "recall": found / len(planted),
        "precision": right / len(grouped) if len(grouped) else 1.0,
        "grouped": len(grouped),
    }


def real_text() -> list[dict[str, Any]]:
    from django.conf import settings

    from embedding import get_encoder
    from embedding.bulk import EmbedParams, iter_embeddings

    with (DATASETS / "pypi_summaries_20k.csv").open(newline="", encoding="utf-8") as handle:
        texts = [row["summary"] for row in csv.DictReader(handle)]
    rng = np.random.default_rng(7)
    sources = rng.choice(len(texts), size=PLANTED, replace=False)
    planted = {len(texts) + k: int(i) for k, i in enumerate(sources)}
    texts += [edited(texts[i], rng) for i in sources]
    encoder = get_encoder(settings.EMBED_MODEL)
    vectors = np.empty((len(texts), encoder.dimensions), dtype=np.float32)
    for rows, found in iter_embeddings(encoder, texts, EmbedParams()):
        vectors[rows] = found
    started = time.monotonic()
    fitted = _fit(vectors)
    fit_s = time.monotonic() - started
    started = time.monotonic()
    pairs = _pairs(fitted, vectors)
    pairs_s = time.monotonic() - started
    by_text: dict[str, list[int]] = {}
    for row, text in enumerate(texts):
        by_text.setdefault(" ".join(text.lower().split()), []).append(row)
    exact = [rows for rows in by_text.values() if len(rows) > 1]
    results = []
    for threshold in THRESHOLDS:
        results.append({"threshold": threshold, **_scores(_groups(len(texts), pairs, threshold, exact), planted)})
        print(results[-1], flush=True)
    return [{"rows": len(texts), "fit_s": fit_s, "pairs_s": pairs_s, "by_threshold": results}]


def at_scale(n: int) -> dict[str, Any]:
    from benchmarks.scale import chunk_of

    vectors = np.concatenate([chunk_of(start, min(n, start + 50_000))[0] for start in range(0, n, 50_000)])
    rng = np.random.default_rng(11)
    copies = rng.choice(n, size=n // 100, replace=False)
    originals = rng.choice(np.setdiff1d(np.arange(n), copies), size=len(copies), replace=False)
    noisy = vectors[originals] + 0.32 * rng.standard_normal((len(copies), 384), dtype=np.float32) / np.sqrt(384)
    vectors[copies] = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
    cosine = float(np.mean(np.sum(vectors[copies] * vectors[originals], axis=1)))
    started = time.monotonic()
    fitted = _fit(vectors)
    fit_s = time.monotonic() - started
    planted = dict(zip(copies.tolist(), originals.tolist(), strict=True))
    started = time.monotonic()
    index_only = _scores(_groups(n, _pairs(fitted, vectors, shared=False), 0.9, []), planted)
    index_s = time.monotonic() - started
    started = time.monotonic()
    pairs = _pairs(fitted, vectors)
    pairs_s = time.monotonic() - started
    scores = _scores(_groups(n, pairs, 0.9, []), planted)
    result = {
        "rows": n, "cosine": cosine, "fit_s": fit_s, "index_s": index_s, "index_recall": index_only["recall"],
        "pairs_s": pairs_s, **scores,
    }  # fmt: skip
    print(result, flush=True)
    return result


def main(machine: str) -> None:
    (real,) = real_text()
    scale = [at_scale(n) for n in SIZES]
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        SECTION,
        "",
        f"Written by `BENCH_DUPLICATES=1 make bench` on {time.strftime('%Y-%m-%d')}, {machine}; load averages at the",
        f"end {load}. What it measures is said in `benchmarks/duplicates.py`. Real text: the 20,000 PyPI summaries",
        f"and {PLANTED:,} edited copies of them ({real['rows']:,} rows, all-MiniLM-L6-v2); the UMAP fit took",
        f"{real['fit_s']:.1f} s, the neighbour search and pairs {real['pairs_s']:.1f} s.",
        "",
        "| threshold | recall of planted copies | precision of grouped rows | rows grouped |",
        "|---:|---:|---:|---:|",
    ]
    for r in real["by_threshold"]:
        lines.append(f"| {r['threshold']} | {r['recall']:.3f} | {r['precision']:.3f} | {r['grouped']:,} |")
    lines += [
        "",
        "Precision counts every grouped row that is neither a planted copy nor its original as wrong, though some",
        "are real near duplicates of the registry's own (packages published with one summary under two names).",
        "",
        "At scale (synthetic 384-d clusters, 1 % of rows planted as noisy copies; threshold 0.9):",
        "",
        "| rows | copies' mean cosine | UMAP fit on the sample s | index only: s, recall |"
        " with shared neighbours: s, recall | precision |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for s in scale:
        lines.append(
            f"| {s['rows']:,} | {s['cosine']:.3f} | {s['fit_s']:.1f} | {s['index_s']:.1f}, {s['index_recall']:.3f} |"
            f" {s['pairs_s']:.1f}, {s['recall']:.3f} | {s['precision']:.3f} |"
        )
    lines += [
        "",
        "Above the layout's sample a row's neighbours are searched among the 50,000 sampled rows only, so the index",
        "alone pairs a copy with its original only when one of the two is in the sample. Builds also compare the",
        "rows outside the sample that share one of their two nearest sampled rows (workers/stages/duplicates.py,",
        "shared_neighbour_pairs): the fifth column.",
    ]
    report.write_section(SECTION, lines)
