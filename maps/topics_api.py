"""The topic API (/api/v1/datasets/<id>/topics): read the topic tree, rename a topic of any level, merge topics,
move rows, split a fine topic, ask the labeller for a topic's name."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router

from atlas.schemas import answers
from maps import actions, curation_schemas, queries, schemas, topic_edits
from maps.api import DATASET, EDIT, ROW_IDS_BODY, VIEW, RowNumber, dataset_of
from teams import access

router = Router(tags=["maps"])
TOPICS = DATASET + "/topics"


@router.get(
    TOPICS, auth=VIEW, response=answers(200, list[schemas.TopicAnswer]), url_name="api-topics", summary="The topic tree"
)
def topics(request: HttpRequest, dataset_id: str) -> HttpResponse:
    return JsonResponse(queries.topics(dataset_of(request)), safe=False)


@router.patch(
    TOPICS + "/{int:topic_id}",
    auth=EDIT,
    response=answers(200, schemas.TopicAnswer),
    url_name="api-topic",
    summary="Rename a topic",
)
def rename_topic(
    request: HttpRequest, dataset_id: str, topic_id: RowNumber, changes: curation_schemas.TopicChanges
) -> HttpResponse:
    """Give a topic of any level a name of your own: everyone who opens the map sees it, it stays through
    appends, and a re-layout gives it to the new topic holding at least 80 % of its rows."""
    found = dataset_of(request)
    actions.rename_topic(found, access.require_user(access.caller(request)), topic_id, changes.label)
    return JsonResponse(next(t for t in queries.topics(found) if t["id"] == topic_id))


@router.post(
    TOPICS + "/merge",
    auth=EDIT,
    response=answers(200, list[schemas.TopicAnswer]),
    url_name="api-topics-merge",
    summary="Merge topics of one level into one",
)
def merge_topics(request: HttpRequest, dataset_id: str, body: curation_schemas.TopicMerge) -> HttpResponse:
    """The topics' rows (fine) or child topics (mid, broad) join `into`, which keeps its name; the others are
    removed. Answers the new topic tree."""
    found = dataset_of(request)
    topic_edits.merge_topics(found, access.require_user(access.caller(request)), body.into, body.topics)
    return JsonResponse(queries.topics(found), safe=False)


@router.post(
    TOPICS + "/move-rows",
    auth=EDIT,
    response=answers(200, list[schemas.TopicAnswer]),
    url_name="api-topics-move-rows",
    summary="Move rows into a fine topic, or a new one",
)
@ROW_IDS_BODY
def move_rows(request: HttpRequest, dataset_id: str, body: curation_schemas.RowsMove) -> HttpResponse:
    """The rows join the fine topic `topic`, or a new fine topic named `label` (under the parent of the topic most
    of them came from). Topics left without rows are removed at every level. Answers the new topic tree."""
    found = dataset_of(request)
    user = access.require_user(access.caller(request))
    topic_edits.move_rows(found, user, body.rows, body.topic, body.label)
    return JsonResponse(queries.topics(found), safe=False)


@router.post(
    TOPICS + "/{int:topic_id}/split",
    auth=EDIT,
    response=answers(200, list[schemas.TopicAnswer]),
    url_name="api-topic-split",
    summary="Split a fine topic into parts",
)
def split_topic(
    request: HttpRequest, dataset_id: str, topic_id: RowNumber, body: curation_schemas.TopicSplit
) -> HttpResponse:
    """The topic's rows are clustered again where they lie on the map, into `parts` parts or as many as HDBSCAN
    finds; the largest part keeps the topic's id, the others become new fine topics beside it, each named by the
    words that set it apart from the other parts. Answers the new topic tree."""
    found = dataset_of(request)
    topic_edits.split_topic(found, access.require_user(access.caller(request)), topic_id, body.parts)
    return JsonResponse(queries.topics(found), safe=False)


@router.post(
    TOPICS + "/{int:topic_id}/name",
    auth=EDIT,
    response=answers(202, curation_schemas.NamingQueued),
    url_name="api-topic-name",
    summary="Ask the configured labeller for a topic's name",
)
def ask_labeller(request: HttpRequest, dataset_id: str, topic_id: RowNumber) -> HttpResponse:
    """The topic's keywords and representative texts go to the server's labeller (ATLAS_LABELLER_URL); when it
    gives an acceptable name, a worker renames the topic (as an editor's rename, audited). Poll GET .../topics
    for the new name; a topic the labeller gives no usable name keeps its own. 400 when no labeller is set."""
    found = dataset_of(request)
    topic_edits.ask_labeller(found, access.require_user(access.caller(request)), topic_id)
    return JsonResponse({"topic": topic_id, "status": "queued"}, status=202)
