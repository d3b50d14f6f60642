"""The duplicates API (/api/v1/datasets/<id>/duplicates): groups of rows with the same or near-identical text."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Query, Router

from atlas.schemas import answers
from maps import curation_schemas, duplicates
from maps.api import DATASET, VIEW, dataset_of

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
