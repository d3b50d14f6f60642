"""Quality: how faithfully the 2D map keeps the embedding's neighbourhoods, and how the topics came out.

Both neighbourhood scores are measured on a seeded sample of rows so they cost seconds at a million
points: kNN preservation looks the sample's neighbours up among all rows, trustworthiness (quadratic
in the rows it sees) runs on the sample alone.
"""

from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from workers.stages.cluster import Clusters
from workers.stages.embed import Vectors
from workers.stages.reduce import Coords


@dataclass(frozen=True)
class QualityParams:
    sample_size: int = 2000
    neighbours: int = 10
    seed: int = 0
    # Embedding rows compared with the sample at a time: bounds the (sample x chunk) distance matrix.
    chunk_size: int = 20_000


@dataclass(frozen=True)
class Quality:
    # Mean share of a row's k nearest neighbours in embedding space (cosine) that are among its k
    # nearest on the map; chance is about k / rows.
    knn_preservation: float
    # sklearn.manifold.trustworthiness on the sample: 1 when the map's neighbours are true ones, ~0.5 at random.
    trustworthiness: float
    topics: int
    noise_share: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def measure_quality(vectors: Vectors, coords: Coords, clusters: Clusters, params: QualityParams) -> Quality:
    n = len(vectors)
    k = min(params.neighbours, n - 2)
    if k < 1:
        # Two rows or fewer have no neighbourhood to keep; every map of them is faithful.
        return Quality(1.0, 1.0, clusters.count, float(clusters.noise.mean()) if n else 0.0)
    rng = np.random.default_rng(params.seed)
    sample = np.sort(rng.choice(n, size=min(params.sample_size, n), replace=False))
    unit = _unit(vectors)
    high = _nearest_by_cosine(unit, sample, k, params.chunk_size)
    low = _nearest_on_map(coords, sample, k)
    kept = [len(np.intersect1d(a, b, assume_unique=True)) for a, b in zip(high, low, strict=True)]

    from sklearn.manifold import trustworthiness

    trust_k = min(k, len(sample) // 2 - 1)
    trust = trustworthiness(unit[sample], coords[sample], n_neighbors=trust_k, metric="cosine") if trust_k >= 1 else 1.0
    return Quality(
        knn_preservation=round(float(np.mean(kept)) / k, 4),
        trustworthiness=round(float(trust), 4),
        topics=clusters.count,
        noise_share=round(float(clusters.noise.mean()), 4),
    )


def _unit(vectors: Vectors) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def _nearest_by_cosine(
    unit: npt.NDArray[np.float32], sample: npt.NDArray[np.int64], k: int, chunk: int
) -> list[npt.NDArray[np.int64]]:
    """Each sampled row's k most similar other rows among all rows, exactly, one chunk of rows at a time."""
    queries = unit[sample]
    best_sim = np.full((len(sample), k), -np.inf, dtype=np.float32)
    best_idx = np.zeros((len(sample), k), dtype=np.int64)
    for start in range(0, len(unit), chunk):
        sims = queries @ unit[start : start + chunk].T
        ids = np.arange(start, start + sims.shape[1])
        inside = np.flatnonzero((sample >= start) & (sample < start + sims.shape[1]))
        sims[inside, sample[inside] - start] = -np.inf  # a row is not its own neighbour
        take = min(k, sims.shape[1])
        top = np.argpartition(-sims, take - 1, axis=1)[:, :take]
        merged_sim = np.hstack([best_sim, np.take_along_axis(sims, top, axis=1)])
        merged_idx = np.hstack([best_idx, ids[top]])
        keep = np.argpartition(-merged_sim, k - 1, axis=1)[:, :k]
        best_sim = np.take_along_axis(merged_sim, keep, axis=1)
        best_idx = np.take_along_axis(merged_idx, keep, axis=1)
    return list(best_idx)


def _nearest_on_map(coords: Coords, sample: npt.NDArray[np.int64], k: int) -> list[npt.NDArray[np.int64]]:
    from scipy.spatial import cKDTree

    # k + 1 because the row itself comes back first (or tied with a duplicate point: drop it by id).
    _, index = cKDTree(coords).query(coords[sample], k=k + 1)
    return [row[row != own][:k] for row, own in zip(np.asarray(index, dtype=np.int64), sample, strict=True)]
