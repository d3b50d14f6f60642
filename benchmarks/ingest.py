"""BENCH_INGEST=1 make bench: time and peak memory of the ingest stage on large generated CSV files.

Each size runs in its own process (read the file as a build does, then COPY its rows into PostgreSQL), so
its peak RSS is its own. Files are generated under the system temp folder, never in the repository.
Writes the "Ingest of large files" section of docs/BENCHMARKS.md, keeping the others.
"""

import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks import report

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Ingest of large files"
SIZES_MB = [int(s) for s in os.environ.get("BENCH_INGEST_MB", "100,1000").split(",")]
WORDS = [
    "map",
    "embedding",
    "topic",
    "layout",
    "cluster",
    "search",
    "vector",
    "table",
    "column",
    "parquet",
    "row",
    "text",
    "query",
    "label",
]


def generate(path: Path, megabytes: int) -> int:
    """A CSV of about `megabytes` MB: id, title, body (~200 characters of prose), score, created."""
    target = megabytes * 1_000_000
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "title", "body", "score", "created"])
        while handle.tell() < target:
            for _ in range(10_000):
                w = [WORDS[(rows * k + k) % len(WORDS)] for k in range(1, 30)]
                writer.writerow(
                    [
                        rows,
                        " ".join(w[:4]),
                        " ".join(w) + f", note {rows}",
                        rows % 97 / 7,
                        f"2024-01-{rows % 28 + 1:02d}",
                    ]
                )
                rows += 1
    return rows


def child(path: Path) -> None:
    """One ingest, as the worker's ingest stage runs it; prints its timings and peak RSS as JSON."""
    import django

    django.setup()
    from django.conf import settings

    from maps.models import Dataset
    from maps.reading import ingest_limits
    from tables.reader import RowMapping, open_dataset
    from workers import store

    dataset = Dataset.objects.create(
        id=uuid.uuid4(), name="bench", source_filename=path.name, upload_path=str(path), text_field="body"
    )
    mapping = RowMapping(text_field="body", id_field="id")
    read = insert = 0.0
    rows = 0
    try:
        started = time.monotonic()
        with open_dataset(path, path.name, mapping, ingest_limits(), batch_rows=settings.INGEST_BATCH_ROWS) as stream:
            batches = stream.batches()
            while True:
                mark = time.monotonic()
                batch = next(batches, None)
                read += time.monotonic() - mark
                if batch is None:
                    break
                mark = time.monotonic()
                store.insert_points(dataset.id, batch.texts, batch.records, batch.start)
                insert += time.monotonic() - mark
                rows += len(batch.texts)
        total = time.monotonic() - started
    finally:
        dataset.delete()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "rows": rows,
                "read": read,
                "insert": insert,
                "total": total,
                "peak_gb": peak_kb / 2**20,
                "batch_rows": settings.INGEST_BATCH_ROWS,
            }
        )
    )


def main() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    folder = Path(tempfile.mkdtemp(prefix="atlas-bench-ingest-"))
    results: list[dict[str, Any]] = []
    try:
        for megabytes in SIZES_MB:
            path = folder / f"ingest_{megabytes}mb.csv"
            generate(path, megabytes)
            size = path.stat().st_size
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.ingest", str(path)], cwd=ROOT, capture_output=True, text=True
            )
            path.unlink()
            if out.returncode != 0:
                raise RuntimeError(f"ingest of {megabytes} MB failed:\n{out.stderr[-4000:]}")
            results.append({"bytes": size, **json.loads(out.stdout.strip().splitlines()[-1])})
            print(results[-1], flush=True)
    finally:
        for leftover in folder.glob("*"):
            leftover.unlink()
        folder.rmdir()
    write_section(results)


def write_section(results: list[dict[str, Any]]) -> None:
    lines = [
        SECTION,
        "",
        f"Written by `BENCH_INGEST=1 make bench` on {time.strftime('%Y-%m-%d')} (`BENCH_INGEST_MB` picks the sizes).",
        "Generated CSV (id, title, ~200-character body, score, date), text column `body`, id column `id`; the",
        "ingest stage as the worker runs it, batch by batch: read, type and check each batch (`open_dataset`),",
        "COPY it into PostgreSQL (`store.insert_points`), drop it, read the next; in a process of its own whose",
        f"peak RSS is reported. Batches of `ATLAS_INGEST_BATCH_ROWS` = {results[0]['batch_rows']:,} rows at most",
        "(a CSV is parsed in blocks of about 3 MB, so here a batch is one block, about 12,000 rows).",
        "The machine (2 cores) was shared with other work during the run, so times are rough.",
        "",
        "| file MB | rows | read s | insert s | ingest s | MB/s | peak RSS GB |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        mb = r["bytes"] / 1e6
        lines.append(
            f"| {mb:,.0f} | {r['rows']:,} | {r['read']:.1f} | {r['insert']:.1f} | {r['total']:.1f} |"
            f" {mb / r['total']:.1f} | {r['peak_gb']:.2f} |"
        )
    lines += [
        "",
        "Baseline, the whole-file reader this replaced (same machine, same files, measured 2026-11-25): 102 MB in",
        "14.0 s at 0.62 GB peak RSS, 1,001 MB in 139.9 s at 5.02 GB: it held the whole table (Arrow, then one",
        "Python dict per row) before the COPY. Times from runs at different load do not compare; peak RSS does.",
        "Peak memory now follows the batch size, not the file: what grows",
        "with the file is the id check's 16 bytes per row (a 64-bit hash and a row number). A full build still",
        "keeps every row's text in memory after ingest, for the embed and label stages.",
    ]
    report.write_section(SECTION, lines)


if __name__ == "__main__":
    if len(sys.argv) == 2:
        child(Path(sys.argv[1]))
    else:
        main()
