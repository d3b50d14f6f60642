"""Carry topic edits across a re-layout: a renamed topic whose rows mostly land in one new topic of its level
gives that topic its name; the others are named back to the editor as not carried over."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from workers.stages.label import TopicLabel

# The share of an edited topic's rows that must land in one new topic for the edit to follow them.
CARRY_SHARE = 0.8


@dataclass(frozen=True)
class EditedTopic:
    """A topic an editor renamed, as it was before the re-layout: its level, its name and its rows."""

    level: str
    label: str
    rows: npt.NDArray[np.int64]


@dataclass(frozen=True)
class Carried:
    topics: list[TopicLabel]
    # The names that found no new topic holding CARRY_SHARE of their rows, for the editor.
    not_carried: list[str]


def topic_of_row_at(
    level: str, topics: Sequence[TopicLabel], fine_of_row: npt.NDArray[np.integer[Any]]
) -> npt.NDArray[np.int64]:
    """Per row, its new topic at `level` (its fine topic, or that topic's parent, or the parent's parent);
    -1 for a row whose fine topic has no topic at that level (noise)."""
    by_id = {t.topic_id: t for t in topics}
    lookup: dict[int, int] = {}
    for t in topics:
        if t.level != "fine":
            continue
        current: TopicLabel | None = t
        while current is not None and current.level != level:
            current = by_id.get(current.parent) if current.parent is not None else None
        lookup[t.topic_id] = current.topic_id if current is not None else -1
    return np.array([lookup.get(int(fine), -1) for fine in fine_of_row], dtype=np.int64)


def carry_edits(
    edited: Sequence[EditedTopic], topics: Sequence[TopicLabel], fine_of_row: npt.NDArray[np.integer[Any]]
) -> Carried:
    """The new topics with the edits that follow their rows (each new topic takes at most one edit: the one
    with most rows in it), and the names of the edits left behind."""
    out = list(topics)
    index = {t.topic_id: i for i, t in enumerate(out)}
    at_level: Mapping[str, npt.NDArray[np.int64]] = {
        level: topic_of_row_at(level, topics, fine_of_row) for level in {e.level for e in edited}
    }
    claims: dict[int, tuple[int, EditedTopic]] = {}
    not_carried: list[str] = []
    for edit in edited:
        rows = edit.rows[(edit.rows >= 0) & (edit.rows < len(fine_of_row))]
        landed = at_level[edit.level][rows]
        landed = landed[landed >= 0]
        if len(rows) == 0 or len(landed) == 0:
            not_carried.append(edit.label)
            continue
        values, counts = np.unique(landed, return_counts=True)
        best = int(np.argmax(counts))
        if counts[best] < CARRY_SHARE * len(rows):
            not_carried.append(edit.label)
            continue
        target = int(values[best])
        previous = claims.get(target)
        if previous is not None and previous[0] >= counts[best]:
            not_carried.append(edit.label)
            continue
        if previous is not None:
            not_carried.append(previous[1].label)
        claims[target] = (int(counts[best]), edit)
    for target, (_, edit) in claims.items():
        out[index[target]] = replace(out[index[target]], label=edit.label, edited=True)
    return Carried(out, not_carried)
