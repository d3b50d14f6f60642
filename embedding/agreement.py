"""How closely two backends' vectors for the same texts agree: the quality gate for a faster backend."""

import numpy as np

from embedding.vectors import Vectors


def mean_cosine(vectors: Vectors, reference: Vectors) -> float:
    """Mean cosine between row i of each (both unit vectors)."""
    return float(np.mean(np.sum(vectors * reference, axis=1)))


def knn_overlap(vectors: Vectors, reference: Vectors, k: int = 10) -> float:
    """Mean share of each row's k nearest neighbours (cosine, itself left out) that both agree on."""

    def neighbours(v: Vectors) -> np.ndarray:
        similarity = v @ v.T
        np.fill_diagonal(similarity, -np.inf)
        return np.argpartition(-similarity, k, axis=1)[:, :k]

    ours, theirs = neighbours(vectors), neighbours(reference)
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(ours.tolist(), theirs.tolist(), strict=True)]))
