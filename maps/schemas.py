"""Checks for the JSON bodies of the tag and export endpoints, each failure a message saying how to fix it."""

import json
import re
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from atlas.errors import RequestTooLarge, UserError

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
EXPORT_FORMATS = ("csv", "parquet")


# A million row ids as JSON is about 8 MB, over Django's general body limit; these bodies are only ids.
ROWS_BODY_LIMIT = 32 * 1024 * 1024


def json_body(request: HttpRequest) -> dict[str, Any]:
    # Reading the stream ourselves applies this limit instead of DATA_UPLOAD_MAX_MEMORY_SIZE.
    raw = request.read(ROWS_BODY_LIMIT + 1)
    if len(raw) > ROWS_BODY_LIMIT:
        raise RequestTooLarge(
            f"The request body is over {ROWS_BODY_LIMIT // (1024 * 1024)} MB; send the row ids in smaller batches."
        )
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise UserError(f"The request body is not valid JSON ({exc}); send a JSON object.") from None
    if not isinstance(body, dict):
        raise UserError('The request body must be a JSON object, for example {"rows": [1, 2, 3]}.')
    return body


@dataclass(frozen=True)
class NewTag:
    name: str
    colour: str


def new_tag(body: dict[str, Any]) -> NewTag:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise UserError('name is missing: send {"name": "to review", "colour": "#e4572e"}.')
    name = name.strip()
    if len(name) > 100:
        raise UserError(f"The tag name has {len(name)} characters; use at most 100.")
    colour = body.get("colour", "#e4572e")
    if not isinstance(colour, str) or not COLOUR.match(colour):
        raise UserError(f"colour must be a hex colour like #e4572e, not {json.dumps(colour)}.")
    return NewTag(name=name, colour=colour.lower())


def row_ids(body: dict[str, Any]) -> list[int]:
    """The "rows" field: a list of row ids (whole numbers), duplicates dropped, order kept."""
    rows = body.get("rows")
    if not isinstance(rows, list):
        raise UserError('rows is missing: send {"rows": [row ids]}, the ids the /points payload carries.')
    for i, row in enumerate(rows):
        # bool is an int in Python, never a row id.
        if not isinstance(row, int) or isinstance(row, bool) or row < 0:
            raise UserError(f"rows[{i}] is {json.dumps(row)}; row ids are whole numbers from 0.")
    return list(dict.fromkeys(rows))


def export_format(body: dict[str, Any]) -> str:
    fmt = body.get("format", "csv")
    if fmt not in EXPORT_FORMATS:
        raise UserError(f"format={json.dumps(fmt)} is not an export format; use one of: {', '.join(EXPORT_FORMATS)}.")
    return str(fmt)
