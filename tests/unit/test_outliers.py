"""Outlier scores: rows far from every other row score highest, whether the layout was fitted on every row (an
exact scan for a small map, UMAP's search index for a larger one) or on a sample with the rest placed on it;
a row never counts as its own neighbour, and twins score low."""

import numpy as np
import pytest

from workers.stages.duplicates import merge_pairs, near_pairs, shared_neighbour_pairs
from workers.stages.outliers import nearest, outlier_scores
from workers.stages.reduce import FittedLayout, LayoutParams, fit_layout


def clustered(
    n: int, outliers: int, dim: int = 24, seed: int = 0, spread: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """n rows in 8 tight clusters, then `outliers` rows pointing anywhere; unit vectors, float32."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(8, dim))
    rows = centres[rng.integers(0, 8, n)] + spread * rng.normal(size=(n, dim))
    stray = rng.normal(size=(outliers, dim))
    vectors = np.vstack([rows, stray]).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors, np.arange(n, n + outliers)


def quick_fit(vectors: np.ndarray) -> FittedLayout:
    """A UMAP fitted as the layout fits it, with few epochs: the scores read its neighbour index, not the layout."""
    import umap

    reducer = umap.UMAP(n_neighbors=15, metric="cosine", random_state=1, n_jobs=1, n_epochs=5).fit(vectors)
    return FittedLayout(reducer, None, None, np.zeros(2), 1.0)


@pytest.mark.parametrize(
    ("n", "sample"),
    [(300, None), (4200, None), (1500, 600)],
    ids=["exact scan of a small map", "search index of a larger map", "sample fitted, the rest placed"],
)
def test_the_planted_outliers_score_highest(n: int, sample: int | None) -> None:
    vectors, planted = clustered(n, 12)
    if n > 4096:  # UMAP builds a search index above 4,096 rows
        fitted: FittedLayout | None = quick_fit(vectors)
        assert fitted is not None and not fitted.reducer._small_data
    else:
        _, fitted = fit_layout(vectors, LayoutParams(sample_size=sample, seed=1))
    scores = outlier_scores(nearest(fitted, vectors, np.arange(len(vectors))))
    assert scores.shape == (len(vectors),) and scores.dtype == np.float32
    assert set(np.argsort(-scores)[:12]) == set(planted)
    # A clustered row's neighbours are its cluster: close to zero, never itself (which would be exactly 0
    # for every fitted row and make every score the same).
    assert 0 < np.median(scores[:n]) < 0.05 and scores[planted].min() > 0.3


def test_twins_score_low_and_a_row_is_never_its_own_neighbour() -> None:
    vectors, planted = clustered(300, 2)
    vectors = np.vstack([vectors, vectors[planted[0]][None, :]])  # the first stray row gets a twin
    _, fitted = fit_layout(vectors, LayoutParams(seed=1))
    scores = outlier_scores(nearest(fitted, vectors, np.arange(len(vectors)), k=1))
    assert scores[planted[0]] == pytest.approx(0, abs=1e-5) and scores[-1] == pytest.approx(0, abs=1e-5)
    assert scores[planted[1]] > 0.3


def test_a_map_of_a_few_rows_laid_out_without_umap_still_scores_them() -> None:
    vectors, _ = clustered(3, 1)
    _, fitted = fit_layout(vectors, LayoutParams())
    assert fitted is not None and fitted.reducer is None
    scores = outlier_scores(nearest(fitted, vectors, np.arange(4)))
    assert scores.shape == (4,) and np.isfinite(scores).all()
    assert outlier_scores(nearest(None, vectors[:0], np.arange(0))).shape == (0,)


def test_near_duplicates_are_the_pairs_above_the_floor_named_by_row_id_even_on_a_sample() -> None:
    # 1,500 rows in loose clusters (cosine about 0.9 within one) and 5 of them copied with a little noise
    # (cosine above 0.999 to their source).
    vectors, _ = clustered(1500, 0, spread=0.3)
    rng = np.random.default_rng(3)
    sources = np.array([3, 250, 777, 1200, 1499])
    copies = vectors[sources] + 0.004 * rng.normal(size=(5, vectors.shape[1])).astype(np.float32)
    copies /= np.linalg.norm(copies, axis=1, keepdims=True)
    everything = np.vstack([vectors, copies]).astype(np.float32)
    ids = np.arange(len(everything))
    _, fitted = fit_layout(everything, LayoutParams(sample_size=900, seed=1))
    assert fitted is not None and fitted.rows is not None and len(fitted.rows) == 900
    pairs = near_pairs(nearest(fitted, everything, ids), floor=0.995)
    found = set(zip(pairs.first.tolist(), pairs.second.tolist(), strict=True))
    planted = {(int(s), 1500 + k) for k, s in enumerate(sources)}
    # A copy is found when its source is among the fitted rows (the neighbour index holds only those), or the
    # other way round; every pair found is a planted one, each once, first < second.
    fitted_rows = set(fitted.rows.tolist())
    reachable = {(a, b) for a, b in planted if a in fitted_rows or b in fitted_rows}
    assert reachable and reachable <= found <= planted
    assert all(a < b for a, b in found) and len(found) == len(pairs.first)
    assert (pairs.similarity >= 0.995).all()


def test_rows_outside_the_sample_are_paired_through_the_sampled_rows_they_share() -> None:
    # 2,000 rows, 300 fitted; 40 copies of unsampled rows, so both rows of each pair lie outside the sample and
    # the neighbour index alone cannot pair them.
    vectors, _ = clustered(2000, 0, spread=0.3)
    _, fitted = fit_layout(vectors, LayoutParams(sample_size=300, seed=1))
    assert fitted is not None and fitted.rows is not None
    rng = np.random.default_rng(5)
    unsampled = np.setdiff1d(np.arange(2000), fitted.rows)
    sources = rng.choice(unsampled, size=40, replace=False)
    copies = vectors[sources] + 0.004 * rng.normal(size=(40, vectors.shape[1])).astype(np.float32)
    copies /= np.linalg.norm(copies, axis=1, keepdims=True)
    everything = np.vstack([vectors, copies]).astype(np.float32)
    ids = np.arange(len(everything))
    near = nearest(fitted, everything, ids)
    planted = {(int(s), 2000 + k) for k, s in enumerate(sources)}
    direct = near_pairs(near, floor=0.995)
    assert not planted & set(zip(direct.first.tolist(), direct.second.tolist(), strict=True))
    outside = np.ones(len(everything), dtype=bool)
    outside[fitted.rows] = False
    shared = shared_neighbour_pairs(near, everything, 0.995, outside)
    found = set(zip(shared.first.tolist(), shared.second.tolist(), strict=True))
    assert found == planted and (shared.similarity >= 0.995).all()
    merged = merge_pairs([direct, shared])
    assert len(merged.first) == len(direct.first) + len(shared.first)
    assert (merged.first < merged.second).all()
