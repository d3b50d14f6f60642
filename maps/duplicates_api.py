"""The duplicates API (/api/v1/datasets/<id>/duplicates): groups of rows with the same or near-identical text, as
a list and, for colouring the map, as each row's group."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from ninja import Query, Router

from atlas.schemas import ERRORS, answers
from maps import curation_schemas, duplicates
from maps.api import DATASET, VIEW, dataset_of
from maps.arrow_api import ARROW, arrow

router = Router(tags=["maps"])


@router.get(
    DATASET + "/duplicates",
    auth=VIEW,
    response=answers(200, curation_schemas.DuplicatesAnswer),
    url_name="api-duplicates",
    summary="Groups of duplicate and near-duplicate rows, largest first",
)
def duplicate_groups(
    request: HttpRequest, dataset_id: str, params: Query[curation_schemas.DuplicatesParams]
) -> HttpResponse:
    """Rows with the same text (lower-cased, runs of spaces as one) at any threshold, and rows whose vectors'
    cosine similarity is at least `threshold`, joined into connected groups."""
    return JsonResponse(duplicates.groups(dataset_of(request), params.threshold))


@router.get(
    DATASET + "/duplicates/rows",
    auth=VIEW,
    response={304: None, **ERRORS},
    url_name="api-duplicate-rows",
    summary="Each row's duplicate group, for colouring (Arrow)",
    openapi_extra={"responses": ARROW},
)
def duplicate_rows(
    request: HttpRequest, dataset_id: str, params: Query[curation_schemas.DuplicatesParams]
) -> HttpResponseBase:
    """One column `value` in row-id order: the group of each row at `threshold` as dictionary strings ("1. <the
    representative's text>", numbered largest first), null for a row in no group."""
    found = dataset_of(request)
    part = f"duplicate-rows-{params.threshold:.4f}"
    return arrow(request, found, part, lambda: duplicates.groups_arrow(found, params.threshold))
