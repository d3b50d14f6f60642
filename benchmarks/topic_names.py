"""BENCH_NAMES=1 make bench: do topic names say what their topic holds?

Data: the docstrings' one-line summaries and the first 5,000 PyPI summaries, embedded with all-MiniLM-L6-v2,
laid out, clustered and merged as a build does. Every topic of every level is named three ways in the same run:
by c-TF-IDF keywords counted as before (scikit-learn's English reading), by c-TF-IDF keywords counted by
words.reading, and by the keyphrases builds use now (those candidates ranked by likeness to the topic's
centroid, chosen with Maximal Marginal Relevance); the sibling rule applies to all three. Measures:
- name -> topic: the name embedded, and the share of topics whose own centroid is the nearest of their level
  (a name that fits its topic and no other; measured with the model that ranks the keyphrases, so it favours
  them: read it beside the next two);
- siblings sharing a leading word: topics under one parent whose names start with a word a sibling's starts with;
- debris: names holding a fragment of a contraction ("don", "isn", "doesn").
Writes the "Topic names" section of docs/BENCHMARKS.md.
"""

import contextlib
import csv
import itertools
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks import report

DATASETS = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
SECTION = "## Topic names"
DEBRIS = {"don", "doesn", "isn", "didn", "wasn", "aren", "couldn", "wouldn", "shouldn", "haven", "hasn", "ll", "ve"}


def pypi() -> tuple[npt.NDArray[np.float32], list[str]]:
    with (DATASETS / "pypi_summaries_20k.csv").open(newline="", encoding="utf-8") as handle:
        texts = [row["summary"] for row in itertools.islice(csv.DictReader(handle), 5000)]
    return _embed(texts), texts


def docstrings() -> tuple[npt.NDArray[np.float32], list[str]]:
    from benchmarks.topics import docstrings as cached

    vectors, _, texts = cached()
    return vectors, texts


def _embed(texts: list[str]) -> npt.NDArray[np.float32]:
    from benchmarks.topics import embed

    return embed(texts)


def measure(name: str, vectors: npt.NDArray[np.float32], texts: list[str]) -> list[dict[str, Any]]:
    from workers.stages.cluster import ClusterParams, find_topics
    from workers.stages.hierarchy import HierarchyParams, merge_topics
    from workers.stages.label import LabelParams, describe_topics
    from workers.stages.reduce import LayoutParams, layout_2d

    coords = layout_2d(vectors, LayoutParams())
    clusters = find_topics(coords, ClusterParams())
    tree = merge_topics(vectors, clusters, HierarchyParams())
    out = []
    ways = (
        ("c-TF-IDF, scikit-learn's English reading (before)", None, True),
        ("c-TF-IDF, words.reading", None, False),
        ("keyphrases, MMR (now)", _embed, False),
    )
    for way, embed, old_reading in ways:
        started = time.monotonic()
        with _reading(old_reading):
            topics = describe_topics(texts, vectors, coords, clusters.noise, tree, LabelParams(), embed)
        seconds = time.monotonic() - started
        for level in tree.levels:
            mine = [t for t in topics if t.level == level.name]
            out.append({"data": name, "way": way, "level": level.name, "topics": len(mine), "seconds": seconds,
                        **_scores(mine, vectors, level)})  # fmt: skip
            print(out[-1], flush=True)
    return out


@contextlib.contextmanager
def _reading(old: bool) -> Iterator[None]:
    """With `old`, topic keywords count words as they did before words.reading: scikit-learn's English stop
    words and token pattern, which cut "don't" into "don"."""
    import workers.stages.label as label

    if not old:
        yield
        return

    def plain(**options: Any) -> Any:
        from sklearn.feature_extraction.text import CountVectorizer

        return CountVectorizer(stop_words="english", ngram_range=(1, 2), **options)

    kept = label.term_counter
    label.term_counter = plain
    try:
        yield
    finally:
        label.term_counter = kept


def _scores(topics: list[Any], vectors: npt.NDArray[np.float32], level: Any) -> dict[str, float]:
    first = level.ids[0]
    rows = np.asarray(level.labels - first)
    centroids = np.zeros((len(level.ids), vectors.shape[1]))
    np.add.at(centroids, rows, vectors)
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    names = _embed([t.label for t in topics])
    nearest = np.argmax(names @ centroids.T, axis=1)
    own = np.array([t.topic_id - first for t in topics])
    by_parent: dict[Any, list[str]] = {}
    for t in topics:
        by_parent.setdefault(t.parent, []).append(t.label.split(",")[0].split()[0] if t.label else "")
    shared = sum(len(lead) - len(set(lead)) for lead in by_parent.values())
    debris = sum(1 for t in topics if DEBRIS & set(t.label.replace(",", " ").split()))
    return {
        "name_to_topic": float(np.mean(nearest == own)),
        "sibling_lead_shared": shared / max(len(topics), 1),
        "debris": debris,
        "example": " · ".join(t.label for t in topics[:3]),
    }


def main(machine: str) -> None:
    results = measure("docstrings summaries (10,150)", *docstrings())
    results += measure("PyPI summaries (5,000)", *pypi())
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        SECTION,
        "",
        f"Written by `BENCH_NAMES=1 make bench` on {time.strftime('%Y-%m-%d')}, {machine}; load averages at the end",
        f"{load}. What it measures is said in `benchmarks/topic_names.py`; every way names the same topics in the",
        "same run. seconds: naming every topic of every level.",
        "",
        "| data | names | level | topics | name -> own topic | siblings sharing a leading word | debris | seconds |"
        " first three names |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['data']} | {r['way']} | {r['level']} | {r['topics']} | {r['name_to_topic']:.3f} |"
            f" {r['sibling_lead_shared']:.3f} | {r['debris']} | {r['seconds']:.1f} | {r['example']} |"
        )
    report.write_section(SECTION, lines)
