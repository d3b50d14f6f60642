"""The embedding API: /api/v1/embedding/text and /image in Atlas's shape, /v1/embeddings in OpenAI's."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from atlas.errors import InvalidEmbeddingRequest, ModelNotFound, UserError
from atlas.http import answers_errors_with, json_post, post_only, user_errors, with_error_headers
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


def openai_error(error: UserError) -> JsonResponse:
    """A UserError in OpenAI's shape: {"error": {"message", "type", "param", "code"}}."""
    param = error.param if isinstance(error, InvalidEmbeddingRequest) else None
    body = {"message": error.message, "type": "invalid_request_error", "param": param, "code": error.code}
    return with_error_headers(JsonResponse({"error": body}, status=error.status), error)


# The OpenAI-compatible endpoints answer errors in OpenAI's shape, so its clients raise their own exceptions.
openai_errors = answers_errors_with(openai_error)


@json_post
@openai_errors
def openai_embeddings(request: HttpRequest) -> HttpResponse:
    """OpenAI's /v1/embeddings shape, errors included."""
    embedding_caller(request)
    parsed, encoding_format = schemas.parse_openai_request(schemas.read_json(request))
    return JsonResponse(schemas.openai_payload(schemas.run(parsed, schemas.OPENAI_NAMES), encoding_format))


@require_GET
@openai_errors
def openai_models(request: HttpRequest) -> HttpResponse:
    """OpenAI's model list (GET /v1/models): the text embedding models this server serves, for accounts."""
    access.require_user(access.caller(request))
    return JsonResponse({"object": "list", "data": [schemas.openai_model(name) for name in available_models("text")]})


@require_GET
@openai_errors
def openai_model(request: HttpRequest, model_id: str) -> HttpResponse:
    """One model of the list (GET /v1/models/<id>), or OpenAI's 404 naming the models there are."""
    access.require_user(access.caller(request))
    names = available_models("text")
    if model_id not in names:
        raise ModelNotFound(
            f"The model {model_id!r} does not exist here; this server embeds text with: {', '.join(names)}.",
            param="model",
        )
    return JsonResponse(schemas.openai_model(model_id))
