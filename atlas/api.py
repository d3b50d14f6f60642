"""The HTTP API as one django-ninja instance: each app's router, the JSON parser, and how errors are answered.

Every request body and query string is parsed by a declared schema (the apps' schemas modules); the same
schemas make the OpenAPI document at /api/v1/openapi.json and the docs page at /api/docs. Errors keep the
shapes the API has always had: Atlas's {"error": {"code", "message"}} everywhere, OpenAI's shape on the
OpenAI-compatible routes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import pydantic
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import URLPattern
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationErrorContext
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from atlas import schemas
from atlas.errors import MethodNotAllowed, UserError
from atlas.http import error_response
from embeddings import api as embeddings_api
from maps import api as maps_api
from maps import arrow_api, classifications_api, duplicates_api, explain_api, sharing_api, topics_api
from teams import api as teams_api


class BodyNotJSON(UserError):
    pass


class JSONParser(Parser):
    """Bodies are parsed by pydantic's parser: no recursion past 200 levels, no lone surrogates, no NaN."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        return schemas.json_object(request, BodyNotJSON)


# The routes that answer in OpenAI's shape, so OpenAI's clients raise their own exceptions (by URL name).
OPENAI_ROUTES = frozenset({"openai-embeddings", "openai-models", "openai-model"})


# The error a route's failed schema check becomes, where it is not a plain invalid_request (by URL name).
INVALID = maps_api.INVALID | embeddings_api.INVALID


def _route(request: HttpRequest) -> str:
    match = request.resolver_match
    return match.url_name or "" if match is not None else ""


def render_error(request: HttpRequest, error: UserError) -> HttpResponse:
    if _route(request) in OPENAI_ROUTES:
        return embeddings_api.openai_error(error)
    return error_response(error)


def invalid(request: HttpRequest, errors: Any) -> HttpResponse:
    return render_error(request, schemas.invalid(errors, INVALID.get(_route(request), UserError)))


class AtlasAPI(NinjaAPI):
    """ninja, with each schema error keeping the value that failed and the field's description as a hint, and
    its routes at the site's root (ninja's own index page is left out: "/" is the home page)."""

    def get_root_path(self, path_params: dict[str, Any]) -> str:
        return "/"

    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext[Any]]
    ) -> NinjaValidationError:
        errors: list[dict[str, Any]] = []
        for context in error_contexts:
            model = context.model
            for error in context.pydantic_validation_error.errors(include_url=False):
                hint = schemas.field_description(model, error["loc"])
                loc = model.__ninja_flatten_map_reverse__.get(error["loc"], error["loc"])
                errors.append({**error, "loc": (model.__ninja_param_source__, *loc), "hint": hint})
        return NinjaValidationError(errors)


api = AtlasAPI(
    title="Atlas API",
    version="1",
    description=(
        "Datasets and their maps, rows, topics, tags, search and export; text and image embeddings in "
        "Atlas's and OpenAI's shapes. Authenticate with `Authorization: Bearer <token>` (make one at "
        '/account/tokens) or a browser session. Errors answer `{"error": {"code", "message"}}` '
        "(OpenAI's shape on /v1/)."
    ),
    openapi_url="/api/v1/openapi.json",
    docs_url="/api/docs",
    parser=JSONParser(),
    urls_namespace="api",
)
api.add_router("", maps_api.router)
api.add_router("", arrow_api.router)
api.add_router("", topics_api.router)
api.add_router("", explain_api.router)
api.add_router("", duplicates_api.router)
api.add_router("", classifications_api.router)
api.add_router("", sharing_api.router)
api.add_router("", embeddings_api.router)
api.add_router("", teams_api.router)


@api.exception_handler(UserError)
def user_error(request: HttpRequest, exc: UserError) -> HttpResponse:
    return render_error(request, exc)


@api.exception_handler(NinjaValidationError)
def invalid_request(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return invalid(request, exc.errors)


@api.exception_handler(pydantic.ValidationError)
def invalid_fields(request: HttpRequest, exc: pydantic.ValidationError) -> HttpResponse:
    """A schema checked inside a view (a form that may also come as a query string) failed."""
    return invalid(request, exc.errors())


@api.exception_handler(HttpError)
def unparsable(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # The parser's own error is the cause, with the message that says what to fix.
    if isinstance(exc.__cause__, UserError):
        cause = exc.__cause__
        kind = INVALID.get(_route(request), UserError)
        return render_error(request, kind(cause.message) if type(cause) is BodyNotJSON else cause)
    return render_error(request, UserError(str(exc)))


@api.exception_handler(RequestDataTooBig)
def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return render_error(request, schemas.body_too_large())


def _json_method_not_allowed(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """ninja answers a method a route lacks with a text 405; the API answers it in JSON, naming the methods."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code != 405:
            return response
        allowed = response.get("Allow", "")
        message = f"{request.path} takes {' or '.join(sorted(allowed.split(', ')))}, not {request.method}."
        answer = render_error(request, MethodNotAllowed(message))
        answer["Allow"] = allowed
        return answer

    # ninja exempts its views from Django's CSRF check and checks only in its own authenticators; Atlas
    # authenticates in teams.access, so Django's middleware keeps checking session writes (Bearer-token
    # requests are exempted by teams.middleware).
    wrapped.csrf_exempt = False  # type: ignore[attr-defined]
    return wrapped


def urls() -> list[URLPattern]:
    """The API's routes, its document and its docs page."""
    patterns, _app, _namespace = api.urls
    kept = [pattern for pattern in patterns if isinstance(pattern, URLPattern) and pattern.name != "api-root"]
    for pattern in kept:
        pattern.callback = _json_method_not_allowed(pattern.callback)
    return kept
