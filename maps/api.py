"""The JSON and Arrow API (/api/v1/...): parse the request, call an action or a query, serialise."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import IO, Any

from django.core.files.uploadedfile import UploadedFile
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.utils.http import parse_etags
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from atlas.http import user_errors
from maps import actions, columns, export, health, layout, payloads, queries, schemas, uploads
from maps.models import Dataset
from tables.mapping import RowMapping
from teams import access
from teams import actions as team_actions
from teams.access import Need


def dataset_for(request: HttpRequest, dataset_id: str, need: Need) -> Dataset:
    return queries.get_dataset(dataset_id, access.caller(request), need)


# Session-authenticated writes need the CSRF token (the frontend sends it); Bearer-token requests are
# exempted by teams.middleware.BearerTokenMiddleware.
@require_http_methods(["GET", "POST"])
@user_errors
def datasets(request: HttpRequest) -> HttpResponse:
    who = access.caller(request)
    access.require_user(who)
    if request.method == "POST":
        upload, params = _upload_and_params(request)
        workspace = team_actions.editable_workspace(who, params.get("workspace", ""))
        mapping = RowMapping(
            text_field=params.get("text_field", ""),
            text_template=params.get("text_template", ""),
            id_field=params.get("id_field", ""),
            vector_field=params.get("vector_field", ""),
        )
        dataset = actions.create_dataset(
            upload,
            params.get("name", ""),
            mapping,
            workspace,
            label_field=params.get("label_field", ""),
            layout_choices={key: params.get(key) for key in layout.KEYS},
            options=uploads.parse_choices(params),
        )
        return JsonResponse({"id": str(dataset.id), "status": dataset.status, "url": f"/maps/{dataset.id}"}, status=201)
    return JsonResponse({"datasets": [queries.dataset_summary(d) for d in queries.list_datasets(who)]})


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _upload_and_params(request: HttpRequest) -> tuple[UploadedFile[bytes] | None, QueryDict]:
    """A form's file field and fields, or a raw body (the table itself) with its fields in the query string."""
    if request.content_type in FORM_TYPES:
        return request.FILES.get("file"), request.POST
    return uploads.receive_body(request, request.GET.get("filename", "")), request.GET


@require_POST
@user_errors
def previews(request: HttpRequest) -> HttpResponse:
    access.require_user(access.caller(request))
    partial = request.POST.get("partial", "").lower() in ("1", "true")
    options = uploads.parse_choices(request.POST)
    return JsonResponse(uploads.preview_upload(request.FILES.get("file"), partial, options))


@require_http_methods(["GET", "DELETE"])
@user_errors
def dataset(request: HttpRequest, dataset_id: str) -> HttpResponse:
    found = dataset_for(request, dataset_id, Need.EDIT if request.method == "DELETE" else Need.VIEW)
    if request.method == "DELETE":
        actions.delete_dataset(found)
        return HttpResponse(status=204)
    return JsonResponse(queries.dataset_summary(found))


@require_http_methods(["POST"])
@user_errors
def cancel(request: HttpRequest, dataset_id: str) -> HttpResponse:
    return JsonResponse(queries.dataset_summary(actions.cancel_build(dataset_for(request, dataset_id, Need.EDIT))))


@require_POST
@user_errors
def relayout(request: HttpRequest, dataset_id: str) -> HttpResponse:
    """New layout parameters as JSON or form fields; answers 202 with the dataset, now queued."""
    found = dataset_for(request, dataset_id, Need.EDIT)
    choices: Any = request.POST.dict()
    if request.content_type == "application/json":
        try:
            choices = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            choices = None
        if not isinstance(choices, dict):
            raise layout.InvalidLayout('The body must be a JSON object of layout parameters, e.g. {"n_neighbors": 30}.')
    return JsonResponse(queries.dataset_summary(actions.relayout(found, choices)), status=202)


@require_POST
@user_errors
def rows(request: HttpRequest, dataset_id: str) -> HttpResponse:
    """New rows in the multipart field 'file' (or a raw body); answers 202 with the dataset, now queued."""
    found = dataset_for(request, dataset_id, Need.EDIT)
    upload, _ = _upload_and_params(request)
    return JsonResponse(queries.dataset_summary(actions.append_rows(found, upload)), status=202)


@require_GET
@user_errors
def points(request: HttpRequest, dataset_id: str) -> HttpResponseBase:
    found = dataset_for(request, dataset_id, Need.VIEW)
    etag = queries.points_etag(found)
    # no-cache: the browser keeps the payload but asks each time, so a rebuilt map is never stale.
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        return HttpResponseNotModified(headers=headers)
    return arrow_response(payloads.cached(found, etag, "points", lambda: queries.points_arrow(found)), headers)


def arrow_response(payload: IO[bytes] | bytes, headers: dict[str, str]) -> HttpResponseBase:
    """A cached payload is streamed from its file; one that could not be cached is sent from memory."""
    if isinstance(payload, bytes):
        return HttpResponse(payload, content_type=queries.ARROW_STREAM_TYPE, headers=headers)
    return FileResponse(payload, content_type=queries.ARROW_STREAM_TYPE, headers=headers)


@require_GET
@user_errors
def column_summaries(request: HttpRequest, dataset_id: str) -> HttpResponse:
    return JsonResponse(columns.summaries(dataset_for(request, dataset_id, Need.VIEW)), safe=False)


@require_GET
@user_errors
def column_values(request: HttpRequest, dataset_id: str, name: str) -> HttpResponseBase:
    found = dataset_for(request, dataset_id, Need.VIEW)
    # Same revalidation as /points: values change only with a rebuild.
    build = queries.points_etag(found)
    etag = build[:-1] + f'-{columns.name_tag(name)}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        return HttpResponseNotModified(headers=headers)
    # Checked before the cache, so only the dataset's own columns get a cached file.
    name = columns.require_column(found, name)
    payload = payloads.cached(found, build, f"column-{name}", lambda: columns.values_arrow(found, name))
    return arrow_response(payload, headers)


@require_GET
@user_errors
def point(request: HttpRequest, dataset_id: str, row_id: int) -> HttpResponse:
    return JsonResponse(queries.point_detail(dataset_for(request, dataset_id, Need.VIEW), row_id))


@require_GET
@user_errors
def neighbors(request: HttpRequest, dataset_id: str, row_id: int) -> HttpResponse:
    found = dataset_for(request, dataset_id, Need.VIEW)
    hits = queries.neighbors(found, row_id, queries.parse_k(request.GET.get("k")))
    return JsonResponse({"results": [asdict(hit) for hit in hits]})


@require_GET
@user_errors
def topics(request: HttpRequest, dataset_id: str) -> HttpResponse:
    return JsonResponse(queries.topics(dataset_for(request, dataset_id, Need.VIEW)), safe=False)


@require_GET
@user_errors
def search(request: HttpRequest, dataset_id: str) -> HttpResponse:
    found = dataset_for(request, dataset_id, Need.VIEW)
    wanted = queries.parse_search(request.GET.dict())
    hits = queries.run_search(found, wanted)
    return JsonResponse({"mode": wanted.mode, "results": [asdict(hit) for hit in hits]})


# Everyone who can open a map sees its tags and may export its rows; changing tags needs an editor.
@require_http_methods(["GET", "POST"])
@user_errors
def tags(request: HttpRequest, dataset_id: str) -> HttpResponse:
    found = queries.require_ready(
        dataset_for(request, dataset_id, Need.EDIT if request.method == "POST" else Need.VIEW)
    )
    if request.method == "POST":
        wanted = schemas.new_tag(schemas.json_body(request))
        return JsonResponse(queries.tag_summary(actions.create_tag(found, wanted.name, wanted.colour), 0), status=201)
    return JsonResponse({"tags": queries.tags(found)})


@require_http_methods(["DELETE"])
@user_errors
def tag(request: HttpRequest, dataset_id: str, tag_id: int) -> HttpResponse:
    actions.delete_tag(queries.get_tag(dataset_for(request, dataset_id, Need.EDIT), tag_id))
    return HttpResponse(status=204)


@require_http_methods(["GET", "POST", "DELETE"])
@user_errors
def tag_rows(request: HttpRequest, dataset_id: str, tag_id: int) -> HttpResponse:
    need = Need.VIEW if request.method == "GET" else Need.EDIT
    found = queries.get_tag(dataset_for(request, dataset_id, need), tag_id)
    if request.method == "GET":
        return JsonResponse({"rows": queries.tagged_row_ids(found)})
    rows = schemas.row_ids(schemas.json_body(request))
    if request.method == "POST":
        return JsonResponse({"added": actions.tag_rows(found, rows)})
    return JsonResponse({"removed": actions.untag_rows(found, rows)})


@require_POST
@user_errors
def export_rows(request: HttpRequest, dataset_id: str) -> HttpResponseBase:
    found = dataset_for(request, dataset_id, Need.VIEW)
    body = schemas.json_body(request)
    fmt = schemas.export_format(body)
    out = export.export_rows(found, schemas.row_ids(body), fmt)
    # Streamed: the rows are read and written a batch at a time while the client downloads.
    return StreamingHttpResponse(
        out.chunks,
        content_type=out.content_type,
        headers={"Content-Disposition": f'attachment; filename="{out.filename}"'},
    )


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up and serving requests; nothing else is checked."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """The database, Redis and at least one worker answer: 200 when all do, 503 with the reasons if not."""
    state = health.readiness()
    return JsonResponse(state, status=200 if state["ready"] else 503)
