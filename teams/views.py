"""Workspace and sharing pages: members and roles, invitations, the audit log, and a map's share links."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from atlas.pages import login_page, page, site_url
from maps.models import Dataset
from teams import access
from teams import actions as team_actions
from teams.access import Need
from teams.models import AuditEvent, Role


@login_page
@require_http_methods(["GET", "POST"])
def workspaces(request: HttpRequest) -> HttpResponse:
    who = access.caller(request)
    if request.method == "POST":
        created = team_actions.create_workspace(access.require_user(who), request.POST.get("name", ""))
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
    new = team_actions.invite(
        found, access.require_user(who), request.POST.get("email", ""), request.POST.get("role", ""), site_url(request)
    )
    return _workspace_page(request, workspace_id, invite_url=new.url, status=201)


@login_page
@require_POST
def revoke_invitation(request: HttpRequest, workspace_id: str, invitation_id: str) -> HttpResponse:
    who = access.caller(request)
    found = access.workspace_for(who, workspace_id, Need.OWN)
    team_actions.revoke_invitation(found, access.require_user(who), invitation_id)
    return redirect("workspace", workspace_id=found.id)


@login_page
@require_POST
def member_role(request: HttpRequest, workspace_id: str, membership_id: str) -> HttpResponse:
    who = access.caller(request)
    found = access.workspace_for(who, workspace_id, Need.OWN)
    team_actions.change_role(found, access.require_user(who), membership_id, request.POST.get("role", ""))
    return redirect("workspace", workspace_id=found.id)


@login_page
@require_POST
def remove_member(request: HttpRequest, workspace_id: str, membership_id: str) -> HttpResponse:
    who = access.caller(request)
    found = access.workspace_for(who, workspace_id, Need.OWN)
    team_actions.remove_member(found, access.require_user(who), membership_id)
    return redirect("workspace", workspace_id=found.id)


@page
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, secret: str) -> HttpResponse:
    """Anyone may look at an invitation; joining needs an account (log in or sign up, then come back)."""
    found = team_actions.open_invitation(secret)
    if request.method == "POST":
        joined = team_actions.accept_invitation(secret, access.require_user(access.caller(request)))
        return redirect("workspace", workspace_id=joined.id)
    return render(request, "invitation.html", {"invitation": found})
