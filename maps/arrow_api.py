"""The map page's bulk reads (/api/v1/datasets/<id>/...): every point, each column's summary, one column's
values or most frequent values, the length of every point's text and every row's outlier score; Arrow streams,
each revalidated by the build's ETag and cached on disk once per build."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.http import parse_etags
from ninja import Router

from atlas.schemas import ERRORS, JSON, answers
from maps import columns, payloads, queries
from maps.api import DATASET, VIEW, dataset_of
from maps.models import Dataset

router = Router(tags=["maps"])

ARROW = {200: {"description": "An Arrow IPC stream.", "content": {queries.ARROW_STREAM_TYPE: {}}}}
COLUMN = DATASET + "/columns/{name}"


def arrow(request: HttpRequest, found: Dataset, part: str, make: Callable[[], bytes]) -> HttpResponseBase:
    """The payload `part` of the map's current build: 304 when the caller holds it (the ETag names the build
    and the part), else streamed from its cached file. no-cache: the browser keeps the payload but asks each
    time, so a rebuilt map is never stale."""
    build = queries.points_etag(found)
    etag = build if part == "points" else build[:-1] + f'-{columns.name_tag(part)}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        return HttpResponseNotModified(headers=headers)
    return payloads.response(payloads.cached(found, build, part, make), headers)


@router.get(
    DATASET + "/points",
    auth=VIEW,
    response={304: None, **ERRORS},
    url_name="api-points",
    summary="Every point's position, topic and id (Arrow)",
    openapi_extra={"responses": ARROW},
)
def points(request: HttpRequest, dataset_id: str) -> HttpResponseBase:
    found = dataset_of(request)
    return arrow(request, found, "points", lambda: queries.points_arrow(found))


@router.get(
    DATASET + "/columns",
    auth=VIEW,
    response=answers(200, list[JSON]),
    url_name="api-columns",
    summary="Each column's summary",
)
def column_summaries(request: HttpRequest, dataset_id: str) -> HttpResponse:
    return JsonResponse(columns.summaries(dataset_of(request)), safe=False)


@router.get(
    COLUMN,
    auth=VIEW,
    response={304: None, **ERRORS},
    url_name="api-column",
    summary="One column's values in row order (Arrow)",
    openapi_extra={"responses": ARROW},
)
def column_values(request: HttpRequest, dataset_id: str, name: str) -> HttpResponseBase:
    found = dataset_of(request)
    # Checked before the cache, so only the dataset's own columns get a cached file.
    name = columns.require_column(found, name)
    part = f"column-{name}{columns.written_by(found, name)}"
    return arrow(request, found, part, lambda: columns.values_arrow(found, name))


@router.get(
    COLUMN + "/top",
    auth=VIEW,
    response={304: None, **ERRORS},
    url_name="api-column-top",
    summary="Which of a column's most frequent values each row holds (Arrow)",
    openapi_extra={"responses": ARROW},
)
def column_top_values(request: HttpRequest, dataset_id: str, name: str) -> HttpResponseBase:
    found = dataset_of(request)
    name = columns.require_column(found, name)
    part = f"top-{name}{columns.written_by(found, name)}"
    return arrow(request, found, part, lambda: columns.top_values_arrow(found, name))


@router.get(
    DATASET + "/text-lengths",
    auth=VIEW,
    response={304: None, **ERRORS},
    url_name="api-text-lengths",
    summary="How long each row's text is, in characters (Arrow)",
    openapi_extra={"responses": ARROW},
)
def text_lengths(request: HttpRequest, dataset_id: str) -> HttpResponseBase:
    found = dataset_of(request)
    return arrow(request, found, "text-lengths", lambda: columns.text_lengths_arrow(found))


@router.get(
    DATASET + "/outliers",
    auth=VIEW,
    response={304: None, **ERRORS},
    url_name="api-outliers",
    summary="How unusual each row is (Arrow)",
    openapi_extra={"responses": ARROW},
)
def outliers(request: HttpRequest, dataset_id: str) -> HttpResponseBase:
    found = dataset_of(request)
    return arrow(request, found, "outliers", lambda: columns.outliers_arrow(found))
