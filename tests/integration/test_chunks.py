"""A build's chunk bookkeeping in PostgreSQL: handed out a few at a time, finished once, bounded retries."""

import uuid

import pytest
from django.conf import settings

from maps import lifecycle
from maps.models import BuildChunk, Dataset, Point
from workers import chunks, pipeline, store

pytestmark = pytest.mark.django_db(transaction=True)


def ingested_dataset(rows: int) -> uuid.UUID:
    """A running build that has ingested `rows` rows without vectors, as the ingest step leaves it."""
    dataset = Dataset.objects.create(
        name="chunks",
        source_filename="chunks.csv",
        upload_path="/nowhere",
        text_field="summary",
        model_name=settings.EMBED_MODEL,
        status=Dataset.Status.RUNNING,
        stage=Dataset.Stage.INGEST,
    )
    store.insert_points(dataset.id, [f"text {i}" for i in range(rows)], [{"summary": f"text {i}"} for i in range(rows)])
    return dataset.id


def test_a_build_is_planned_as_contiguous_chunks_and_only_once() -> None:
    dataset_id = ingested_dataset(25)
    assert chunks.plan(dataset_id, 25, 10) == 3
    assert list(BuildChunk.objects.filter(dataset_id=dataset_id).values_list("start", "stop")) == [
        (0, 10),
        (10, 20),
        (20, 25),
    ]
    current = Dataset.objects.get(id=dataset_id)
    assert (current.stage, current.progress_done, current.progress_total) == ("embed", 0, 25)
    # A second ingest step (a copy of its task) finds the build past ingest and plans nothing.
    assert chunks.plan(dataset_id, 25, 10) == 0
    assert BuildChunk.objects.filter(dataset_id=dataset_id).count() == 3


def test_a_build_keeps_at_most_the_in_flight_number_of_chunks_queued() -> None:
    dataset_id = ingested_dataset(100)
    chunks.plan(dataset_id, 100, 10)
    assert chunks.take_next(dataset_id, 4) == [0, 1, 2, 3]
    assert chunks.take_next(dataset_id, 4) == []
    first = chunks.begin(dataset_id, 0)
    assert first is not None
    chunks.complete(first, "w", 0, 10)
    assert chunks.take_next(dataset_id, 4) == [4]
    assert chunks.queued_not_done(dataset_id) == [1, 2, 3, 4]


def finish_chunk(dataset_id: uuid.UUID, index: int) -> bool:
    begun = chunks.begin(dataset_id, index)
    assert begun is not None
    return chunks.complete(begun, "w", 0, begun.stop - begun.start)


def test_a_second_delivery_of_a_finished_chunk_sends_the_chunk_its_dead_worker_handed_out_but_never_sent() -> None:
    dataset_id = ingested_dataset(100)
    chunks.plan(dataset_id, 100, 10)
    chunks.mark_sent(dataset_id, chunks.take_next(dataset_id, 4))
    # The worker finishing chunk 0 commits it and hands out chunk 4, then dies before sending chunk 4.
    finish_chunk(dataset_id, 0)
    assert chunks.take_next(dataset_id, 4) == [4]
    # Chunk 0's message, unacknowledged, is delivered again: it sends chunk 4, and only chunk 4.
    assert pipeline.embed_chunk(dataset_id, 0, "w") == pipeline.Next(chunks=[4])
    chunks.mark_sent(dataset_id, [4])
    # Once chunk 4 is sent, a further copy of chunk 0 sends nothing: copies do not breed copies.
    assert pipeline.embed_chunk(dataset_id, 0, "w") == pipeline.Next()


def test_a_second_delivery_of_the_last_chunk_sends_the_finishing_step_its_dead_worker_never_sent() -> None:
    dataset_id = ingested_dataset(20)
    chunks.plan(dataset_id, 20, 10)
    chunks.mark_sent(dataset_id, chunks.take_next(dataset_id, 4))
    assert [finish_chunk(dataset_id, i) for i in range(2)] == [False, True]
    assert pipeline.embed_chunk(dataset_id, 1, "w") == pipeline.Next(finish=True)
    # A map already built and being laid out again is not a build waiting for its finishing step.
    Dataset.objects.filter(id=dataset_id).update(row_count=20)
    assert pipeline.embed_chunk(dataset_id, 1, "w") == pipeline.Next()


def test_only_the_task_that_finishes_the_last_chunk_moves_the_build_to_layout() -> None:
    dataset_id = ingested_dataset(30)
    chunks.plan(dataset_id, 30, 10)
    begun = [chunks.begin(dataset_id, i) for i in range(3)]
    assert all(chunk is not None for chunk in begun)
    finished = [chunks.complete(chunk, f"worker-{chunk.index}", 0, 10) for chunk in begun if chunk is not None]
    assert finished == [False, False, True]
    assert Dataset.objects.get(id=dataset_id).stage == "layout"
    # A second delivery of a finished chunk does nothing, and does not finish the build again.
    assert chunks.begin(dataset_id, 2) is None
    assert begun[2] is not None and chunks.complete(begun[2], "again", 0, 10) is False
    assert list(BuildChunk.objects.filter(dataset_id=dataset_id).values_list("worker", flat=True)) == [
        "worker-0",
        "worker-1",
        "worker-2",
    ]


def test_a_chunk_whose_workers_keep_dying_fails_the_build_with_a_message_and_leaves_nothing() -> None:
    dataset_id = ingested_dataset(20)
    chunks.plan(dataset_id, 20, 10)
    # Each start counts an attempt; a worker killed mid-chunk never completes it.
    BuildChunk.objects.filter(dataset_id=dataset_id, index=1).update(attempts=settings.BUILD_RETRIES + 1)
    assert pipeline.embed_chunk(dataset_id, 1, "w") == pipeline.Next()
    failed = Dataset.objects.get(id=dataset_id)
    assert failed.status == "failed"
    assert f"Rows 11–20 could not be embedded: their worker stopped {settings.BUILD_RETRIES + 1} times" in (
        failed.error_message
    )
    assert not Point.objects.filter(dataset_id=dataset_id).exists()
    assert not BuildChunk.objects.filter(dataset_id=dataset_id).exists()


def test_a_cancelled_build_s_queued_chunks_do_nothing() -> None:
    dataset_id = ingested_dataset(20)
    chunks.plan(dataset_id, 20, 10)
    Dataset.objects.filter(id=dataset_id).update(status=Dataset.Status.CANCELLED)
    assert pipeline.embed_chunk(dataset_id, 0, "w") == pipeline.Next()
    assert not Point.objects.filter(dataset_id=dataset_id, embedding__isnull=False).exists()
    assert not Point.objects.filter(dataset_id=dataset_id).exists()


def test_a_finishing_step_whose_workers_keep_dying_fails_the_build_saying_what_to_do_and_leaves_nothing() -> None:
    dataset_id = ingested_dataset(20)
    chunks.plan(dataset_id, 20, 10)
    assert [finish_chunk(dataset_id, i) for i in range(2)] == [False, True]
    # Each start of the finishing step counts; a worker killed while laying the map out never ends it.
    Dataset.objects.filter(id=dataset_id).update(finish_attempts=settings.BUILD_RETRIES + 1)
    assert pipeline.finish(dataset_id) == pipeline.Next()
    failed = Dataset.objects.get(id=dataset_id)
    assert failed.status == "failed"
    message = failed.error_message
    assert (
        f"The map of 20 rows could not be finished: the worker laying it out stopped {settings.BUILD_RETRIES + 1} "
        "times at the layout stage" in message
    )
    assert "more memory" in message and "sample_size" in message and "ATLAS_LAYOUT_SAMPLE_SIZE" in message
    assert "workers' logs" in message and "upload the file again" in message
    assert not Point.objects.filter(dataset_id=dataset_id).exists()
    assert not BuildChunk.objects.filter(dataset_id=dataset_id).exists()
    # A further copy of the finishing step finds the build ended and counts nothing.
    assert pipeline.finish(dataset_id) == pipeline.Next()
    assert Dataset.objects.get(id=dataset_id).finish_attempts == settings.BUILD_RETRIES + 2


def test_each_start_of_the_finishing_step_is_counted_and_a_new_build_counts_from_zero() -> None:
    dataset_id = ingested_dataset(20)
    assert [lifecycle.count_finish_start(dataset_id) for _ in range(3)] == [1, 2, 3]
    # A build taken from the start (queued again, or its worker died while ingesting) begins a new count.
    Dataset.objects.filter(id=dataset_id).update(status=Dataset.Status.QUEUED)
    assert store.claim(dataset_id) == "ingest"
    assert Dataset.objects.get(id=dataset_id).finish_attempts == 0
