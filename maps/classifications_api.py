"""The classification API (/api/v1/datasets/<id>/classifications): learn a column's or tags' classes from the
labelled rows' embeddings, predict the others into a new column, and tag confident predictions."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router

from atlas.schemas import answers
from maps import classification_schemas as schemas
from maps import classifications
from maps.api import DATASET, EDIT, VIEW, dataset_of
from teams import access

router = Router(tags=["maps"])
CLASSIFICATIONS = DATASET + "/classifications"
ONE = CLASSIFICATIONS + "/{uuid:classification_id}"


@router.post(
    CLASSIFICATIONS,
    auth=EDIT,
    response=answers(202, schemas.ClassificationAnswer),
    url_name="api-classifications",
    summary="Classify rows from examples",
)
def classify(request: HttpRequest, dataset_id: str, body: schemas.ClassificationRequest) -> HttpResponse:
    """A logistic regression on the embeddings learns the labelled rows' classes, is cross-validated (accuracy,
    macro-F1), then predicts a label and a confidence for every row without one, into a new column. Poll
    GET .../classifications/<id> until `status` is ready."""
    found = dataset_of(request)
    user = access.require_user(access.caller(request))
    made = classifications.start(found, user, body.label_field, body.tags, body.column)
    return JsonResponse(classifications.answer(made), status=202)


@router.get(
    CLASSIFICATIONS,
    auth=VIEW,
    response=answers(200, list[schemas.ClassificationAnswer]),
    url_name="api-classifications",
    summary="The map's classifications, newest first",
)
def classification_list(request: HttpRequest, dataset_id: str) -> HttpResponse:
    return JsonResponse(classifications.listing(dataset_of(request)), safe=False)


@router.get(
    ONE,
    auth=VIEW,
    response=answers(200, schemas.ClassificationAnswer),
    url_name="api-classification",
    summary="One classification: its state, cross-validation and classes",
)
def classification(request: HttpRequest, dataset_id: str, classification_id: uuid.UUID) -> HttpResponse:
    found = dataset_of(request)
    return JsonResponse(classifications.answer(classifications.require_classification(found, classification_id)))


@router.delete(
    ONE,
    auth=EDIT,
    response=answers(204, None),
    url_name="api-classification",
    summary="Remove a classification and its columns",
)
def remove_classification(request: HttpRequest, dataset_id: str, classification_id: uuid.UUID) -> HttpResponse:
    found = dataset_of(request)
    user = access.require_user(access.caller(request))
    classifications.delete(found, user, classifications.require_classification(found, classification_id))
    return HttpResponse(status=204)


@router.post(
    ONE + "/tags",
    auth=EDIT,
    response=answers(200, schemas.TaggedPredictions),
    url_name="api-classification-tags",
    summary="Tag the confident predictions",
)
def tag_predictions(
    request: HttpRequest, dataset_id: str, classification_id: uuid.UUID, body: schemas.TagPredictions
) -> HttpResponse:
    """Each row predicted with at least `min_confidence` gets its class's tag: the tag it learned from, or a tag
    named after the label (made when the map has none of that name)."""
    found = dataset_of(request)
    user = access.require_user(access.caller(request))
    chosen = classifications.require_classification(found, classification_id)
    return JsonResponse(classifications.tag_predictions(found, user, chosen, body.min_confidence))
