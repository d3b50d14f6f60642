"""Duplicates of a map: groups of rows with the same text (once lower-cased and with runs of spaces made one)
or with near-identical vectors (the pairs a layout found among each row's nearest neighbours, from FLOOR up),
joined into connected groups, largest first, each with a representative row."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
from django.db import connection

from maps import payloads, queries
from maps.columns import arrow_stream
from maps.models import Dataset, NearPair, Point

# Pairs are kept from this cosine similarity up (workers pass it to workers.stages.duplicates.near_pairs); the
# API answers thresholds from here to 1.
FLOOR = 0.85
# The default threshold, by measurement: 30 copies planted with small edits (case, a word dropped or repeated,
# punctuation) among 600 PyPI summaries are all found at 0.90 with no other row grouped; at 0.95 one in ten is
# missed (tests/integration/test_duplicates.py plants them).
DEFAULT_THRESHOLD = 0.9
TEXT_SHOWN = 200
# How much of a group's representative text names it in the colour legend.
LEGEND_TEXT = 40

_EXACT_SQL = (
    "SELECT array_agg(row_id ORDER BY row_id) FROM maps_point WHERE dataset_id = %s "
    "GROUP BY md5(lower(regexp_replace(btrim(text), '\\s+', ' ', 'g'))) HAVING count(*) > 1"
)


def _exact_groups(dataset: Dataset) -> list[list[int]]:
    """Groups of rows with the same normalised text, cached once per build."""

    def make() -> bytes:
        with connection.cursor() as cursor:
            cursor.execute(_EXACT_SQL, [dataset.id])
            return json.dumps([rows for (rows,) in cursor.fetchall()]).encode()

    raw = payloads.cached_bytes(dataset, queries.points_etag(dataset), "exact-duplicates", make)
    groups: list[list[int]] = json.loads(raw)
    return groups


class Groups:
    """Union-find over row ids, counting each row's links."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}
        self.links: dict[int, int] = {}

    def find(self, row: int) -> int:
        self.parent.setdefault(row, row)
        while self.parent[row] != row:
            self.parent[row] = self.parent[self.parent[row]]
            row = self.parent[row]
        return row

    def join(self, a: int, b: int) -> None:
        self.links[a] = self.links.get(a, 0) + 1
        self.links[b] = self.links.get(b, 0) + 1
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def groups(dataset: Dataset, threshold: float) -> dict[str, Any]:
    """{"threshold", "searched", "groups": [{"rows", "representative", "text", "exact"}]}: every group of two
    rows or more, largest first (ties by representative). A group is `exact` when all its rows have the same
    normalised text. `searched` is false on a map laid out before near duplicates were looked for: then only
    exact duplicates are listed. The representative is the row linked to most others (ties: the lowest id)."""
    queries.require_ready(dataset)
    found = Groups()
    exact_of: dict[int, int] = {}
    for number, rows in enumerate(_exact_groups(dataset)):
        for row in rows:
            exact_of[row] = number
        for row in rows[1:]:
            found.join(rows[0], row)
    pairs = NearPair.objects.filter(dataset=dataset, similarity__gte=threshold).values_list("first", "second")
    for first, second in pairs.iterator(chunk_size=10_000):
        found.join(first, second)
    members: dict[int, list[int]] = {}
    for row in found.parent:
        members.setdefault(found.find(row), []).append(row)
    listed: list[dict[str, Any]] = []
    for rows in members.values():
        rows.sort()
        representative = min(rows, key=lambda r: (-found.links.get(r, 0), r))
        exact = len({exact_of.get(r, -1 - r) for r in rows}) == 1
        listed.append({"rows": rows, "representative": representative, "exact": exact})
    listed.sort(key=lambda g: (-len(g["rows"]), g["representative"]))
    texts = dict(
        Point.objects.filter(dataset=dataset, row_id__in=[g["representative"] for g in listed]).values_list(
            "row_id", "text"
        )
    )
    for group in listed:
        group["text"] = texts.get(group["representative"], "")[:TEXT_SHOWN]
    searched = Point.objects.filter(dataset=dataset, outlier__isnull=False).exists()
    return {"threshold": threshold, "searched": searched, "groups": listed}


def groups_arrow(dataset: Dataset, threshold: float) -> bytes:
    """One column `value` in row-id order, for colouring: dictionary strings naming each row's duplicate group
    ("1. <its representative's text>", numbered largest first, the dictionary in that order), null for a row
    in no group."""
    found = groups(dataset, threshold)["groups"]
    group_of = {row: number for number, group in enumerate(found) for row in group["rows"]}
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_id FROM maps_point WHERE dataset_id = %s ORDER BY row_id", [dataset.id])
        codes = [group_of.get(row) for (row,) in cursor.fetchall()]
    names = [f"{n + 1}. {' '.join(g['text'].split())[:LEGEND_TEXT]}" for n, g in enumerate(found)]
    return arrow_stream(
        pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int32()), pa.array(names, type=pa.string()))
    )
