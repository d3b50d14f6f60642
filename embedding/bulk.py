"""Embed many texts: unit vectors in token-length order, so each batch pads little."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from embedding.vectors import Indices, Vectors


class TextEncoder(Protocol):
    """What the embed stage needs from a model; the embedding library provides real ones."""

    name: str
    dimensions: int

    def token_counts(self, texts: Sequence[str]) -> npt.NDArray[np.int64]: ...

    def encode(self, texts: Sequence[str]) -> Vectors: ...


@dataclass(frozen=True)
class EmbedParams:
    batch_size: int = 64
    # Rows per progress report and per write to the database.
    chunk_size: int = 512


def iter_embeddings(
    encoder: TextEncoder, texts: Sequence[str], params: EmbedParams
) -> Iterator[tuple[Indices, Vectors]]:
    """Yield (row positions, their vectors) chunk by chunk until every text is embedded once.

    Sorting by token count (not characters, which misjudge non-ASCII text) keeps padding small.
    """
    order = np.argsort(encoder.token_counts(texts), kind="stable")
    for start in range(0, len(order), params.chunk_size):
        chunk = order[start : start + params.chunk_size]
        vectors = np.empty((len(chunk), encoder.dimensions), dtype=np.float32)
        for offset in range(0, len(chunk), params.batch_size):
            batch = chunk[offset : offset + params.batch_size]
            vectors[offset : offset + len(batch)] = encoder.encode([texts[i] for i in batch])
        yield chunk.astype(np.int64), vectors
