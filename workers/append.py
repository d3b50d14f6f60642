"""Append: add rows to a ready map, embedding only them and placing them on the existing layout.

The new rows are streamed in after the map's last row id, embedded (through the cache), placed with the
saved UMAP model's transform and given the majority topic of their nearest clustered rows; nothing already
on the map moves. A failure or a cancellation removes the new rows and shows the map as it was, ready, with
a warning saying what went wrong; re-layout (workers.relayout) is the separate "rebuild" of the whole map.
"""

import logging
import uuid
from collections import Counter
from pathlib import Path

import numpy as np
from django.conf import settings

from embedding import get_encoder
from embedding.bulk import EmbedParams
from embeddings.cache import CacheStats
from maps import duplicates, lifecycle
from maps.models import EMBEDDING_DIMENSIONS, Dataset
from maps.reading import ingest_limits, read_choices
from tables.errors import BuildError
from tables.reader import RowMapping, open_dataset
from workers import layout_model, store
from workers.jobs import Ends, JobCancelled, Run, run_job
from workers.passages import embedded_rows
from workers.pipeline import MAP_JOB_STEP
from workers.stages.assign import nearest_topics
from workers.stages.duplicates import near_pairs
from workers.stages.outliers import nearest, outlier_scores
from workers.stages.reduce import place
from workers.warmup import numba_for_work

log = logging.getLogger(__name__)
Stage = Dataset.Stage


class NoLayoutModel(BuildError):
    """The map was laid out before layout models were kept: it needs a re-layout before rows can be added."""

    def __init__(self) -> None:
        super().__init__(
            "this map was laid out before Atlas kept layout models. Re-lay it out once (the relayout action), "
            "then add the rows again."
        )


def append(dataset_id: uuid.UUID, upload_path: str, filename: str) -> None:
    # The re-layout's lock: a map runs one job at a time, and a late copy of one never takes over the other.
    with store.step_lock(dataset_id, MAP_JOB_STEP):
        _append_job(dataset_id, upload_path, filename)


def _append_job(dataset_id: uuid.UUID, upload_path: str, filename: str) -> None:
    if store.abandon_interrupted_job(
        dataset_id,
        f"Adding the rows of {filename} stopped: its worker was killed before the end (out of memory, or "
        "stopped). The map is unchanged: send the rows again.",
    ):
        # This task was delivered again because its worker died mid-append: the half-added rows are gone.
        log.warning("dataset %s: an append whose worker died was undone", dataset_id)
        Path(upload_path).unlink(missing_ok=True)
        return
    if not lifecycle.start_append(dataset_id):
        log.info("dataset %s: no append queued, nothing to do", dataset_id)
        Path(upload_path).unlink(missing_ok=True)
        return
    first = store.next_row_id(dataset_id)

    def undo(warning: str) -> None:
        store.undo_append(dataset_id, first, warning)

    ends = Ends(
        kind="append",
        cancelled=lambda run: undo(f"Adding the rows of {filename} was cancelled; the map is unchanged."),
        refused=lambda run, message: undo(f"The rows of {filename} were not added: {message}"),
        crashed=lambda run: undo(
            f"The rows of {filename} were not added because of an internal error at the {run.stage} stage; it has "
            "been logged with the dataset id. The map is unchanged: try again."
        ),
    )
    try:
        added = run_job(Run(dataset_id), ends, lambda run: _append_and_show(run, Path(upload_path), filename, first))
        if added is not None:
            log.info("dataset %s: appended %d rows from %s", dataset_id, added, filename)
    finally:
        Path(upload_path).unlink(missing_ok=True)


def _append_and_show(run: Run, path: Path, filename: str, first: int) -> int:
    """Add the rows and show the larger map; how many rows were added."""
    added, warnings = _append(run, path, filename, first)
    # Before the map says ready, so whoever sees it ready sees this append's timings.
    store.add_timings(run.dataset_id, {f"append_{k}": v for k, v in run.timings.items()})
    if not store.finish_append(run.dataset_id, added, warnings):
        raise JobCancelled(run.stage)
    return sum(added.values())


def _append(run: Run, path: Path, filename: str, first: int) -> tuple[dict[int, int], list[str]]:
    dataset = Dataset.objects.get(id=run.dataset_id)
    fitted = layout_model.load(dataset.id)
    if fitted is None:
        raise NoLayoutModel
    # The map's vectors and topics before any new row: the neighbours the new rows' topics come from.
    old_vectors, _, _ = store.load_rows(dataset.id)
    old_topics, old_noise = store.load_topics(dataset.id)
    mapping = RowMapping(dataset.text_field, dataset.text_template, dataset.id_field, dataset.vector_field)
    with run.stage_of(Stage.INGEST, 0), open_dataset(
        path, filename, mapping, ingest_limits(), read_choices(dataset.read_options), EMBEDDING_DIMENSIONS,
        settings.INGEST_BATCH_ROWS,
    ) as stream:  # fmt: skip
        rows = 0
        for batch in stream.batches():
            start = first + batch.start
            store.insert_points(dataset.id, batch.texts, batch.records, start)
            if batch.vectors is not None:  # a map of precomputed vectors: new rows bring theirs
                store.save_embeddings(dataset.id, np.arange(start, start + len(batch.texts)), batch.vectors)
            rows = batch.start + len(batch.texts)
            run.progress(rows, 0)
        warnings = [f"{filename}: {warning}" for warning in stream.warnings]
    row_ids = np.arange(first, first + rows)  # rows are stored with consecutive ids (checked below)
    with run.stage_of(Stage.EMBED, rows):
        _embed_missing(run, dataset, first, first + rows)
    vectors, _, _ = store.load_rows(dataset.id, first=first)
    with run.stage_of(Stage.LAYOUT, rows), numba_for_work():
        coords = place(fitted, vectors)
        # Against the rows the map was fitted on (a map laid out without UMAP: against the new rows).
        near = nearest(fitted, vectors, row_ids)
        outliers = outlier_scores(near)
    with run.stage_of(Stage.TOPICS, rows):
        topics = nearest_topics(old_vectors, old_topics, old_noise, vectors, k=10)
        store.place_points(dataset.id, row_ids, coords, topics.tolist(), outliers)
        store.save_near_pairs(dataset.id, near_pairs(near, duplicates.FLOOR), replace=False)
    if store.count_complete_points(dataset.id) != first + rows:
        raise RuntimeError(f"rows {first}.. of dataset {dataset.id} are not all embedded and placed")
    return dict(Counter(topics.tolist())), warnings


def _embed_missing(run: Run, dataset: Dataset, start: int, stop: int) -> None:
    """Embed the new rows that came without a vector (a map of precomputed vectors brings its own)."""
    row_ids, texts = store.texts_without_vector(dataset.id, start, stop)
    if not texts:
        return
    encoder = get_encoder(dataset.model_name, settings.TORCH_THREADS)
    params = EmbedParams(batch_size=settings.EMBED_BATCH_SIZE)
    done = 0
    for finished in embedded_rows(dataset, encoder, row_ids, texts, params, CacheStats()):
        done += finished
        run.progress(done, len(texts))
