"""The embed stage and the embedding API behind a content-hash cache: vectors a model already gave for a
text are read from PostgreSQL, only the rest is embedded (each distinct text once) and stored for next time;
the table is kept to ATLAS_EMBED_CACHE_MAX_ROWS rows, oldest dropped first."""

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from embedding.bulk import EmbedParams, iter_embeddings
from embedding.encoder import Embedded, Encoder
from embedding.vectors import Indices, Vectors

log = logging.getLogger(__name__)

# Keys per lookup query: keeps each ANY(array) parameter a few hundred kB.
LOOKUP_BATCH = 5000


@dataclass
class CacheStats:
    # Rows whose vector came from the cache, and distinct texts the model had to embed.
    hits: int = 0
    embedded: int = 0

    def as_timings(self) -> dict[str, float]:
        return {"embed_cache_hits": self.hits, "embed_computed": self.embedded}


def text_key(encoder: Encoder, text: str, task_type: str | None = None) -> bytes:
    """The hash of exactly what the model reads: the task's prefix (a document's by default) and text."""
    return hashlib.sha256((encoder.prefix(task_type) + text).encode("utf-8")).digest()


def cached_embeddings(
    encoder: Encoder, texts: Sequence[str], params: EmbedParams, stats: CacheStats
) -> Iterator[tuple[Indices, Vectors]]:
    """Yield (row positions, their vectors) chunk by chunk, cached rows first, until every row has one."""
    rows_by_key: dict[bytes, list[int]] = {}
    for row, text in enumerate(texts):
        rows_by_key.setdefault(text_key(encoder, text), []).append(row)
    found = lookup(encoder, list(rows_by_key))
    hit_rows = np.array(sorted(r for key in found for r in rows_by_key[key]), dtype=np.int64)
    keys_of_rows = {r: key for key, rows in rows_by_key.items() for r in rows} if len(hit_rows) else {}
    stats.hits = len(hit_rows)
    for start in range(0, len(hit_rows), params.chunk_size):
        chunk = hit_rows[start : start + params.chunk_size]
        yield chunk, np.stack([found[keys_of_rows[int(r)]] for r in chunk])

    missing = [key for key in rows_by_key if key not in found]
    stats.embedded = len(missing)
    if not missing:
        return  # a tokenizer handed no texts at all raises, so never ask it
    distinct = [texts[rows_by_key[key][0]] for key in missing]
    for positions, vectors in iter_embeddings(encoder, distinct, params):
        chunk_keys = [missing[int(p)] for p in positions]
        store(encoder, chunk_keys, vectors)
        # A text repeated in the file was embedded once; every row holding it gets the vector.
        counts = [len(rows_by_key[key]) for key in chunk_keys]
        rows = np.array([r for key in chunk_keys for r in rows_by_key[key]], dtype=np.int64)
        yield rows, np.repeat(vectors, counts, axis=0)


def _vector_cursor() -> CursorWrapper:
    from pgvector.psycopg import register_vector

    # A psycopg cursor copies its connection's adapters when it is made: register first.
    connection.ensure_connection()
    register_vector(connection.connection)
    return connection.cursor()


def lookup(encoder: Encoder, keys: list[bytes]) -> dict[bytes, Vectors]:
    found: dict[bytes, Vectors] = {}
    with transaction.atomic(), _vector_cursor() as cursor:
        for start in range(0, len(keys), LOOKUP_BATCH):
            cursor.execute(
                "SELECT text_sha256, embedding FROM maps_cachedembedding "
                "WHERE model_key = %s AND dimensions = %s AND text_sha256 = ANY(%s)",
                [encoder.cache_key, encoder.dimensions, keys[start : start + LOOKUP_BATCH]],
            )
            for key, vector in cursor.fetchall():
                found[bytes(key)] = vector.to_numpy().astype(np.float32, copy=False)
    return found


def store(encoder: Encoder, keys: list[bytes], vectors: Vectors) -> None:
    """Add vectors; a key another build stored meanwhile keeps its first vector (same model, same text)."""
    with transaction.atomic(), _vector_cursor() as cursor:
        # Inside an outer transaction (a caller's atomic block) ON COMMIT has not dropped the last one yet.
        cursor.execute("DROP TABLE IF EXISTS pg_temp.incoming_cache")
        cursor.execute("CREATE TEMP TABLE incoming_cache (text_sha256 bytea, embedding vector) ON COMMIT DROP")
        with cursor.copy("COPY incoming_cache (text_sha256, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(["bytea", "vector"])
            for key, vector in zip(keys, vectors, strict=True):
                copy.write_row((key, vector))
        cursor.execute(
            "INSERT INTO maps_cachedembedding (model_key, text_sha256, dimensions, embedding, created_at) "
            "SELECT %s, text_sha256, %s, embedding, now() FROM incoming_cache "
            "ON CONFLICT (model_key, text_sha256, dimensions) DO NOTHING",
            [encoder.cache_key, encoder.dimensions],
        )


def cached_request(
    encoder: Encoder, texts: Sequence[str], task_type: str | None, compute: Callable[[list[str]], Embedded]
) -> Embedded:
    """An API request's full-size vectors (truncate mode) through the cache: `compute` embeds only the
    distinct texts not seen before with this model and task prefix; they are stored for the next caller."""
    keys = [text_key(encoder, text, task_type) for text in texts]
    found = lookup(encoder, list(dict.fromkeys(keys)))
    missing = list(dict.fromkeys(k for k in keys if k not in found))
    vectors = np.empty((len(texts), encoder.dimensions), dtype=np.float32)
    tokens = np.zeros(len(texts), dtype=np.int64)
    if missing:
        first_of = {key: i for i, key in reversed(list(enumerate(keys)))}
        embedded = compute([texts[first_of[key]] for key in missing])
        store(encoder, missing, embedded.vectors)
        maybe_prune()
        found.update(zip(missing, embedded.vectors, strict=True))
        computed_tokens = dict(zip(missing, embedded.tokens_per_text.tolist(), strict=True))
    else:
        computed_tokens = {}
    for i, key in enumerate(keys):
        vectors[i] = found[key]
    # Usage counts what the model reads for every text, cached or not, so the figure never depends on the cache.
    cached_rows = [i for i, key in enumerate(keys) if key not in computed_tokens]
    if cached_rows:
        prefix = encoder.prefix(task_type)
        tokens[cached_rows] = encoder.token_counts([prefix + texts[i] for i in cached_rows])
    for i, key in enumerate(keys):
        if key in computed_tokens:
            tokens[i] = computed_tokens[key]
    return Embedded(vectors, int(tokens.sum()), tokens)


def prune(max_rows: int) -> int:
    """Drop the oldest rows beyond max_rows (0: keep everything); returns how many went."""
    if max_rows <= 0:
        return 0
    with connection.cursor() as cursor:
        # Ids grow with every insert, so the primary key's index finds the newest rows without a sort.
        cursor.execute("SELECT id FROM maps_cachedembedding ORDER BY id DESC OFFSET %s LIMIT 1", [max_rows])
        cutoff = cursor.fetchone()
        if cutoff is None:
            return 0
        cursor.execute("DELETE FROM maps_cachedembedding WHERE id <= %s", [cutoff[0]])
        removed = int(cursor.rowcount)
    if removed:
        log.info("embedding cache pruned: %d oldest rows removed (ATLAS_EMBED_CACHE_MAX_ROWS=%d)", removed, max_rows)
    return removed


_last_prune = 0.0
_prune_lock = threading.Lock()


def maybe_prune() -> None:
    """prune() at most once per ATLAS_EMBED_CACHE_PRUNE_SECONDS per process: each run sorts the table."""
    global _last_prune
    with _prune_lock:
        now = time.monotonic()
        if _last_prune and now - _last_prune < settings.EMBED_CACHE_PRUNE_SECONDS:
            return
        _last_prune = now
    prune(settings.EMBED_CACHE_MAX_ROWS)
