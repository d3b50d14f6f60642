"""The explain API (/api/v1/datasets/<id>/explain): what sets a set of rows apart from the rest of the map."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router

from atlas.schemas import answers
from maps import curation_schemas, explain
from maps.api import DATASET, ROW_IDS_BODY, VIEW, dataset_of

router = Router(tags=["maps"])


@router.post(
    DATASET + "/explain",
    auth=VIEW,
    response=answers(200, curation_schemas.ExplainAnswer),
    url_name="api-explain",
    summary="What sets some rows apart: their distinguishing words and columns",
)
@ROW_IDS_BODY
def explain_rows(request: HttpRequest, dataset_id: str, body: curation_schemas.ExplainRequest) -> HttpResponse:
    """The words and phrases that set the rows apart from the rest of the map (class-based TF-IDF of the rows
    against the rest), and the columns whose values differ most inside them."""
    wanted = body.rows if body.rows is not None else body.filters
    return JsonResponse(explain.explain(dataset_of(request), wanted))
