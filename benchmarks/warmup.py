"""BENCH_WARMUP=1 make bench: what the first UMAP `transform` of a fresh worker costs, with and without the
warm-up's transform step.

Each run is a fresh Python process (numba compiles per process): the warm-up's layout steps (the fits a worker
does at start), then, in one of the two modes, its transform step; then what the first large build does: fit
UMAP on a sample (8,000 synthetic 384-d rows, NN-descent as above 4,096 rows) and place 2,000 more rows with
`transform`, then 2,000 more again. The first placement minus the second is what compiling cost that build.
Writes the "Worker warm-up: UMAP transform" section of docs/BENCHMARKS.md.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import report

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Worker warm-up: UMAP transform"
MODES = ("fits only", "fits + transform")
RUNS = int(os.environ.get("BENCH_WARMUP_RUNS", "2"))


def child(mode: str) -> dict[str, Any]:
    from benchmarks.layout import clustered_vectors
    from workers import warmup
    from workers.stages.reduce import LayoutParams, fit_layout, place

    timings: dict[str, Any] = {"mode": mode}
    started = time.monotonic()
    fitted = warmup.warm_up_layout()
    timings["warm_up_fits"] = time.monotonic() - started
    if mode == MODES[1]:
        started = time.monotonic()
        assert warmup.warm_up_transform(fitted)
        timings["warm_up_transform"] = time.monotonic() - started
    vectors, _, _ = clustered_vectors(12_000, seed=2)
    started = time.monotonic()
    model = fit_layout(vectors[:8000], LayoutParams(seed=42))[1]
    timings["sample_fit"] = time.monotonic() - started
    assert model is not None
    for name, rows in (("first_transform", slice(8000, 10_000)), ("second_transform", slice(10_000, 12_000))):
        started = time.monotonic()
        place(model, vectors[rows])
        timings[name] = time.monotonic() - started
    return timings


def load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def main(machine: str) -> None:
    results = []
    for _ in range(RUNS):
        for mode in MODES:
            before = load()
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.warmup", mode],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            result = json.loads(out.strip().splitlines()[-1])
            result["load"] = f"{before} → {load()}"
            results.append(result)
            print(result, flush=True)
    write_section(results, machine)


def write_section(results: list[dict[str, Any]], machine: str) -> None:
    lines = [
        SECTION,
        "",
        f"Written by `BENCH_WARMUP=1 make bench` on {time.strftime('%Y-%m-%d')}, {machine};",
        "the machine was shared (load averages 1 / 5 / 15 min before → after each run in the table).",
        "Each row is a fresh process: the",
        "worker warm-up's fits (600 and 4,200 rows), then in the second mode its transform step (64 rows placed on",
        "the 4,200-row model), then a first large layout: UMAP fitted on 8,000 synthetic 384-d rows and 2,000 rows",
        "placed by `transform`, then 2,000 more (`benchmarks/warmup.py`). First minus second placement is what",
        "compiling `transform` cost that build.",
        "",
        "| warm-up | warm-up fits s | warm-up transform s | sample fit s | first transform s | second transform s |"
        " first − second s | load |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        step = f"{r['warm_up_transform']:.1f}" if "warm_up_transform" in r else "—"
        lines.append(
            f"| {r['mode']} | {r['warm_up_fits']:.0f} | {step} | {r['sample_fit']:.1f} | {r['first_transform']:.1f} |"
            f" {r['second_transform']:.1f} | {r['first_transform'] - r['second_transform']:.1f} | {r['load']} |"
        )
    lines += ["", *summary(results)]
    report.write_section(SECTION, lines)


def summary(results: list[dict[str, Any]]) -> list[str]:
    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else float("nan")

    cold, warm = ([r["first_transform"] - r["second_transform"] for r in results if r["mode"] == m] for m in MODES)
    step = [r["warm_up_transform"] for r in results if "warm_up_transform" in r]
    return [
        f"- Compiling `transform` on first use cost the first large layout {mean(cold):.1f} s on average"
        f" ({min(cold, default=0):.1f}–{max(cold, default=0):.1f} s) without the step, {mean(warm):.1f} s with it;",
        f"  the step itself took {mean(step):.1f} s of the worker's start-up, in the background. It is kept: it runs",
        "  only while no build has asked for numba (`workers.warmup.numba_for_work` marks that), so a build that",
        "  starts during the fits skips it, and one that arrives during the step waits at most the step's time.",
    ]


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atlas.settings")
    print(json.dumps(child(sys.argv[1])), flush=True)
