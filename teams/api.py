"""GET /api/v1/user (the caller's account, in the shape Nomic's Python client reads at start), and the
authentication the account-only routes declare."""

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router
from ninja.security.base import AuthBase

from atlas.schemas import answers
from teams import access
from teams.models import Membership
from teams.schemas import UserAnswer


class Account(AuthBase):
    """An account, by API token (`Authorization: Bearer <token>`, checked by teams.middleware) or by session;
    anyone else gets 401 in the API's error shape."""

    openapi_type = "http"
    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest) -> User:
        return access.require_user(access.caller(request))


router = Router(tags=["accounts"])


@router.get(
    "/api/v1/user",
    auth=Account(),
    response=answers(200, UserAnswer),
    url_name="api-user",
    summary="The caller's account",
)
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
