"""Reduce: lay unit vectors out in 2D with UMAP (cosine), seeded so a rebuild draws the same map.

Above `sample_size` rows UMAP is fitted on a seeded random sample and the other rows are placed with
`transform`, chunk by chunk: a full fit's neighbour graph and optimisation grow with every row, while
transform places each new row against the fitted sample's graph at a bounded memory cost.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from workers.stages.embed import Vectors

Coords = npt.NDArray[np.float32]


@dataclass(frozen=True)
class LayoutParams:
    n_neighbors: int = 15
    min_dist: float = 0.05
    # "cosine" or "euclidean".
    metric: str = "cosine"
    seed: int = 42
    # Rows above which UMAP is fitted on a sample of this many rows and transforms the rest; None: never.
    sample_size: int | None = None
    # Rows passed to UMAP's transform at a time.
    chunk_size: int = 50_000


def layout_2d(vectors: Vectors, params: LayoutParams) -> Coords:
    """(N, D) vectors -> (N, 2) float32 coordinates, centred on 0 with the larger side spanning 20 units."""
    n = len(vectors)
    if n == 0:
        return np.zeros((0, 2), dtype=np.float32)
    if n <= max(4, params.n_neighbors // 3):
        # Too few points for a neighbour graph: the two main directions of variance say enough.
        coords = _pca_2d(vectors)
    elif params.sample_size is not None and n > params.sample_size:
        coords = _fit_sample_transform_rest(vectors, params, params.sample_size)
    else:
        coords = np.asarray(_umap(n, params).fit_transform(vectors), dtype=np.float64)
    return _normalise(coords)


def _umap(n: int, params: LayoutParams) -> Any:
    import umap

    return umap.UMAP(
        n_components=2,
        n_neighbors=min(params.n_neighbors, n - 1),
        min_dist=params.min_dist,
        metric=params.metric,
        random_state=params.seed,
        n_jobs=1,  # a seed makes UMAP single-threaded anyway; saying so keeps it from warning
        init="spectral" if n > 20 else "random",
    )


def _fit_sample_transform_rest(vectors: Vectors, params: LayoutParams, sample_size: int) -> npt.NDArray[np.float64]:
    n = len(vectors)
    sample = np.sort(np.random.default_rng(params.seed).choice(n, size=sample_size, replace=False))
    rest = np.setdiff1d(np.arange(n), sample, assume_unique=True)
    reducer = _umap(sample_size, params)
    coords = np.empty((n, 2), dtype=np.float64)
    coords[sample] = reducer.fit_transform(vectors[sample])
    for start in range(0, len(rest), params.chunk_size):
        chunk = rest[start : start + params.chunk_size]
        coords[chunk] = reducer.transform(vectors[chunk])
    return coords


def _pca_2d(vectors: Vectors) -> npt.NDArray[np.float64]:
    centred = vectors.astype(np.float64) - vectors.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    coords = centred @ vt[:2].T
    if coords.shape[1] < 2:
        coords = np.hstack([coords, np.zeros((len(coords), 2 - coords.shape[1]))])
    return np.asarray(coords, dtype=np.float64)


def _normalise(coords: npt.NDArray[np.float64]) -> Coords:
    centred = coords - (coords.min(axis=0) + coords.max(axis=0)) / 2
    span = float(np.abs(centred).max())
    scale = 10.0 / span if span > 0 else 1.0
    return np.asarray(centred * scale, dtype=np.float32)
