"""The embed stage behind a content-hash cache: vectors a model already gave for a text are read from
PostgreSQL, only the rest is embedded (each distinct text once) and stored for next time."""

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from workers.embedding.encoder import Encoder
from workers.stages.embed import EmbedParams, Indices, Vectors, iter_embeddings

# Keys per lookup query: keeps each ANY(array) parameter a few hundred kB.
LOOKUP_BATCH = 5000


@dataclass
class CacheStats:
    # Rows whose vector came from the cache, and distinct texts the model had to embed.
    hits: int = 0
    embedded: int = 0

    def as_timings(self) -> dict[str, float]:
        return {"embed_cache_hits": self.hits, "embed_computed": self.embedded}


def text_key(encoder: Encoder, text: str) -> bytes:
    """The hash of exactly what the model reads for a document: prefix and text."""
    return hashlib.sha256((encoder.prefix(None) + text).encode("utf-8")).digest()


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
