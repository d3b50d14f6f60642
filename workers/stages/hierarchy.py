"""Hierarchy: merge the fine topics into mid and broad ones, so every fine topic has one parent per level.

The fine topics are what `cluster.find_topics` found. Their centroids in embedding space (unit vectors,
so Euclidean distance ranks like cosine) are joined by one Ward tree; cutting that one tree at two
heights gives nested levels by construction: two fine topics in one mid topic share its broad topic.
"""

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from embedding.vectors import Vectors
from workers.stages.cluster import Clusters, Labels

LEVELS = ("broad", "mid", "fine")


@dataclass(frozen=True)
class HierarchyParams:
    min_broad: int = 3
    max_broad: int = 10


@dataclass(frozen=True)
class Level:
    name: str
    # Topic id of every point at this level; ids are unique across levels (fine 0..k-1, then mid, then broad).
    labels: Labels
    # The topic ids of this level, largest first.
    ids: list[int]
    # Topic id -> the id of its parent one level up; empty for the broad level.
    parents: dict[int, int]


@dataclass(frozen=True)
class Hierarchy:
    fine: Level
    mid: Level
    broad: Level

    @property
    def levels(self) -> list[Level]:
        return [self.broad, self.mid, self.fine]


def level_sizes(fine_count: int, params: HierarchyParams) -> tuple[int, int]:
    """(mid, broad) topic counts: broad ~ sqrt(fine)/2 within its bounds, mid the geometric mean between."""
    if fine_count <= 0:
        return 0, 0
    broad = min(fine_count, max(params.min_broad, min(params.max_broad, round(math.sqrt(fine_count) / 2))))
    mid = min(fine_count, max(broad, round(math.sqrt(fine_count * broad))))
    return mid, broad


def merge_topics(vectors: Vectors, clusters: Clusters, params: HierarchyParams) -> Hierarchy:
    fine_count = clusters.count
    fine_ids = list(range(fine_count))
    mid_count, broad_count = level_sizes(fine_count, params)
    if fine_count <= 1:
        groups_mid = np.zeros(fine_count, dtype=np.int64)
        groups_broad = np.zeros(fine_count, dtype=np.int64)
    else:
        from scipy.cluster.hierarchy import fcluster, linkage

        tree = linkage(_centroids(vectors, clusters.labels, fine_count), method="ward")
        groups_mid = fcluster(tree, t=mid_count, criterion="maxclust").astype(np.int64) - 1
        groups_broad = fcluster(tree, t=broad_count, criterion="maxclust").astype(np.int64) - 1

    sizes = np.bincount(clusters.labels, minlength=fine_count)
    mid_of_fine = _number_by_size(groups_mid, sizes, first_id=fine_count)
    mid_ids = sorted(set(mid_of_fine.tolist()))
    broad_of_fine = _number_by_size(groups_broad, sizes, first_id=fine_count + len(mid_ids))
    broad_ids = sorted(set(broad_of_fine.tolist()))
    # Cutting one tree twice nests the levels: every fine topic of one mid topic has the same broad one.
    broad_of_mid = {int(m): int(broad_of_fine[mid_of_fine == m][0]) for m in mid_ids}

    return Hierarchy(
        fine=Level("fine", clusters.labels, fine_ids, {f: int(mid_of_fine[f]) for f in fine_ids}),
        mid=Level("mid", mid_of_fine[clusters.labels].astype(np.int32), mid_ids, broad_of_mid),
        broad=Level("broad", broad_of_fine[clusters.labels].astype(np.int32), broad_ids, {}),
    )


def _centroids(vectors: Vectors, labels: Labels, count: int) -> npt.NDArray[np.float64]:
    from scipy.sparse import csr_matrix

    n = len(labels)
    membership = csr_matrix((np.ones(n), (labels, np.arange(n))), shape=(count, n))
    sums = np.asarray(membership @ vectors, dtype=np.float64)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return np.asarray(sums / np.maximum(norms, 1e-12), dtype=np.float64)


def _number_by_size(groups: npt.NDArray[np.int64], fine_sizes: npt.NDArray[np.int64], first_id: int) -> Labels:
    """Group of every fine topic -> topic ids from first_id on, the group holding most points first."""
    totals = np.bincount(groups, weights=fine_sizes)
    present = np.flatnonzero(np.bincount(groups) > 0)
    order = present[np.argsort(-totals[present], kind="stable")]
    new_id = np.full(len(totals), -1, dtype=np.int64)
    new_id[order] = first_id + np.arange(len(order))
    return new_id[groups].astype(np.int32)
