"""What every app's request schemas share: text a database can store, ids within its range, and a failed
schema check said as one message (what, where, how to fix) in the API's error shape."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

import pydantic_core
from django.conf import settings
from django.http import HttpRequest
from pydantic import AfterValidator, BaseModel, Field
from pydantic_core import PydanticCustomError

from atlas.errors import RequestTooLarge, UserError
from tables.raw import unstorable

# PostgreSQL's integer and bigint: a whole number a query compares with a stored one must fit its column.
MAX_INTEGER = 2**31 - 1
MAX_BIGINT = 2**63 - 1
# Errors raised by Atlas's own checks carry this type; their message is already a whole sentence.
ATLAS_ERROR = "atlas"


def _storable(text: str) -> str:
    problem = unstorable(text)
    if problem:
        raise PydanticCustomError(ATLAS_ERROR, f"{{where}} holds {problem}, which Atlas cannot store; remove it.", {})
    return text


# Every piece of text a request carries: names, queries, texts to embed.
Text = Annotated[str, AfterValidator(_storable)]
# A row id as the /points payload carries it (an integer column).
RowId = Annotated[int, Field(ge=0, le=MAX_INTEGER, strict=True)]


def field_description(model: type[BaseModel], loc: Iterable[Any]) -> str | None:
    """The description of the field at `loc` in `model` (through nested schemas), to say how to fix it."""
    described = None
    current: Any = model
    for part in loc:
        fields = getattr(current, "model_fields", None)
        if not isinstance(part, str) or not fields or part not in fields:
            continue
        field = fields[part]
        described = field.description or described
        current = field.annotation
    return described


def check(message: str) -> PydanticCustomError:
    """An error for a schema's own validator: `message` is the whole sentence; {where} names the field."""
    return PydanticCustomError(ATLAS_ERROR, message, {})


def where(loc: Iterable[Any]) -> str:
    """A field's place as a reader writes it: rows[3], layout.metric; the part of the request it came from left out."""
    parts = [part for part in loc if part not in ("body", "query", "form", "path", "payload", "params")]
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "the request"


def _shown(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def describe(error: Mapping[str, Any]) -> str:
    """One schema error as a sentence."""
    place = where(error.get("loc", ()))
    kind = error.get("type", "")
    if kind == ATLAS_ERROR:
        return str(error["msg"]).replace("{where}", place)
    if kind == "missing":
        hint = error.get("hint") or "the request's fields are described at /api/docs."
        return f"{place} is missing: {hint[:1].lower() + hint[1:]}"
    if kind == "extra_forbidden":
        return f"{place} is not a field of this request; the fields are described at /api/docs."
    message = str(error.get("msg", "is not valid"))
    message = message[:1].lower() + message[1:]
    hint = error.get("hint")
    return f"{place} is {_shown(error.get('input'))}: {message}." + (f" {hint}" if hint else "")


def invalid(errors: Iterable[Mapping[str, Any]], kind: type[UserError] = UserError) -> UserError:
    """The errors of one request as one UserError of `kind` (the first three said, the rest counted)."""
    found = list(errors)
    said = [describe(error) for error in found[:3]]
    if len(found) > 3:
        said.append(f"({len(found) - 3} more)")
    error = kind(" ".join(said) or "The request is not valid.")
    param = where(found[0].get("loc", ())) if found else None
    if param and param != "the request" and hasattr(error, "param"):
        error.param = param.split(".")[0].split("[")[0]
    return error


def body_too_large() -> RequestTooLarge:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
    return RequestTooLarge(
        f"The request body is over {limit} MB; send less per request (fewer or shorter texts, fewer row ids)."
    )


def json_object(request: HttpRequest, kind: type[UserError] = UserError) -> dict[str, Any]:
    """The body as a JSON object (an empty body is {}). pydantic's parser stops at 200 levels of nesting and
    refuses lone surrogates and NaN, so no body reaches a recursion error or text PostgreSQL cannot store."""
    if not request.body:
        return {}
    try:
        body = pydantic_core.from_json(request.body, allow_inf_nan=False)
    except ValueError as exc:
        raise kind(f"The request body is not valid JSON ({exc}); send a JSON object.") from None
    if not isinstance(body, dict):
        raise kind("The request body must be a JSON object; its fields are described at /api/docs.")
    return body


class Error(BaseModel):
    code: str
    message: str


class ErrorAnswer(BaseModel):
    """Every error the API answers: {"error": {"code", "message"}} (OpenAI's routes add "type" and "param")."""

    error: Error


# What any route may answer besides its success.
ERRORS: dict[int, Any] = {code: ErrorAnswer for code in (400, 401, 403, 404, 405, 409, 413, 429)}
JSON = dict[str, Any]


BINARY: dict[str, Any] = {"type": "string", "format": "binary"}


def multipart_body(
    properties: dict[str, Any], required: list[str], raw: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The OpenAPI request body of a route that reads its multipart form itself (files beside fields); `raw`,
    when given, is the body as the file itself (application/octet-stream)."""
    form = {"schema": {"type": "object", "required": required, "properties": properties}}
    content: dict[str, Any] = {"multipart/form-data": form}
    if raw is not None:
        content["application/octet-stream"] = raw
    return {"requestBody": {"content": content}}


def answers(status: int, body: Any = JSON) -> dict[int, Any]:
    """A route's answers: its success, and the errors."""
    return {status: body, **ERRORS}
