"""The pages that share one map: its sharing settings, revoking a link, and opening a share link."""

import dataclasses

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from atlas.errors import UserError
from atlas.middleware import query_is_view_state
from atlas.pages import login_page, page, site_url
from maps import queries
from maps.models import Dataset
from maps.views import render_map
from teams import access
from teams import actions as team_actions
from teams.access import SHARE_COOKIE_PREFIX, Need
from teams.models import ShareLink


def _sharing_page(request: HttpRequest, dataset: Dataset, new_url: str = "", status: int = 200) -> HttpResponse:
    links = ShareLink.objects.filter(dataset=dataset)
    return render(request, "sharing.html", {"dataset": dataset, "links": links, "new_url": new_url}, status=status)


@login_page
@require_http_methods(["GET", "POST"])
def sharing(request: HttpRequest, dataset_id: str) -> HttpResponse:
    who = access.caller(request)
    dataset = queries.get_dataset(dataset_id, who, Need.EDIT)
    if request.method == "GET":
        return _sharing_page(request, dataset)
    user = access.require_user(who)
    if "visibility" in request.POST:
        team_actions.set_visibility(dataset, user, request.POST["visibility"])
        return redirect("sharing", dataset_id=dataset.id)
    days_text = request.POST.get("expires_in_days", "").strip()
    try:
        days = int(days_text) if days_text else None
    except ValueError:
        raise UserError(
            f"expires_in_days={days_text!r} is not a whole number of days; leave it empty for never."
        ) from None
    new = team_actions.create_share_link(dataset, user, request.POST.get("label", ""), days, site_url(request))
    return _sharing_page(request, dataset, new.url, status=201)


@login_page
@require_POST
def revoke_share(request: HttpRequest, dataset_id: str, link_id: str) -> HttpResponse:
    who = access.caller(request)
    dataset = queries.get_dataset(dataset_id, who, Need.EDIT)
    team_actions.revoke_share_link(dataset, access.require_user(who), link_id)
    return redirect("sharing", dataset_id=dataset.id)


@query_is_view_state
@page
@require_GET
@xframe_options_exempt
def open_share(request: HttpRequest, secret: str) -> HttpResponse:
    """A share link shows its map at its own address, so the address (with the view in its query string:
    ?q=...&p=...) is what the recipient passes on. The page sends the secret with its API requests; a cookie
    scoped by name to the map remembers it too, for the map's own address.

    The cookie holds the secret itself (HttpOnly, SameSite=Lax); every request checks it against the
    stored hash again, so revoking the link closes the map at once. Only this page may be framed, and only
    by the origins ATLAS_EMBED_ORIGINS lists.
    """
    dataset = team_actions.shared_dataset(secret)
    who = access.caller(request)
    who = dataclasses.replace(who, share_secrets={**who.share_secrets, str(dataset.id): secret})
    response = render_map(request, dataset, who, shared=True)
    response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'none'", "frame-ancestors " + (" ".join(settings.EMBED_ORIGINS) or "'none'")
    )
    if not settings.EMBED_ORIGINS:
        response["X-Frame-Options"] = "DENY"
    response.set_cookie(
        f"{SHARE_COOKIE_PREFIX}{dataset.id}",
        secret,
        max_age=30 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=settings.SECURE_COOKIES,
    )
    return response
