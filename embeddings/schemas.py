"""The embedding API's requests and answers: check the JSON of the Atlas and the OpenAI-compatible
shapes, run them through embedding, and shape the vectors the way each caller expects."""

import base64
import json
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.http import HttpRequest
from pydantic import BaseModel, ConfigDict, Field, model_validator

from atlas.errors import InvalidEmbeddingRequest, RequestTooLarge
from embedding import EmbeddingRequestError, TextEmbeddings
from embedding.batching import Options, coalescer
from embedding.encoder import Embedded, matryoshka
from embedding.images import (
    ImageEmbeddings,
    ImageLimits,
    ImageTooLarge,
    check_count,
    decode_image,
    embed_images,
)
from embedding.service import checked_encoder
from embeddings.cache import cached_request
from tables.raw import unstorable

ATLAS_FIELDS = ("texts", "model", "task_type", "dimensionality", "long_text_mode")
# task_type is an Atlas extension; "user" is OpenAI's end-user tag, accepted and ignored.
OPENAI_FIELDS = ("input", "model", "dimensions", "encoding_format", "task_type", "user")
ENCODING_FORMATS = ("float", "base64")


@dataclass(frozen=True)
class TextRequest:
    texts: list[str]
    model: str
    task_type: str | None = None
    dimensionality: int | None = None
    long_text_mode: str = "truncate"


def _no_unknown_fields(body: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise InvalidEmbeddingRequest(
            f"Unknown field(s) {', '.join(map(repr, unknown))}; the fields are: {', '.join(allowed)}.", unknown[0]
        )


def _texts(value: Any, field: str) -> list[str]:
    if isinstance(value, str) and field == "input":
        value = [value]
    if not isinstance(value, list) or not value:
        raise InvalidEmbeddingRequest(f"{field} must be a non-empty list of strings.", field)
    if len(value) > settings.EMBED_API_MAX_TEXTS:
        raise InvalidEmbeddingRequest(
            f"{field} has {len(value)} texts; send at most {settings.EMBED_API_MAX_TEXTS} per request "
            "(the Python client splits long lists for you).",
            field,
        )
    for i, text in enumerate(value):
        if not isinstance(text, str):
            hint = " Token arrays are not supported; send the text." if isinstance(text, (int, list)) else ""
            raise InvalidEmbeddingRequest(f"{field}[{i}] is not a string.{hint}", field)
        problem = unstorable(text)
        if problem:
            raise InvalidEmbeddingRequest(f"{field}[{i}] holds {problem}, which Atlas cannot embed; remove it.", field)
        if len(text) > settings.EMBED_API_MAX_CHARS:
            raise InvalidEmbeddingRequest(
                f"{field}[{i}] has {len(text)} characters; the limit is {settings.EMBED_API_MAX_CHARS} per text. "
                "Split it, or set ATLAS_EMBED_API_MAX_CHARS on the server.",
                field,
            )
    return value


def _optional(body: dict[str, Any], field: str, kind: type, wanted: str) -> Any:
    value = body.get(field)
    # bool is an int in Python, never a dimensionality.
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
        raise InvalidEmbeddingRequest(f"{field} must be {wanted}, not {json.dumps(value)}.", field)
    return value


def _model(body: dict[str, Any]) -> str:
    return str(_optional(body, "model", str, "a model name") or settings.EMBED_MODEL)


def parse_text_request(body: dict[str, Any]) -> TextRequest:
    """POST /api/v1/embedding/text: {texts, model, task_type, dimensionality, long_text_mode}."""
    _no_unknown_fields(body, ATLAS_FIELDS)
    if "texts" not in body:
        raise InvalidEmbeddingRequest('texts is missing: send {"texts": ["first text", ...]}.', "texts")
    return TextRequest(
        texts=_texts(body["texts"], "texts"),
        model=_model(body),
        task_type=_optional(body, "task_type", str, "a task type string"),
        dimensionality=_optional(body, "dimensionality", int, "a whole number"),
        long_text_mode=_optional(body, "long_text_mode", str, '"truncate" or "mean"') or "truncate",
    )


def parse_openai_request(body: dict[str, Any]) -> tuple[TextRequest, str]:
    """POST /v1/embeddings: {input, model, dimensions, encoding_format}; returns the request and format."""
    _no_unknown_fields(body, OPENAI_FIELDS)
    if "input" not in body:
        raise InvalidEmbeddingRequest("input is missing: send a string or a list of strings.", "input")
    encoding_format = _optional(body, "encoding_format", str, '"float" or "base64"') or "float"
    if encoding_format not in ENCODING_FORMATS:
        raise InvalidEmbeddingRequest(
            f"Unknown encoding_format {encoding_format!r}; valid formats: {', '.join(ENCODING_FORMATS)}.",
            "encoding_format",
        )
    request = TextRequest(
        texts=_texts(body["input"], "input"),
        model=_model(body),
        task_type=_optional(body, "task_type", str, "a task type string"),
        dimensionality=_optional(body, "dimensions", int, "a whole number"),
    )
    return request, encoding_format


class TextEmbeddingRequest(BaseModel):
    """POST /api/v1/embedding/text. The checks are parse_text_request's, whose messages name the limits."""

    model_config = ConfigDict(extra="forbid")

    texts: list[str] = Field(min_length=1, description="At most ATLAS_EMBED_API_MAX_TEXTS texts.")
    model: str = Field("", description="A model name from /v1/models; the server's default when left out.")
    task_type: str | None = Field(None, description="search_document, search_query, clustering, classification.")
    dimensionality: int | None = Field(None, description="Shorter vectors, for Matryoshka models.")
    long_text_mode: str = Field("truncate", description="truncate or mean (average the windows of a long text).")

    @model_validator(mode="before")
    @classmethod
    def checked(cls, body: Any) -> Any:
        if not isinstance(body, dict):
            return body
        parsed = parse_text_request(body)
        return {**body, "model": parsed.model, "long_text_mode": parsed.long_text_mode}

    def request(self) -> TextRequest:
        return TextRequest(self.texts, self.model, self.task_type, self.dimensionality, self.long_text_mode)


class OpenAIEmbeddingRequest(BaseModel):
    """POST /v1/embeddings, as OpenAI's clients send it."""

    model_config = ConfigDict(extra="forbid")

    input: str | list[str] = Field(description="A text or a list of texts.")
    model: str = ""
    dimensions: int | None = None
    encoding_format: str = Field("float", description="float or base64 (little-endian float32).")
    task_type: str | None = Field(None, description="An Atlas extension: search_document, search_query, ...")
    user: str | None = Field(None, description="Accepted and ignored.")

    @model_validator(mode="before")
    @classmethod
    def checked(cls, body: Any) -> Any:
        if not isinstance(body, dict):
            return body
        parsed, encoding_format = parse_openai_request(body)
        return {**body, "input": parsed.texts, "model": parsed.model, "encoding_format": encoding_format}

    def request(self) -> TextRequest:
        texts = [self.input] if isinstance(self.input, str) else self.input
        return TextRequest(texts, self.model, self.task_type, self.dimensions)


# The registry names fields as the Atlas API does; OpenAI callers sent these names instead.
OPENAI_NAMES = {"texts": "input", "dimensionality": "dimensions"}


def run(request: TextRequest, field_names: dict[str, str] | None = None) -> TextEmbeddings:
    """Check the request, then embed it: cached texts are read, the rest computed together with other
    callers' concurrent requests (embedding.batching), and Matryoshka applied last, per row."""
    try:
        encoder = checked_encoder(
            request.model, request.task_type, request.dimensionality, request.long_text_mode, settings.TORCH_THREADS
        )
    except EmbeddingRequestError as error:
        field = (field_names or {}).get(error.field, error.field)
        raise InvalidEmbeddingRequest(error.message, field) from None
    # Full-size vectors, so requests that differ only in dimensionality share model calls and cache rows.
    options = Options(request.task_type, None, request.long_text_mode)

    def compute(texts: list[str]) -> Embedded:
        if settings.EMBED_BATCH_WAIT_MS <= 0:
            return encoder.embed(texts, options.task_type, None, options.long_text_mode)
        batcher = coalescer(settings.EMBED_BATCH_WAIT_MS / 1000, settings.EMBED_BATCH_MAX_TEXTS)
        return batcher.embed(encoder, texts, options)

    # Averaged windows are rare and depend on the mode: only plain (truncated) texts go through the cache.
    if settings.EMBED_API_CACHE and request.long_text_mode == "truncate":
        embedded = cached_request(encoder, request.texts, request.task_type, compute)
    else:
        embedded = compute(request.texts)
    vectors = embedded.vectors
    if request.dimensionality is not None and encoder.spec.matryoshka_min is not None:
        vectors = matryoshka(vectors, request.dimensionality)
    return TextEmbeddings(vectors, encoder.name, embedded.tokens)


def atlas_payload(result: TextEmbeddings) -> dict[str, Any]:
    return {
        "embeddings": result.vectors.tolist(),
        "model": result.model,
        "usage": {"total_tokens": result.total_tokens},
    }


def openai_payload(result: TextEmbeddings, encoding_format: str) -> dict[str, Any]:
    def encoded(i: int) -> Any:
        if encoding_format == "base64":
            # OpenAI's base64 format: the vector's little-endian float32 bytes.
            return base64.b64encode(result.vectors[i].astype("<f4").tobytes()).decode("ascii")
        return result.vectors[i].tolist()

    return {
        "object": "list",
        "data": [{"object": "embedding", "index": i, "embedding": encoded(i)} for i in range(len(result.vectors))],
        "model": result.model,
        "usage": {"prompt_tokens": result.total_tokens, "total_tokens": result.total_tokens},
    }


IMAGE_FIELDS = ("images", "model")


def image_limits() -> ImageLimits:
    return ImageLimits(settings.EMBED_IMAGE_MAX_COUNT, settings.EMBED_IMAGE_MAX_BYTES, settings.EMBED_IMAGE_MAX_PIXELS)


def run_images(request: HttpRequest) -> ImageEmbeddings:
    """POST /api/v1/embedding/image: multipart files under `images`, optional form field `model`."""
    if not (request.content_type or "").startswith("multipart/form-data"):
        raise InvalidEmbeddingRequest(
            "Send images as multipart/form-data, one file per 'images' field (curl -F images=@cat.png -F model=...).",
            "images",
        )
    try:
        files = request.FILES.getlist("images")
        fields = set(request.POST) | set(request.FILES)
        model = request.POST.get("model") or settings.EMBED_IMAGE_MODEL
    except TooManyFilesSent:
        raise InvalidEmbeddingRequest(
            f"Too many files; send at most {settings.EMBED_IMAGE_MAX_COUNT} images per request.", "images"
        ) from None
    except RequestDataTooBig:
        raise RequestTooLarge("The request's form fields are too large; send images as files.") from None
    unknown = sorted(fields - set(IMAGE_FIELDS))
    if unknown:
        raise InvalidEmbeddingRequest(
            f"Unknown field(s) {', '.join(map(repr, unknown))}; the fields are: {', '.join(IMAGE_FIELDS)}.", unknown[0]
        )
    limits = image_limits()
    try:
        check_count(len(files), limits)
        images = [decode_image(f.read(), f"images[{i}] ({f.name})", limits) for i, f in enumerate(files)]
        return embed_images(images, model, threads=settings.TORCH_THREADS)
    except ImageTooLarge as error:
        raise RequestTooLarge(error.message) from None
    except EmbeddingRequestError as error:
        raise InvalidEmbeddingRequest(error.message, error.field) from None


def image_payload(result: ImageEmbeddings) -> dict[str, Any]:
    return {"embeddings": result.vectors.tolist(), "model": result.model}


def openai_model(name: str) -> dict[str, Any]:
    """A model as OpenAI's /v1/models lists it."""
    return {"id": name, "object": "model", "created": 0, "owned_by": "atlas"}


# Answers, in Atlas's shape and in OpenAI's.


class TokenUsage(BaseModel):
    total_tokens: int


class EmbeddingsAnswer(BaseModel):
    embeddings: list[list[float]] = Field(description="One vector per text, in the order sent.")
    model: str
    usage: TokenUsage


class ImageEmbeddingsAnswer(BaseModel):
    embeddings: list[list[float]] = Field(description="One vector per image, in the order sent.")
    model: str


class OpenAIEmbedding(BaseModel):
    object: Literal["embedding"]
    index: int
    embedding: list[float] | str = Field(description="The vector, or with encoding_format=base64 its float32 bytes.")


class OpenAIUsage(BaseModel):
    prompt_tokens: int
    total_tokens: int


class OpenAIEmbeddingsAnswer(BaseModel):
    object: Literal["list"]
    data: list[OpenAIEmbedding]
    model: str
    usage: OpenAIUsage


class OpenAIModel(BaseModel):
    id: str
    object: Literal["model"]
    created: int
    owned_by: str


class OpenAIModelList(BaseModel):
    object: Literal["list"]
    data: list[OpenAIModel]
