"""A ready map written straight to the database: known coordinates, columns and a three-level topic tree.

Explorer tests need points at places they can aim at and columns with known values; building through the
worker would give neither, and would take a minute for each test.
"""

import datetime
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.utils import timezone

from maps.indexes import create_text_index
from maps.models import EMBEDDING_DIMENSIONS, Dataset, Point, Topic
from teams.models import Workspace
from tests.accounts import default_workspace

# Fine topics: id -> (centre, language, label). Topics 2 and 3 sit close, so their labels collide
# until the map is zoomed in far.
FINE = {
    0: ((-40.0, 20.0), "python", "http clients and servers"),
    1: ((-40.0, -20.0), "python", "data frames and arrays"),
    2: ((20.0, 18.0), "rust", "command line parsing tools"),
    3: ((21.0, 17.7), "rust", "terminal colour output helpers"),
    4: ((40.0, -25.0), "go", "cloud deployment tooling"),
    5: ((45.0, -30.0), "go", "container image builders"),
}
# Mid topics group fine ones, broad topics group mid ones; ids continue after the fine ids.
MID = {6: ([0, 1], "python libraries"), 7: ([2, 3], "rust crates"), 8: ([4, 5], "go modules")}
BROAD = {9: ([6, 7], "software libraries"), 10: ([8], "infrastructure")}
PER_TOPIC = 40


@dataclass(frozen=True)
class SyntheticMap:
    dataset: Dataset
    rows: int
    # row id -> its fields, as stored
    fields: dict[int, dict[str, object]]


def _offset(i: int) -> tuple[float, float]:
    # A small deterministic spiral, so every cluster is a dense blob about 2 units wide.
    return ((i % 7) * 0.3 - 0.9, (i // 7) * 0.3 - 0.9)


def _vector(topic: int, i: int) -> list[float]:
    """Mostly the topic's own axis, a little of the row's: nearest neighbours stay within the topic."""
    v = np.zeros(EMBEDDING_DIMENSIONS, dtype=np.float32)
    v[topic] = 1.0
    v[len(FINE) + i] = 0.2
    return (v / np.linalg.norm(v)).tolist()


def create_synthetic_map(name: str = "synthetic", workspace: Workspace | None = None) -> SyntheticMap:
    """A ready map in `workspace` (default: the default test user's personal workspace)."""
    columns = ["summary", "lang", "stars", "released", "maybe"]
    dataset = Dataset.objects.create(
        workspace=workspace or default_workspace(),
        name=name,
        source_filename=f"{name}.csv",
        upload_path="/nowhere",
        text_field="summary",
        columns=columns,
        model_name="all-MiniLM-L6-v2",
        status=Dataset.Status.READY,
        stage=Dataset.Stage.DONE,
        row_count=len(FINE) * PER_TOPIC,
        topic_count=len(FINE),
        finished_at=timezone.now(),
    )
    points = []
    fields: dict[int, dict[str, object]] = {}
    row = 0
    for topic, ((cx, cy), lang, label) in FINE.items():
        for i in range(PER_TOPIC):
            dx, dy = _offset(i)
            record: dict[str, object] = {
                "summary": f"{label} #{i}",
                "lang": lang,
                # Stars grow with the topic id, so topic 0 holds the minimum and topic 5 the maximum.
                "stars": topic * 100 + i,
                "released": (datetime.date(2020 + topic % 3, 1, 1)).isoformat(),
                "maybe": None if i % 2 else "yes",
            }
            fields[row] = record
            points.append(
                Point(
                    dataset=dataset,
                    row_id=row,
                    text=str(record["summary"]),
                    fields=record,
                    x=cx + dx,
                    y=cy + dy,
                    topic=topic,
                    embedding=_vector(topic, i),
                )
            )
            row += 1
    Point.objects.bulk_create(points)
    # As a build's index stage would; keyword search works without it, only slower. Tests that run in
    # one transaction hold deferred foreign-key checks, which CREATE INDEX refuses to run beside.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    create_text_index(dataset.id)

    topics = [
        Topic(
            dataset=dataset, topic_id=t, level="fine", label=label, size=PER_TOPIC, parent=_parent(t, MID), x=cx, y=cy
        )
        for t, ((cx, cy), _, label) in FINE.items()
    ]
    for t, (children, label) in MID.items():
        cx, cy = _mean([FINE[c][0] for c in children])
        topics.append(
            Topic(
                dataset=dataset,
                topic_id=t,
                level="mid",
                label=label,
                size=PER_TOPIC * len(children),
                parent=_parent(t, BROAD),
                x=cx,
                y=cy,
            )
        )
    for t, (children, label) in BROAD.items():
        fine = [f for m in children for f in MID[m][0]]
        cx, cy = _mean([FINE[f][0] for f in fine])
        topics.append(
            Topic(
                dataset=dataset,
                topic_id=t,
                level="broad",
                label=label,
                size=PER_TOPIC * len(fine),
                parent=None,
                x=cx,
                y=cy,
            )
        )
    Topic.objects.bulk_create(topics)
    return SyntheticMap(dataset=dataset, rows=row, fields=fields)


def _parent(child: int, level: dict[int, tuple[list[int], str]]) -> int:
    return next(t for t, (children, _) in level.items() if child in children)


def _mean(centres: list[tuple[float, float]]) -> tuple[float, float]:
    return (sum(c[0] for c in centres) / len(centres), sum(c[1] for c in centres) / len(centres))
