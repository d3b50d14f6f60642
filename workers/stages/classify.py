"""Classification from examples: a classifier on the embeddings of the labelled rows, scored by stratified
cross-validation first, then asked for a label and a confidence (its probability) for every other row.

The classifier averages two opinions: a logistic regression (weakly penalised, C = 10: unit-length vectors sit
close together in plain distance) and the distance-weighted vote of the 10 nearest labelled rows. On the
docstrings' packages the vote alone beat the regression by 6 points of accuracy and the mean of the two had the
best macro-F1; on the digits all were within a point (make bench: docs/BENCHMARKS.md). Above MAX_TRAIN labelled
rows it learns from a sample that keeps every class, so a million labelled rows cost what 50,000 do, and at most
VOTERS of them vote.
"""

import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from embedding.vectors import Vectors

FOLDS = 5
# Rows a class needs to be learned: one to learn from and one to score in cross-validation.
MIN_PER_CLASS = 2
MAX_TRAIN = 50_000
# Rows predicted at a time, to bound the probability arrays.
CHUNK = 50_000
PENALTY_C = 10.0
NEIGHBOURS = 10
# What a prediction averages: both opinions (what maps use), or one alone (make bench compares them).
WAYS = ("both", "linear", "neighbours")
# The labelled rows that vote (a sample that keeps every class): each prediction compares its row with all of them.
VOTERS = 20_000
# Rows whose neighbours are found at a time: their similarity to the voters takes 1,000 x 20,000 floats.
VOTE_CHUNK = 1_000

Confidences = npt.NDArray[np.float32]


@dataclass(frozen=True)
class CrossValidation:
    accuracy: float
    macro_f1: float
    folds: int
    # The labelled rows scored (a sample of them above MAX_TRAIN).
    rows: int


@dataclass(frozen=True)
class Predictions:
    labels: list[str]
    confidence: Confidences


def learnable(labels: Sequence[str]) -> tuple[dict[str, int], dict[str, int]]:
    """The classes with at least MIN_PER_CLASS rows and those with fewer, each with its count, most rows first."""
    counts = Counter(labels).most_common()
    return (
        {label: n for label, n in counts if n >= MIN_PER_CLASS},
        {label: n for label, n in counts if n < MIN_PER_CLASS},
    )


def sample(labels: Sequence[str], at_most: int, seed: int) -> npt.NDArray[np.int64]:
    """Positions of at most about `at_most` of the labels, in order, drawn per class in proportion and never fewer
    than MIN_PER_CLASS of a class: every class stays learnable."""
    if len(labels) <= at_most:
        return np.arange(len(labels), dtype=np.int64)
    rng = np.random.default_rng(seed)
    share = at_most / len(labels)
    by_class: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_class.setdefault(label, []).append(i)
    kept: list[int] = []
    for rows in by_class.values():
        take = min(len(rows), max(MIN_PER_CLASS, round(len(rows) * share)))
        kept.extend(rng.choice(rows, size=take, replace=False).tolist())
    return np.array(sorted(kept), dtype=np.int64)


@dataclass(frozen=True)
class _Model:
    linear: Any
    # The rows learned from, their classes as positions in `classes`, for the neighbours' vote.
    vectors: Vectors
    codes: npt.NDArray[np.int64]
    classes: list[str]


def _fit(vectors: Vectors, labels: Sequence[str], seed: int) -> _Model:
    from sklearn.linear_model import LogisticRegression

    linear = LogisticRegression(C=PENALTY_C, max_iter=1000, random_state=seed).fit(
        vectors, np.asarray(labels, dtype=object)
    )
    classes = [str(c) for c in linear.classes_]
    index = {c: i for i, c in enumerate(classes)}
    voters = sample(labels, VOTERS, seed)
    codes = np.array([index[labels[i]] for i in voters], dtype=np.int64)
    return _Model(linear, np.ascontiguousarray(vectors[voters], dtype=np.float32), codes, classes)


def _probabilities(model: _Model, vectors: Vectors, way: str = "both") -> npt.NDArray[np.float64]:
    """The mean of the logistic regression's class probabilities and the nearest labelled rows' vote (each
    neighbour weighs 1 / its cosine distance, as in scikit-learn's weights="distance"); `way` "linear" or
    "neighbours" gives one of the two alone (WAYS, for make bench)."""
    out = np.empty((len(vectors), len(model.classes)), dtype=np.float64)
    for start in range(0, len(vectors), VOTE_CHUNK):
        part = vectors[start : start + VOTE_CHUNK]
        opinions = []
        if way != "neighbours":
            opinions.append(model.linear.predict_proba(part))
        if way != "linear":
            opinions.append(_vote(model, part))
        out[start : start + len(part)] = sum(opinions) / len(opinions)
    return out


def _vote(model: _Model, vectors: Vectors) -> npt.NDArray[np.float64]:
    import torch  # its top-k is 40 times faster than numpy's argpartition over 1,000 x 20,000 similarities

    k = min(NEIGHBOURS, len(model.vectors))
    similarity = torch.from_numpy(np.ascontiguousarray(vectors)) @ torch.from_numpy(model.vectors).T
    top, nearest = torch.topk(similarity, k, dim=1)
    weights = 1.0 / np.maximum(1.0 - top.numpy().astype(np.float64), 1e-6)
    vote = np.zeros((len(vectors), len(model.classes)), dtype=np.float64)
    np.add.at(vote, (np.repeat(np.arange(len(vectors)), k), model.codes[nearest.numpy()].ravel()), weights.ravel())
    vote /= vote.sum(axis=1, keepdims=True)
    return vote


def cross_validate(vectors: Vectors, labels: Sequence[str], seed: int = 0, way: str = "both") -> CrossValidation:
    """Accuracy and macro-F1 of the classifier over FOLDS stratified folds of the labelled rows; every class needs
    MIN_PER_CLASS rows (`learnable`)."""
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    kept = sample(labels, MAX_TRAIN, seed)
    x, y = vectors[kept], np.asarray(labels, dtype=object)[kept]
    if min(Counter(y.tolist()).values()) < MIN_PER_CLASS or len(set(y.tolist())) < 2:
        raise ValueError("cross-validation needs two classes of at least two rows each")
    # Five folds even when a class has fewer rows: that class is missing from some folds (scikit-learn warns
    # so), rather than every class being scored on halves because one class is small.
    folds = min(FOLDS, len(y) // 2)
    guessed = np.empty(len(y), dtype=object)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        splits = list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(x, y))
    for train, test in splits:
        model = _fit(x[train], y[train].tolist(), seed)
        guessed[test] = np.asarray(model.classes, dtype=object)[_probabilities(model, x[test], way).argmax(axis=1)]
    return CrossValidation(
        accuracy=round(float(accuracy_score(y, guessed)), 4),
        macro_f1=round(float(f1_score(y, guessed, average="macro")), 4),
        folds=folds,
        rows=len(kept),
    )


def fit_predict(vectors: Vectors, labels: Sequence[str], unlabelled: Vectors, seed: int = 0) -> Predictions:
    """The classifier learned from the labelled rows' vectors (a sample above MAX_TRAIN), and its most likely label
    and that label's probability for each unlabelled vector."""
    kept = sample(labels, MAX_TRAIN, seed)
    model = _fit(vectors[kept], [labels[i] for i in kept], seed)
    predicted: list[str] = []
    confidence = np.empty(len(unlabelled), dtype=np.float32)
    for start in range(0, len(unlabelled), CHUNK):
        probabilities = _probabilities(model, unlabelled[start : start + CHUNK])
        best = probabilities.argmax(axis=1)
        predicted.extend(model.classes[i] for i in best)
        confidence[start : start + len(best)] = probabilities[np.arange(len(best)), best]
    return Predictions(labels=predicted, confidence=confidence)
