"""The topic API (/api/v1/datasets/<id>/topics): read the topic tree, and rename a topic of any level."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router

from atlas.schemas import answers
from maps import actions, queries, schemas
from maps.api import DATASET, EDIT, VIEW, RowNumber, dataset_of
from teams import access

router = Router(tags=["maps"])
TOPICS = DATASET + "/topics"


@router.get(
    TOPICS, auth=VIEW, response=answers(200, list[schemas.TopicAnswer]), url_name="api-topics", summary="The topic tree"
)
def topics(request: HttpRequest, dataset_id: str) -> HttpResponse:
    return JsonResponse(queries.topics(dataset_of(request)), safe=False)


@router.patch(
    TOPICS + "/{topic_id}",
    auth=EDIT,
    response=answers(200, schemas.TopicAnswer),
    url_name="api-topic",
    summary="Rename a topic",
)
def rename_topic(
    request: HttpRequest, dataset_id: str, topic_id: RowNumber, changes: schemas.TopicChanges
) -> HttpResponse:
    """Give a topic of any level a name of your own: everyone who opens the map sees it, it stays through
    appends, and a re-layout gives it to the new topic holding at least 80 % of its rows."""
    found = dataset_of(request)
    actions.rename_topic(found, access.require_user(access.caller(request)), topic_id, changes.label)
    return JsonResponse(next(t for t in queries.topics(found) if t["id"] == topic_id))
