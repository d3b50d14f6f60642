"""Outliers: how unusual each row is, as the mean distance (in the map's metric, in embedding space) to its
nearest neighbours among the rows the layout was fitted on.

The neighbours come from the fitted UMAP's own search index (or, for a small map, an exact scan of its rows):
a row the layout was fitted on finds itself first, at distance 0, and that match is dropped; a row placed on
the map later (above the layout's sample size, or appended) has no such match. Rows with a twin in the data
score low, which is right: a duplicate is not unusual.
"""

from typing import Any

import numpy as np
import numpy.typing as npt

from embedding.vectors import Vectors
from workers.stages.reduce import FittedLayout

NEIGHBOURS = 10
# Rows scored at a time, to bound the temporary distance arrays.
CHUNK = 5_000
# A distance this small is the row itself (float32 cosine distances of a vector to itself are about 1e-7).
SELF = 1e-5

Scores = npt.NDArray[np.float32]


def outlier_scores(fitted: FittedLayout | None, vectors: Vectors, k: int = NEIGHBOURS) -> Scores:
    """One score per row of `vectors`: the mean distance to its k nearest fitted rows (itself left out)."""
    if len(vectors) == 0:
        return np.zeros(0, dtype=np.float32)
    reducer = fitted.reducer if fitted is not None else None
    parts = [_scores(reducer, vectors, vectors[start : start + CHUNK], k) for start in range(0, len(vectors), CHUNK)]
    return np.concatenate(parts).astype(np.float32)


def _scores(reducer: Any, everything: Vectors, chunk: Vectors, k: int) -> npt.NDArray[np.float64]:
    distances = _neighbour_distances(reducer, everything, chunk, k + 1)
    # Drop the row's own match (distance 0) where there is one, else the farthest of the k + 1.
    own = distances[:, 0] < SELF
    kept = np.where(own[:, None], distances[:, 1:], distances[:, :-1])
    return np.asarray(kept.mean(axis=1), dtype=np.float64)


def _neighbour_distances(reducer: Any, everything: Vectors, chunk: Vectors, k: int) -> npt.NDArray[np.float64]:
    """The distances of each row of `chunk` to its k nearest fitted rows, nearest first."""
    if reducer is not None and not getattr(reducer, "_small_data", True):
        _, distances = reducer._knn_search_index.query(chunk, k=k)
        return np.asarray(distances, dtype=np.float64)
    from sklearn.metrics import pairwise_distances

    fitted_rows = np.asarray(reducer._raw_data) if reducer is not None else everything
    metric = reducer.metric if reducer is not None else "cosine"
    distances = pairwise_distances(chunk, fitted_rows, metric=metric)
    k = min(k, distances.shape[1])
    nearest = np.partition(distances, k - 1, axis=1)[:, :k]
    nearest.sort(axis=1)
    if nearest.shape[1] < 2:  # a map of one row: nothing to compare it with
        return np.zeros((len(chunk), 2), dtype=np.float64)
    return np.asarray(nearest, dtype=np.float64)
