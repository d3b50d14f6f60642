"""What every JSON endpoint shares: a UserError answered as its 4xx JSON, and POST-only endpoints."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase

from atlas.errors import NotAuthenticated, RateLimited, UserError

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


def answers_errors_with(render: Callable[[UserError], JsonResponse]) -> Callable[[View], View]:
    """A view decorator that turns a UserError into the 4xx answer `render` shapes."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                return view(request, *args, **kwargs)
            except UserError as error:
                return render(error)

        return wrapped

    return decorate


# Atlas's own shape, the same for every endpoint: {"error": {"code", "message"}}.
user_errors = answers_errors_with(error_response)


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
