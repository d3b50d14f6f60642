"""Embedding the rows of a passage map: each row's text cut into passages, every passage embedded (through the
embedding cache, so a passage seen before costs nothing) and stored with its span, the row's own vector the
mean of its passages'. A map build's chunks and an append both embed this way."""

import uuid
from collections.abc import Iterator

import numpy as np

from embedding import Encoder
from embedding.bulk import EmbedParams
from embedding.vectors import Indices
from embeddings.cache import CacheStats, cached_embeddings
from maps.models import Dataset
from workers import store

# Rows cut, embedded and stored together: each group is one transaction and one progress report.
GROUP_ROWS = 128


def embed_passages(
    dataset_id: uuid.UUID,
    encoder: Encoder,
    row_ids: Indices,
    texts: list[str],
    tokens: int,
    overlap: int,
    params: EmbedParams,
    stats: CacheStats,
) -> Iterator[int]:
    """Embed and store the rows' passages group by group, yielding how many rows each group finished."""
    for begin in range(0, len(texts), GROUP_ROWS):
        group = texts[begin : begin + GROUP_ROWS]
        spans = encoder.passages(group, tokens, overlap)
        pieces = [text[a:b] for text, row in zip(group, spans, strict=True) for a, b in row]
        vectors = np.zeros((len(pieces), encoder.dimensions), dtype=np.float32)
        found = CacheStats()
        for positions, embedded in cached_embeddings(encoder, pieces, params, found):
            vectors[positions] = embedded
        stats.hits += found.hits
        stats.embedded += found.embedded
        store.save_passages(dataset_id, row_ids[begin : begin + GROUP_ROWS], spans, vectors)
        yield len(group)


def embedded_rows(
    dataset: Dataset, encoder: Encoder, rows: Indices, texts: list[str], params: EmbedParams, cache: CacheStats
) -> Iterator[int]:
    """Embed and store these rows' vectors (a passage map's passages too), yielding how many rows each write
    finished."""
    if dataset.passage_tokens:
        yield from embed_passages(
            dataset.id, encoder, rows, texts, dataset.passage_tokens, dataset.passage_overlap, params, cache
        )
        return
    for positions, vectors in cached_embeddings(encoder, texts, params, cache):
        store.save_embeddings(dataset.id, rows[positions], vectors)
        yield len(positions)
