"""Search over a passage map's passages: the rows whose passages are nearest a vector, each with its best
passage, within a filter applied inside the scan; and the best passage of rows found by their words."""

from dataclasses import replace
from typing import Any

from django.db import connection, transaction

from maps.filters import Condition
from maps.models import Dataset
from maps.scan import TRUE, WORD, Hit, PassageSpan, hits_of, iterate, scan_settings, vector_literal

# Passages fetched per wanted row at first: a row's passages crowd the top, so k rows need more than k
# passages; the depth grows by GROWTH until k distinct rows come back, or else (the scan ran out, or MAX_DEPTH
# passages per row were read) an exact scan answers.
FIRST_DEPTH = 4
GROWTH = 4
MAX_DEPTH = 256


def passages_sql(dataset: Dataset, where: Condition, exact: bool) -> str:
    """The passages nearest the vector (parameters: the vector, the condition's, the vector, the limit); with
    `exact`, each passing row's best passage, over every passage of the rows the condition leaves."""
    join = (
        f"JOIN maps_point p ON p.dataset_id = '{dataset.id}'::uuid AND p.row_id = s.row_id AND {where.sql} "
        if where is not TRUE
        else ""
    )
    select = (
        's.row_id, 1 - (s.embedding <=> %s::vector) AS score, s.number, s.start, s."end" FROM maps_passage s '
        f"{join}WHERE s.dataset_id = '{dataset.id}'::uuid"
    )
    if exact:
        return (
            f"SELECT * FROM (SELECT DISTINCT ON (s.row_id) {select} ORDER BY s.row_id, s.embedding <=> %s::vector) "
            "AS best ORDER BY score DESC, row_id LIMIT %s"
        )
    return f"SELECT {select} ORDER BY s.embedding <=> %s::vector LIMIT %s"


def nearest(dataset: Dataset, vector: list[float], k: int, where: Condition = TRUE) -> list[Hit]:
    literal = vector_literal(vector)
    best: dict[int, tuple[float, PassageSpan]] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        exact = scan_settings(cursor, dataset.id, k, where)
        if not exact:
            # Unfiltered too: the scan must go on past ef_search for as many passages as the limit asks.
            iterate(cursor)
        depth = FIRST_DEPTH
        while not exact:
            cursor.execute(passages_sql(dataset, where, False), [literal, *where.params, literal, k * depth])
            found = cursor.fetchall()
            best = _best_per_row(found)
            if len(best) >= k:
                break
            depth *= GROWTH
            # Fewer than k rows: the scan read all it may (max_scan_tuples), or k rows' passages lie deeper
            # than MAX_DEPTH per row; an exact scan finds every passing row.
            exact = len(found) < k * (depth // GROWTH) or depth > MAX_DEPTH
        if exact:
            cursor.execute(passages_sql(dataset, where, True), [literal, *where.params, literal, k])
            best = _best_per_row(cursor.fetchall())
    rows = sorted(best, key=lambda row: (-best[row][0], row))[:k]
    return _with_rows(dataset, [(row, *best[row]) for row in rows])


def _best_per_row(found: list[tuple[Any, ...]]) -> dict[int, tuple[float, PassageSpan]]:
    best: dict[int, tuple[float, PassageSpan]] = {}
    for row, score, number, start, end in found:
        if row not in best or score > best[row][0]:
            best[row] = (float(score), PassageSpan(number, start, end))
    return best


def _with_rows(dataset: Dataset, ranked: list[tuple[int, float, PassageSpan]]) -> list[Hit]:
    """Hits for (row, score, passage), in that order, with the rows' text, fields and topic."""
    if not ranked:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT row_id, 0, text, fields, topic FROM maps_point WHERE dataset_id = %s AND row_id = ANY(%s)",
            [dataset.id, [row for row, _, _ in ranked]],
        )
        rows = {hit.id: hit for hit in hits_of(cursor.fetchall())}
    return [
        Hit(row, score, rows[row].text, rows[row].fields, rows[row].topic, passage)
        for row, score, passage in ranked
        if row in rows
    ]


def best_of(dataset: Dataset, hits: list[Hit], vector: list[float]) -> list[Hit]:
    """The hits, each with its best passage by the vector (hits that have one keep it)."""
    missing = [hit.id for hit in hits if hit.passage is None]
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT DISTINCT ON (row_id) row_id, number, start, "end" FROM maps_passage '
            "WHERE dataset_id = %s AND row_id = ANY(%s) ORDER BY row_id, embedding <=> %s::vector",
            [dataset.id, missing, vector_literal(vector)],
        )
        spans = {row: PassageSpan(number, start, end) for row, number, start, end in cursor.fetchall()}
    return [hit if hit.passage is not None else replace(hit, passage=spans.get(hit.id)) for hit in hits]


def by_words(dataset: Dataset, hits: list[Hit], words: str) -> list[Hit]:
    """Keyword hits, each with the passage holding most of the query's words (the first of equals)."""
    wanted = {word.lower() for word in WORD.findall(words)}
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT row_id, number, start, "end" FROM maps_passage WHERE dataset_id = %s AND row_id = ANY(%s) '
            "ORDER BY row_id, number",
            [dataset.id, [hit.id for hit in hits]],
        )
        spans: dict[int, list[PassageSpan]] = {}
        for row, number, start, end in cursor.fetchall():
            spans.setdefault(row, []).append(PassageSpan(number, start, end))

    def matches(hit: Hit, span: PassageSpan) -> int:
        return len(wanted & {word.lower() for word in WORD.findall(hit.text[span.start : span.end])})

    return [
        replace(hit, passage=max(spans[hit.id], key=lambda span: matches(hit, span)) if spans.get(hit.id) else None)
        for hit in hits
    ]
