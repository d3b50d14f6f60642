"""Request plumbing for access: Bearer tokens become the request's user; every answer gets security headers."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from teams import access

Handler = Callable[[HttpRequest], HttpResponse]
API_PREFIXES = ("/api/", "/v1/")


class BearerTokenMiddleware:
    """`Authorization: Bearer <token>` authenticates as the token's user on any route; a token that is
    unknown or revoked gets 401 at once rather than being treated as anonymous, so scripts notice."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            found = access.bearer_user(header)
            if found is None:
                message = "The API token is unknown or revoked; make a new one at /account/tokens."
                response = JsonResponse({"error": {"code": "invalid_token", "message": message}}, status=401)
                response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
                return response
            request.user, request.api_token = found  # type: ignore[attr-defined]
            # A token is not sent by browsers on their own, so there is no cross-site request to guard.
            request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        elif not request.user.is_authenticated and request.path.startswith(API_PREFIXES):
            # No session and no token: nothing ambient to forge, and the view answers 401 in the API's
            # JSON shape rather than CSRF's HTML page.
            request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """A Content-Security-Policy without inline scripts, and the headers Django's own middleware leaves out."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
