"""BENCH_SCALE=1 make bench: map-ready time and peak memory at 10^5-10^6 rows of precomputed 384-d vectors.

Rows are synthetic (8 broad x 6 sub-directions plus noise, as in benchmarks/layout.py, made in float32
chunks), so there is no text corpus of that size to embed. Each measurement runs in its own process so
its peak RSS is its own:
- build: a Parquet upload with a vector column through `create_dataset` and the whole `pipeline.build`
  (ingest -> layout -> topics -> quality -> index), for the sizes in BENCH_SCALE_BUILD_ROWS;
- stages: the same file through the stage functions alone (read_dataset, layout_2d, find_topics +
  merge + labels, measure_quality) with no database, to measure the build's overhead;
- stored: rows and vectors written straight to PostgreSQL, then what a build does after ingest
  (`workers.arrange`: layout -> topics -> quality, then the index and ready), for BENCH_SCALE_STORED_ROWS.
Writes the "Scale: 10^5 to 10^6 rows" section of docs/BENCHMARKS.md.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks import report

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Scale: 10^5 to 10^6 rows"
CHUNK = 50_000


def _rows(name: str, default: str) -> list[int]:
    return [int(s) for s in os.environ.get(name, default).split(",") if s]


def chunk_of(start: int, stop: int, seed: int = 0) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """Rows start..stop of one fixed synthetic data set: the same directions for every chunk."""
    directions = np.random.default_rng(seed)
    broad = directions.normal(size=(8, 384))
    sub = (broad[:, None, :] + 0.6 * directions.normal(size=(8, 6, 384))).reshape(48, 384).astype(np.float32)
    rng = np.random.default_rng([seed, start])
    groups = rng.integers(0, 48, size=stop - start)
    vectors = sub[groups] + 0.9 * rng.standard_normal(size=(stop - start, 384), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors, groups


def texts_of(start: int, groups: npt.NDArray[np.int64]) -> list[str]:
    return [f"subject{g} area{g // 6} note{(start + i) % 97}" for i, g in enumerate(groups.tolist())]


def write_parquet(n: int, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("text", pa.string()), ("group", pa.int64()), ("vector", pa.list_(pa.float32()))])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, n, CHUNK):
            vectors, groups = chunk_of(start, min(n, start + CHUNK))
            flat = pa.array(vectors.reshape(-1))
            offsets = pa.array(np.arange(0, len(flat) + 1, 384, dtype=np.int32))
            column = pa.ListArray.from_arrays(offsets, flat)
            writer.write_table(pa.table([texts_of(start, groups), groups, column], schema=schema))


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def run_build(path: Path) -> dict[str, Any]:
    from django.core.files.uploadedfile import UploadedFile

    from benchmarks.accounts import bench_workspace
    from maps.actions import create_dataset
    from maps.models import Dataset
    from tables.mapping import RowMapping
    from workers import pipeline

    with path.open("rb") as handle:
        upload = UploadedFile(handle, name=path.name, size=path.stat().st_size)
        dataset = create_dataset(
            upload, path.stem, RowMapping(text_field="text", vector_field="vector"), bench_workspace(), "group"
        )
    started = time.monotonic()
    pipeline.build(dataset.id)
    wall = time.monotonic() - started
    dataset = Dataset.objects.get(id=dataset.id)
    assert dataset.status == Dataset.Status.READY, dataset.error_message
    return {"wall": wall, "stages": dataset.timings, "quality": dataset.quality, "peak_rss_gb": peak_rss_gb()}


def run_stages(path: Path) -> dict[str, Any]:
    from django.conf import settings

    from maps.models import EMBEDDING_DIMENSIONS
    from maps.reading import ingest_limits
    from tables.reader import RowMapping, read_dataset
    from workers.stages.cluster import ClusterParams, find_topics
    from workers.stages.hierarchy import HierarchyParams, merge_topics
    from workers.stages.label import LabelParams, describe_topics
    from workers.stages.quality import QualityParams, measure_quality
    from workers.stages.reduce import LayoutParams, layout_2d

    timings: dict[str, float] = {}
    started = time.monotonic()
    mapping = RowMapping(text_field="text", vector_field="vector")
    table = read_dataset(path, path.name, mapping, ingest_limits(), EMBEDDING_DIMENSIONS)
    assert table.vectors is not None
    vectors = table.vectors
    timings["ingest"] = time.monotonic() - started
    started = time.monotonic()
    params = LayoutParams(seed=settings.LAYOUT_SEED, sample_size=settings.LAYOUT_SAMPLE_SIZE or None)
    coords = layout_2d(vectors, params)
    timings["layout"] = time.monotonic() - started
    started = time.monotonic()
    clusters = find_topics(coords, ClusterParams())
    hierarchy = merge_topics(vectors, clusters, HierarchyParams())
    describe_topics(table.texts, vectors, coords, clusters.noise, hierarchy, LabelParams())
    measure_quality(vectors, coords, clusters, QualityParams())
    timings["topics"] = time.monotonic() - started
    return {"stages": timings, "peak_rss_gb": peak_rss_gb()}


PROGRESS = ROOT / "var" / "bench" / "scale_progress.log"


def note(text: str) -> None:
    """A timestamped line in var/bench/scale_progress.log, so a run stopped part-way still says where it was."""
    PROGRESS.parent.mkdir(parents=True, exist_ok=True)
    with PROGRESS.open("a") as handle:
        handle.write(f"{time.strftime('%H:%M:%S')} {text} (peak RSS {peak_rss_gb():.1f} GB)\n")


def run_stored(n: int) -> dict[str, Any]:
    from django.conf import settings

    from maps import layout, lifecycle
    from maps.indexes import create_vector_index
    from maps.models import Dataset
    from workers import store
    from workers.arrange import arrange
    from workers.jobs import Run

    dataset = Dataset.objects.create(
        name=f"scale {n}",
        source_filename="synthetic",
        upload_path="/nowhere",
        text_field="text",
        model_name=settings.EMBED_MODEL,
        status=Dataset.Status.RUNNING,
        layout=layout.defaults(),
    )
    started = time.monotonic()
    texts: list[str] = []
    vectors = np.empty((n, 384), dtype=np.float32)
    for start in range(0, n, CHUNK):
        chunk, groups = chunk_of(start, min(n, start + CHUNK))
        chunk_texts = texts_of(start, groups)
        vectors[start : start + len(chunk)] = chunk
        texts.extend(chunk_texts)
        store.insert_points(dataset.id, chunk_texts, [{"group": int(g)} for g in groups.tolist()], start)
        store.save_embeddings(dataset.id, np.arange(start, start + len(chunk)), chunk)
    store_s = time.monotonic() - started
    note(f"{n} rows and vectors stored in {store_s:.0f} s")

    class NotedBuild(Run):
        def progress(self, done: int, total: int) -> None:
            note(f"stage {self.stage} at {done}/{total}, timings so far {self.timings}")
            super().progress(done, total)

    run = NotedBuild(dataset.id)
    started = time.monotonic()
    clusters = arrange(run, dataset.id, vectors, texts, None, dataset.layout, settings.LAYOUT_SEED)
    started_index = time.monotonic()
    create_vector_index(dataset.id)
    run.timings["index"] = time.monotonic() - started_index
    note(f"index built; timings {run.timings}")
    lifecycle.mark_ready(dataset.id, n, clusters.count)
    wall = time.monotonic() - started
    quality = Dataset.objects.get(id=dataset.id).quality
    return {"store": store_s, "wall": wall, "stages": run.timings, "quality": quality, "peak_rss_gb": peak_rss_gb()}


RESULTS = ROOT / "var" / "bench" / "scale"


def child(mode: str, argument: str, rows: int) -> dict[str, Any]:
    """Run one measurement in a fresh process and return what it printed last (a JSON line), with the peak
    memory of that process and of the PostgreSQL server together (the HNSW index is built in the server)
    sampled every second. Each result is also kept in var/bench/scale/, so runs of different sizes on
    different days make one table, each row dated."""
    load_before = os.getloadavg()[0]
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.scale", mode, argument],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0.0
    loads = []
    while process.poll() is None:
        peak = max(peak, memory_gb(process.pid))
        loads.append(os.getloadavg()[0])
        time.sleep(1)
    out, err = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"{mode} {argument} failed:\n{err[-3000:]}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result.update(
        peak_with_database_gb=peak,
        date=time.strftime("%Y-%m-%d"),
        load=round(max([load_before, *loads]) if loads else load_before, 1),
        load_mean=round(sum(loads) / len(loads), 1) if loads else load_before,
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{mode}-{rows}.json").write_text(json.dumps(result, default=float))
    print(mode, argument, result, flush=True)
    return result


def memory_gb(pid: int) -> float:
    """Proportional set size (shared pages split between sharers) of a process and its children, plus the
    embedded PostgreSQL server's processes when the database is the embedded one."""
    import psutil

    roots = [pid]
    pgdata = os.environ.get("ATLAS_EMBEDDED_PGDATA")
    if pgdata and (Path(pgdata) / "postmaster.pid").exists():
        roots.append(int((Path(pgdata) / "postmaster.pid").read_text().split()[0]))
    total = 0
    for root in roots:
        try:
            parent = psutil.Process(root)
            for process in [parent, *parent.children(recursive=True)]:
                total += process.memory_full_info().pss
        except psutil.Error:  # a process that ended between the listing and the reading
            continue
    return total / 2**30


def saved(mode: str, rows: int) -> dict[str, Any] | None:
    path = RESULTS / f"{mode}-{rows}.json"
    return json.loads(path.read_text()) if path.exists() else None


def main(machine: str) -> None:
    folder = Path(tempfile.mkdtemp(prefix="atlas-scale-"))
    # 1M rows of 384 float32 are a 1.5 GB Parquet file: over the default upload limit, which a team raises for it.
    os.environ.setdefault("ATLAS_MAX_UPLOAD_MB", "4096")
    alone = os.environ.get("BENCH_SCALE_ALONE", "1") == "1"
    for n in _rows("BENCH_SCALE_BUILD_ROWS", "100000"):
        path = folder / f"synthetic_{n}.parquet"
        write_parquet(n, path)
        child("build", str(path), n)
        if alone:
            child("stages", str(path), n)
        path.unlink()
    for n in _rows("BENCH_SCALE_STORED_ROWS", "1000000"):
        child("stored", str(n), n)
    sizes = sorted({int(p.stem.split("-")[1]) for p in RESULTS.glob("*.json")})
    builds = [{"rows": n, "build": b, "alone": saved("stages", n)} for n in sizes if (b := saved("build", n))]
    stored = [{"rows": n, **r} for n in sizes if (r := saved("stored", n))]
    write_section(machine, builds, stored)


def write_section(machine: str, builds: list[dict[str, Any]], stored: list[dict[str, Any]]) -> None:
    lines = [
        SECTION,
        "",
        f"Written by `BENCH_SCALE=1 make bench` on {machine}. Each row is one measurement in a fresh process, dated,",
        "with the machine's load average during it (the machine is shared: at a load above 2 on 2 cores the times",
        "are upper bounds). Synthetic 384-d unit vectors with cluster structure (8 broad x 6 sub-directions plus",
        "noise, `benchmarks/scale.py`), not real text: no corpus of that size is here to embed. Default settings:",
        "UMAP cosine, 15 neighbours, fitted on a 50,000-row sample above 50,000 rows, the rest placed by",
        "`transform`; fast-hdbscan topics; numba compiled before the timings. Peak memory is the proportional set",
        "size of the build's process, and with the database adds every PostgreSQL process (which builds the HNSW",
        "index), sampled each second. `BENCH_SCALE_BUILD_ROWS`, `BENCH_SCALE_STORED_ROWS` and `BENCH_SCALE_ALONE=0`",
        "choose what runs; earlier rows of other sizes are kept from `var/bench/scale/`.",
        "",
        "Upload to ready (Parquet with a vector column, `create_dataset` + `pipeline.build`), against the same",
        "stages run alone on the same file with no database (read, layout, topics + labels + quality):",
        "",
        "| rows | date | load | build wall s | ingest s | layout s | topics s | index s |"
        " peak GB (process / with database) | stages alone s | overhead (wall / (alone + index)) |"
        " kNN pres. | trust. | NMI fine / broad vs groups |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in builds:
        b, a = r["build"], r["alone"]
        st, q = b["stages"], b["quality"]
        alone = sum(a["stages"].values()) if a else None
        overhead = f"{b['wall'] / (alone + st['index']):.2f}x" if alone else "not run"
        lines.append(
            f"| {r['rows']:,} | {b.get('date', 'earlier')} | {_load(b)} | {b['wall']:.0f} | {st['ingest']:.0f} |"
            f" {st['layout']:.0f} | {st['topics']:.0f} | {st['index']:.0f} | {_peak(b)} |"
            f" {'not run' if alone is None else f'{alone:.0f}'} | {overhead} |"
            f" {q['knn_preservation']:.3f} | {q['trustworthiness']:.3f} | {q['nmi_fine']:.2f} / {q['nmi_broad']:.2f} |"
        )
    lines += [
        "",
        "From stored vectors (rows and vectors written to PostgreSQL first, as after ingest; then layout, topics,",
        "labels, quality, the HNSW index and ready — what a build does after reading the file):",
        "",
        "| rows | date | load | writing rows + vectors s | layout s | topics + quality s | index s | ready after s |"
        " peak GB (process / with database) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in stored:
        st = r["stages"]
        lines.append(
            f"| {r['rows']:,} | {r.get('date', 'earlier')} | {_load(r)} | {r['store']:.0f} | {st['layout']:.0f} |"
            f" {st['topics']:.0f} | {st['index']:.0f} | {r['store'] + r['wall']:.0f} | {_peak(r)} |"
        )
    report.write_section(SECTION, lines)


def _load(result: dict[str, Any]) -> str:
    return f"{result['load_mean']} (max {result['load']})" if "load" in result else "?"


def _peak(result: dict[str, Any]) -> str:
    with_database = result.get("peak_with_database_gb")
    return f"{result['peak_rss_gb']:.1f} / {with_database:.1f}" if with_database else f"{result['peak_rss_gb']:.1f} / ?"


def _child_main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atlas.settings")
    django.setup()
    mode, argument = sys.argv[1], sys.argv[2]
    from benchmarks.layout import warm_up_seconds

    warm_up_seconds()  # numba compiles once per process, as a worker does at start: outside the timings
    result: dict[str, Any]
    if mode == "build":
        result = run_build(Path(argument))
    elif mode == "stages":
        result = run_stages(Path(argument))
    else:
        result = run_stored(int(argument))
    print(json.dumps(result, default=float))


if __name__ == "__main__":
    _child_main()
