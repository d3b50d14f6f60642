"""Layout above the sample threshold: UMAP fitted on a seeded sample, the other rows placed by transform."""

import numpy as np

from tests.unit.shapes import blobs, unit
from workers.stages.reduce import LayoutParams, layout_2d

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
