"""Map quality on constructed data: a map that keeps neighbourhoods scores high, a shuffled one at chance."""

from dataclasses import replace

import numpy as np
import numpy.typing as npt
import pytest

from tests.unit.shapes import unit
from workers.stages.cluster import Clusters
from workers.stages.quality import QualityParams, _nearest_by_cosine, label_agreement, measure_quality


def sheet(n: int, seed: int = 0) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Points of a small patch of the unit sphere in 5-d, and the patch flattened: a faithful 2D map."""
    rng = np.random.default_rng(seed)
    coords = rng.uniform(-1, 1, size=(n, 2)).astype(np.float32)
    vectors = np.column_stack([0.05 * coords, np.ones(n), np.zeros((n, 2))]).astype(np.float32)
    return unit(vectors), coords


def one_topic(n: int, noise: int = 0) -> Clusters:
    return Clusters(labels=np.zeros(n, dtype=np.int32), noise=np.arange(n) < noise)


def test_a_map_that_keeps_neighbourhoods_scores_near_one() -> None:
    vectors, coords = sheet(3000)
    quality = measure_quality(vectors, coords, one_topic(3000), QualityParams(sample_size=500, chunk_size=700))
    assert quality.knn_preservation > 0.9
    assert quality.trustworthiness > 0.97


def test_a_shuffled_map_scores_near_chance() -> None:
    vectors, coords = sheet(3000)
    shuffled = coords[np.random.default_rng(1).permutation(3000)]
    quality = measure_quality(vectors, shuffled, one_topic(3000), QualityParams(sample_size=500, chunk_size=700))
    assert quality.knn_preservation < 0.02  # chance: 10 of 2,999 others
    assert quality.trustworthiness < 0.6


def test_topic_count_and_noise_share_come_from_the_clusters() -> None:
    vectors, coords = sheet(200)
    clusters = Clusters(labels=np.arange(200, dtype=np.int32) % 4, noise=np.arange(200) < 30)
    quality = measure_quality(vectors, coords, clusters, QualityParams())
    assert (quality.topics, quality.noise_share) == (4, 0.15)
    assert set(quality.as_dict()) == {"knn_preservation", "trustworthiness", "topics", "noise_share"}


@pytest.mark.parametrize("chunk_size", [7, 64, 1000])
def test_embedding_neighbours_are_exact_whatever_the_chunk_size(chunk_size: int) -> None:
    vectors = unit(np.random.default_rng(2).normal(size=(300, 8)).astype(np.float32))
    sample = np.array([0, 5, 150, 299])
    found = _nearest_by_cosine(vectors, sample, 10, chunk_size)
    similarity = vectors[sample] @ vectors.T
    similarity[np.arange(4), sample] = -np.inf
    expected = np.argsort(-similarity, axis=1)[:, :10]
    assert [sorted(f.tolist()) for f in found] == [sorted(e.tolist()) for e in expected]


@pytest.mark.parametrize("n", [1, 2, 3, 12])
def test_tiny_maps_still_get_finite_scores(n: int) -> None:
    vectors, coords = sheet(n)
    quality = measure_quality(vectors, coords, one_topic(n), QualityParams())
    assert 0 <= quality.knn_preservation <= 1 and 0 <= quality.trustworthiness <= 1


def test_topics_equal_to_the_classes_score_one_and_shuffled_ones_near_zero() -> None:
    classes = [str(i % 3) for i in range(300)]
    same = np.arange(300, dtype=np.int32) % 3
    shuffled = np.random.default_rng(0).permutation(same).astype(np.int32)
    perfect = label_agreement(classes, same, same)
    chance = label_agreement(classes, shuffled, np.zeros(300, dtype=np.int32))
    assert perfect is not None and chance is not None
    assert (perfect.nmi_fine, perfect.ari_fine, perfect.nmi_broad, perfect.ari_broad) == (1.0, 1.0, 1.0, 1.0)
    assert chance.nmi_fine < 0.05 and abs(chance.ari_fine) < 0.05
    assert (chance.nmi_broad, chance.ari_broad) == (0.0, 0.0)  # one broad topic says nothing about the classes
    assert (perfect.labelled_rows, perfect.classes) == (300, 3)


def test_rows_without_a_class_are_left_out_of_the_agreement() -> None:
    classes: list[str | None] = ["a", "a", "b", "b", None, None]
    topics = np.array([0, 0, 1, 1, 0, 1], dtype=np.int32)
    found = label_agreement(classes, topics, topics)
    assert found is not None
    assert (found.labelled_rows, found.nmi_fine, found.ari_fine) == (4, 1.0, 1.0)
    assert label_agreement([None, "a", None], topics[:3], topics[:3]) is None


def test_splitting_a_class_into_fine_topics_keeps_nmi_above_ari() -> None:
    # Fine topics split each class in two (what a good fine level does); broad topics are the classes.
    classes = [str(i // 100) for i in range(300)]
    fine = (np.arange(300) // 50).astype(np.int32)
    broad = (np.arange(300) // 100).astype(np.int32)
    found = label_agreement(classes, fine, broad)
    assert found is not None
    assert found.nmi_broad == 1.0 and found.ari_broad == 1.0
    assert 0.5 < found.ari_fine < found.nmi_fine < 1.0


def test_quality_carries_the_agreement_scores_when_there_are_classes() -> None:
    vectors, coords = sheet(100)
    topics = (np.arange(100) % 2).astype(np.int32)
    quality = measure_quality(
        vectors, coords, Clusters(labels=topics, noise=np.zeros(100, dtype=bool)), QualityParams()
    )
    agreement = label_agreement([str(t) for t in topics], topics, topics)
    stored = replace(quality, agreement=agreement).as_dict()
    assert {"nmi_fine", "ari_fine", "nmi_broad", "ari_broad", "labelled_rows", "classes"} <= set(stored)
    assert stored["nmi_fine"] == 1.0 and stored["topics"] == 2
