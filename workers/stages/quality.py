"""Quality: how faithfully the 2D map keeps the embedding's neighbourhoods, and how the topics came out.

Both neighbourhood scores are measured on a seeded sample of rows so they cost seconds at a million
points: kNN preservation looks the sample's neighbours up among all rows, trustworthiness (quadratic
in the rows it sees) runs on the sample alone. When the rows carry known classes (a label column), the
fine and broad topics are scored against them with NMI and ARI on every labelled row.
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from embedding.vectors import Vectors
from workers.stages.cluster import Clusters, Labels
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
    # Agreement of the topics with known classes, when the rows have them.
    agreement: "Agreement | None" = None

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        agreement = found.pop("agreement")
        return {**found, **agreement} if agreement else found


@dataclass(frozen=True)
class Agreement:
    """Topics against known classes on the labelled rows (rows with no class value are left out).

    HDBSCAN's noise rows count with the topic the map gives them (their nearest topic), because that is
    the grouping a reader sees; scoring noise as its own class, or dropping it, would reward a clustering
    for calling its hard rows noise.
    """

    labelled_rows: int
    classes: int
    # sklearn's normalized_mutual_info_score (arithmetic mean): 0 for independent groupings, 1 for equal ones.
    nmi_fine: float
    nmi_broad: float
    # sklearn's adjusted_rand_score: about 0 for chance, 1 for equal groupings.
    ari_fine: float
    ari_broad: float


def label_agreement(classes: Sequence[str | None], fine: Labels, broad: Labels) -> Agreement | None:
    """NMI and ARI of fine and broad topics against the classes; None when fewer than two rows are labelled."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    labelled = np.flatnonzero(np.array([c is not None for c in classes], dtype=bool))
    if len(labelled) < 2:
        return None
    truth = [classes[i] for i in labelled.tolist()]

    def scores(topics: Labels) -> tuple[float, float]:
        found = topics[labelled]
        return (
            round(float(normalized_mutual_info_score(truth, found)), 4),
            round(float(adjusted_rand_score(truth, found)), 4),
        )

    nmi_fine, ari_fine = scores(fine)
    nmi_broad, ari_broad = scores(broad)
    return Agreement(len(labelled), len(set(truth)), nmi_fine, nmi_broad, ari_fine, ari_broad)


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
