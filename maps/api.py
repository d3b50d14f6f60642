"""The map API (/api/v1/datasets/...): parse the request with its schema, call an action or a query, serialise."""

from __future__ import annotations

import contextlib
from typing import Annotated

from django.core.files.uploadedfile import UploadedFile
from django.http import (
    HttpRequest,
    HttpResponse,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from ninja import Query, Router
from ninja.decorators import decorate_view
from pydantic import Field

from atlas.errors import InvalidLayout, InvalidUpload, UserError
from atlas.http import body_limit
from atlas.schemas import BINARY, ERRORS, MAX_BIGINT, MAX_INTEGER, answers, json_object, multipart_body
from maps import (
    actions,
    export,
    filters,
    health,
    queries,
    retrieval,
    scan,
    schemas,
    table,
    uploads,
)
from maps.models import Dataset
from tables.mapping import RowMapping
from teams import access
from teams import actions as team_actions
from teams.access import Need
from teams.api import Account

router = Router(tags=["maps"])

# The error a failed schema check becomes on these routes, where it is not a plain invalid_request.
INVALID: dict[str, type[UserError]] = {
    "api-datasets": InvalidUpload,
    "api-previews": InvalidUpload,
    "api-rows": InvalidUpload,
    "api-relayout": InvalidLayout,
}

# A row id (an integer column) or a tag id (a bigint) in a path.
RowNumber = Annotated[int, Field(ge=0, le=MAX_INTEGER)]
TagNumber = Annotated[int, Field(ge=0, le=MAX_BIGINT)]
DATASETS = "/api/v1/datasets"
# On a spreadsheet CSV export: how many cells got a leading apostrophe.
NEUTRALISED_HEADER = "X-Atlas-Neutralised-Cells"
DATASET = DATASETS + "/{dataset_id}"


class DatasetAccess(Account):
    """The caller may VIEW or EDIT the dataset the path names (by account, token or share link): decided before
    the request is parsed, so a caller who may not see the map learns nothing from a bad request either."""

    def __init__(self, need: Need) -> None:
        super().__init__()
        self.need = need

    def __call__(self, request: HttpRequest) -> Dataset:  # type: ignore[override]
        match = request.resolver_match
        dataset_id = str(match.kwargs.get("dataset_id", "")) if match is not None else ""
        return queries.get_dataset(dataset_id, access.caller(request), self.need)


VIEW, EDIT = DatasetAccess(Need.VIEW), DatasetAccess(Need.EDIT)


def dataset_of(request: HttpRequest) -> Dataset:
    """The dataset the route's DatasetAccess let through."""
    found = request.auth  # type: ignore[attr-defined]
    assert isinstance(found, Dataset), "a dataset route declares auth=VIEW or auth=EDIT"
    return found


UPLOAD_BODY = multipart_body(
    {"file": {**BINARY, "description": "The table."}, **schemas.UploadFields.model_json_schema()["properties"]},
    ["file"],
    raw={
        "schema": BINARY,
        "description": "The table itself, its fields (filename, text_field, ...) in the query string.",
    },
)


# Session-authenticated writes need the CSRF token (the frontend sends it); Bearer-token requests are
# exempted by teams.middleware.BearerTokenMiddleware.
@router.get(
    DATASETS,
    auth=Account(),
    response=answers(200, schemas.DatasetList),
    url_name="api-datasets",
    summary="The maps the caller can open",
)
def datasets(request: HttpRequest) -> HttpResponse:
    who = access.caller(request)
    access.require_user(who)
    return JsonResponse({"datasets": [queries.dataset_summary(d) for d in queries.list_datasets(who)]})


@router.post(
    DATASETS,
    auth=Account(),
    response=answers(201, schemas.Created),
    url_name="api-datasets",
    summary="Upload a table",
    openapi_extra=UPLOAD_BODY,
)
def create_dataset(request: HttpRequest) -> HttpResponse:
    """A table in the multipart field 'file' with its fields beside it, or the table as the body with its
    fields in the query string; answers 201 with the new map's id, queued to build."""
    who = access.caller(request)
    access.require_user(who)
    # The fields are checked before the file is stored.
    fields = schemas.UploadFields.model_validate(_params(request).dict())
    failed = queries.retryable(fields.retry_of, who) if fields.retry_of else None
    upload = _upload(request, fields.filename)
    # A retry stays in the failed map's workspace unless it names another.
    kept = str(failed.workspace_id) if failed is not None and failed.workspace_id else ""
    workspace = team_actions.editable_workspace(who, fields.workspace or kept)
    mapping = RowMapping(
        text_field=fields.text_field,
        text_template=fields.text_template,
        id_field=fields.id_field,
        vector_field=fields.vector_field,
    )
    with contextlib.ExitStack() as stack:
        if upload is None and failed is not None:
            upload = stack.enter_context(uploads.reopened(failed))
        dataset = actions.create_dataset(
            upload,
            fields.name,
            mapping,
            workspace,
            label_field=fields.label_field,
            layout_choices=fields.given(),
            options=uploads.parse_choices(fields.model_dump()),
            passages=fields.passage_settings(),
        )
    if failed is not None:
        # The fixed upload replaces it: failed uploads do not pile up in the list.
        actions.delete_dataset(failed)
    return JsonResponse({"id": str(dataset.id), "status": dataset.status, "url": f"/maps/{dataset.id}"}, status=201)


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _params(request: HttpRequest) -> QueryDict:
    """A form's fields, or the query string's beside a raw body."""
    return request.POST if request.content_type in FORM_TYPES else request.GET


def _upload(request: HttpRequest, filename: str) -> UploadedFile[bytes] | None:
    """A form's file field, or a raw body (the table itself)."""
    if request.content_type in FORM_TYPES:
        return request.FILES.get("file")
    return uploads.receive_body(request, filename)


@router.post(
    "/api/v1/previews",
    auth=Account(),
    response=answers(200),
    url_name="api-previews",
    summary="The first rows of a table as Atlas reads them",
    openapi_extra=multipart_body({"file": BINARY, **schemas.PreviewFields.model_json_schema()["properties"]}, ["file"]),
)
def previews(request: HttpRequest) -> HttpResponse:
    who = access.caller(request)
    access.require_user(who)
    fields = schemas.PreviewFields.model_validate(request.POST.dict())
    options = uploads.parse_choices(fields.model_dump())
    upload = request.FILES.get("file")
    if upload is None and fields.retry_of:
        return JsonResponse(uploads.preview_stored(queries.retryable(fields.retry_of, who), options))
    return JsonResponse(uploads.preview_upload(upload, fields.partial, options))


@router.get(
    DATASET, auth=VIEW, response=answers(200, schemas.DatasetAnswer), url_name="api-dataset", summary="One map's state"
)
def dataset(request: HttpRequest, dataset_id: str) -> HttpResponse:
    return JsonResponse(queries.dataset_summary(dataset_of(request)))


@router.patch(
    DATASET, auth=EDIT, response=answers(200, schemas.DatasetAnswer), url_name="api-dataset", summary="Rename or move"
)
def change_dataset(request: HttpRequest, dataset_id: str, changes: schemas.DatasetChanges) -> HttpResponse:
    """Rename the map, or move it to another workspace you may edit (its tags and links go with it)."""
    who = access.caller(request)
    user = access.require_user(who)
    found = dataset_of(request)
    if changes.workspace is not None:
        target = access.workspace_for(who, changes.workspace, Need.EDIT)
        found = actions.move_dataset(found, user, target)
    if changes.name is not None:
        found = actions.rename_dataset(found, user, changes.name)
    return JsonResponse(queries.dataset_summary(found))


@router.delete(DATASET, auth=EDIT, response=answers(204, None), url_name="api-dataset", summary="Delete a map")
def delete_dataset(request: HttpRequest, dataset_id: str) -> HttpResponse:
    actions.delete_dataset(dataset_of(request))
    return HttpResponse(status=204)


@router.post(
    DATASET + "/cancel",
    auth=EDIT,
    response=answers(200, schemas.DatasetAnswer),
    url_name="api-cancel",
    summary="Cancel a build",
)
def cancel(request: HttpRequest, dataset_id: str) -> HttpResponse:
    return JsonResponse(queries.dataset_summary(actions.cancel_build(dataset_of(request))))


@router.post(
    DATASET + "/relayout",
    auth=EDIT,
    response=answers(202, schemas.DatasetAnswer),
    url_name="api-relayout",
    summary="Lay out a finished map again with new parameters",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": schemas.LayoutFields.model_json_schema()},
                "application/x-www-form-urlencoded": {"schema": schemas.LayoutFields.model_json_schema()},
            }
        }
    },
)
def relayout(request: HttpRequest, dataset_id: str) -> HttpResponse:
    """New layout parameters as JSON or form fields; answers 202 with the dataset, now queued."""
    found = dataset_of(request)
    if request.content_type == "application/json":
        fields = schemas.LayoutFields.model_validate(json_object(request, InvalidLayout))
    else:
        fields = schemas.LayoutFields.model_validate(request.POST.dict())
    return JsonResponse(queries.dataset_summary(actions.relayout(found, fields.given())), status=202)


@router.post(
    DATASET + "/rows",
    auth=EDIT,
    response=answers(202, schemas.DatasetAnswer),
    url_name="api-rows",
    summary="Add rows to a ready map",
    openapi_extra=multipart_body({"file": BINARY}, ["file"], raw={"schema": BINARY}),
)
def rows(request: HttpRequest, dataset_id: str, params: Query[schemas.AppendParams]) -> HttpResponse:
    """New rows in the multipart field 'file' (or a raw body); answers 202 with the dataset, now queued."""
    found = dataset_of(request)
    upload = _upload(request, params.filename)
    return JsonResponse(queries.dataset_summary(actions.append_rows(found, upload)), status=202)


# Bodies that are row ids only may be larger than Django's general limit (schemas.ROWS_BODY_LIMIT).
ROW_IDS_BODY = decorate_view(body_limit(schemas.ROWS_BODY_LIMIT, "send the row ids in smaller batches"))


@router.get(
    DATASET + "/points/{row_id}",
    auth=VIEW,
    response=answers(200, schemas.Row),
    url_name="api-point",
    summary="One row in full",
)
def point(request: HttpRequest, dataset_id: str, row_id: RowNumber) -> HttpResponse:
    return JsonResponse(queries.point_detail(dataset_of(request), row_id))


@router.get(
    DATASET + "/points/{row_id}/neighbors",
    auth=VIEW,
    response=answers(200, schemas.Hits),
    url_name="api-point-neighbors",
    summary="The rows nearest one row",
)
def neighbors(
    request: HttpRequest, dataset_id: str, params: Query[schemas.NeighborParams], row_id: RowNumber
) -> HttpResponse:
    found = dataset_of(request)
    hits = retrieval.run(found, retrieval.Query(row=row_id, k=params.k))
    return JsonResponse({"results": retrieval.answers(found, hits)})


@router.get(
    DATASET + "/search",
    auth=VIEW,
    response=answers(200, schemas.SearchAnswer),
    url_name="api-search",
    summary="Search a map's rows",
)
def search(request: HttpRequest, dataset_id: str, params: Query[schemas.SearchParams]) -> HttpResponse:
    found = dataset_of(request)
    # mode=similar is the row form of a semantic query.
    mode = "semantic" if params.mode == "similar" else params.mode
    row = params.row if params.mode == "similar" else None
    wanted = retrieval.Query(mode=mode, text=params.q, row=row, k=params.k, threshold=params.threshold)
    hits = retrieval.run(found, wanted)
    return JsonResponse({"mode": params.mode, "results": retrieval.answers(found, hits)})


@router.post(
    DATASET + "/query",
    auth=VIEW,
    response=answers(200, schemas.QueryAnswer),
    url_name="api-query",
    summary="Retrieve a map's rows: by text, vector or row; semantic, keyword or hybrid; within filters",
)
def query(request: HttpRequest, dataset_id: str, body: schemas.QueryRequest) -> HttpResponse:
    found = queries.require_ready(dataset_of(request))
    where = filters.condition(body.filters, found) if body.filters is not None else scan.TRUE
    fields = retrieval.require_fields(found, body.fields)
    mode = body.chosen_mode
    wanted = retrieval.Query(
        mode=mode,
        text=body.query or "",
        vector=body.vector,
        row=body.row,
        k=body.k,
        where=where,
        threshold=body.threshold,
    )
    hits = retrieval.run(found, wanted)
    return JsonResponse({"mode": mode, "results": retrieval.answers(found, hits, fields)})


# Everyone who can open a map sees its tags and may export its rows; changing tags needs an editor.
@router.get(
    DATASET + "/tags", auth=VIEW, response=answers(200, schemas.TagList), url_name="api-tags", summary="A map's tags"
)
def tags(request: HttpRequest, dataset_id: str) -> HttpResponse:
    found = queries.require_ready(dataset_of(request))
    return JsonResponse({"tags": queries.tags(found)})


@router.post(
    DATASET + "/tags", auth=EDIT, response=answers(201, schemas.TagAnswer), url_name="api-tags", summary="Make a tag"
)
def create_tag(request: HttpRequest, dataset_id: str, wanted: schemas.NewTag) -> HttpResponse:
    found = queries.require_ready(dataset_of(request))
    return JsonResponse(queries.tag_summary(actions.create_tag(found, wanted.name, wanted.colour), 0), status=201)


@router.delete(
    DATASET + "/tags/{tag_id}", auth=EDIT, response=answers(204, None), url_name="api-tag", summary="Delete a tag"
)
def tag(request: HttpRequest, dataset_id: str, tag_id: TagNumber) -> HttpResponse:
    actions.delete_tag(queries.get_tag(dataset_of(request), tag_id))
    return HttpResponse(status=204)


@router.get(
    DATASET + "/tags/{tag_id}/rows",
    auth=VIEW,
    response=answers(200, schemas.TaggedRows),
    url_name="api-tag-rows",
    summary="A tag's rows",
)
def tag_rows(request: HttpRequest, dataset_id: str, tag_id: TagNumber) -> HttpResponse:
    found = queries.get_tag(dataset_of(request), tag_id)
    return JsonResponse({"rows": queries.tagged_row_ids(found)})


@router.post(
    DATASET + "/tags/{tag_id}/rows",
    auth=EDIT,
    response=answers(200, schemas.Added),
    url_name="api-tag-rows",
    summary="Tag rows",
)
@ROW_IDS_BODY
def add_tag_rows(request: HttpRequest, dataset_id: str, body: schemas.RowIds, tag_id: TagNumber) -> HttpResponse:
    found = queries.get_tag(dataset_of(request), tag_id)
    return JsonResponse({"added": actions.tag_rows(found, body.unique())})


@router.delete(
    DATASET + "/tags/{tag_id}/rows",
    auth=EDIT,
    response=answers(200, schemas.Removed),
    url_name="api-tag-rows",
    summary="Untag rows",
)
@ROW_IDS_BODY
def remove_tag_rows(request: HttpRequest, dataset_id: str, body: schemas.RowIds, tag_id: TagNumber) -> HttpResponse:
    found = queries.get_tag(dataset_of(request), tag_id)
    return JsonResponse({"removed": actions.untag_rows(found, body.unique())})


@router.post(
    DATASET + "/table",
    auth=VIEW,
    response=answers(200, schemas.TableAnswer),
    url_name="api-table",
    summary="A page of rows, sorted",
)
@ROW_IDS_BODY
def table_rows(request: HttpRequest, dataset_id: str, body: schemas.TableRequest) -> HttpResponse:
    """The linked table: a page of the map's rows (or of the given ones, those lit on the map), sorted by a
    column; `total` says how many there are in all."""
    rows = None if body.rows is None else list(dict.fromkeys(body.rows))
    page = table.table_page(dataset_of(request), rows, body.sort, body.descending, body.offset, body.limit)
    return JsonResponse({"total": page.total, "rows": page.rows})


@router.post(
    DATASET + "/export",
    auth=VIEW,
    response={200: None, **ERRORS},
    url_name="api-export",
    summary="Rows as CSV or Parquet",
    openapi_extra={
        "responses": {
            200: {
                "description": (
                    "The rows, streamed, in row-id order: row_id, the id column, x, y, topic_<level> and "
                    "topic_<level>_label for each topic level, tags, then every column of the file (a map column "
                    "whose name the file already uses is written atlas_<name>)."
                ),
                "content": {"text/csv": {}, "application/vnd.apache.parquet": {}},
                "headers": {
                    NEUTRALISED_HEADER: {
                        "description": "With spreadsheet=true: how many cells got a leading apostrophe.",
                        "schema": {"type": "integer"},
                    }
                },
            }
        }
    },
)
@ROW_IDS_BODY
def export_rows(request: HttpRequest, dataset_id: str, body: schemas.ExportRequest) -> HttpResponseBase:
    found = dataset_of(request)
    out = export.export_rows(found, body.unique(), body.format, body.spreadsheet)
    headers = {"Content-Disposition": f'attachment; filename="{out.filename}"'}
    if out.neutralised is not None:
        headers[NEUTRALISED_HEADER] = str(out.neutralised)
    # Streamed: the rows are read and written a batch at a time while the client downloads.
    return StreamingHttpResponse(out.chunks, content_type=out.content_type, headers=headers)


@router.get(
    "/healthz", response={200: schemas.Health}, url_name="healthz", summary="The process is up", tags=["health"]
)
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up and serving requests; nothing else is checked."""
    return JsonResponse({"status": "ok"})


@router.get(
    "/readyz",
    response={200: schemas.Readiness, 503: schemas.Readiness},
    url_name="readyz",
    summary="The services answer",
    tags=["health"],
)
def readyz(request: HttpRequest) -> HttpResponse:
    """The database, Redis and at least one worker answer: 200 when all do, 503 with the reasons if not."""
    state = health.readiness()
    return JsonResponse(state, status=200 if state["ready"] else 503)
