"""embed.text and embed.image: Nomic-style embedding calls against an Atlas server, or in this process.

Long lists go out in batches, each retried on its own, so a job survives a server restart mid-way.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import httpx
import numpy as np

from atlas_client.errors import NO_LOCAL_REGISTRY, AtlasError
from atlas_client.http import auth_headers, post_json, server_url
from atlas_client.images import image

__all__ = ["image", "text"]

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# With this many batches or more, a progress bar shows unless progress=False.
PROGRESS_FROM_BATCHES = 4


def text(
    texts: Sequence[str],
    model: str = DEFAULT_MODEL,
    task_type: str | None = None,
    dimensionality: int | None = None,
    long_text_mode: Literal["truncate", "mean"] = "truncate",
    inference_mode: Literal["remote", "local"] = "remote",
    base_url: str | None = None,
    api_key: str | None = None,
    output: Literal["list", "numpy"] = "list",
    batch_size: int = 128,
    progress: bool | None = None,
    max_retries: int = 4,
    retry_backoff: float = 0.5,
    timeout: float = 120.0,
) -> dict[str, Any]:
    """{"embeddings", "model", "usage": {"total_tokens"}} for the texts, in order.

    task_type: search_document (the default for models with task prefixes), search_query, clustering,
    classification. base_url: the Atlas server (default: $ATLAS_URL, else http://127.0.0.1:8000).
    api_key: an API token made at <server>/account/tokens (default: $ATLAS_API_KEY).
    """
    if isinstance(texts, str):
        raise TypeError("texts must be a list of strings; wrap a single text in a list")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    texts = list(texts)
    batches = [texts[i : i + batch_size] for i in range(0, len(texts), batch_size)]
    options = {
        "model": model,
        "task_type": task_type,
        "dimensionality": dimensionality,
        "long_text_mode": long_text_mode,
    }
    parts: list[np.ndarray[Any, np.dtype[np.float32]]] = []
    tokens = 0
    answered_model = model
    show = progress if progress is not None else len(batches) >= PROGRESS_FROM_BATCHES
    answers = _run(batches, options, inference_mode, base_url, api_key, max_retries, retry_backoff, timeout)
    with _progress(len(texts), show) as advance:
        for vectors, used, name in answers:
            parts.append(vectors)
            answered_model = name
            tokens += used
            advance(len(vectors))
    stacked = np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)
    embeddings: Any = stacked if output == "numpy" else stacked.tolist()
    return {"embeddings": embeddings, "model": answered_model, "usage": {"total_tokens": tokens}}


Batch = tuple[np.ndarray[Any, np.dtype[np.float32]], int, str]


def _run(
    batches: list[list[str]],
    options: dict[str, Any],
    inference_mode: str,
    url: str | None,
    api_key: str | None,
    max_retries: int,
    backoff: float,
    timeout: float,
) -> Iterator[Batch]:
    if inference_mode == "local":
        yield from _local(batches, options)
    elif inference_mode == "remote":
        endpoint = server_url(url) + "/api/v1/embedding/text"
        with httpx.Client(timeout=timeout, headers=auth_headers(api_key)) as client:
            for batch in batches:
                body = {"texts": batch, **{k: v for k, v in options.items() if v is not None}}
                answer = post_json(client, endpoint, body, max_retries, backoff)
                vectors = np.asarray(answer["embeddings"], dtype=np.float32)
                yield vectors, int(answer["usage"]["total_tokens"]), str(answer["model"])
    else:
        raise ValueError(f"inference_mode must be 'remote' or 'local', not {inference_mode!r}")


def _local(batches: list[list[str]], options: dict[str, Any]) -> Iterator[Batch]:
    try:
        from embedding import EmbeddingRequestError, embed_texts
    except ImportError as exc:
        raise AtlasError(NO_LOCAL_REGISTRY) from exc
    for batch in batches:
        try:
            result = embed_texts(batch, **options)
        except EmbeddingRequestError as error:
            raise AtlasError(error.message, 400, "invalid_embedding_request") from None
        yield result.vectors, result.total_tokens, result.model


@contextmanager
def _progress(total: int, show: bool) -> Iterator[Any]:
    """A tqdm bar when asked for and installed; otherwise a no-op, since the bar is optional."""
    bar = None
    if show:
        try:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="text", desc="embedding")
        except ImportError:
            bar = None
    try:
        yield (bar.update if bar is not None else lambda _n: None)
    finally:
        if bar is not None:
            bar.close()
