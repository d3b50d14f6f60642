"""Near duplicates: pairs of rows whose vectors are almost the same, read off each row's nearest neighbours
(workers/stages/outliers.py), kept from a floor of similarity up (maps.duplicates.FLOOR) so that any stricter
threshold can be answered later without searching again."""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

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
        return Pairs(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32))
    sims = similarity(near.distances, near.metric)
    own = np.broadcast_to(np.asarray(near.rows, dtype=np.int64)[:, None], near.ids.shape)
    kept = (near.ids >= 0) & (sims >= floor) & (near.ids != own)
    a, b, s = own[kept], near.ids[kept], sims[kept]
    first, second = np.minimum(a, b), np.maximum(a, b)
    order = np.lexsort((-s, second, first))
    first, second, s = first[order], second[order], s[order]
    unique = np.ones(len(first), dtype=bool)
    unique[1:] = (first[1:] != first[:-1]) | (second[1:] != second[:-1])
    return Pairs(first[unique], second[unique], np.clip(s[unique], -1.0, 1.0).astype(np.float32))
