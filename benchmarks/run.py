"""Measure start-up and map builds on the shared PyPI data, with a baseline from the same run.

Run through `make bench` (fresh PostgreSQL and Redis in a temporary folder); writes docs/BENCHMARKS.md.
"""

import csv
import itertools
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import django

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT.parent / "shared" / "datasets" / "pypi_summaries_20k.csv"
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "2000,20000").split(",")]


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = found.group(1).strip() if found else cpu
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        found = re.search(r"MemTotal:\s*(\d+)", meminfo.read_text())
        memory = f", {int(found.group(1)) / 1024 / 1024:.0f} GiB RAM" if found else ""
    return f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}, no GPU"


def pypi_slice(rows: int, folder: Path) -> Path:
    out = folder / f"pypi_{rows}.csv"
    with DATASET.open(newline="", encoding="utf-8") as source, out.open("w", newline="", encoding="utf-8") as sink:
        csv.writer(sink).writerows(itertools.islice(csv.reader(source), rows + 1))
    return out


def time_to_ready(data_dir: Path) -> float:
    """Seconds from `python -m atlas.stack serve` to its ready line (embedded services, migrate, web)."""
    from atlas.services import free_port

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(ATLAS_DATA_DIR=str(data_dir), PORT=str(free_port()), ATLAS_WORKER_WARMUP="false")
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "atlas.stack", "serve"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    try:
        for line in process.stdout:
            if "[atlas] ready in" in line:
                return time.monotonic() - started
        raise RuntimeError("serve exited before it was ready")
    finally:
        process.send_signal(2)
        process.wait(timeout=60)


def build_once(path: Path) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from maps.actions import create_dataset
    from maps.models import Dataset
    from tables.mapping import RowMapping
    from teams.models import Workspace
    from workers import pipeline

    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")
    workspace, _ = Workspace.objects.get_or_create(name="benchmarks")
    dataset = create_dataset(upload, path.stem, RowMapping(text_field="summary"), workspace)
    started = time.monotonic()
    pipeline.build(dataset.id)
    wall = time.monotonic() - started
    dataset = Dataset.objects.get(id=dataset.id)
    assert dataset.status == Dataset.Status.READY, dataset.error_message
    return {"rows": dataset.row_count, "topic_count": dataset.topic_count, "wall": wall, "stages": dataset.timings}


def baseline_embed_seconds(path: Path) -> float:
    """sentence-transformers' plain `encode` with its defaults, as peers call it."""
    from sentence_transformers import SentenceTransformer

    from embedding import find_spec

    with path.open(newline="", encoding="utf-8") as handle:
        texts = [row["summary"] for row in csv.DictReader(handle)]
    model = SentenceTransformer(find_spec("all-MiniLM-L6-v2").locate())
    started = time.monotonic()
    model.encode(texts, show_progress_bar=False)
    return time.monotonic() - started


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atlas.settings")
    django.setup()
    if os.environ.get("BENCH_INGEST") == "1":
        from benchmarks import ingest

        ingest.main()
        return
    if os.environ.get("BENCH_EMBED") == "1":
        from benchmarks import embedding

        embedding.write_section(embedding.main())
        return
    if os.environ.get("BENCH_LOAD") == "1":
        from benchmarks import load

        load.main()
        return
    if os.environ.get("BENCH_FAIR") == "1":
        from benchmarks import fairness

        fairness.main()
        return
    if os.environ.get("BENCH_TOPICS") == "1":
        from benchmarks import topics

        topics.write_section(topics.main(), machine())
        return
    if os.environ.get("BENCH_SCALE") == "1":
        from django.core.management import call_command

        from benchmarks import scale

        call_command("migrate", verbosity=0)
        scale.main(machine())
        return
    if os.environ.get("BENCH_FRONTEND") == "1":
        from benchmarks import frontend

        frontend.main()
        return
    if os.environ.get("BENCH_WARMUP") == "1":
        from benchmarks import warmup

        warmup.main(machine())
        return
    if os.environ.get("BENCH_PLACE") == "1":
        from benchmarks import placement

        placement.main(machine())
        return
    if os.environ.get("BENCH_QUERY") == "1":
        from benchmarks import query_latency

        query_latency.main(machine())
        return
    if os.environ.get("BENCH_RETRIEVAL") == "1":
        from benchmarks import retrieval

        retrieval.main(machine())
        return
    if os.environ.get("BENCH_NAMES") == "1":
        from benchmarks import topic_names

        topic_names.main(machine())
        return
    if os.environ.get("BENCH_DUPLICATES") == "1":
        from benchmarks import duplicates

        duplicates.main(machine())
        return
    if os.environ.get("BENCH_CLASSIFY") == "1":
        from benchmarks import classification

        classification.main(machine())
        return
    if os.environ.get("BENCH_LAYOUT") == "1":
        from benchmarks import layout

        layout.main()
        return
    from django.core.management import call_command

    from workers.warmup import warm_up

    call_command("migrate", verbosity=0)
    folder = Path(tempfile.mkdtemp(prefix="atlas-bench-"))
    first_start = time_to_ready(folder / "serve")
    second_start = time_to_ready(folder / "serve")
    started = time.monotonic()
    warm_up()
    warm = time.monotonic() - started
    from benchmarks import embedding
    from embeddings.models import CachedEmbedding

    backends = embedding.main()
    results = []
    for rows in SIZES:
        # Each build embeds every row: the larger slice holds the smaller, which the cache would serve.
        CachedEmbedding.objects.all().delete()
        path = pypi_slice(rows, folder)
        result = build_once(path)
        result["baseline_embed"] = baseline_embed_seconds(path)
        results.append(result)
        print(result, flush=True)
    write_report(first_start, second_start, warm, results)
    embedding.write_section(backends)


def write_report(first_start: float, second_start: float, warm: float, results: list[dict[str, Any]]) -> None:
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {time.strftime('%Y-%m-%d')}. Machine: {machine()}.",
        "Data: the first N rows of `../shared/datasets/pypi_summaries_20k.csv` (short one-line summaries),",
        "text column `summary`. Settings: the defaults in `.env.example` (all-MiniLM-L6-v2 on torch, batch 64,",
        "UMAP cosine n_neighbors 15 min_dist 0.05 seed 42, fast-hdbscan). Builds run the worker's own code",
        "(`workers.pipeline.build`) in one process after the worker warm-up, against the embedded PostgreSQL.",
        "",
        "## Start-up (`python -m atlas.stack serve`, installs already in place)",
        "",
        "| | seconds to ready |",
        "|---|---:|",
        f"| first start (new data folder: initdb, migrations) | {first_start:.1f} |",
        f"| second start (same data folder) | {second_start:.1f} |",
        f"| worker warm-up (model load + numba JIT of UMAP and HDBSCAN, in the background) | {warm:.1f} |",
        "",
        "## Map builds",
        "",
        "| rows | topics | ingest | embed | layout | topics + labels | index | build total | rows/s |"
        " baseline embed (`encode` defaults) | embed speed-up |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        t = r["stages"]
        lines.append(
            f"| {r['rows']:,} | {r['topic_count']} | {t['ingest']:.1f} | {t['embed']:.1f} | {t['layout']:.1f} |"
            f" {t['topics']:.1f} | {t['index']:.1f} | {t['total']:.1f} | {r['rows'] / t['total']:.0f} |"
            f" {r['baseline_embed']:.1f} | {r['baseline_embed'] / t['embed']:.2f}x |"
        )
    lines += [
        "",
        "All times in seconds. The baseline embeds the same texts with `SentenceTransformer.encode(texts)` and",
        "its defaults (batch 32, character-length order) in the same process, right after the build.",
        "",
    ]
    report = ROOT / "docs" / "BENCHMARKS.md"
    # The ingest, layout-at-scale, fairness and load sections are written by their own scenarios (benchmarks/ingest.py,
    # benchmarks/layout.py), which come after these: keep them.
    old = report.read_text() if report.exists() else ""
    sections = (
        "## Ingest of large files",
        "## Layout and topics at scale",
        "## Fair sharing between builds",
        "## Many viewers during a build",
        "## Explorer in the browser",
    )
    starts = [old.find(s) for s in sections if s in old]
    report.write_text("\n".join(lines) + ("\n" + old[min(starts) :] if starts else ""))


if __name__ == "__main__":
    main()
