"""embed.image: image embeddings from an Atlas server, or in this process, for paths, bytes or PIL images."""

import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import httpx
import numpy as np

from atlas_client.errors import NO_LOCAL_REGISTRY, AtlasError
from atlas_client.http import auth_headers, post, server_url

DEFAULT_IMAGE_MODEL = "nomic-embed-vision-v1.5"
ImageInput = str | Path | bytes | Any  # Any: a PIL.Image.Image, which the client does not import unless given one


def as_file(image: ImageInput, i: int) -> tuple[str, bytes]:
    """(a name for messages, the file's bytes); a PIL image is sent as lossless PNG."""
    if isinstance(image, bytes):
        return f"image-{i}", image
    if isinstance(image, (str, Path)):
        path = Path(image)
        try:
            return path.name, path.read_bytes()
        except OSError as exc:
            raise AtlasError(f"images[{i}]: cannot read {path} ({exc})") from None
    if hasattr(image, "save") and hasattr(image, "size"):
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return f"image-{i}.png", buffer.getvalue()
    raise TypeError(f"images[{i}] is a {type(image).__name__}; send a file path, the file's bytes or a PIL image")


def image(
    images: Sequence[ImageInput],
    model: str = DEFAULT_IMAGE_MODEL,
    inference_mode: Literal["remote", "local"] = "remote",
    base_url: str | None = None,
    output: Literal["list", "numpy"] = "list",
    batch_size: int = 16,
    max_retries: int = 4,
    retry_backoff: float = 0.5,
    timeout: float = 120.0,
    api_key: str | None = None,
) -> dict[str, Any]:
    """{"embeddings", "model"} for the images (paths, bytes or PIL images), in order, as unit vectors."""
    if isinstance(images, (str, bytes, Path)) or hasattr(images, "save"):
        raise TypeError("images must be a list; wrap a single image in a list")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    files = [as_file(item, i) for i, item in enumerate(images)]
    batches = [files[i : i + batch_size] for i in range(0, len(files), batch_size)]
    if inference_mode == "local":
        answers = _local(batches, model)
    elif inference_mode == "remote":
        answers = _remote(batches, model, server_url(base_url), max_retries, retry_backoff, timeout, api_key)
    else:
        raise ValueError(f"inference_mode must be 'remote' or 'local', not {inference_mode!r}")
    parts: list[np.ndarray[Any, np.dtype[np.float32]]] = []
    answered_model = model
    for vectors, name in answers:
        parts.append(vectors)
        answered_model = name
    stacked = np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)
    return {"embeddings": stacked if output == "numpy" else stacked.tolist(), "model": answered_model}


Batch = tuple[np.ndarray[Any, np.dtype[np.float32]], str]


def _remote(
    batches: list[list[tuple[str, bytes]]],
    model: str,
    url: str,
    max_retries: int,
    backoff: float,
    timeout: float,
    api_key: str | None,
) -> Iterator[Batch]:
    endpoint = url + "/api/v1/embedding/image"
    with httpx.Client(timeout=timeout, headers=auth_headers(api_key)) as client:
        for batch in batches:
            files = [("images", (name, data, "application/octet-stream")) for name, data in batch]
            answer = post(client, endpoint, max_retries, backoff, files=files, data={"model": model})
            yield np.asarray(answer["embeddings"], dtype=np.float32), str(answer["model"])


def _local(batches: list[list[tuple[str, bytes]]], model: str) -> Iterator[Batch]:
    try:
        from embedding.images import ImageLimits, decode_image, embed_images
        from embedding.specs import EmbeddingRequestError
    except ImportError as exc:
        raise AtlasError(NO_LOCAL_REGISTRY) from exc
    # The server's decoding, without its per-request limits: this process is the caller's own.
    limits = ImageLimits(max_images=1 << 30, max_bytes=1 << 40, max_pixels=1 << 40)
    offset = 0
    for batch in batches:
        try:
            decoded = [
                decode_image(data, f"images[{offset + i}] ({name})", limits) for i, (name, data) in enumerate(batch)
            ]
            result = embed_images(decoded, model)
        except EmbeddingRequestError as error:
            raise AtlasError(error.message, 400, "invalid_embedding_request") from None
        offset += len(batch)
        yield result.vectors, result.model
