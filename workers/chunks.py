"""A build's embedding chunks in PostgreSQL: planning them, handing them out a few at a time, recording
what each committed, and noticing (under a row lock) which task finished the last one."""

import uuid
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import F, Max, Min, Sum
from django.utils import timezone

from maps import lifecycle
from maps.models import BuildChunk
from workers import store


@dataclass(frozen=True)
class Chunk:
    dataset_id: uuid.UUID
    index: int
    start: int
    stop: int
    attempts: int


def plan(dataset_id: uuid.UUID, rows: int, chunk_rows: int) -> int:
    """Split rows 0..rows-1 into chunks of chunk_rows and move the build to the embed stage, in one
    transaction; returns how many chunks there are (0 when the build is no longer wanted)."""
    with transaction.atomic():
        if not lifecycle.begin_embedding(dataset_id, rows):
            return 0
        BuildChunk.objects.filter(dataset_id=dataset_id).delete()
        BuildChunk.objects.bulk_create(
            BuildChunk(dataset_id=dataset_id, index=i, start=start, stop=min(rows, start + chunk_rows))
            for i, start in enumerate(range(0, rows, chunk_rows))
        )
    return -(-rows // chunk_rows)


def take_next(dataset_id: uuid.UUID, in_flight: int) -> list[int]:
    """Mark as queued the next chunks not yet queued, so that at most in_flight are queued and not done;
    returns their indexes for the caller to send (after its transaction commits)."""
    with transaction.atomic():
        # The dataset row's lock orders concurrent callers, so they never hand out the same chunk twice.
        if not lifecycle.hold_running(dataset_id):
            return []
        pending = BuildChunk.objects.filter(dataset_id=dataset_id, done_at__isnull=True)
        room = in_flight - pending.filter(queued_at__isnull=False).count()
        if room <= 0:
            return []
        indexes = list(pending.filter(queued_at__isnull=True).values_list("index", flat=True)[:room])
        BuildChunk.objects.filter(dataset_id=dataset_id, index__in=indexes).update(queued_at=timezone.now())
    return indexes


def queued_not_done(dataset_id: uuid.UUID) -> list[int]:
    """Chunks handed out but not finished: what a resumed build sends again (a second copy is harmless)."""
    return list(
        BuildChunk.objects.filter(dataset_id=dataset_id, queued_at__isnull=False, done_at__isnull=True).values_list(
            "index", flat=True
        )
    )


def queued_not_sent(dataset_id: uuid.UUID) -> list[int]:
    """Chunks handed out whose message was never confirmed sent: lost with a worker that died between handing
    them out and sending them (or, rarely, sent by a worker that died before saying so: a harmless copy)."""
    return list(
        BuildChunk.objects.filter(
            dataset_id=dataset_id, queued_at__isnull=False, sent_at__isnull=True, done_at__isnull=True
        ).values_list("index", flat=True)
    )


def mark_sent(dataset_id: uuid.UUID, indexes: list[int]) -> None:
    BuildChunk.objects.filter(dataset_id=dataset_id, index__in=indexes).update(sent_at=timezone.now())


def begin(dataset_id: uuid.UUID, index: int) -> Chunk | None:
    """Count an attempt at a chunk that is still to do; None when it is done or its build is gone."""
    with transaction.atomic():
        rows = BuildChunk.objects.filter(dataset_id=dataset_id, index=index, done_at__isnull=True)
        if not rows.update(attempts=F("attempts") + 1, started_at=timezone.now()):
            return None
        chunk = rows.get()
    return Chunk(dataset_id, index, chunk.start, chunk.stop, chunk.attempts)


def texts_without_vector(chunk: Chunk) -> tuple[np.ndarray, list[str]]:
    """Rows of the chunk that have no vector yet, with their texts: a retried chunk embeds only those."""
    return store.texts_without_vector(chunk.dataset_id, chunk.start, chunk.stop)


def report(chunk: Chunk, rows_done: int) -> bool:
    """Record the chunk's rows that have a vector and the build's total; False when it is no longer wanted."""
    with transaction.atomic():
        BuildChunk.objects.filter(dataset_id=chunk.dataset_id, index=chunk.index).update(rows_done=rows_done)
        done = BuildChunk.objects.filter(dataset_id=chunk.dataset_id).aggregate(rows=Sum("rows_done"))["rows"]
        return lifecycle.embedded_so_far(chunk.dataset_id, done or 0)


def complete(chunk: Chunk, worker: str, cache_hits: int, computed: int) -> bool:
    """Mark the chunk done; True for exactly one caller per build: the one that finished its last chunk,
    which also moves the build to the layout stage."""
    with transaction.atomic():
        # Locking the dataset row serialises the chunks' completions: each sees the others' commits, so
        # two chunks finishing at once cannot both think the other is still running.
        if not lifecycle.hold_running(chunk.dataset_id):
            return False
        BuildChunk.objects.filter(dataset_id=chunk.dataset_id, index=chunk.index, done_at__isnull=True).update(
            done_at=timezone.now(), worker=worker[:255], cache_hits=cache_hits, computed=computed
        )
        if BuildChunk.objects.filter(dataset_id=chunk.dataset_id, done_at__isnull=True).exists():
            return False
        return lifecycle.embedding_done(chunk.dataset_id)


def embed_timings(dataset_id: uuid.UUID) -> dict[str, float]:
    """The embed stage's wall time (first chunk started to last chunk done) and its cache counts."""
    found = BuildChunk.objects.filter(dataset_id=dataset_id).aggregate(
        first=Min("started_at"), last=Max("done_at"), hits=Sum("cache_hits"), computed=Sum("computed")
    )
    if found["first"] is None or found["last"] is None:
        return {}
    return {
        "embed": round((found["last"] - found["first"]).total_seconds(), 3),
        "embed_cache_hits": found["hits"] or 0,
        "embed_computed": found["computed"] or 0,
    }
