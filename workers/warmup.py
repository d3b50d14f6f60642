"""Warm a worker process up once: load the model and compile UMAP's and HDBSCAN's numba code.

A fresh process pays about half a minute of JIT on its first layout; paying it at start-up, in the
background, keeps that cost out of the first build. UMAP's `transform` (which places every row outside the
fitted sample of a large map, and appended rows) compiles on its first call too; the warm-up compiles it last,
on the model it already fitted and a few rows, and only while no build has asked for numba.
"""

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from celery.signals import worker_process_init
from django.conf import settings

from workers.stages.reduce import FittedLayout

log = logging.getLogger(__name__)

# numba's default threading layer (workqueue) is not thread-safe: two UMAP or HDBSCAN runs at once in
# one process can silently return a wrong layout. Everything that runs numba code holds this lock.
numba_lock = threading.Lock()
# Dimensions of the random vectors the warm-up lays out: numba compiles per type, not per size.
WARM_UP_DIMS = 16
# Set once a build, re-layout or append of this process has asked for numba: the optional warm-up steps
# then stay undone rather than keep it waiting.
_work_started = threading.Event()


@contextmanager
def numba_for_work() -> Iterator[None]:
    """What a build holds while it runs numba code: the lock, taken after marking that work has started."""
    _work_started.set()
    with numba_lock:
        yield


def warm_up() -> None:
    from embedding import get_encoder

    started = time.monotonic()
    encoder = get_encoder(settings.EMBED_MODEL, settings.TORCH_THREADS)
    encoder.encode(["warm up"])
    fitted = warm_up_layout()
    log.info("worker warm-up finished in %.1f s", time.monotonic() - started)
    warm_up_transform(fitted)


def warm_up_layout() -> FittedLayout:
    """Compile UMAP's fit and HDBSCAN; the layout fitted last (with NN-descent) is returned for transform."""
    from workers.stages.cluster import ClusterParams, find_topics
    from workers.stages.reduce import LayoutParams, fit_layout

    rng = np.random.default_rng(0)
    fitted = None
    # UMAP finds neighbours exactly up to 4,096 points and with NN-descent above: compile both paths.
    for rows in (600, 4200):
        vectors = rng.normal(size=(rows, WARM_UP_DIMS)).astype(np.float32)
        with numba_lock:
            coords, fitted = fit_layout(vectors, LayoutParams(n_neighbors=15, seed=0))
            find_topics(coords, ClusterParams(min_cluster_size=10))
    assert fitted is not None
    return fitted


def warm_up_transform(fitted: FittedLayout) -> bool:
    """Compile UMAP's transform by placing a few rows on a model fitted with NN-descent (above 4,096 rows, as
    every sampled map is); skipped, so that nothing waits for it, once a build has asked for numba or while
    anything holds the lock. True when it ran."""
    from workers.stages.reduce import place

    if _work_started.is_set() or not numba_lock.acquire(blocking=False):
        log.info("worker warm-up: transform left to the first build that needs it (a build started first)")
        return False
    try:
        started = time.monotonic()
        rows = np.random.default_rng(1).normal(size=(64, WARM_UP_DIMS)).astype(np.float32)
        place(fitted, rows)
    finally:
        numba_lock.release()
    log.info("worker warm-up: transform compiled in %.1f s", time.monotonic() - started)
    return True


def _warm_up_quietly() -> None:
    try:
        warm_up()
    except Exception:
        log.exception("worker warm-up failed; the first build will pay the start-up cost instead")


@worker_process_init.connect  # type: ignore[untyped-decorator]  # celery ships no type hints
def _start_warm_up(**_: Any) -> None:
    if settings.WORKER_WARMUP:
        threading.Thread(target=_warm_up_quietly, name="warm-up", daemon=True).start()
