"""The pipeline stages as plain functions on small arrays: no Django, no worker."""

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pytest

from embedding.bulk import EmbedParams, iter_embeddings
from tests.unit.shapes import blobs, unit
from workers.stages.cluster import ClusterParams, find_topics, min_cluster_size_for
from workers.stages.reduce import LayoutParams, layout_2d


class CountingEncoder:
    """A stand-in model whose vector records which text it came from, to check the bookkeeping."""

    name = "counting"
    dimensions = 3

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def token_counts(self, texts: Sequence[str]) -> npt.NDArray[np.int64]:
        return np.array([len(t.split()) for t in texts], dtype=np.int64)

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.batches.append(list(texts))
        return np.array([[float(t.split()[0]), len(t.split()), 1.0] for t in texts], dtype=np.float32)


def test_embedding_yields_every_row_once_with_its_own_vector_in_token_length_order() -> None:
    texts = [f"{i} " + "word " * (i % 7) for i in range(50)]
    encoder = CountingEncoder()
    seen: list[int] = []
    for rows, vectors in iter_embeddings(encoder, texts, EmbedParams(batch_size=4, chunk_size=16)):
        assert len(rows) == len(vectors) <= 16
        assert vectors[:, 0].tolist() == [float(r) for r in rows]
        seen.extend(rows.tolist())
    assert sorted(seen) == list(range(50))
    lengths = [len(t.split()) for batch in encoder.batches for t in batch]
    assert lengths == sorted(lengths)
    assert max(len(b) for b in encoder.batches) == 4


def test_layout_is_2d_centred_and_the_same_for_the_same_seed() -> None:
    vectors = unit(blobs([(5, 0, 0, 0), (0, 5, 0, 0), (0, 0, 5, 0)], per_blob=40, spread=0.5))
    first = layout_2d(vectors, LayoutParams(n_neighbors=10, seed=7))
    second = layout_2d(vectors, LayoutParams(n_neighbors=10, seed=7))
    assert first.shape == (120, 2) and first.dtype == np.float32
    assert np.allclose(first, second)
    assert np.isclose(np.abs(first).max(), 10.0)


def test_layout_keeps_separate_groups_apart() -> None:
    vectors = unit(blobs([(5, 0, 0, 0), (0, 5, 0, 0)], per_blob=60, spread=0.3))
    coords = layout_2d(vectors, LayoutParams(n_neighbors=10, seed=1))
    a, b = coords[:60], coords[60:]
    gap = np.linalg.norm(a.mean(axis=0) - b.mean(axis=0))
    assert gap > 3 * max(a.std(axis=0).max(), b.std(axis=0).max())


@pytest.mark.parametrize("n", [1, 2, 3])
def test_layout_of_a_handful_of_rows_still_places_each(n: int) -> None:
    coords = layout_2d(unit(blobs([(1, 2, 3)], per_blob=n, spread=1.0)), LayoutParams())
    assert coords.shape == (n, 2) and np.isfinite(coords).all()


def test_clusters_find_separate_blobs_number_them_by_size_and_give_noise_its_nearest_topic() -> None:
    coords = np.vstack(
        [blobs([(0, 0)], 45, 0.3), blobs([(10, 0)], 35, 0.3, seed=1), blobs([(0, 10)], 25, 0.3, seed=2), [[9.0, 0.5]]]
    ).astype(np.float32)
    clusters = find_topics(coords, ClusterParams(min_cluster_size=10))
    assert clusters.count == 3
    assert (clusters.labels[:45] == 0).mean() > 0.9
    assert (clusters.labels[45:80] == 1).mean() > 0.9
    assert (clusters.labels[80:105] == 2).mean() > 0.9
    assert (clusters.labels >= 0).all()
    assert clusters.labels[-1] == 1


def test_noise_points_are_marked_and_join_the_topic_of_their_nearest_clustered_point() -> None:
    rng = np.random.default_rng(5)
    scatter = rng.uniform(-30, 30, size=(40, 2))
    coords = np.vstack([blobs([(0, 0)], 60, 0.3), blobs([(10, 0)], 60, 0.3, seed=1), scatter]).astype(np.float32)
    clusters = find_topics(coords, ClusterParams(min_cluster_size=10))
    assert clusters.noise.sum() >= 20
    assert (clusters.labels >= 0).all()
    clustered = np.flatnonzero(~clusters.noise)
    for i in np.flatnonzero(clusters.noise):
        nearest = clustered[np.argmin(np.linalg.norm(coords[clustered] - coords[i], axis=1))]
        assert clusters.labels[i] == clusters.labels[nearest]


def test_one_continent_holding_most_points_is_split_into_its_dense_regions() -> None:
    # A loose disc of 600 points with six tight knots inside it: excess of mass tends to keep the disc.
    rng = np.random.default_rng(3)
    angles, radii = rng.uniform(0, 2 * np.pi, 600), 6 * np.sqrt(rng.uniform(0, 1, 600))
    disc = np.column_stack([radii * np.cos(angles), radii * np.sin(angles)])
    knots = [blobs([(4 * np.cos(a), 4 * np.sin(a))], 60, 0.15, seed=i) for i, a in enumerate(np.linspace(0, 5, 6))]
    coords = np.vstack([disc, *knots]).astype(np.float32)
    clusters = find_topics(coords, ClusterParams(min_cluster_size=20))
    assert clusters.count >= 4
    assert np.bincount(clusters.labels).max() <= 0.5 * len(coords)


def test_too_few_points_for_clustering_make_one_topic() -> None:
    clusters = find_topics(np.zeros((4, 2), dtype=np.float32), ClusterParams())
    assert clusters.labels.tolist() == [0, 0, 0, 0] and clusters.count == 1


def test_min_cluster_size_grows_with_the_data() -> None:
    assert min_cluster_size_for(100) == 5
    assert min_cluster_size_for(2000) < min_cluster_size_for(20000)
