"""The share-link API (/api/v1/datasets/<id>/share-links): list, make and revoke a map's view-only links."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router

from atlas.pages import site_url
from atlas.schemas import answers
from maps import schemas
from maps.api import DATASET, EDIT, dataset_of
from teams import access
from teams import actions as team_actions
from teams.models import ShareLink

router = Router(tags=["sharing"])
LINKS = DATASET + "/share-links"


def link_summary(link: ShareLink) -> dict[str, Any]:
    return {
        "id": str(link.id),
        "prefix": link.prefix,
        "label": link.label,
        "created_at": link.created_at.isoformat(),
        "expires_at": link.expires_at.isoformat() if link.expires_at else None,
        "revoked": link.revoked_at is not None,
    }


@router.get(
    LINKS, auth=EDIT, response=answers(200, schemas.ShareLinkList), url_name="api-share-links", summary="A map's links"
)
def share_links(request: HttpRequest, dataset_id: str) -> HttpResponse:
    """Every share link of the map, newest first; their secrets are never stored, so never shown again."""
    found = ShareLink.objects.filter(dataset=dataset_of(request))
    return JsonResponse({"links": [link_summary(link) for link in found]})


@router.post(
    LINKS,
    auth=EDIT,
    response=answers(201, schemas.NewShareLinkAnswer),
    url_name="api-share-links",
    summary="Make a view-only link",
)
def create_share_link(request: HttpRequest, dataset_id: str, wanted: schemas.NewShareLink) -> HttpResponse:
    """A link anyone may open to view this map (and nothing else) until it is revoked or expires. `url` is
    shown once: add a view's query string (?q=...&p=...) to open that view."""
    user = access.require_user(access.caller(request))
    new = team_actions.create_share_link(
        dataset_of(request), user, wanted.label, wanted.expires_in_days, site_url(request)
    )
    return JsonResponse({**link_summary(new.link), "url": new.url}, status=201)


@router.delete(
    LINKS + "/{link_id}", auth=EDIT, response=answers(204, None), url_name="api-share-link", summary="Revoke a link"
)
def revoke_share_link(request: HttpRequest, dataset_id: str, link_id: str) -> HttpResponse:
    user = access.require_user(access.caller(request))
    team_actions.revoke_share_link(dataset_of(request), user, link_id)
    return HttpResponse(status=204)
