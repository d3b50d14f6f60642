"""Reduce: lay unit vectors out in 2D with UMAP (cosine), seeded so a rebuild draws the same map.

Above `sample_size` rows UMAP is fitted on a seeded random sample and the other rows are placed on it,
chunk by chunk: a full fit's neighbour graph and optimisation grow with every row, while placing a row
against the fitted sample costs a bounded neighbour query.

Placing rows is UMAP's `transform`, done in two parts: UMAP builds the graph of each new row's fuzzy
neighbours among the fitted rows; the starting positions (each row at the strength-weighted mean of its
neighbours' positions) are computed here as one sparse product instead of UMAP's row-by-row Python loop,
which took about a fifth of `transform`'s time; then UMAP's own refinement epochs run as `transform` runs
them. Leaving the refinement out was measured and rejected: on real text it cost a tenth of the
trustworthiness (docs/BENCHMARKS.md, "Placing rows on a fitted sample").
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse

from embedding.vectors import Vectors

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


@dataclass(frozen=True)
class FittedLayout:
    """What places new rows on a finished map: the fitted UMAP (or, for a handful of rows, the PCA axes) and
    the shift and scale that centred the map, so placed rows land in the same frame as the old ones."""

    reducer: Any
    mean: npt.NDArray[np.float64] | None
    axes: npt.NDArray[np.float64] | None
    centre: npt.NDArray[np.float64]
    scale: float
    chunk_size: int = 50_000
    # The positions (in the rows laid out) of the rows UMAP was fitted on, in its order: its neighbour index
    # numbers them so. None: every row, in order (no sample, or a model saved before this was kept).
    rows: npt.NDArray[np.int64] | None = None


def layout_2d(vectors: Vectors, params: LayoutParams) -> Coords:
    """(N, D) vectors -> (N, 2) float32 coordinates, centred on 0 with the larger side spanning 20 units."""
    return fit_layout(vectors, params)[0]


def fit_layout(vectors: Vectors, params: LayoutParams) -> tuple[Coords, FittedLayout | None]:
    """layout_2d's coordinates and the fitted layout that places later rows (None for an empty map)."""
    n = len(vectors)
    if n == 0:
        return np.zeros((0, 2), dtype=np.float32), None
    reducer: Any = None
    mean = axes = None
    sample: npt.NDArray[np.int64] | None = None
    if n <= max(4, params.n_neighbors // 3):
        # Too few points for a neighbour graph: the two main directions of variance say enough.
        mean, axes = _pca_axes(vectors)
        coords = _project(vectors, mean, axes)
    elif params.sample_size is not None and n > params.sample_size:
        coords, reducer, sample = _fit_sample_transform_rest(vectors, params, params.sample_size)
    else:
        reducer = _umap(n, params)
        coords = np.asarray(reducer.fit_transform(vectors), dtype=np.float64)
    centre, scale = _frame(coords)
    fitted = FittedLayout(reducer, mean, axes, centre, scale, params.chunk_size, sample)
    return np.asarray((coords - centre) * scale, dtype=np.float32), fitted


def place(fitted: FittedLayout, vectors: Vectors) -> Coords:
    """New rows' coordinates on a finished map, without moving its rows (UMAP's transform)."""
    if len(vectors) == 0:
        return np.zeros((0, 2), dtype=np.float32)
    if fitted.reducer is None:
        assert fitted.mean is not None and fitted.axes is not None
        coords = _project(vectors, fitted.mean, fitted.axes)
    else:
        parts = [
            place_on_sample(fitted.reducer, vectors[start : start + fitted.chunk_size])
            for start in range(0, len(vectors), fitted.chunk_size)
        ]
        coords = np.concatenate(parts)
    return np.asarray((coords - fitted.centre) * fitted.scale, dtype=np.float32)


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


def _fit_sample_transform_rest(
    vectors: Vectors, params: LayoutParams, sample_size: int
) -> tuple[npt.NDArray[np.float64], Any, npt.NDArray[np.int64]]:
    n = len(vectors)
    sample = np.sort(np.random.default_rng(params.seed).choice(n, size=sample_size, replace=False))
    rest = np.setdiff1d(np.arange(n), sample, assume_unique=True)
    reducer = _umap(sample_size, params)
    coords = np.empty((n, 2), dtype=np.float64)
    coords[sample] = reducer.fit_transform(vectors[sample])
    for start in range(0, len(rest), params.chunk_size):
        chunk = rest[start : start + params.chunk_size]
        coords[chunk] = place_on_sample(reducer, vectors[chunk])
    return coords, reducer, sample.astype(np.int64)


def place_on_sample(reducer: Any, vectors: Vectors) -> npt.NDArray[np.float64]:
    """Rows placed on a fitted UMAP without moving it, as its `transform` places them (see the module's notes)."""
    if reducer.output_metric != "euclidean":
        return np.asarray(reducer.transform(vectors), dtype=np.float64)
    from sklearn.utils import check_random_state
    from umap.layouts import optimize_layout_euclidean
    from umap.umap_ import INT32_MAX, INT32_MIN, make_epochs_per_sample

    # Drawn before the neighbour query, as transform draws it, so the epochs see the same random numbers.
    rng_state = check_random_state(reducer.transform_seed).randint(INT32_MIN, INT32_MAX, 3).astype(np.int64)
    graph = transform_graph(reducer, vectors)
    start = weighted_positions(graph.tocsr(), np.asarray(reducer.embedding_, dtype=np.float64)).astype(np.float32)
    # transform's epoch count: more for a small batch of rows, a third of the fit's when the map set one.
    default_epochs = 100 if graph.shape[0] <= 10_000 else 30
    n_epochs = default_epochs if reducer.n_epochs is None else int(reducer.n_epochs // 3.0)
    graph.data[graph.data < (graph.data.max() / float(n_epochs))] = 0.0
    graph.eliminate_zeros()
    placed = optimize_layout_euclidean(
        start,
        reducer.embedding_.astype(np.float32, copy=True),
        graph.row,
        graph.col,
        n_epochs,
        graph.shape[1],
        make_epochs_per_sample(graph.data, n_epochs),
        reducer._a,
        reducer._b,
        rng_state,
        reducer.repulsion_strength,
        reducer._initial_alpha / 4.0,
        reducer.negative_sample_rate,
        reducer.random_state is None,
    )
    return np.asarray(placed, dtype=np.float64)


def transform_graph(reducer: Any, vectors: Vectors) -> scipy.sparse.coo_matrix:
    """The fuzzy neighbour graph UMAP's `transform` builds for new rows (new rows x fitted rows), with the
    model left as it was."""
    mode = reducer.transform_mode
    reducer.transform_mode = "graph"
    try:
        return scipy.sparse.coo_matrix(reducer.transform(vectors))
    finally:
        reducer.transform_mode = mode


def weighted_positions(graph: scipy.sparse.csr_matrix, positions: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Each row of `graph` (new rows x fitted rows, membership strengths in (0, 1]) as the strength-weighted
    mean of the fitted rows' `positions`, as UMAP's `init_graph_transform` computes it row by row: a row
    with a strength of exactly 1 (a duplicate of a fitted row) sits on the first such row. A row with no
    neighbour at all (every one past UMAP's disconnection distance) goes to the centre of the fitted rows.
    """
    graph = graph.copy()
    graph.eliminate_zeros()
    sums = np.asarray(graph.sum(axis=1), dtype=np.float64).ravel()
    coords = np.asarray(graph @ positions, dtype=np.float64)
    linked = sums > 0
    coords[linked] /= sums[linked, None]
    coords[~linked] = positions.mean(axis=0)
    rows = np.repeat(np.arange(graph.shape[0]), np.diff(graph.indptr))
    exact = graph.data == 1.0
    if exact.any():
        duplicate_rows, first = np.unique(rows[exact], return_index=True)
        coords[duplicate_rows] = positions[graph.indices[exact][first]]
    return coords


def _pca_axes(vectors: Vectors) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    mean = vectors.astype(np.float64).mean(axis=0)
    _, _, vt = np.linalg.svd(vectors.astype(np.float64) - mean, full_matrices=False)
    return mean, np.asarray(vt[:2], dtype=np.float64)


def _project(vectors: Vectors, mean: npt.NDArray[np.float64], axes: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    coords = (vectors.astype(np.float64) - mean) @ axes.T
    if coords.shape[1] < 2:
        coords = np.hstack([coords, np.zeros((len(coords), 2 - coords.shape[1]))])
    return np.asarray(coords, dtype=np.float64)


def _frame(coords: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], float]:
    """The centre and scale that put the map on 0 with the larger side spanning 20 units."""
    centre = (coords.min(axis=0) + coords.max(axis=0)) / 2
    span = float(np.abs(coords - centre).max())
    return centre, (10.0 / span if span > 0 else 1.0)
