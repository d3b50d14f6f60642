"""BENCH_CLASSIFY=1 make bench: classification from examples, how right and how fast.

Data with known classes from ../shared/datasets: the docstrings' `package` (22 classes, 10,150 rows; the
one-line `summary` embedded with the default model, cached with BENCH_TOPICS) and the digits' labels (10
classes, 500 images; no image model can be installed here, so each image is its 16 x 16 grey levels as a unit
vector). Each way of
workers.stages.classify is scored by the same stratified cross-validation the maps show (accuracy and macro-F1;
5 folds; a class with fewer rows is missing from some), the shipped one ("both") beside its two halves, in the
same run. Then the time of a whole job's arithmetic (cross-validation, then predicting the unlabelled rows) on
synthetic 384-d clusters. Writes the "Classification" section of docs/BENCHMARKS.md.
"""

import csv
import io
import os
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks import report

DATASETS = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
SECTION = "## Classification from examples"
# labelled+unlabelled rows of each timing.
SCALE = [
    tuple(int(n) for n in pair.split("+"))
    for pair in os.environ.get("BENCH_CLASSIFY_SCALE", "20000+20000,50000+200000").split(",")
]


def docstrings() -> tuple[npt.NDArray[np.float32], list[str]]:
    """The summaries embedded once with the default model (cached under var/bench, shared with BENCH_TOPICS)."""
    from benchmarks.topics import docstrings as cached

    vectors, classes, _ = cached()
    return vectors, [str(c) for c in classes]


def digits() -> tuple[npt.NDArray[np.float32], list[str]]:
    from PIL import Image

    with (DATASETS / "digits_small_labels.csv").open(newline="") as f:
        labels = {row["filename"]: row["label"] for row in csv.DictReader(f)}
    vectors, classes = [], []
    with zipfile.ZipFile(DATASETS / "digits_small.zip") as archive:
        for name in sorted(archive.namelist()):
            label = labels.get(Path(name).name)
            if label is None:
                continue
            image = Image.open(io.BytesIO(archive.read(name))).convert("L").resize((16, 16), Image.Resampling.BILINEAR)
            ink = 1.0 - np.asarray(image, dtype=np.float32).ravel() / 255.0
            vectors.append(ink / max(float(np.linalg.norm(ink)), 1e-9))
            classes.append(label)
    return np.array(vectors, dtype=np.float32), classes


def scored(name: str, vectors: npt.NDArray[np.float32], labels: list[str]) -> list[dict[str, Any]]:
    from workers.stages.classify import WAYS, cross_validate

    out = []
    for way in WAYS:
        started = time.monotonic()
        cv = cross_validate(vectors, labels, 0, way)
        out.append(
            {"data": name, "rows": len(labels), "classes": len(set(labels)), "way": way, "accuracy": cv.accuracy,
             "macro_f1": cv.macro_f1, "folds": cv.folds, "seconds": time.monotonic() - started}
        )  # fmt: skip
        print(out[-1], flush=True)
    return out


def timed(labelled: int, unlabelled: int) -> dict[str, Any]:
    from benchmarks.scale import chunk_of
    from workers.stages.classify import cross_validate, fit_predict

    vectors, clusters = chunk_of(0, labelled + unlabelled)
    labels = [f"c{c % 20}" for c in clusters[:labelled].tolist()]
    started = time.monotonic()
    cross_validate(vectors[:labelled], labels)
    cv = time.monotonic() - started
    started = time.monotonic()
    fit_predict(vectors[:labelled], labels, vectors[labelled:])
    result = {"labelled": labelled, "unlabelled": unlabelled, "cv_s": cv, "predict_s": time.monotonic() - started}
    print(result, flush=True)
    return result


def main(machine: str) -> None:
    results = scored("docstrings: package (summary embedded)", *docstrings())
    results += scored("digits: label (16 x 16 pixels)", *digits())
    times = [timed(labelled, unlabelled) for labelled, unlabelled in SCALE]
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        SECTION,
        "",
        f"Written by `BENCH_CLASSIFY=1 make bench` on {time.strftime('%Y-%m-%d')}, {machine}; load averages at the end",
        f"{load}. Stratified cross-validation (seed 0; 5 folds, a class with fewer rows missing from some), as the",
        "map page shows it. Ways of `workers/stages/classify.py`: `linear` is a logistic regression (C = 10),",
        "`neighbours` the distance-weighted vote of the 10 nearest labelled rows (cosine), `both` the mean of their",
        "probabilities: what maps use. Every way's seconds include fitting the regression.",
        "",
        "| data | rows | classes | way | folds | accuracy | macro-F1 | seconds (all folds) |",
        "|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['data']} | {r['rows']:,} | {r['classes']} | {r['way']} | {r['folds']} | {r['accuracy']:.3f} | "
            f"{r['macro_f1']:.3f} | {r['seconds']:.1f} |"
        )
    lines += [
        "",
        "A whole job's arithmetic on synthetic 384-d clusters (benchmarks/scale.py, 20 classes): cross-validation on",
        "the labelled rows, then learning from them all and predicting the rest (reading and writing the rows in",
        "PostgreSQL not included).",
        "",
        "| labelled rows | unlabelled rows | cross-validation s | predict s |",
        "|---:|---:|---:|---:|",
    ]
    for t in times:
        lines.append(f"| {t['labelled']:,} | {t['unlabelled']:,} | {t['cv_s']:.1f} | {t['predict_s']:.1f} |")
    report.write_section(SECTION, lines)
