"""The map build as a story: ingest -> embed (in chunks) -> layout -> topics -> index -> ready.

A build is three kinds of step, each safe to run twice: `start` (ingest, then plan the chunks),
`embed_chunk` (one slice of rows) and `finish` (layout, topics and index from the stored vectors, workers.arrange).
Each returns what to send next; workers.tasks sends it, and `build` runs every step in this process.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings

from embedding import get_encoder
from embedding.bulk import EmbedParams
from embeddings.cache import CacheStats, prune
from maps import lifecycle
from maps.indexes import create_passage_index, create_text_index, create_vector_index
from maps.models import EMBEDDING_DIMENSIONS, Dataset
from maps.reading import ingest_limits, read_choices
from tables.reader import RowMapping, open_dataset
from workers import chunks, store
from workers.arrange import arrange, class_of
from workers.jobs import Ends, IncompleteBuild, JobCancelled, Run, run_job
from workers.passages import embedded_rows

log = logging.getLogger(__name__)
Stage = Dataset.Stage
Status = Dataset.Status


@dataclass
class Next:
    """What a step hands on: chunks to send to the embed queue, and whether the finishing step is due."""

    chunks: list[int] = field(default_factory=list)
    finish: bool = False


def _fail(dataset_id: uuid.UUID, message: str) -> None:
    """A failed build holds no rows: they go before it says failed, so whoever sees it failed finds nothing of it."""
    store.discard_partial(dataset_id)
    lifecycle.mark_failed(dataset_id, message)


BUILD_ENDS = Ends(
    kind="build",
    # Rows of the batches stored before a bad one go too: a failed or cancelled map holds no rows.
    cancelled=lambda run: store.discard_partial(run.dataset_id),
    refused=lambda run, message: _fail(run.dataset_id, message),
    crashed=lambda run: _fail(
        run.dataset_id,
        f"The build stopped at the {run.stage} stage because of an internal error; it has been logged with the "
        "dataset id. Try again, and report it if it happens again.",
    ),
)


def guarded(dataset_id: uuid.UUID, stage: str, step: Callable[[Run], Next]) -> Next:
    """Run one step of a build with the job runner: a cancellation, a bad file or a crash ends the build in the
    state that says so (BUILD_ENDS); a lost database is raised for the task to retry (workers.tasks)."""
    found = run_job(Run(dataset_id, stage), BUILD_ENDS, step)
    return found if found is not None else Next()


# Advisory lock numbers of the steps that are not chunks (chunks use their index).
INGEST_STEP = -1
FINISH_STEP = -2
# A re-layout or an append: one at a time per map, and a second delivery of either waits for the first.
MAP_JOB_STEP = -3


def start(dataset_id: uuid.UUID) -> Next:
    """Ingest the file and plan its chunks; a build past ingest (its task delivered again) resumes."""
    with store.step_lock(dataset_id, INGEST_STEP):
        return _start(dataset_id)


def _start(dataset_id: uuid.UUID) -> Next:
    claimed = store.claim(dataset_id)
    if claimed is None:
        log.info("dataset %s: not queued or running, nothing to do", dataset_id)
        return Next()
    if claimed != Stage.INGEST:
        log.info("dataset %s: resuming at the %s stage", dataset_id, claimed)
        if claimed == Stage.EMBED:
            return Next(chunks=chunks.queued_not_done(dataset_id) + chunks.take_next(dataset_id, in_flight()))
        return Next(finish=True)
    return guarded(dataset_id, Stage.INGEST, ingest)


def in_flight() -> int:
    return max(1, settings.EMBED_CHUNKS_IN_FLIGHT)


def ingest(run: Run) -> Next:
    dataset = Dataset.objects.get(id=run.dataset_id)
    with run.stage_of(Stage.INGEST, 0):
        n, precomputed = read_into_store(run, dataset)
        run.progress(n, n)
    store.add_timings(dataset.id, run.timings)
    if precomputed:  # the vectors came with the file: the build skips embedding
        if not lifecycle.set_progress(dataset.id, Stage.LAYOUT, 0, n):
            raise JobCancelled(Stage.INGEST)
        return Next(finish=True)
    if not chunks.plan(dataset.id, n, max(1, settings.EMBED_CHUNK_ROWS)):
        raise JobCancelled(Stage.INGEST)
    return Next(chunks=chunks.take_next(dataset.id, in_flight()))


def read_into_store(run: Run, dataset: Dataset) -> tuple[int, bool]:
    """Read the upload batch by batch, COPYing each into PostgreSQL as it is read, so memory stays bounded by
    the batch; returns the row count and whether the file brought its own vectors. A late bad row raises after
    earlier batches were stored: the build's failure handling removes them (nothing is half-imported)."""
    mapping = RowMapping(dataset.text_field, dataset.text_template, dataset.id_field, dataset.vector_field)
    rows = 0
    precomputed = False
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
            if batch.vectors is not None:  # precomputed vectors: stored as they are
                store.save_embeddings(dataset.id, np.arange(batch.start, batch.start + len(batch.texts)), batch.vectors)
                precomputed = True
            rows = batch.start + len(batch.texts)
            run.progress(rows, 0)
        store.save_warnings(dataset.id, stream.warnings)
        store.save_columns(dataset.id, stream.columns)
    return rows, precomputed


def embed_chunk(dataset_id: uuid.UUID, index: int, worker: str) -> Next:
    """Embed the rows of one chunk that have no vector yet, committing as it goes; the task that finishes
    the build's last chunk is told to send the finishing step."""
    with store.step_lock(dataset_id, index):
        return _embed_chunk(dataset_id, index, worker)


def _embed_chunk(dataset_id: uuid.UUID, index: int, worker: str) -> Next:
    chunk = chunks.begin(dataset_id, index)
    if chunk is None:
        # Done already (a second delivery), or the build is gone: a deleted dataset took its rows with it.
        log.info("dataset %s: chunk %d is done or its build is gone; sending again what it sent", dataset_id, index)
        return sent_after_a_chunk(dataset_id)
    if chunk.attempts > settings.BUILD_RETRIES + 1:
        log.error("dataset %s: chunk %d started %d times without finishing", dataset_id, index, chunk.attempts - 1)
        _fail(
            dataset_id,
            f"Rows {chunk.start + 1}–{chunk.stop} could not be embedded: their worker stopped "
            f"{chunk.attempts - 1} times before finishing (out of memory, or killed). Check the workers' "
            "logs and memory, then upload the file again.",
        )
        return Next()
    return guarded(dataset_id, Stage.EMBED, lambda run: _embed(run, chunk, worker))


def _embed(run: Run, chunk: chunks.Chunk, worker: str) -> Next:
    dataset = Dataset.objects.get(id=chunk.dataset_id)
    rows, texts = chunks.texts_without_vector(chunk)
    done = (chunk.stop - chunk.start) - len(rows)
    if not chunks.report(chunk, done):
        raise JobCancelled(Stage.EMBED)
    cache = CacheStats()
    if texts:
        encoder = get_encoder(dataset.model_name, settings.TORCH_THREADS)
        params = EmbedParams(batch_size=settings.EMBED_BATCH_SIZE)
        for finished in embedded_rows(dataset, encoder, rows, texts, params, cache):
            done += finished
            if not chunks.report(chunk, done):
                raise JobCancelled(Stage.EMBED)
    last = chunks.complete(chunk, worker, cache.hits, cache.embedded)
    if last:
        # Once per build, after its writes: the cache stays bounded even when builds run back to back.
        prune(settings.EMBED_CACHE_MAX_ROWS)
    log.info("dataset %s: chunk %d (rows %d-%d) embedded by %s", chunk.dataset_id, chunk.index, chunk.start,
             chunk.stop - 1, worker)  # fmt: skip
    return Next(chunks=chunks.take_next(chunk.dataset_id, in_flight()), finish=last)


def sent_after_a_chunk(dataset_id: uuid.UUID) -> Next:
    """What a finished chunk's task sends, for a second delivery of that task: its worker may have died after
    committing the chunk and before sending the next chunks or the finishing step, and the message that is
    delivered again (tasks are acknowledged late) is the only one left to send them. A copy of a chunk or of the
    finishing step that was sent after all is harmless: the second finds the work done under its step lock.
    Only unsent chunks are sent again, so copies do not breed copies."""
    return Next(
        chunks=chunks.queued_not_sent(dataset_id) + chunks.take_next(dataset_id, in_flight()),
        finish=lifecycle.awaits_finish(dataset_id),
    )


def finish(dataset_id: uuid.UUID) -> Next:
    """Lay out, find topics and index the stored vectors, then mark the map ready."""
    with store.step_lock(dataset_id, FINISH_STEP):
        attempts = lifecycle.count_finish_start(dataset_id)
        if attempts is None:
            log.info("dataset %s: not running, nothing to finish", dataset_id)
            return Next()
        if attempts > settings.BUILD_RETRIES + 1:
            give_up_finishing(dataset_id, attempts - 1)
            return Next()
        return guarded(dataset_id, Stage.LAYOUT, _finish)


def give_up_finishing(dataset_id: uuid.UUID, stopped: int) -> None:
    """Fail a build whose finishing step was started again and again: each time its worker died before the end
    (the OOM killer, most often, on a map too big for the worker's memory); the task, acknowledged late, would
    otherwise be delivered forever.

    Its rows and vectors are complete at this point, yet they go, as with every failed build: the map never
    finished, so it cannot be laid out again (a re-layout starts from a finished map and does not build the
    search indexes), and the user's way forward is the same as for any failed build, a new upload. That costs
    little: the embedding cache keeps the vectors by text, so a new build of the same file embeds almost nothing
    and only its layout runs again, with the memory or the sample size the message asks for.
    """
    dataset = Dataset.objects.get(id=dataset_id)
    rows = store.count_points(dataset_id)
    sample = dataset.layout.get("sample_size", settings.LAYOUT_SAMPLE_SIZE)
    times = f"{stopped} time{'s' * (stopped != 1)}"
    log.error("dataset %s: finishing step started %d times, never finished", dataset_id, stopped + 1)
    _fail(
        dataset_id,
        f"The map of {rows:,} rows could not be finished: the worker laying it out stopped {times} at the "
        f"{dataset.stage} stage before the end, most likely killed for lack of memory. Check the workers' logs "
        "for what stopped them; give the workers more memory, or fit the layout on fewer rows with a smaller "
        f"sample_size layout parameter (this map's is {sample:,}; the default is ATLAS_LAYOUT_SAMPLE_SIZE). Then "
        "upload the file again: its vectors come back from the embedding cache, so only the layout runs again.",
    )


def _finish(run: Run) -> Next:
    dataset_id = run.dataset_id
    dataset = Dataset.objects.get(id=dataset_id)
    vectors, texts, values = store.load_rows(dataset_id, dataset.label_field)
    n = len(texts)
    classes = [class_of(value) for value in values] if values is not None else None
    clusters = arrange(run, dataset_id, vectors, texts, classes, dataset.layout, settings.LAYOUT_SEED)
    with run.stage_of(Stage.INDEX, n):
        create_vector_index(dataset_id)
        create_text_index(dataset_id)
        if dataset.passage_tokens:
            create_passage_index(dataset_id)
        complete = store.count_complete_points(dataset_id)
        if complete != n:
            raise IncompleteBuild(f"{complete} of {n} rows have a vector, coordinates and a topic")
    timings = {**chunks.embed_timings(dataset_id), **run.timings}
    store.add_timings(dataset_id, timings)
    if not lifecycle.mark_ready(dataset_id, n, clusters.count):
        raise JobCancelled(Stage.INDEX)
    log.info("dataset %s: ready, %d rows, %d topics, timings %s", dataset_id, n, clusters.count, timings)
    return Next()


def build(dataset_id: uuid.UUID, worker: str = "local") -> None:
    """Every step of one build in this process, in the order the queues would run them."""
    todo = start(dataset_id)
    while todo.chunks or todo.finish:
        if todo.chunks:
            step = embed_chunk(dataset_id, todo.chunks.pop(0), worker)
            todo = Next(chunks=todo.chunks + step.chunks, finish=todo.finish or step.finish)
        else:
            todo = finish(dataset_id)
