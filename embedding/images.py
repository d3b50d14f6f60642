"""Image embeddings: decode uploaded bytes safely within limits, and run an image model (CLIP-style
sentence-transformers models, or Nomic's vision model) to L2-normalised float32 vectors.

PIL, torch and transformers load inside the functions that need them, so importing this stays cheap.
"""

import io
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from embedding.devices import torch_device
from embedding.specs import EmbeddingRequestError, ModelSpec, UnknownModel, available_models, find_spec
from embedding.vectors import Vectors

if TYPE_CHECKING:
    from PIL.Image import Image

# What PIL reads and we accept; named in the error for anything else.
FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF")


class ImageTooLarge(EmbeddingRequestError):
    """An image file over the byte limit (the API answers 413)."""


@dataclass(frozen=True)
class ImageLimits:
    max_images: int = 64
    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000


@dataclass(frozen=True)
class ImageEmbeddings:
    vectors: Vectors
    model: str


def check_count(count: int, limits: ImageLimits) -> None:
    if count == 0:
        raise EmbeddingRequestError("No images were sent: attach one or more image files as 'images'.", "images")
    if count > limits.max_images:
        raise EmbeddingRequestError(
            f"{count} images were sent; send at most {limits.max_images} per request "
            "(the Python client splits long lists for you).",
            "images",
        )


def decode_image(data: bytes, label: str, limits: ImageLimits) -> "Image":
    """An RGB image from a file's bytes; refuses non-images, oversize files and pixel bombs by name."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > limits.max_bytes:
        raise ImageTooLarge(
            f"{label} is {len(data):,} bytes; the limit is {limits.max_bytes:,} per image. "
            "Send a smaller or more compressed image, or raise ATLAS_EMBED_IMAGE_MAX_BYTES on the server.",
            "images",
        )
    try:
        # Image.open reads only the header: the size is checked before any pixel is decoded.
        image = Image.open(io.BytesIO(data), formats=list(FORMATS))
        width, height = image.size
        if width * height > limits.max_pixels:
            raise EmbeddingRequestError(
                f"{label} is {width}x{height} pixels; the limit is {limits.max_pixels:,} pixels per image. "
                "Scale it down, or raise ATLAS_EMBED_IMAGE_MAX_PIXELS on the server.",
                "images",
            )
        image.load()
        return image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        if isinstance(exc, EmbeddingRequestError):
            raise
        raise EmbeddingRequestError(
            f"{label} is not an image Atlas can read ({', '.join(FORMATS)}): {exc}. Send the image file itself.",
            "images",
        ) from None


class ImageEncoder(ABC):
    """What the image API needs of a model: its name, its vectors' size, and unit vectors for images."""

    name: str
    dimensions: int

    @abstractmethod
    def embed(self, images: Sequence["Image"]) -> Vectors: ...


class ClipImageEncoder(ImageEncoder):
    """A CLIP-style sentence-transformers model: images and texts into one space."""

    def __init__(self, spec: ModelSpec, path: str, threads: int = 0) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        if threads > 0:
            torch.set_num_threads(threads)
        self.name = spec.name
        self._model = SentenceTransformer(path, device=torch_device(), trust_remote_code=spec.trust_remote_code)
        self.dimensions = int(self._model.get_embedding_dimension() or 0)
        self._lock = threading.Lock()

    def embed(self, images: Sequence["Image"]) -> Vectors:
        with self._lock:
            vectors = self._model.encode(
                list(images), batch_size=16, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
        return np.asarray(vectors, dtype=np.float32).reshape(len(images), -1)


class NomicVisionEncoder(ImageEncoder):
    """nomic-embed-vision-v1.5 as Nomic documents it: the CLS token of the last hidden state, normalised."""

    def __init__(self, spec: ModelSpec, path: str, threads: int = 0) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from transformers import AutoImageProcessor, AutoModel

        if threads > 0:
            torch.set_num_threads(threads)
        self.name = spec.name
        self._device = torch_device()
        # Nomic's vision tower ships its own modelling code: it runs from the configured directory only.
        self._processor: Any = AutoImageProcessor.from_pretrained(path, local_files_only=True)
        self._model: Any = AutoModel.from_pretrained(path, trust_remote_code=True, local_files_only=True)
        self._model.to(self._device).eval()
        self.dimensions = int(self._model.config.hidden_size)
        self._lock = threading.Lock()

    def embed(self, images: Sequence["Image"]) -> Vectors:
        import torch

        with self._lock, torch.no_grad():
            inputs = self._processor(list(images), return_tensors="pt").to(self._device)
            cls = self._model(**inputs).last_hidden_state[:, 0]
            vectors = torch.nn.functional.normalize(cls, p=2, dim=1)
        return np.asarray(vectors.cpu().numpy(), dtype=np.float32)


_load_lock = threading.Lock()
_loaded: dict[tuple[str, str, int], ImageEncoder] = {}


def get_image_encoder(name: str, threads: int = 0) -> ImageEncoder:
    spec = find_spec(name)
    if not spec.embeds_images:
        raise UnknownModel(
            f"Model {name!r} embeds texts only; image models: {', '.join(available_models('image')) or 'none'}. "
            "Add a CLIP-style sentence-transformers directory to ATLAS_EXTRA_MODELS as name=/dir;clip."
        )
    path = spec.locate()
    if not os.path.isdir(path):
        raise UnknownModel(f"Model {spec.name!r} is configured at {path}, which is not a directory.")
    key = (spec.name, path, threads)
    with _load_lock:
        if key not in _loaded:
            loader = NomicVisionEncoder if spec.kind == "nomic-vision" else ClipImageEncoder
            _loaded[key] = loader(spec, path, threads)
        return _loaded[key]


def embed_images(images: Sequence["Image"], model: str, threads: int = 0) -> ImageEmbeddings:
    """Unit vectors for decoded images, in order."""
    encoder = get_image_encoder(model, threads)
    return ImageEmbeddings(encoder.embed(images), encoder.name)
