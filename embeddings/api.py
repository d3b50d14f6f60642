"""The embedding API: /api/v1/embedding/text and /image in Atlas's shape, /v1/embeddings in OpenAI's."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from atlas.errors import InvalidEmbeddingRequest, ModelNotFound, NotAuthenticated, RateLimited, UserError
from atlas.http import json_post, post_only, user_errors
from embedding import available_models
from embeddings import schemas
from teams import access, ratelimit


def embedding_caller(request: HttpRequest) -> None:
    """The embedding API serves accounts only (a token or a session), each within its rate limit."""
    user = access.require_user(access.caller(request))
    ratelimit.hit("embedding", f"user-{user.pk}", ratelimit.rate("embedding"))


@json_post
@user_errors
def embed_text(request: HttpRequest) -> HttpResponse:
    embedding_caller(request)
    parsed = schemas.parse_text_request(schemas.read_json(request))
    return JsonResponse(schemas.atlas_payload(schemas.run(parsed)))


@post_only("multipart/form-data images")
@user_errors
def embed_image(request: HttpRequest) -> HttpResponse:
    embedding_caller(request)
    return JsonResponse(schemas.image_payload(schemas.run_images(request)))


@json_post
def openai_embeddings(request: HttpRequest) -> HttpResponse:
    """OpenAI's /v1/embeddings shape, errors included ({"error": {"message", "type", "param", "code"}})."""
    try:
        embedding_caller(request)
        parsed, encoding_format = schemas.parse_openai_request(schemas.read_json(request))
        return JsonResponse(schemas.openai_payload(schemas.run(parsed, schemas.OPENAI_NAMES), encoding_format))
    except UserError as error:
        return openai_error(error)


def openai_error(error: UserError) -> JsonResponse:
    """A UserError in OpenAI's shape: {"error": {"message", "type", "param", "code"}}."""
    param = error.param if isinstance(error, InvalidEmbeddingRequest) else None
    body = {"message": error.message, "type": "invalid_request_error", "param": param, "code": error.code}
    response = JsonResponse({"error": body}, status=error.status)
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    if isinstance(error, NotAuthenticated):
        response["WWW-Authenticate"] = "Bearer"
    return response


@require_GET
def openai_models(request: HttpRequest) -> HttpResponse:
    """OpenAI's model list (GET /v1/models): the text embedding models this server serves, for accounts."""
    try:
        access.require_user(access.caller(request))
    except UserError as error:
        return openai_error(error)
    return JsonResponse({"object": "list", "data": [schemas.openai_model(name) for name in available_models("text")]})


@require_GET
def openai_model(request: HttpRequest, model_id: str) -> HttpResponse:
    """One model of the list (GET /v1/models/<id>), or OpenAI's 404 naming the models there are."""
    try:
        access.require_user(access.caller(request))
        names = available_models("text")
        if model_id not in names:
            raise ModelNotFound(
                f"The model {model_id!r} does not exist here; this server embeds text with: {', '.join(names)}.",
                param="model",
            )
    except UserError as error:
        return openai_error(error)
    return JsonResponse(schemas.openai_model(model_id))
