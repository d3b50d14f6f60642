"""Cluster: find topics as dense regions of the 2D map with HDBSCAN; noise joins its nearest topic."""

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from workers.stages.reduce import Coords

Labels = npt.NDArray[np.int32]


@dataclass(frozen=True)
class ClusterParams:
    # None: chosen from the number of points (see min_cluster_size_for).
    min_cluster_size: int | None = None
    min_samples: int | None = 5
    # HDBSCAN's excess-of-mass choice sometimes keeps one root cluster holding nearly every point when
    # the layout is one connected continent (it flips on changes in the 7th digit of the vectors). When
    # a topic holds more than this share, the leaves of the cluster tree are taken instead.
    max_share: float = 0.5
    # "fast_hdbscan" (the default, measured best in docs/BENCHMARKS.md), "hdbscan" (a dev dependency) or "plscan"
    # (fast-hdbscan's layered clustering: its most persistent layer; compared in make bench).
    library: str = "fast_hdbscan"


@dataclass(frozen=True)
class Clusters:
    # Topic of every point, 0..k-1, numbered from the largest topic down.
    labels: Labels
    # Points HDBSCAN called noise; they carry the topic of their nearest clustered point.
    noise: npt.NDArray[np.bool_]

    @property
    def count(self) -> int:
        return int(self.labels.max()) + 1 if len(self.labels) else 0


def min_cluster_size_for(n: int) -> int:
    return max(5, int(math.sqrt(n) / 2))


def find_topics(coords: Coords, params: ClusterParams) -> Clusters:
    n = len(coords)
    min_size = params.min_cluster_size or min_cluster_size_for(n)
    raw: npt.NDArray[np.int64]
    if n < 2 * min_size:
        raw = np.zeros(n, dtype=np.int64)
    else:
        min_samples = min(params.min_samples or min_size, min_size)
        raw = _hdbscan(params.library, coords, min_cluster_size=min_size, min_samples=min_samples)
        if _largest_share(raw) > params.max_share:
            raw = _hdbscan(
                params.library,
                coords,
                min_cluster_size=min_size,
                min_samples=min_samples,
                cluster_selection_method="leaf",
            )
    noise = raw < 0
    if noise.all():
        return Clusters(labels=np.zeros(n, dtype=np.int32), noise=noise)
    labels = _by_size(raw)
    if noise.any():
        labels[noise] = _nearest_labels(coords[~noise], labels[~noise], coords[noise])
    return Clusters(labels=labels, noise=noise)


def _hdbscan(library: str, coords: Coords, **options: Any) -> npt.NDArray[np.int64]:
    """Cluster labels (-1 for noise) from the chosen HDBSCAN implementation, on points of any dimension."""
    if library == "plscan":
        from fast_hdbscan import PLSCAN

        layers = PLSCAN(min_samples=options["min_samples"], base_min_cluster_size=options["min_cluster_size"])
        return np.asarray(layers.fit(coords.astype(np.float64)).labels_, dtype=np.int64)
    if library == "hdbscan":
        from hdbscan import HDBSCAN
    else:
        from fast_hdbscan import HDBSCAN
    return np.asarray(HDBSCAN(**options).fit_predict(coords.astype(np.float64)), dtype=np.int64)


def _largest_share(raw: npt.NDArray[np.int64]) -> float:
    clustered = raw[raw >= 0]
    return float(np.bincount(clustered).max() / len(raw)) if len(clustered) else 0.0


def _by_size(raw: npt.NDArray[np.int64]) -> Labels:
    """Renumber clusters so topic 0 is the largest; noise stays -1."""
    clustered = raw[raw >= 0]
    counts = np.bincount(clustered)
    order = np.argsort(-counts, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    labels = np.full(len(raw), -1, dtype=np.int32)
    labels[raw >= 0] = rank[clustered]
    return labels


def _nearest_labels(known: Coords, known_labels: Labels, queries: Coords) -> Labels:
    from scipy.spatial import cKDTree

    _, index = cKDTree(known).query(queries, k=1)
    return np.asarray(known_labels[np.asarray(index)], dtype=np.int32)
