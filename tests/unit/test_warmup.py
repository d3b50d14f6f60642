"""The worker warm-up's optional transform step never makes a build wait: it runs only while nothing has
asked for numba."""

import threading

import numpy as np
import pytest

from workers import warmup
from workers.stages.reduce import FittedLayout, LayoutParams, fit_layout


@pytest.fixture
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a worker just started: no build has asked for numba yet."""
    monkeypatch.setattr(warmup, "_work_started", threading.Event())


def small_fitted_layout() -> FittedLayout:
    # Three rows are laid out by PCA: the gating is under test here, not numba.
    vectors = np.random.default_rng(0).normal(size=(3, warmup.WARM_UP_DIMS)).astype(np.float32)
    fitted = fit_layout(vectors, LayoutParams())[1]
    assert fitted is not None
    return fitted


def test_transform_warm_up_runs_while_no_build_has_asked_for_numba(fresh_process: None) -> None:
    assert warmup.warm_up_transform(small_fitted_layout())
    assert not warmup.numba_lock.locked()


def test_transform_warm_up_is_skipped_while_anything_holds_the_numba_lock(fresh_process: None) -> None:
    with warmup.numba_lock:
        assert not warmup.warm_up_transform(small_fitted_layout())


def test_transform_warm_up_is_skipped_once_a_build_has_asked_for_numba(fresh_process: None) -> None:
    with warmup.numba_for_work():
        pass
    assert not warmup.warm_up_transform(small_fitted_layout())
    assert not warmup.numba_lock.locked()
