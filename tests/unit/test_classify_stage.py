"""Classification from examples, the stage alone: cross-validation scores what a held-out fold gets right, the
classifier predicts a label and its probability for each unlabelled vector, and a sample keeps every class."""

from collections import Counter

import numpy as np
import pytest

from workers.stages.classify import MIN_PER_CLASS, cross_validate, fit_predict, learnable, sample


def clusters(per_class: dict[str, int], noise: float, seed: int = 1) -> tuple[np.ndarray, list[str]]:
    """Unit vectors around one random centre per class, `noise` apart from it."""
    rng = np.random.default_rng(seed)
    vectors, labels = [], []
    for label, n in per_class.items():
        centre = rng.normal(size=32)
        points = centre + noise * rng.normal(size=(n, 32)) * np.linalg.norm(centre) / np.sqrt(32)
        vectors.append(points)
        labels += [label] * n
    stacked = np.vstack(vectors).astype(np.float32)
    return stacked / np.linalg.norm(stacked, axis=1, keepdims=True), labels


def test_separate_classes_score_perfectly_and_unlabelled_rows_get_their_class() -> None:
    everything, classes = clusters({"cat": 35, "dog": 35, "fish": 35}, noise=0.2)
    held_out = np.arange(len(classes)) % 7 == 0
    vectors, labels = everything[~held_out], [c for c, out in zip(classes, held_out, strict=True) if not out]
    scores = cross_validate(vectors, labels)
    assert (scores.accuracy, scores.macro_f1, scores.folds, scores.rows) == (1.0, 1.0, 5, 90)
    unlabelled, truth = everything[held_out], [c for c, out in zip(classes, held_out, strict=True) if out]
    predicted = fit_predict(vectors, labels, unlabelled)
    assert predicted.labels == truth
    assert predicted.confidence.dtype == np.float32 and np.all(predicted.confidence > 0.5)


def test_overlapping_classes_score_lower_and_predict_with_less_confidence() -> None:
    apart, apart_labels = clusters({"a": 40, "b": 40}, noise=0.3, seed=2)
    mixed, mixed_labels = clusters({"a": 40, "b": 40}, noise=6.0, seed=2)
    assert cross_validate(mixed, mixed_labels).accuracy < cross_validate(apart, apart_labels).accuracy
    sure = fit_predict(apart, apart_labels, apart).confidence.mean()
    unsure = fit_predict(mixed, mixed_labels, mixed).confidence.mean()
    assert unsure < sure


def test_a_small_class_still_leaves_five_folds_to_score_the_others() -> None:
    vectors, labels = clusters({"big": 40, "other": 40, "small": 2}, noise=0.2)
    scores = cross_validate(vectors, labels)
    assert scores.folds == 5 and scores.rows == 82 and scores.accuracy > 0.9


def test_one_class_cannot_be_cross_validated() -> None:
    vectors, labels = clusters({"only": 10}, noise=0.2)
    with pytest.raises(ValueError, match="two classes"):
        cross_validate(vectors, labels)


def test_classes_with_too_few_rows_are_told_apart() -> None:
    assert learnable(["a", "a", "b", "c", "c", "c"]) == ({"c": 3, "a": 2}, {"b": 1})


def test_a_sample_keeps_every_class_in_proportion() -> None:
    labels = ["common"] * 9_000 + ["rare"] * 3 + ["middle"] * 997
    kept = sample(labels, 1_000, seed=3)
    counts = Counter(labels[i] for i in kept)
    assert counts["rare"] == MIN_PER_CLASS and 95 <= counts["middle"] <= 105 and 890 <= counts["common"] <= 910
    assert list(kept) == sorted(set(kept.tolist()))
    assert len(sample(labels[:500], 1_000, seed=3)) == 500
