"""GET /api/v1/user: the caller's account and workspaces, in the shape Nomic's Python client reads at start."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from atlas.http import user_errors
from teams import access
from teams.models import Membership


@require_GET
@user_errors
def current_user(request: HttpRequest) -> HttpResponse:
    """Who the token or session is, with each workspace as an organization; the personal one is the default."""
    user = access.require_user(access.caller(request))
    memberships = Membership.objects.filter(user=user).select_related("workspace").order_by("created_at")
    organizations = [
        {
            "organization_id": str(m.workspace.id),
            "nickname": m.workspace.name,
            "access_role": m.role.upper(),
            "personal": m.workspace.personal,
        }
        for m in memberships
    ]
    personal = next((o["organization_id"] for o in organizations if o["personal"]), None)
    return JsonResponse(
        {
            "id": str(user.pk),
            "email": user.email,
            "name": user.get_full_name() or user.email,
            "organizations": organizations,
            "default_organization": personal,
        }
    )
