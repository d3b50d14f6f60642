"""Warm a worker process up once: load the model and compile UMAP's and HDBSCAN's numba code.

A fresh process pays about half a minute of JIT on its first layout; paying it at start-up, in the
background, keeps that cost out of the first build.
"""

import logging
import threading
import time
from typing import Any

import numpy as np
from celery.signals import worker_process_init
from django.conf import settings

log = logging.getLogger(__name__)

# numba's default threading layer (workqueue) is not thread-safe: two UMAP or HDBSCAN runs at once in
# one process can silently return a wrong layout. Everything that runs numba code holds this lock.
numba_lock = threading.Lock()


def warm_up() -> None:
    from workers.models import get_encoder
    from workers.stages.cluster import ClusterParams, find_topics
    from workers.stages.reduce import LayoutParams, layout_2d

    started = time.monotonic()
    encoder = get_encoder(settings.EMBED_MODEL, settings.TORCH_THREADS)
    encoder.encode(["warm up"])
    rng = np.random.default_rng(0)
    # UMAP finds neighbours exactly up to 4,096 points and with NN-descent above: compile both paths.
    for rows in (600, 4200):
        vectors = rng.normal(size=(rows, 16)).astype(np.float32)
        with numba_lock:
            coords = layout_2d(vectors, LayoutParams(n_neighbors=15, seed=0))
            find_topics(coords, ClusterParams(min_cluster_size=10))
    log.info("worker warm-up finished in %.1f s", time.monotonic() - started)


def _warm_up_quietly() -> None:
    try:
        warm_up()
    except Exception:
        log.exception("worker warm-up failed; the first build will pay the start-up cost instead")


@worker_process_init.connect  # type: ignore[untyped-decorator]  # celery ships no type hints
def _start_warm_up(**_: Any) -> None:
    if settings.WORKER_WARMUP:
        threading.Thread(target=_warm_up_quietly, name="warm-up", daemon=True).start()
