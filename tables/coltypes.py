"""Guess what each column holds from sample values: number, datetime, category, text, url or id."""

import datetime
import re
from typing import Any

URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
ID_NAME = re.compile(r"(^|[_\s-])(id|uuid|key|slug)$|Id$|ID$", re.IGNORECASE)
TOKEN = re.compile(r"^[\w.:/-]+$")
TYPES = ("number", "datetime", "category", "text", "url", "id")


def infer_types(columns: list[str], rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"name": column, "type": infer_type(column, [row.get(column) for row in rows])} for column in columns]


def infer_type(name: str, values: list[Any]) -> str:
    present = [v for v in values if v is not None and v != ""]
    if not present:
        return "text"
    distinct = len({repr(v) for v in present})
    unique = distinct == len(present)
    if all(isinstance(v, bool) for v in present):
        return "category"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        if ID_NAME.search(name) and unique and all(isinstance(v, int) for v in present):
            return "id"
        return "number"
    if not all(isinstance(v, str) for v in present):
        return "text"
    strings: list[str] = present
    if all(URL.match(v) for v in strings):
        return "url"
    if all(_is_datetime(v) for v in strings):
        return "datetime"
    short = all(len(v) <= 64 and TOKEN.match(v) for v in strings)
    # Unique short tokens are ids when the name says so or they carry digits (A-1032, uuids, hashes).
    if short and unique and (ID_NAME.search(name) or all(any(c.isdigit() for c in v) for v in strings)):
        return "id"
    average = sum(len(v) for v in strings) / len(strings)
    # Short values that repeat: a category; short values seen once each say nothing about it.
    if average <= 32 and distinct <= len(present) // 2:
        return "category"
    return "text"


def _is_datetime(value: str) -> bool:
    if len(value) < 8 or not value[:4].isdigit():
        return False
    try:
        datetime.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True
