"""Helpers shared by the HTML pages: errors as pages, log-in redirects, the caller and the site's URL."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from atlas.errors import NotAuthenticated, UserError

Page = Callable[..., HttpResponse]


def error_page(request: HttpRequest, error: UserError) -> HttpResponse:
    template = "not_found.html" if error.status == 404 else "error.html"
    response = render(request, template, {"message": error.message, "status": error.status}, status=error.status)
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def page(view: Page) -> Page:
    """A page that turns UserErrors into error pages, and 'log in first' into the log-in redirect."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotAuthenticated:
            return redirect_to_login(request.get_full_path())
        except UserError as error:
            return error_page(request, error)

    return wrapped


def login_page(view: Page) -> Page:
    """A page for logged-in people only; others are sent to log in and brought back."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return page(view)(request, *args, **kwargs)

    return wrapped


def site_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A session write without the CSRF token: the API's JSON shape for API paths, an error page otherwise."""
    message = (
        f"The request lacks a valid CSRF token ({reason}). Browsers: reload the page and try again. "
        "Scripts: send `Authorization: Bearer <token>` instead of a session cookie."
    )
    if request.path.startswith(("/api/", "/v1/")):
        return JsonResponse({"error": {"code": "csrf_failed", "message": message}}, status=403)
    return render(request, "error.html", {"message": message, "status": 403}, status=403)
