"""Rows added to a finished map: the topic their nearest clustered rows share, and a place that moves no old row."""

import numpy as np

from workers.stages.assign import nearest_topics
from workers.stages.reduce import LayoutParams, fit_layout, layout_2d, place


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_a_new_row_takes_the_topic_of_most_of_its_ten_nearest_clustered_rows() -> None:
    rng = np.random.default_rng(0)
    # Two topics around two directions; the new rows lie near one each.
    a = unit(np.array([1.0, 0, 0]) + 0.05 * rng.standard_normal((20, 3)))
    b = unit(np.array([0, 1.0, 0]) + 0.05 * rng.standard_normal((20, 3)))
    old = np.vstack([a, b])
    topics = np.array([3] * 20 + [7] * 20)
    noise = np.zeros(40, dtype=bool)
    new = unit(np.array([[0.9, 0.1, 0], [0.1, 0.9, 0.0]]))
    assert nearest_topics(old, topics, noise, new, k=10).tolist() == [3, 7]


def test_noise_rows_are_not_counted_even_when_they_are_nearest() -> None:
    old = unit(np.array([[1.0, 0, 0]] * 6 + [[0.8, 0.6, 0]] * 3))
    # The six identical rows right on the new row are noise (topic 1); the clustered ones are topic 2.
    topics = np.array([1] * 6 + [2] * 3)
    noise = np.array([True] * 6 + [False] * 3)
    assert nearest_topics(old, topics, noise, unit(np.array([[1.0, 0, 0]])), k=10).tolist() == [2]


def test_a_tie_goes_to_the_topic_of_the_nearest_row() -> None:
    old = unit(np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]]))
    topics = np.array([5, 6, 6, 5])
    noise = np.zeros(4, dtype=bool)
    assert nearest_topics(old, topics, noise, unit(np.array([[1.0, 0.05]])), k=4).tolist() == [5]


def test_placing_rows_keeps_the_fitted_frame_and_layout_2d_is_unchanged() -> None:
    rng = np.random.default_rng(1)
    vectors = unit(rng.standard_normal((80, 8)))
    params = LayoutParams(n_neighbors=10)
    coords, fitted = fit_layout(vectors, params)
    assert fitted is not None
    assert np.array_equal(coords, layout_2d(vectors, params))
    placed = place(fitted, unit(rng.standard_normal((5, 8))))
    assert placed.shape == (5, 2) and placed.dtype == np.float32 and np.isfinite(placed).all()
    # The old rows span [-10, 10] on their larger side; new rows land in the same frame, near it.
    assert np.abs(coords).max() == np.float32(10.0)
    assert np.abs(placed).max() < 15


def test_a_tiny_map_places_rows_with_its_pca_axes() -> None:
    vectors = unit(np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [1.0, 1.0, 0]]))
    coords, fitted = fit_layout(vectors, LayoutParams())
    assert fitted is not None and fitted.reducer is None
    # A row already on the map lands where it is.
    assert np.allclose(place(fitted, vectors[:1]), coords[:1], atol=1e-5)
