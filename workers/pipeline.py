"""The map build as a story: ingest -> embed -> layout -> topics -> index -> ready."""

import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import numpy.typing as npt
from django.conf import settings

from maps.indexes import create_vector_index
from maps.models import EMBEDDING_DIMENSIONS, Dataset
from maps.uploads import ingest_limits, read_choices
from workers import store
from workers.embed_cache import CacheStats, cached_embeddings
from workers.models import get_encoder
from workers.stages.cluster import ClusterParams, find_topics
from workers.stages.embed import EmbedParams
from workers.stages.errors import BuildError
from workers.stages.hierarchy import HierarchyParams, merge_topics
from workers.stages.ingest import RowMapping, open_dataset
from workers.stages.label import LabelParams, describe_topics
from workers.stages.quality import QualityParams, measure_quality
from workers.stages.reduce import LayoutParams, layout_2d
from workers.warmup import numba_lock

log = logging.getLogger(__name__)
Stage = Dataset.Stage


class IncompleteBuild(Exception):
    """A stage wrote fewer rows than it should have: never show such a map as ready."""


class BuildCancelled(Exception):
    """The dataset was cancelled or deleted while it was building: stop and leave nothing behind."""


class Build:
    """One run of the pipeline for one dataset: which stage it is in and how long each took."""

    def __init__(self, dataset_id: uuid.UUID) -> None:
        self.dataset_id = dataset_id
        self.stage: str = Stage.INGEST
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage_of(self, stage: str, total: int) -> Iterator[None]:
        self.stage = stage
        self.progress(0, total)
        started = time.monotonic()
        yield
        self.timings[stage] = round(time.monotonic() - started, 3)

    def progress(self, done: int, total: int) -> None:
        if not store.set_progress(self.dataset_id, self.stage, done, total):
            raise BuildCancelled(self.stage)


def build(dataset_id: uuid.UUID) -> None:
    if not store.claim(dataset_id):
        log.info("dataset %s: not queued or running, nothing to do", dataset_id)
        return
    run = Build(dataset_id)
    started = time.monotonic()
    try:
        run_stages(run, Dataset.objects.get(id=dataset_id))
    except BuildCancelled:
        store.discard_partial(dataset_id)
        # Logged once the rows are gone, so the line means "nothing is left" to whoever waits on it.
        log.info("dataset %s: cancelled or deleted during %s; discarded what it wrote", dataset_id, run.stage)
    except BuildError as exc:
        log.info("dataset %s: failed at %s: %s", dataset_id, run.stage, exc.message)
        # Rows of the batches stored before the bad one go too: a failed map holds no rows.
        store.discard_partial(dataset_id)
        store.mark_failed(dataset_id, exc.message)
    except store.DATABASE_UNAVAILABLE:
        raise  # the database went away: the task retries the whole build (workers.tasks)
    except Exception:
        if not store.is_running(dataset_id):
            # Deleting a dataset mid-build makes the build's next write fail; that is a cancellation.
            log.info("dataset %s: gone during %s; discarding what it wrote", dataset_id, run.stage)
            store.discard_partial(dataset_id)
            return
        log.exception("dataset %s: build crashed at stage %s", dataset_id, run.stage)
        store.discard_partial(dataset_id)
        store.mark_failed(
            dataset_id,
            f"The build stopped at the {run.stage} stage because of an internal error; it has been logged "
            "with the dataset id. Try again, and report it if it happens again.",
        )
    run.timings["total"] = round(time.monotonic() - started, 3)
    store.save_timings(dataset_id, run.timings)


def ingest(run: Build, dataset: Dataset) -> tuple[list[str], npt.NDArray[np.float32] | None]:
    """Read the upload batch by batch, COPYing each into PostgreSQL as it is read; only the texts (the embed and
    label stages need them) and precomputed vectors stay in memory. A late bad row raises after earlier batches
    were stored: the build's failure handling removes them (nothing is half-imported)."""
    mapping = RowMapping(dataset.text_field, dataset.text_template, dataset.id_field, dataset.vector_field)
    texts: list[str] = []
    given: list[npt.NDArray[np.float32]] = []
    with open_dataset(
        Path(dataset.upload_path),
        dataset.source_filename,
        mapping,
        ingest_limits(),
        read_choices(dataset.read_options),
        EMBEDDING_DIMENSIONS,
        settings.INGEST_BATCH_ROWS,
    ) as stream:
        for batch in stream.batches():
            store.insert_points(dataset.id, batch.texts, batch.records, batch.start)
            if batch.vectors is not None:  # precomputed vectors: stored as they are, and the build skips embedding
                rows = np.arange(batch.start, batch.start + len(batch.texts))
                store.save_embeddings(dataset.id, rows, batch.vectors)
                given.append(batch.vectors)
            texts += batch.texts
            run.progress(len(texts), 0)
        store.save_warnings(dataset.id, stream.warnings)
        store.save_columns(dataset.id, stream.columns)
    return texts, (np.concatenate(given) if given else None)


def run_stages(run: Build, dataset: Dataset) -> None:
    dataset_id = dataset.id
    with run.stage_of(Stage.INGEST, 0):
        texts, given = ingest(run, dataset)
        n = len(texts)
        run.progress(n, n)

    if given is not None:
        vectors = given
    else:
        with run.stage_of(Stage.EMBED, n):
            encoder = get_encoder(dataset.model_name, settings.TORCH_THREADS)
            vectors = np.empty((n, encoder.dimensions), dtype=np.float32)
            done = 0
            cache = CacheStats()
            params = EmbedParams(batch_size=settings.EMBED_BATCH_SIZE)
            for rows, chunk in cached_embeddings(encoder, texts, params, cache):
                store.save_embeddings(dataset_id, rows, chunk)
                vectors[rows] = chunk
                done += len(rows)
                run.progress(done, n)
            run.timings.update(cache.as_timings())

    with run.stage_of(Stage.LAYOUT, n), numba_lock:
        coords = layout_2d(
            vectors,
            LayoutParams(
                n_neighbors=settings.UMAP_NEIGHBORS,
                min_dist=settings.UMAP_MIN_DIST,
                seed=settings.LAYOUT_SEED,
                sample_size=settings.LAYOUT_SAMPLE_SIZE or None,
            ),
        )

    with run.stage_of(Stage.TOPICS, n):
        with numba_lock:
            clusters = find_topics(coords, ClusterParams())
        hierarchy = merge_topics(vectors, clusters, HierarchyParams())
        topics = describe_topics(texts, vectors, coords, clusters.noise, hierarchy, LabelParams())
        store.save_layout(dataset_id, coords, clusters)
        store.save_topics(dataset_id, topics)
        store.save_quality(dataset_id, measure_quality(vectors, coords, clusters, QualityParams()))

    with run.stage_of(Stage.INDEX, n):
        create_vector_index(dataset_id)
        complete = store.count_complete_points(dataset_id)
        if complete != n:
            raise IncompleteBuild(f"{complete} of {n} rows have a vector, coordinates and a topic")
    if not store.mark_ready(dataset_id, n, clusters.count):
        raise BuildCancelled(Stage.INDEX)
    log.info("dataset %s: ready, %d rows, %d topics, timings %s", dataset_id, n, clusters.count, run.timings)
