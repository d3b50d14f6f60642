"""BENCH_LAYOUT=1 make bench: layout + topics + quality on synthetic clustered 384-d vectors, no embedding.

The vectors are synthetic (no text corpus of 10^5 rows ships with the project): 8 broad directions,
each with 6 sub-directions, plus Gaussian noise, normalised; every row's text names its sub-group, so
labels have something to find. NMI against the constructed groups says whether the topics found them.
Writes the "Layout and topics at scale" section of docs/BENCHMARKS.md.
"""

import os
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks import report

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Layout and topics at scale"
ROWS = [int(s) for s in os.environ.get("BENCH_LAYOUT_ROWS", "100000").split(",")]


def clustered_vectors(n: int, seed: int = 0) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64], list[str]]:
    rng = np.random.default_rng(seed)
    broad = rng.normal(size=(8, 384))
    sub = broad[:, None, :] + 0.6 * rng.normal(size=(8, 6, 384))
    groups = rng.integers(0, 48, size=n)
    vectors = sub.reshape(48, 384)[groups] + 0.9 * rng.normal(size=(n, 384))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = [f"subject{g} area{g // 6} note{i % 97}" for i, g in enumerate(groups.tolist())]
    return vectors.astype(np.float32), groups, texts


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def measure(n: int) -> dict[str, Any]:
    from django.conf import settings
    from sklearn.metrics import normalized_mutual_info_score as nmi

    from workers.stages.cluster import ClusterParams, find_topics
    from workers.stages.hierarchy import HierarchyParams, merge_topics
    from workers.stages.label import LabelParams, describe_topics
    from workers.stages.quality import QualityParams, measure_quality
    from workers.stages.reduce import LayoutParams, layout_2d

    vectors, groups, texts = clustered_vectors(n)
    timings: dict[str, float] = {}
    started = time.monotonic()
    params = LayoutParams(seed=settings.LAYOUT_SEED, sample_size=settings.LAYOUT_SAMPLE_SIZE or None)
    coords = layout_2d(vectors, params)
    timings["layout"] = time.monotonic() - started
    started = time.monotonic()
    clusters = find_topics(coords, ClusterParams())
    hierarchy = merge_topics(vectors, clusters, HierarchyParams())
    topics = describe_topics(texts, vectors, coords, clusters.noise, hierarchy, LabelParams())
    timings["topics"] = time.monotonic() - started
    started = time.monotonic()
    quality = measure_quality(vectors, coords, clusters, QualityParams())
    timings["quality"] = time.monotonic() - started
    return {
        "rows": n,
        "sample": params.sample_size if params.sample_size and n > params.sample_size else n,
        "timings": timings,
        "quality": quality,
        "levels": {level: sum(t.level == level for t in topics) for level in ("broad", "mid", "fine")},
        "nmi_fine": nmi(groups, hierarchy.fine.labels),
        "nmi_broad": nmi(groups // 6, hierarchy.broad.labels),
        "peak_rss_gb": peak_rss_gb(),
    }


def warm_up_seconds() -> float:
    """Compile UMAP's fit and transform and HDBSCAN once, as a worker does at start, outside the timings."""
    from workers.stages.cluster import ClusterParams, find_topics
    from workers.stages.reduce import LayoutParams, layout_2d

    started = time.monotonic()
    vectors, _, _ = clustered_vectors(6000, seed=1)
    find_topics(layout_2d(vectors, LayoutParams(sample_size=4500, seed=0)), ClusterParams())
    return time.monotonic() - started


def main() -> None:
    warm = warm_up_seconds()
    results = []
    for n in ROWS:
        results.append(measure(n))
        print(results[-1], flush=True)
    write_section(warm, results)


def write_section(warm: float, results: list[dict[str, Any]]) -> None:
    lines = [
        SECTION,
        "",
        f"Written by `BENCH_LAYOUT=1 make bench` on {time.strftime('%Y-%m-%d')}. Synthetic 384-d unit vectors",
        "(8 broad x 6 sub-directions plus noise; see `benchmarks/layout.py`), so no embedding time is in these",
        "figures. Layout: UMAP (cosine, seed 42) fitted on a seeded sample of `ATLAS_LAYOUT_SAMPLE_SIZE` rows",
        "(default 50,000), the rest placed by `transform`. Topics: fast-hdbscan fine topics, Ward merge into mid",
        f"and broad, c-TF-IDF labels, representatives. numba warm-up ({warm:.0f} s) paid before the timings.",
        "Within a group the synthetic noise is isotropic, so a row's 10 nearest neighbours in 384-d are a random",
        "draw from its group and kNN preservation sits at its within-group chance (~10 / group size) by",
        "construction; trustworthiness and NMI are the meaningful figures here, real text is in the builds above.",
        "",
        "| rows | fitted on | layout s | topics + labels s | quality s | topics broad / mid / fine |"
        " kNN preservation | trustworthiness | noise share | NMI fine / broad vs groups | peak RSS GB |",
        "|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---:|",
    ]
    for r in results:
        t, q, lv = r["timings"], r["quality"], r["levels"]
        lines.append(
            f"| {r['rows']:,} | {r['sample']:,} | {t['layout']:.0f} | {t['topics']:.0f} | {t['quality']:.0f} |"
            f" {lv['broad']} / {lv['mid']} / {lv['fine']} | {q.knn_preservation:.3f} | {q.trustworthiness:.3f} |"
            f" {q.noise_share:.2f} | {r['nmi_fine']:.2f} / {r['nmi_broad']:.2f} | {r['peak_rss_gb']:.1f} |"
        )
    report.write_section(SECTION, lines)
