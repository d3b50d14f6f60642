"""Layout above the sample threshold: UMAP fitted on a seeded sample, the other rows placed on it."""

import numpy as np
import scipy.sparse

from tests.unit.shapes import blobs, unit
from workers.stages.reduce import (
    LayoutParams,
    fit_layout,
    layout_2d,
    place_on_sample,
    transform_graph,
    weighted_positions,
)

CENTRES = [(5.0, 0, 0, 0, 0), (0, 5.0, 0, 0, 0), (0, 0, 5.0, 0, 0)]
PARAMS = LayoutParams(n_neighbors=10, seed=3, sample_size=150, chunk_size=100)


def test_sample_fit_and_transform_places_every_row_the_same_way_each_time_and_keeps_groups_apart() -> None:
    vectors = unit(blobs(CENTRES, per_blob=150, spread=0.4))
    coords = layout_2d(vectors, PARAMS)
    assert coords.shape == (450, 2) and coords.dtype == np.float32 and np.isfinite(coords).all()
    assert np.isclose(np.abs(coords).max(), 10.0)
    # 300 of the 450 rows were placed by transform, in three chunks: each group still stays together.
    groups = [coords[i * 150 : (i + 1) * 150] for i in range(3)]
    spread = max(g.std(axis=0).max() for g in groups)
    for a in range(3):
        for b in range(a + 1, 3):
            assert np.linalg.norm(groups[a].mean(axis=0) - groups[b].mean(axis=0)) > 3 * spread
    assert np.array_equal(coords, layout_2d(vectors, PARAMS))


def test_a_different_seed_draws_a_different_sample_and_map() -> None:
    vectors = unit(blobs(CENTRES, per_blob=100, spread=0.4, seed=1))
    first = layout_2d(vectors, PARAMS)
    other = layout_2d(vectors, LayoutParams(n_neighbors=10, seed=4, sample_size=150, chunk_size=100))
    assert not np.allclose(first, other)


def test_rows_at_or_below_the_threshold_are_fitted_all_together() -> None:
    vectors = unit(blobs(CENTRES, per_blob=50, spread=0.4, seed=2))
    sampled = layout_2d(vectors, LayoutParams(n_neighbors=10, seed=3, sample_size=150))
    plain = layout_2d(vectors, LayoutParams(n_neighbors=10, seed=3))
    assert np.array_equal(sampled, plain)


def test_a_placed_row_sits_at_the_strength_weighted_mean_of_its_fitted_neighbours() -> None:
    positions = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 8.0], [2.0, 2.0]])
    graph = scipy.sparse.csr_matrix(
        np.array(
            [
                [0.5, 0.5, 0.0, 0.0],  # halfway between the first two
                [0.2, 0.0, 0.6, 0.0],  # a quarter of the way from the first to the third
                [0.3, 1.0, 0.0, 0.2],  # a duplicate of the second fitted row sits on it
                [0.0, 0.0, 0.0, 0.0],  # no neighbour in reach: the centre of the fitted rows
            ]
        )
    )
    assert np.allclose(weighted_positions(graph, positions), [[2.0, 0.0], [0.0, 6.0], [4.0, 0.0], [1.5, 2.5]])


def test_placing_rows_starts_where_umap_starts_them_and_ends_where_its_transform_does() -> None:
    from umap.umap_ import init_graph_transform

    vectors = unit(blobs(CENTRES, per_blob=100, spread=0.4, seed=5))
    _, fitted = fit_layout(vectors[:200], LayoutParams(n_neighbors=10, seed=3))
    assert fitted is not None and fitted.reducer is not None
    reducer, new = fitted.reducer, vectors[200:]
    graph = transform_graph(reducer, new).tocsr()
    graph.eliminate_zeros()
    # The starting positions are UMAP's, computed as one sparse product (float rounding apart).
    start = weighted_positions(graph, np.asarray(reducer.embedding_, dtype=np.float64))
    assert np.allclose(start, init_graph_transform(graph, reducer.embedding_), atol=1e-4)
    # After the same refinement epochs the rows are where UMAP's transform puts them, up to what the rounding
    # of the start moves in the epochs; and the fitted model is left able to transform as before.
    placed = place_on_sample(reducer, new)
    theirs = reducer.transform(new)
    span = np.ptp(reducer.embedding_, axis=0).max()
    assert np.median(np.linalg.norm(placed - theirs, axis=1)) < 0.02 * span
    assert np.array_equal(placed, place_on_sample(reducer, new))
