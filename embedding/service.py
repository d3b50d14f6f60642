"""Embed a list of texts as a caller asked: one function behind the HTTP API and the client's local mode,
so both check requests the same way and return the same vectors."""

from collections.abc import Sequence
from dataclasses import dataclass

from embedding.encoder import Encoder
from embedding.registry import get_encoder
from embedding.specs import LONG_TEXT_MODES, TASK_TYPES, EmbeddingRequestError
from embedding.vectors import Vectors


@dataclass(frozen=True)
class TextEmbeddings:
    vectors: Vectors
    model: str
    total_tokens: int


def check_options(task_type: str | None, long_text_mode: str) -> None:
    """The checks that need no model, so a bad request is refused before a model loads."""
    if task_type is not None and task_type not in TASK_TYPES:
        raise EmbeddingRequestError(
            f"Unknown task_type {task_type!r}; valid task types: {', '.join(TASK_TYPES)}.", "task_type"
        )
    if long_text_mode not in LONG_TEXT_MODES:
        raise EmbeddingRequestError(
            f"Unknown long_text_mode {long_text_mode!r}; valid modes: {', '.join(LONG_TEXT_MODES)}.", "long_text_mode"
        )


def embed_texts(
    texts: Sequence[str],
    model: str,
    task_type: str | None = None,
    dimensionality: int | None = None,
    long_text_mode: str = "truncate",
    threads: int = 0,
) -> TextEmbeddings:
    """Unit vectors for the texts, in order.

    task_type picks the prefix for models that use them (search_document when None) and is accepted
    but changes nothing for models that do not. dimensionality shortens a Matryoshka model's vectors;
    for other models only their own size is accepted.
    """
    encoder = checked_encoder(model, task_type, dimensionality, long_text_mode, threads)
    embedded = encoder.embed(texts, task_type, dimensionality, long_text_mode)
    return TextEmbeddings(embedded.vectors, encoder.name, embedded.tokens)


def checked_encoder(
    model: str, task_type: str | None, dimensionality: int | None, long_text_mode: str, threads: int = 0
) -> Encoder:
    """The loaded model for a request whose options it can serve; EmbeddingRequestError says why not."""
    check_options(task_type, long_text_mode)
    encoder = get_encoder(model, threads)
    if dimensionality is not None:
        low = encoder.spec.matryoshka_min
        if low is None and dimensionality != encoder.dimensions:
            raise EmbeddingRequestError(
                f"Model {model!r} gives {encoder.dimensions}-dimensional vectors and cannot shorten them "
                f"(it is not Matryoshka-trained); leave dimensionality out or send {encoder.dimensions}.",
                "dimensionality",
            )
        if low is not None and not low <= dimensionality <= encoder.dimensions:
            raise EmbeddingRequestError(
                f"dimensionality={dimensionality} is out of range for {model!r}; "
                f"send a whole number from {low} to {encoder.dimensions}.",
                "dimensionality",
            )
    return encoder
