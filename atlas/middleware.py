"""Text no database can store never reaches a view: a NUL in a query string or a form is refused at the door.

Django decodes query strings and forms with replacement characters, so half of a surrogate pair cannot arrive
that way; JSON bodies are parsed by pydantic, which refuses it (atlas.schemas). Multipart fields are checked by
the schemas of the API routes that take them; the pages' multipart forms are checked here.

A page whose query string is only the browser's view state (the map: camera, colouring, filters, read by the
frontend and never stored) is marked with `query_is_view_state`, so an old link's `c=%00tags` still opens.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse, QueryDict

from atlas.errors import UserError
from atlas.http import error_response
from atlas.pages import error_page
from tables.raw import unstorable

Handler = Callable[[HttpRequest], HttpResponse]
API_PREFIXES = ("/api/", "/v1/")
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
View = TypeVar("View", bound=Callable[..., HttpResponse])
VIEW_STATE = "query_is_view_state"


def query_is_view_state(view: View) -> View:
    """Mark a page whose query string the server never reads or stores (it is the frontend's view state)."""
    setattr(view, VIEW_STATE, True)
    return view


def unstorable_field(fields: QueryDict) -> str | None:
    """A sentence naming the first field whose name or value cannot be stored, or None."""
    for key, values in fields.lists():
        for text in (key, *values):
            problem = unstorable(text)
            if problem:
                return f"The field {key[:40]!r} holds {problem}, which Atlas cannot store; remove it and send again."
    return None


class RefuseUnstorableText:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., HttpResponse], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        api = request.path.startswith(API_PREFIXES)
        problem = None if getattr(view, VIEW_STATE, False) else unstorable_field(request.GET)
        # The API's multipart bodies (uploads, images) are parsed by their routes, which answer their limits.
        form = request.content_type == FORM or (request.content_type == MULTIPART and not api)
        if problem is None and request.method == "POST" and form:
            problem = unstorable_field(request.POST)
        if problem is None:
            return None
        error = UserError(problem)
        return error_response(error) if api else error_page(request, error)
