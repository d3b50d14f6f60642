"""Workspace and sharing pages: members and roles, invitations, the audit log, and a map's share links."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from maps import access, queries, teams
from maps.access import SHARE_COOKIE_PREFIX, Need
from maps.errors import UserError
from maps.models import AuditEvent, Dataset, Role, ShareLink
from maps.pages import login_page, page, site_url


@login_page
@require_http_methods(["GET", "POST"])
def workspaces(request: HttpRequest) -> HttpResponse:
    who = access.caller(request)
    if request.method == "POST":
        created = teams.create_workspace(access.require_user(who), request.POST.get("name", ""))
        return redirect("workspace", workspace_id=created.id)
    memberships = request.user.memberships.select_related("workspace")  # type: ignore[union-attr]
    return render(request, "workspaces.html", {"memberships": memberships})


def _workspace_page(request: HttpRequest, workspace_id: str, invite_url: str = "", status: int = 200) -> HttpResponse:
    who = access.caller(request)
    workspace = access.workspace_for(who, workspace_id, Need.VIEW)
    role = access.role_in(who, workspace.id)
    is_owner = role == Role.OWNER
    context = {
        "workspace": workspace,
        "role": role,
        "is_owner": is_owner,
        "members": workspace.memberships.select_related("user"),
        "datasets": Dataset.objects.filter(workspace=workspace),
        "roles": Role.values,
        "invite_url": invite_url,
        "invitations": workspace.invitations.filter(accepted_at=None, revoked_at=None) if is_owner else [],
        "events": AuditEvent.objects.filter(workspace=workspace).select_related("actor")[:200] if is_owner else [],
    }
    return render(request, "workspace.html", context, status=status)


@login_page
@require_GET
def workspace(request: HttpRequest, workspace_id: str) -> HttpResponse:
    return _workspace_page(request, workspace_id)


@login_page
@require_POST
def invitations(request: HttpRequest, workspace_id: str) -> HttpResponse:
    who = access.caller(request)
    found = access.workspace_for(who, workspace_id, Need.OWN)
    new = teams.invite(
        found, access.require_user(who), request.POST.get("email", ""), request.POST.get("role", ""), site_url(request)
    )
    return _workspace_page(request, workspace_id, invite_url=new.url, status=201)


@login_page
@require_POST
def revoke_invitation(request: HttpRequest, workspace_id: str, invitation_id: str) -> HttpResponse:
    who = access.caller(request)
    found = access.workspace_for(who, workspace_id, Need.OWN)
    teams.revoke_invitation(found, access.require_user(who), invitation_id)
    return redirect("workspace", workspace_id=found.id)


@login_page
@require_POST
def member_role(request: HttpRequest, workspace_id: str, membership_id: str) -> HttpResponse:
    who = access.caller(request)
    found = access.workspace_for(who, workspace_id, Need.OWN)
    teams.change_role(found, access.require_user(who), membership_id, request.POST.get("role", ""))
    return redirect("workspace", workspace_id=found.id)


@login_page
@require_POST
def remove_member(request: HttpRequest, workspace_id: str, membership_id: str) -> HttpResponse:
    who = access.caller(request)
    found = access.workspace_for(who, workspace_id, Need.OWN)
    teams.remove_member(found, access.require_user(who), membership_id)
    return redirect("workspace", workspace_id=found.id)


@page
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, secret: str) -> HttpResponse:
    """Anyone may look at an invitation; joining needs an account (log in or sign up, then come back)."""
    found = teams.open_invitation(secret)
    if request.method == "POST":
        joined = teams.accept_invitation(secret, access.require_user(access.caller(request)))
        return redirect("workspace", workspace_id=joined.id)
    return render(request, "invitation.html", {"invitation": found})


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
        teams.set_visibility(dataset, user, request.POST["visibility"])
        return redirect("sharing", dataset_id=dataset.id)
    days_text = request.POST.get("expires_in_days", "").strip()
    try:
        days = int(days_text) if days_text else None
    except ValueError:
        raise UserError(
            f"expires_in_days={days_text!r} is not a whole number of days; leave it empty for never."
        ) from None
    new = teams.create_share_link(dataset, user, request.POST.get("label", ""), days, site_url(request))
    return _sharing_page(request, dataset, new.url, status=201)


@login_page
@require_POST
def revoke_share(request: HttpRequest, dataset_id: str, link_id: str) -> HttpResponse:
    who = access.caller(request)
    dataset = queries.get_dataset(dataset_id, who, Need.EDIT)
    teams.revoke_share_link(dataset, access.require_user(who), link_id)
    return redirect("sharing", dataset_id=dataset.id)


@page
@require_GET
def open_share(request: HttpRequest, secret: str) -> HttpResponse:
    """A share link: remember its secret in a cookie scoped by name to its map, then show the map.

    The cookie holds the secret itself (HttpOnly, SameSite=Lax); every request checks it against the
    stored hash again, so revoking the link closes the map at once.
    """
    dataset = teams.shared_dataset(secret)
    response = redirect("map", dataset_id=dataset.id)
    response.set_cookie(
        f"{SHARE_COOKIE_PREFIX}{dataset.id}",
        secret,
        max_age=30 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=settings.SECURE_COOKIES,
    )
    return response
