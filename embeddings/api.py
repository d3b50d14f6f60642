"""The embedding API: /api/v1/embedding/text and /image in Atlas's shape, /v1/embeddings and /v1/models in
OpenAI's. Accounts only, each within its rate limit."""

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router

from atlas.errors import InvalidEmbeddingRequest, ModelNotFound, UserError
from atlas.http import with_error_headers
from atlas.schemas import BINARY, answers, multipart_body
from embedding import available_models
from embeddings import schemas
from teams import ratelimit
from teams.api import Account


class RateLimitedAccount(Account):
    """An account within the embedding API's rate limit."""

    def __call__(self, request: HttpRequest) -> User:
        user = super().__call__(request)
        ratelimit.hit("embedding", f"user-{user.pk}", ratelimit.rate("embedding"))
        return user


router = Router(tags=["embeddings"], auth=RateLimitedAccount())

# A failed schema check on these routes is an invalid_embedding_request, naming the field (param).
INVALID: dict[str, type[UserError]] = {
    name: InvalidEmbeddingRequest for name in ("api-embedding-text", "api-embedding-image", "openai-embeddings")
}


@router.post(
    "/api/v1/embedding/text",
    response=answers(200, schemas.EmbeddingsAnswer),
    url_name="api-embedding-text",
    summary="Embed texts",
)
def embed_text(request: HttpRequest, body: schemas.TextEmbeddingRequest) -> HttpResponse:
    return JsonResponse(schemas.atlas_payload(schemas.run(body.request())))


@router.post(
    "/api/v1/embedding/image",
    response=answers(200, schemas.ImageEmbeddingsAnswer),
    url_name="api-embedding-image",
    summary="Embed images",
    openapi_extra=multipart_body(
        {"images": {"type": "array", "items": BINARY}, "model": {"type": "string"}}, ["images"]
    ),
)
def embed_image(request: HttpRequest) -> HttpResponse:
    return JsonResponse(schemas.image_payload(schemas.run_images(request)))


def openai_error(error: UserError) -> JsonResponse:
    """A UserError in OpenAI's shape: {"error": {"message", "type", "param", "code"}}."""
    param = error.param if isinstance(error, InvalidEmbeddingRequest) else None
    body = {"message": error.message, "type": "invalid_request_error", "param": param, "code": error.code}
    return with_error_headers(JsonResponse({"error": body}, status=error.status), error)


@router.post(
    "/v1/embeddings",
    response=answers(200, schemas.OpenAIEmbeddingsAnswer),
    url_name="openai-embeddings",
    summary="Embed texts (OpenAI's shape)",
)
def openai_embeddings(request: HttpRequest, body: schemas.OpenAIEmbeddingRequest) -> HttpResponse:
    """OpenAI's /v1/embeddings shape, errors included."""
    result = schemas.run(body.request(), schemas.OPENAI_NAMES)
    return JsonResponse(schemas.openai_payload(result, body.encoding_format))


# Listing the models embeds nothing: an account, outside the embedding rate limit.
@router.get(
    "/v1/models",
    auth=Account(),
    response=answers(200, schemas.OpenAIModelList),
    url_name="openai-models",
    summary="The models",
)
def openai_models(request: HttpRequest) -> HttpResponse:
    """OpenAI's model list (GET /v1/models): the text embedding models this server serves."""
    return JsonResponse({"object": "list", "data": [schemas.openai_model(name) for name in available_models("text")]})


@router.get(
    "/v1/models/{model_id}",
    auth=Account(),
    response=answers(200, schemas.OpenAIModel),
    url_name="openai-model",
    summary="A model",
)
def openai_model(request: HttpRequest, model_id: str) -> HttpResponse:
    """One model of the list (GET /v1/models/<id>), or OpenAI's 404 naming the models there are."""
    names = available_models("text")
    if model_id not in names:
        raise ModelNotFound(
            f"The model {model_id!r} does not exist here; this server embeds text with: {', '.join(names)}.",
            param="model",
        )
    return JsonResponse(schemas.openai_model(model_id))
