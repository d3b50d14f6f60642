"""Each row's nearest neighbours among the rows the layout was fitted on, and what they tell: how unusual the
row is (its outlier score, the mean distance to its nearest neighbours in embedding space) and which rows are
near duplicates of it (workers/stages/duplicates.py).

The neighbours come from the fitted UMAP's own search index (or, for a small map, an exact scan of its rows).
A row the layout was fitted on finds itself, and that match is dropped; a row placed on the map later (above
the layout's sample size, or appended) has no such match. Rows with a twin in the data score low, which is
right: a duplicate is not unusual.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from embedding.vectors import Indices, Vectors
from workers.stages.reduce import FittedLayout

NEIGHBOURS = 10
# Rows scored at a time, to bound the temporary distance arrays.
CHUNK = 5_000

Scores = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Neighbours:
    """For each queried row (`rows`: their row ids), its k nearest fitted rows, nearest first: their row ids
    (-1 where a small map has fewer) and distances in the layout's metric ("cosine" or "euclidean")."""

    rows: Indices
    ids: npt.NDArray[np.int64]
    distances: npt.NDArray[np.float64]
    metric: str


def nearest(fitted: FittedLayout | None, vectors: Vectors, rows: Indices, k: int = NEIGHBOURS) -> Neighbours:
    """The k nearest fitted rows of each of `vectors` (whose row ids are `rows`), the row itself left out."""
    reducer = fitted.reducer if fitted is not None else None
    metric = str(reducer.metric) if reducer is not None else "cosine"
    if len(vectors) == 0:
        return Neighbours(rows, np.zeros((0, k), dtype=np.int64), np.zeros((0, k)), metric)
    # Positions in the neighbour index -> row ids: the fitted sample's, every row's, or (without UMAP) the rows
    # queried themselves.
    if reducer is None:
        fitted_ids = np.asarray(rows, dtype=np.int64)
    elif fitted is not None and fitted.rows is not None:
        fitted_ids = np.asarray(fitted.rows, dtype=np.int64)
    else:
        fitted_ids = np.arange(_fitted_count(reducer), dtype=np.int64)
    ids, distances = [], []
    for start in range(0, len(vectors), CHUNK):
        chunk = vectors[start : start + CHUNK]
        positions, found = _query(reducer, vectors, chunk, k + 1)
        found_ids = np.where(positions >= 0, fitted_ids[np.maximum(positions, 0)], -1)
        own = np.asarray(rows[start : start + CHUNK], dtype=np.int64)[:, None]
        # Drop the row itself where it was found, else the farthest of the k + 1.
        keep = found_ids != own
        keep[keep.sum(axis=1) > k, -1] = False
        order = np.argsort(~keep, axis=1, kind="stable")[:, :k]
        ids.append(np.take_along_axis(found_ids, order, axis=1))
        distances.append(np.take_along_axis(found, order, axis=1))
    return Neighbours(rows, np.concatenate(ids), np.concatenate(distances), metric)


def outlier_scores(near: Neighbours) -> Scores:
    """One score per queried row: the mean distance to its nearest fitted rows (0 for a map of one row)."""
    if len(near.ids) == 0:
        return np.zeros(0, dtype=np.float32)
    found = near.ids >= 0
    counts = np.maximum(found.sum(axis=1), 1)
    scores: Scores = (np.where(found, near.distances, 0.0).sum(axis=1) / counts).astype(np.float32)
    return scores


def _fitted_count(reducer: Any) -> int:
    return int(reducer._raw_data.shape[0])


def _query(reducer: Any, everything: Vectors, chunk: Vectors, k: int) -> tuple[npt.NDArray[np.int64], Any]:
    """Index positions and distances of each row of `chunk`'s k nearest fitted rows, nearest first; -1 and
    inf past the last row of a small map."""
    if reducer is not None and not getattr(reducer, "_small_data", True):
        positions, distances = reducer._knn_search_index.query(chunk, k=k)
        return np.asarray(positions, dtype=np.int64), np.asarray(distances, dtype=np.float64)
    from sklearn.metrics import pairwise_distances

    fitted_rows = np.asarray(reducer._raw_data) if reducer is not None else everything
    metric = reducer.metric if reducer is not None else "cosine"
    distances = pairwise_distances(chunk, fitted_rows, metric=metric).astype(np.float64)
    order = np.argsort(distances, axis=1, kind="stable")[:, :k]
    found = np.take_along_axis(distances, order, axis=1)
    if order.shape[1] < k:  # fewer fitted rows than asked for
        pad = k - order.shape[1]
        order = np.hstack([order, np.full((len(chunk), pad), -1)])
        found = np.hstack([found, np.full((len(chunk), pad), np.inf)])
    return order.astype(np.int64), found
