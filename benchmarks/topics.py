"""BENCH_TOPICS=1 make bench: which clustering finds the known classes best, and map quality on real data.

Compares hdbscan, fast-hdbscan and fast-hdbscan's layered clustering (PLSCAN), each clustering the 2D map (what
builds do) or a 5-d / 10-d UMAP of the same vectors, on the shared data sets that carry classes: the digits
(pixel vectors, class = digit), the docstrings' summaries (MiniLM vectors, class = package) and PyPI + npm
package summaries (MiniLM vectors, class = which registry the row came from). Every
variant goes through `find_topics` (leaf fallback, noise joined to its nearest topic) and the Ward merge,
so NMI / ARI score what a map would show. Writes the "Topics: which clustering" section of docs/BENCHMARKS.md.
"""

import csv
import io
import itertools
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks import report

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"
SECTION = "## Topics: which clustering"
# HDBSCAN two ways, and fast-hdbscan's layered clustering (PLSCAN: the most persistent of its layers).
LIBRARIES = ("fast_hdbscan", "hdbscan", "plscan")
PACKAGES_PER_FILE = 5000
Vectors = npt.NDArray[np.float32]


def digits() -> tuple[Vectors, list[str | None], list[str]]:
    """500 digit images back to their 8x8 values (0-16, the PNGs are nearest-neighbour upscaled)."""
    from PIL import Image

    with (DATASETS / "digits_small_labels.csv").open(newline="") as handle:
        labels = {row["filename"]: row["label"] for row in csv.DictReader(handle)}
    vectors, classes = [], []
    with zipfile.ZipFile(DATASETS / "digits_small.zip") as archive:
        for name in sorted(labels):
            pixels = np.asarray(Image.open(io.BytesIO(archive.read(name))).convert("L"), dtype=np.float32)
            vectors.append((255 - pixels[::8, ::8].reshape(-1)) * 16 / 255)
            classes.append(labels[name])
    return np.asarray(vectors, dtype=np.float32), classes, [f"digit {c}" for c in classes]


def packages() -> tuple[Vectors, list[str | None], list[str]]:
    """The first rows of each summaries file, embedded once with the default model (cached under var/bench)."""
    texts: list[str] = []
    classes: list[str | None] = []
    for source in ("pypi_summaries_20k.csv", "npm_summaries_20k.csv"):
        with (DATASETS / source).open(newline="", encoding="utf-8") as handle:
            rows = itertools.islice(csv.DictReader(handle), PACKAGES_PER_FILE)
            for row in rows:
                texts.append(row["summary"])
                classes.append(source.split("_")[0])
    return embedded_once(texts, f"packages_{PACKAGES_PER_FILE}"), classes, texts


def docstrings() -> tuple[Vectors, list[str | None], list[str]]:
    """The docstrings' one-line summaries, class: the package (22), embedded once (cached under var/bench)."""
    import pyarrow.parquet as pq

    table = pq.read_table(DATASETS / "docstrings_corpus.parquet", columns=["summary", "package"]).to_pylist()
    texts = [r["summary"] for r in table]
    classes: list[str | None] = [r["package"] for r in table]
    return embedded_once(texts, "docstrings_summaries"), classes, texts


def embed(texts: list[str]) -> Vectors:
    """The texts embedded with the default model; encode() takes one batch: 64 texts at a time, as a build does."""
    from django.conf import settings

    from embedding import get_encoder

    encoder = get_encoder(settings.EMBED_MODEL, settings.TORCH_THREADS)
    return np.vstack([encoder.encode(texts[i : i + 64]) for i in range(0, len(texts), 64)]).astype(np.float32)


def embedded_once(texts: list[str], name: str) -> Vectors:
    """embed(texts), kept under var/bench/<name>.npy and read from there on later runs."""
    cache = ROOT / "var" / "bench" / f"{name}.npy"
    if cache.exists():
        return np.load(cache)
    vectors = embed(texts)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def evaluate(name: str, vectors: Vectors, classes: list[str | None], texts: list[str]) -> list[dict[str, Any]]:
    import umap

    from workers.stages.cluster import ClusterParams, find_topics
    from workers.stages.hierarchy import HierarchyParams, merge_topics
    from workers.stages.quality import QualityParams, label_agreement, measure_quality
    from workers.stages.reduce import LayoutParams, layout_2d

    coords, layout_s = timed(lambda: layout_2d(vectors, LayoutParams()))
    spaces: dict[str, tuple[npt.NDArray[Any], float]] = {"2D map": (coords, 0.0)}
    for dims in (5, 10):
        reducer = umap.UMAP(n_components=dims, n_neighbors=15, min_dist=0.0, metric="cosine", random_state=42)
        spaces[f"{dims}-d UMAP"] = timed(lambda r=reducer: np.asarray(r.fit_transform(vectors), dtype=np.float32))
    rows = []
    for (space, (points, extra_s)), library in itertools.product(spaces.items(), LIBRARIES):
        clusters, cluster_s = timed(lambda p=points, lib=library: find_topics(p, ClusterParams(library=lib)))
        hierarchy = merge_topics(vectors, clusters, HierarchyParams())
        agreement = label_agreement(classes, clusters.labels, hierarchy.broad.labels)
        assert agreement is not None
        rows.append(
            {
                "data": name,
                "rows": len(vectors),
                "space": space,
                "library": library.replace("_", "-"),
                "extra_s": extra_s,
                "cluster_s": cluster_s,
                "topics": clusters.count,
                "noise": float(clusters.noise.mean()),
                "agreement": agreement,
            }
        )
        print(rows[-1], flush=True)
    quality = measure_quality(vectors, coords, find_topics(coords, ClusterParams()), QualityParams())
    rows[0]["quality"] = quality
    rows[0]["layout_s"] = layout_s
    return rows


def main() -> list[dict[str, Any]]:
    results = []
    for name, load in (
        ("digits (500, 64-d pixels)", digits),
        ("docstrings (10,150, MiniLM; class: package)", docstrings),
        ("PyPI + npm (10,000, MiniLM)", packages),
    ):
        vectors, classes, texts = load()
        results.extend(evaluate(name, vectors, classes, texts))
    return results


def write_section(results: list[dict[str, Any]], machine: str) -> None:
    lines = [
        SECTION,
        "",
        f"Written by `BENCH_TOPICS=1 make bench` on {time.strftime('%Y-%m-%d')}, {machine}; the machine was shared",
        "with other work, so times are indicative. Data with known classes from `../shared/datasets`: the 500",
        "digit images as 64-d pixel vectors (class: the digit), the docstrings' one-line summaries embedded with",
        "all-MiniLM-L6-v2 (class: the package, 22), and the first 5,000 rows of each package summaries file",
        "(class: PyPI or npm). Libraries: hdbscan, fast-hdbscan, and fast-hdbscan's layered clustering (PLSCAN, its",
        "most persistent layer). Every variant runs `find_topics` (min cluster",
        "size √rows / 2, min_samples 5, leaf fallback, noise joined to its nearest topic) and the Ward merge, so",
        'NMI / ARI score what a map shows. "extra s" is the n-d UMAP (cosine, min_dist 0, seed 42) a variant',
        'needs on top of the 2D layout a map always has; "cluster s" is the clustering alone.',
        "",
        "| data | clustered on | library | extra s | cluster s | topics | noise share |"
        " NMI fine | ARI fine | NMI broad | ARI broad |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        a = r["agreement"]
        lines.append(
            f"| {r['data']} | {r['space']} | {r['library']} | {r['extra_s']:.1f} | {r['cluster_s']:.2f} |"
            f" {r['topics']} | {r['noise']:.2f} | {a.nmi_fine:.3f} | {a.ari_fine:.3f} | {a.nmi_broad:.3f} |"
            f" {a.ari_broad:.3f} |"
        )
    lines += ["", "Map quality of the same 2D maps (the build's measure, 2,000-row sample):", ""]
    lines += ["| data | layout s | kNN preservation | trustworthiness |", "|---|---:|---:|---:|"]
    for r in results:
        if "quality" in r:
            q = r["quality"]
            lines.append(f"| {r['data']} | {r['layout_s']:.1f} | {q.knn_preservation:.3f} | {q.trustworthiness:.3f} |")
    report.write_section(SECTION, lines)
