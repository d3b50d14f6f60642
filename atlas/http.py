"""What every JSON answer shares: a UserError as its 4xx JSON, with its headers; a body read under its own limit."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase

from atlas.errors import NotAuthenticated, RateLimited, RequestTooLarge, UserError

# Views answer with a response built in memory or, for cached payloads, one streamed from a file.
View = Callable[..., HttpResponseBase]


def with_error_headers(response: JsonResponse, error: UserError) -> JsonResponse:
    """The headers an error answer carries whatever its body's shape: when to retry, and how to authenticate."""
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    if isinstance(error, NotAuthenticated):
        response["WWW-Authenticate"] = "Bearer"
    return response


def error_response(error: UserError) -> JsonResponse:
    return with_error_headers(
        JsonResponse({"error": {"code": error.code, "message": error.message}}, status=error.status), error
    )


def body_limit(limit: int, advice: str) -> Callable[[View], View]:
    """Read the body under `limit` bytes instead of DATA_UPLOAD_MAX_MEMORY_SIZE (for bodies of ids only)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not hasattr(request, "_body"):
                raw = request.read(limit + 1)
                if len(raw) > limit:
                    return error_response(
                        RequestTooLarge(f"The request body is over {limit // (1024 * 1024)} MB; {advice}.")
                    )
                request._body = raw
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
