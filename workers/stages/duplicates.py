"""Near duplicates: pairs of rows whose vectors are almost the same, read off each row's nearest neighbours
(workers/stages/outliers.py), kept from a floor of similarity up (maps.duplicates.FLOOR) so that any stricter
threshold can be answered later without searching again. Above the layout's sample, rows outside it are also
compared with the other rows that share their nearest sampled rows (shared_neighbour_pairs)."""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from embedding.vectors import Vectors
from workers.stages.outliers import Neighbours


@dataclass(frozen=True)
class Pairs:
    """Row id pairs (first < second, each pair once) and their cosine similarity."""

    first: npt.NDArray[np.int64]
    second: npt.NDArray[np.int64]
    similarity: npt.NDArray[np.float32]


def similarity(distances: npt.NDArray[np.float64], metric: str) -> npt.NDArray[np.float64]:
    """Cosine similarity from the layout's distances: 1 - d for cosine, 1 - d²/2 for euclidean (unit vectors)."""
    return 1.0 - distances if metric == "cosine" else 1.0 - distances**2 / 2.0


def near_pairs(near: Neighbours, floor: float) -> Pairs:
    """Every (row, neighbour) at or above `floor`, as unordered pairs, each once with its best similarity."""
    if len(near.ids) == 0:
        return _no_pairs()
    sims = similarity(near.distances, near.metric)
    own = np.broadcast_to(np.asarray(near.rows, dtype=np.int64)[:, None], near.ids.shape)
    kept = (near.ids >= 0) & (sims >= floor) & (near.ids != own)
    return merge_pairs([Pairs(own[kept], near.ids[kept], sims[kept].astype(np.float32))])


# Rows compared with one another at a time inside one group of rows sharing a nearest sampled row.
BLOCK = 2_000


def shared_neighbour_pairs(
    near: Neighbours, vectors: Vectors, floor: float, outside: npt.NDArray[np.bool_], per_row: int = 2
) -> Pairs:
    """Pairs the neighbour index cannot give: above the layout's sample, rows outside it find neighbours among the
    sampled rows only, so two near-identical rows both outside it never meet. Rows outside the sample (`outside`,
    by position) that share one of their `per_row` nearest sampled rows are compared exactly, and every pair from
    `floor` up is kept. Near-identical rows almost always share their nearest sampled row, so this finds what
    the index missed at the cost of comparing each row with a few dozen others."""
    positions = np.flatnonzero(outside)
    if len(positions) < 2 or near.ids.shape[1] == 0:
        return _no_pairs()
    hubs = near.ids[positions, :per_row]
    members = np.repeat(positions, hubs.shape[1])
    hubs = hubs.ravel()
    kept = hubs >= 0
    members, hubs = members[kept], hubs[kept]
    order = np.lexsort((members, hubs))
    members, hubs = members[order], hubs[order]
    bounds = np.flatnonzero(np.diff(hubs)) + 1
    row_ids = np.asarray(near.rows, dtype=np.int64)
    found: list[Pairs] = []
    for group in np.split(members, bounds):
        if len(group) < 2:
            continue
        group = np.unique(group)
        for start in range(0, len(group), BLOCK):
            block = group[start : start + BLOCK]
            sims = vectors[block] @ vectors[group].T
            i, j = np.nonzero(sims >= floor)
            later = group[j] > block[i]
            i, j = i[later], j[later]
            if len(i):
                found.append(Pairs(row_ids[block[i]], row_ids[group[j]], sims[i, j].astype(np.float32)))
    return merge_pairs(found)


def merge_pairs(parts: list[Pairs]) -> Pairs:
    """The pairs of all parts, each once (first < second) with its best similarity."""
    parts = [p for p in parts if len(p.first)]
    if not parts:
        return _no_pairs()
    a = np.concatenate([p.first for p in parts])
    b = np.concatenate([p.second for p in parts])
    s = np.concatenate([p.similarity for p in parts])
    first, second = np.minimum(a, b), np.maximum(a, b)
    order = np.lexsort((-s, second, first))
    first, second, s = first[order], second[order], s[order]
    unique = np.ones(len(first), dtype=bool)
    unique[1:] = (first[1:] != first[:-1]) | (second[1:] != second[:-1])
    return Pairs(first[unique], second[unique], np.clip(s[unique], -1.0, 1.0).astype(np.float32))


def _no_pairs() -> Pairs:
    return Pairs(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32))
