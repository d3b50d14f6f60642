"""How far a build is in time: the current stage's elapsed seconds and an estimate of the seconds left, from
what earlier builds on this server took per row (the first builds use this machine's measured costs)."""

from __future__ import annotations

import statistics
from typing import Any

from django.utils import timezone

from maps.models import Dataset

# A build's stages in order: every stage but the last, "done".
STAGES = tuple(str(stage) for stage in Dataset.Stage if stage != Dataset.Stage.DONE)
# Seconds per row and a floor in seconds for each stage, before this server has finished builds of its own to
# learn from (docs/BENCHMARKS.md, map builds of 2,000 and 20,000 rows on the 2-core development machine).
DEFAULT_COST = {
    "ingest": (2e-5, 0.1),
    "embed": (2.5e-3, 1.0),
    "layout": (5e-4, 5.0),
    "topics": (6e-5, 0.2),
    "index": (2.5e-4, 0.5),
}
# How many of the latest ready maps teach the costs.
HISTORY = 20


def learned_costs() -> dict[str, float]:
    """Median seconds per row of each stage over the latest ready builds; stages with no history left out."""
    recent = (
        Dataset.objects.filter(status=Dataset.Status.READY, row_count__gt=0)
        .order_by("-finished_at")
        .values_list("timings", "row_count")[:HISTORY]
    )
    per_row: dict[str, list[float]] = {stage: [] for stage in STAGES}
    for timings, rows in recent:
        for stage in STAGES:
            seconds = (timings or {}).get(stage)
            if isinstance(seconds, (int, float)) and rows:
                per_row[stage].append(float(seconds) / rows)
    return {stage: statistics.median(values) for stage, values in per_row.items() if values}


def expected_seconds(stage: str, rows: int, learned: dict[str, float]) -> float:
    rate, floor = DEFAULT_COST[stage]
    return max(floor, learned.get(stage, rate) * rows)


def timing(dataset: Dataset) -> dict[str, Any]:
    """`elapsed_s` of the current stage (null when no job runs) and `remaining_s`, the estimate of the whole
    job's seconds left (null when none runs or the row count is not known yet)."""
    if dataset.status != Dataset.Status.RUNNING or dataset.stage_started_at is None:
        return {"elapsed_s": None, "remaining_s": None}
    elapsed = max(0.0, (timezone.now() - dataset.stage_started_at).total_seconds())
    stage = str(dataset.stage)
    rows = dataset.progress_total if stage == "embed" else (dataset.row_count or dataset.progress_total)
    if stage not in STAGES or not rows:
        return {"elapsed_s": round(elapsed, 1), "remaining_s": None}
    learned = learned_costs()
    if stage == "embed" and dataset.progress_done > 0:
        # Embedding reports its rows: the rate so far is the best guess of the rest.
        current = elapsed * (dataset.progress_total - dataset.progress_done) / dataset.progress_done
    else:
        # A stage that runs past its expected time is not nearly done: say at least a quarter of what it took.
        current = max(expected_seconds(stage, rows, learned) - elapsed, 0.25 * elapsed)
    later = sum(expected_seconds(s, rows, learned) for s in STAGES[STAGES.index(stage) + 1 :])
    return {"elapsed_s": round(elapsed, 1), "remaining_s": round(current + later, 1)}
