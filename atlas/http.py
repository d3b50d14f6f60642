"""What every JSON endpoint shares: a UserError answered as its 4xx JSON, and POST-only endpoints."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase

from atlas.errors import NotAuthenticated, RateLimited, UserError

# Views answer with a response built in memory or, for cached payloads, one streamed from a file.
View = Callable[..., HttpResponseBase]


def error_response(error: UserError) -> JsonResponse:
    response = JsonResponse({"error": {"code": error.code, "message": error.message}}, status=error.status)
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    if isinstance(error, NotAuthenticated):
        response["WWW-Authenticate"] = "Bearer"
    return response


def user_errors(view: View) -> View:
    """Turn a UserError into its 4xx JSON answer, the same shape for every endpoint."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except UserError as error:
            return error_response(error)

    return wrapped


def post_only(body: str) -> Callable[[View], View]:
    """POST-only endpoints answer every other method with a JSON 405 naming the body they take."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method != "POST":
                message = f"{request.path} takes POST with {body}, not {request.method}."
                response = JsonResponse({"error": {"code": "method_not_allowed", "message": message}}, status=405)
                response["Allow"] = "POST"
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


json_post = post_only("a JSON body")
