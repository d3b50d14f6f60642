"""The JSON and Arrow API (/api/v1/...): parse the request, call an action or a query, serialise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from functools import wraps
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse, QueryDict
from django.utils.http import parse_etags
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from maps import actions, columns, embeddings, health, queries, uploads
from maps.errors import InvalidEmbeddingRequest, UserError
from workers.stages.mapping import RowMapping

View = Callable[..., HttpResponse]


def error_response(error: UserError) -> JsonResponse:
    return JsonResponse({"error": {"code": error.code, "message": error.message}}, status=error.status)


def user_errors(view: View) -> View:
    """Turn a UserError into its 4xx JSON answer, the same shape for every endpoint."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except UserError as error:
            return error_response(error)

    return wrapped


# The API has no cookie-based sessions yet, so CSRF tokens would protect nothing; API tokens come
# with the workspaces issue.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@user_errors
def datasets(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        upload, params = _upload_and_params(request)
        mapping = RowMapping(
            text_field=params.get("text_field", ""),
            text_template=params.get("text_template", ""),
            id_field=params.get("id_field", ""),
            vector_field=params.get("vector_field", ""),
        )
        options = uploads.parse_choices(params)
        dataset = actions.create_dataset(upload, params.get("name", ""), mapping, options)
        return JsonResponse({"id": str(dataset.id), "status": dataset.status, "url": f"/maps/{dataset.id}"}, status=201)
    return JsonResponse({"datasets": [queries.dataset_summary(d) for d in queries.list_datasets()]})


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _upload_and_params(request: HttpRequest) -> tuple[UploadedFile[bytes] | None, QueryDict]:
    """A form's file field and fields, or a raw body (the table itself) with its fields in the query string."""
    if request.content_type in FORM_TYPES:
        return request.FILES.get("file"), request.POST
    return uploads.receive_body(request, request.GET.get("filename", "")), request.GET


@csrf_exempt
@require_POST
@user_errors
def previews(request: HttpRequest) -> HttpResponse:
    partial = request.POST.get("partial", "").lower() in ("1", "true")
    options = uploads.parse_choices(request.POST)
    return JsonResponse(uploads.preview_upload(request.FILES.get("file"), partial, options))


@csrf_exempt
@require_http_methods(["GET", "DELETE"])
@user_errors
def dataset(request: HttpRequest, dataset_id: str) -> HttpResponse:
    found = queries.get_dataset(dataset_id)
    if request.method == "DELETE":
        actions.delete_dataset(found)
        return HttpResponse(status=204)
    return JsonResponse(queries.dataset_summary(found))


@csrf_exempt
@require_http_methods(["POST"])
@user_errors
def cancel(request: HttpRequest, dataset_id: str) -> HttpResponse:
    return JsonResponse(queries.dataset_summary(actions.cancel_build(queries.get_dataset(dataset_id))))


@require_GET
@user_errors
def points(request: HttpRequest, dataset_id: str) -> HttpResponse:
    found = queries.get_dataset(dataset_id)
    etag = queries.points_etag(found)
    # no-cache: the browser keeps the payload but asks each time, so a rebuilt map is never stale.
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        return HttpResponseNotModified(headers=headers)
    return HttpResponse(queries.points_arrow(found), content_type=queries.ARROW_STREAM_TYPE, headers=headers)


@require_GET
@user_errors
def column_summaries(request: HttpRequest, dataset_id: str) -> HttpResponse:
    return JsonResponse(columns.summaries(queries.get_dataset(dataset_id)), safe=False)


@require_GET
@user_errors
def column_values(request: HttpRequest, dataset_id: str, name: str) -> HttpResponse:
    found = queries.get_dataset(dataset_id)
    # Same revalidation as /points: values change only with a rebuild.
    etag = queries.points_etag(found)[:-1] + f'-{columns.name_tag(name)}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        return HttpResponseNotModified(headers=headers)
    return HttpResponse(columns.values_arrow(found, name), content_type=queries.ARROW_STREAM_TYPE, headers=headers)


@require_GET
@user_errors
def point(request: HttpRequest, dataset_id: str, row_id: int) -> HttpResponse:
    return JsonResponse(queries.point_detail(queries.get_dataset(dataset_id), row_id))


@require_GET
@user_errors
def neighbors(request: HttpRequest, dataset_id: str, row_id: int) -> HttpResponse:
    found = queries.get_dataset(dataset_id)
    hits = queries.neighbors(found, row_id, queries.parse_k(request.GET.get("k")))
    return JsonResponse({"results": [asdict(hit) for hit in hits]})


@require_GET
@user_errors
def topics(request: HttpRequest, dataset_id: str) -> HttpResponse:
    return JsonResponse(queries.topics(queries.get_dataset(dataset_id)), safe=False)


@require_GET
@user_errors
def search(request: HttpRequest, dataset_id: str) -> HttpResponse:
    found = queries.get_dataset(dataset_id)
    k = queries.parse_k(request.GET.get("k"))
    hits = queries.search(found, request.GET.get("q", ""), k)
    return JsonResponse({"results": [asdict(hit) for hit in hits]})


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up and serving requests; nothing else is checked."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """The database, Redis and at least one worker answer: 200 when all do, 503 with the reasons if not."""
    state = health.readiness()
    return JsonResponse(state, status=200 if state["ready"] else 503)


def json_post(view: View) -> View:
    """POST-only JSON endpoints answer every other method with a JSON 405, not an empty page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "POST":
            error = UserError(f"{request.path} takes POST with a JSON body, not {request.method}.")
            response = JsonResponse({"error": {"code": "method_not_allowed", "message": error.message}}, status=405)
            response["Allow"] = "POST"
            return response
        return view(request, *args, **kwargs)

    return wrapped


# Called from code with no browser session, so there is no cookie for CSRF to protect.
@csrf_exempt
@json_post
@user_errors
def embed_text(request: HttpRequest) -> HttpResponse:
    parsed = embeddings.parse_text_request(embeddings.read_json(request))
    return JsonResponse(embeddings.atlas_payload(embeddings.run(parsed)))


@csrf_exempt
@json_post
def openai_embeddings(request: HttpRequest) -> HttpResponse:
    """OpenAI's /v1/embeddings shape, errors included ({"error": {"message", "type", "param", "code"}})."""
    try:
        parsed, encoding_format = embeddings.parse_openai_request(embeddings.read_json(request))
        return JsonResponse(embeddings.openai_payload(embeddings.run(parsed, embeddings.OPENAI_NAMES), encoding_format))
    except UserError as error:
        param = error.param if isinstance(error, InvalidEmbeddingRequest) else None
        body = {"message": error.message, "type": "invalid_request_error", "param": param, "code": error.code}
        return JsonResponse({"error": body}, status=error.status)
