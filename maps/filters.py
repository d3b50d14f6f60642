"""Query filters: parsed from their JSON form, checked against one map, and compiled to one SQL condition.

A filter is a comparison on a column (`{"column": "year", "op": ">=", "value": 2020}`), a topic of any level
(`{"topic": 12}`), a tag (`{"tag": 3}`), row ids (`{"rows": [1, 2]}`), the length of the map's text in characters
(`{"text_length": [20, 500]}`, either end null for none), or `{"and": [...]}` / `{"or": [...]}` of filters.
The condition reads the points table as `p`; column names and values are always parameters.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from atlas.errors import UserError
from maps.models import Dataset, Tag
from maps.queries import fine_topics_under
from tables.raw import unstorable

COMPARISONS = ("=", "!=", "in", "<", "<=", ">", ">=", "between", "contains")
ORDERED = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}
# Enough for any filter a person or a page builds; a bound on the SQL one request can make.
MAX_NODES = 200
MAX_VALUES = 10_000
EXAMPLE = '{"column": "year", "op": ">=", "value": 2020}'
Scalar = str | int | float | bool | None


class InvalidFilter(UserError):
    code = "invalid_filter"


@dataclass(frozen=True)
class Column:
    column: str
    op: str
    value: Any


@dataclass(frozen=True)
class OnTopic:
    topic: int


@dataclass(frozen=True)
class OnTag:
    tag: int


@dataclass(frozen=True)
class OnRows:
    rows: tuple[int, ...]


@dataclass(frozen=True)
class TextLength:
    """The map's text (what was embedded) is from `low` to `high` characters long, both ends included."""

    low: int | None
    high: int | None


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Filter, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Filter, ...]


Filter = Column | OnTopic | OnTag | OnRows | TextLength | AllOf | AnyOf


@dataclass(frozen=True)
class Condition:
    """A SQL boolean over the points table `p`, and its parameters in order."""

    sql: str
    params: list[Any]


# What a filter is, for the OpenAPI document (parsing is by hand, for errors that say where and how to fix).
JSON_SCHEMA: dict[str, Any] = {
    "description": "A filter: a column comparison, a topic, a tag, row ids, or and/or of filters.",
    "oneOf": [
        {
            "type": "object",
            "required": ["column", "op", "value"],
            "properties": {"column": {"type": "string"}, "op": {"enum": list(COMPARISONS)}, "value": {}},
            "additionalProperties": False,
        },
        {"type": "object", "required": ["topic"], "properties": {"topic": {"type": "integer"}}},
        {"type": "object", "required": ["tag"], "properties": {"tag": {"type": "integer"}}},
        {
            "type": "object",
            "required": ["rows"],
            "properties": {"rows": {"type": "array", "items": {"type": "integer"}}},
        },
        {
            "type": "object",
            "required": ["text_length"],
            "properties": {
                "text_length": {
                    "type": "array",
                    "items": {"type": ["integer", "null"], "minimum": 0},
                    "minItems": 2,
                    "maxItems": 2,
                }
            },
        },
        {"type": "object", "required": ["and"], "properties": {"and": {"type": "array", "items": {}}}},
        {"type": "object", "required": ["or"], "properties": {"or": {"type": "array", "items": {}}}},
    ],
}


def parse(value: Any, where: str = "filters") -> Filter:
    """A filter from its JSON form; an InvalidFilter names the part that is wrong and how to write it."""
    budget = [MAX_NODES]
    return _parse(value, where, budget)


def _parse(value: Any, where: str, budget: list[int]) -> Filter:
    budget[0] -= 1
    if budget[0] < 0:
        raise InvalidFilter(f"The filters have more than {MAX_NODES} parts; combine fewer conditions per query.")
    if not isinstance(value, dict):
        raise InvalidFilter(f"{where} is {_kind(value)}, not a filter; write a filter as an object, e.g. {EXAMPLE}.")
    keys = set(value)
    if keys in ({"and"}, {"or"}):
        (key,) = keys
        parts = value[key]
        if not isinstance(parts, list) or not parts:
            raise InvalidFilter(f'{where}.{key} must be a non-empty list of filters, e.g. {{"{key}": [{EXAMPLE}]}}.')
        parsed = tuple(_parse(part, f"{where}.{key}[{i}]", budget) for i, part in enumerate(parts))
        return AllOf(parsed) if key == "and" else AnyOf(parsed)
    if keys == {"topic"}:
        return OnTopic(_whole(value["topic"], f"{where}.topic"))
    if keys == {"tag"}:
        return OnTag(_whole(value["tag"], f"{where}.tag"))
    if keys == {"rows"}:
        rows = value["rows"]
        if not isinstance(rows, list) or len(rows) > MAX_VALUES:
            raise InvalidFilter(f"{where}.rows must be a list of at most {MAX_VALUES} row ids, e.g. [1, 2].")
        return OnRows(tuple(_whole(r, f"{where}.rows[{i}]") for i, r in enumerate(rows)))
    if keys == {"text_length"}:
        return _text_length(value["text_length"], f"{where}.text_length")
    if keys == {"column", "op", "value"}:
        return _column(value, where)
    raise InvalidFilter(
        f"{where} has the keys {sorted(keys)}, which make no filter; write one of {EXAMPLE}, "
        '{"topic": 12}, {"tag": 3}, {"rows": [1, 2]}, {"text_length": [20, 500]}, {"and": [...]} or {"or": [...]}.'
    )


def _text_length(value: Any, where: str) -> TextLength:
    how = "[shortest, longest] in characters, either null for no bound, e.g. [20, 500] or [1000, null]"
    if not isinstance(value, list) or len(value) != 2:
        raise InvalidFilter(f"{where} must be {how}.")
    low, high = (None if end is None else _whole(end, f"{where}[{i}]") for i, end in enumerate(value))
    if low is None and high is None:
        raise InvalidFilter(f"{where} bounds nothing; it must be {how}.")
    if low is not None and high is not None and low > high:
        raise InvalidFilter(f"{where} runs from {low} down to {high}; put the shorter length first, e.g. [20, 500].")
    return TextLength(low, high)


def _column(value: dict[str, Any], where: str) -> Column:
    column, op, operand = value["column"], value["op"], value["value"]
    if not isinstance(column, str) or not column or unstorable(column):
        raise InvalidFilter(f"{where}.column must name a column of the map, e.g. {EXAMPLE}.")
    if op not in COMPARISONS:
        raise InvalidFilter(f"{where}.op is {op!r}; use one of: {', '.join(COMPARISONS)}.")
    at = f"{where}.value"
    if op in ("=", "!="):
        _scalar(operand, at)
    elif op == "in":
        if not isinstance(operand, list) or not operand or len(operand) > MAX_VALUES:
            raise InvalidFilter(f'{at} must be a list of 1 to {MAX_VALUES} values for "in", e.g. ["a", "b"].')
        for i, item in enumerate(operand):
            _scalar(item, f"{at}[{i}]")
    elif op == "between":
        if not (isinstance(operand, list) and len(operand) == 2 and _same_order_kind(operand)):
            raise InvalidFilter(
                f'{at} must be [low, high], two numbers or two dates, for "between", e.g. [2000, 2010].'
            )
    elif op == "contains":
        if not isinstance(operand, str) or not operand:
            raise InvalidFilter(f'{at} must be the text to look for, for "contains", e.g. "python".')
        _scalar(operand, at)
    elif not _orderable(operand):
        raise InvalidFilter(f'{at} must be a number or a date (as text, e.g. "2020-01-31") for {op!r}.')
    return Column(column, op, tuple(operand) if isinstance(operand, list) else operand)


def _whole(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**31 - 1:
        raise InvalidFilter(f"{where} must be a whole number from 0 to {2**31 - 1}, not {_shown(value)}.")
    return value


def _scalar(value: Any, where: str) -> None:
    if not isinstance(value, (str, int, float, bool)) and value is not None:
        raise InvalidFilter(f"{where} must be text, a number, true/false or null, not {_kind(value)}.")
    if isinstance(value, str) and unstorable(value):
        raise InvalidFilter(f"{where} holds {unstorable(value)}, which no column can hold; remove it.")


def _orderable(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value) and not unstorable(value)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _same_order_kind(values: list[Any]) -> bool:
    return all(_orderable(v) for v in values) and len({isinstance(v, str) for v in values}) == 1


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}.get(
        type(value), "a number"
    )


def _shown(value: Any) -> str:
    return json.dumps(value)[:40] if not isinstance(value, (dict, list)) else _kind(value)


def parts(found: Filter) -> Iterator[Filter]:
    """The filter and every filter inside it."""
    yield found
    if isinstance(found, (AllOf, AnyOf)):
        for part in found.parts:
            yield from parts(part)


def condition(found: Filter, dataset: Dataset) -> Condition:
    """The SQL condition of a filter on this map; columns, topics and tags the map lacks are refused."""
    _check_against(found, dataset)
    return _sql(found, dataset, _topic_members(found, dataset))


def _check_against(found: Filter, dataset: Dataset) -> None:
    columns = set(dataset.columns)
    tags = {part.tag for part in parts(found) if isinstance(part, OnTag)}
    known = set(Tag.objects.filter(dataset=dataset, id__in=tags).values_list("id", flat=True)) if tags else set()
    for part in parts(found):
        if isinstance(part, Column) and part.column not in columns:
            raise InvalidFilter(
                f"The map has no column {part.column[:80]!r}; its columns are: {', '.join(dataset.columns)}."
            )
        if isinstance(part, OnTag) and part.tag not in known:
            raise InvalidFilter(f"The map has no tag {part.tag}; GET .../tags lists its tags.")


def _topic_members(found: Filter, dataset: Dataset) -> dict[int, list[int]]:
    """Each filtered topic's fine topics (points carry their fine topic): itself, or its descendants."""
    wanted = {part.topic for part in parts(found) if isinstance(part, OnTopic)}
    if not wanted:
        return {}
    members = fine_topics_under(dataset.id, wanted)
    missing = sorted(wanted - set(members))
    if missing:
        raise InvalidFilter(f"The map has no topic {missing[0]}; GET .../topics lists its topics of every level.")
    return members


def _sql(found: Filter, dataset: Dataset, topics: dict[int, list[int]]) -> Condition:
    if isinstance(found, (AllOf, AnyOf)):
        compiled = [_sql(part, dataset, topics) for part in found.parts]
        joiner = " AND " if isinstance(found, AllOf) else " OR "
        return Condition("(" + joiner.join(c.sql for c in compiled) + ")", [p for c in compiled for p in c.params])
    if isinstance(found, OnTopic):
        return Condition("p.topic = ANY(%s::int[])", [topics[found.topic]])
    if isinstance(found, OnTag):
        return Condition(
            "EXISTS (SELECT 1 FROM maps_taggedrow t WHERE t.tag_id = %s AND t.row_id = p.row_id)", [found.tag]
        )
    if isinstance(found, OnRows):
        return Condition("p.row_id = ANY(%s::int[])", [list(found.rows)])
    if isinstance(found, TextLength):
        bounds = [(">=", found.low), ("<=", found.high)]
        kept = [(op, end) for op, end in bounds if end is not None]
        sql = " AND ".join(f"char_length(p.text) {op} %s" for op, _ in kept)
        return Condition(f"({sql})", [end for _, end in kept])
    return _column_sql(found)


def _column_sql(found: Column) -> Condition:
    name, op, value = found.column, found.op, found.value
    if op == "=":
        return Condition("(p.fields -> %s) = %s::jsonb", [name, json.dumps(value)])
    if op == "!=":
        # A row without the value (missing or null) is not equal to it.
        return Condition("(p.fields -> %s) IS DISTINCT FROM %s::jsonb", [name, json.dumps(value)])
    if op == "in":
        return Condition("(p.fields -> %s) = ANY(%s::jsonb[])", [name, [json.dumps(v) for v in value]])
    if op == "contains":
        return Condition("strpos(lower(p.fields ->> %s), lower(%s)) > 0", [name, value])
    if op == "between":
        low, high = value
        return Condition(f"{_ordered(low)} BETWEEN %s AND %s", [name, name, low, high])
    return Condition(f"{_ordered(value)} {ORDERED[op]} %s", [name, name, value])


def _ordered(value: Any) -> str:
    """The column's value as the operand's kind: a number when both are numbers, text (dates as ISO text,
    compared byte by byte) when both are text; any other value compares as NULL, so no row of it matches."""
    if isinstance(value, str):
        return "(CASE WHEN jsonb_typeof(p.fields -> %s) = 'string' THEN (p.fields ->> %s) END) COLLATE \"C\""
    return "(CASE WHEN jsonb_typeof(p.fields -> %s) = 'number' THEN (p.fields ->> %s)::numeric END)"
