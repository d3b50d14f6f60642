"""Assign: give rows added to a finished map the topic most of their nearest clustered rows have."""

import numpy as np
import numpy.typing as npt

from embedding.vectors import Vectors

Labels = npt.NDArray[np.int64]
# New rows compared against the old ones at a time: bounds the (block, N) similarity matrix.
BLOCK = 1024


def nearest_topics(old: Vectors, topics: Labels, noise: npt.NDArray[np.bool_], new: Vectors, k: int = 10) -> Labels:
    """The majority topic of each new row's k nearest old rows by cosine (vectors are unit length), counting
    only rows HDBSCAN clustered; ties go to the topic of the nearest of the tied rows. A map whose rows are
    all noise counts them all."""
    if len(new) == 0:
        return np.zeros(0, dtype=np.int64)
    if len(old) == 0:
        raise ValueError("a map without rows has no topics to assign")
    keep = ~noise if (~noise).any() else np.ones(len(old), dtype=bool)
    reference = old[keep].astype(np.float32, copy=False)
    labels = topics[keep].astype(np.int64, copy=False)
    k = min(k, len(reference))
    assigned = np.empty(len(new), dtype=np.int64)
    for start in range(0, len(new), BLOCK):
        block = new[start : start + BLOCK].astype(np.float32, copy=False)
        similarity = block @ reference.T
        nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(similarity, nearest, axis=1), axis=1, kind="stable")
        nearest = np.take_along_axis(nearest, order, axis=1)
        for offset, row in enumerate(labels[nearest]):
            values, counts = np.unique(row, return_counts=True)
            winners = set(values[counts == counts.max()].tolist())
            # row is nearest first: the first winner met is the nearest one.
            assigned[start + offset] = next(int(t) for t in row if int(t) in winners)
    return assigned
