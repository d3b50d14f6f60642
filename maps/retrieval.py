"""The query engine: the k rows of one map best matching a text, a vector or a row, by meaning (dense),
by words (keyword) or both fused (hybrid), within a filter. GET /search and POST /query both run here.

A filter is applied inside the scan, never by cutting a top k afterwards: a filter that leaves few rows is
searched exactly over those rows; otherwise pgvector's iterative HNSW scan goes on until k rows pass it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from django.db import connection, transaction

from atlas.errors import NotFound, NotReady, UserError
from maps import passage_search, query_vectors
from maps.filters import Condition
from maps.indexes import TEXT_SEARCH_CONFIG, TSVECTOR_SQL
from maps.models import Dataset, Point
from maps.queries import require_ready, row_key
from maps.scan import TRUE, WORD, Hit, hits_of, scan_settings, vector_literal

MODES = ("semantic", "keyword", "hybrid")


@dataclass(frozen=True)
class Query:
    """What to look for: text (embedded for meaning, or matched as words), a vector, or a row like it."""

    mode: str = "semantic"
    text: str = ""
    vector: list[float] | None = None
    row: int | None = None
    k: int = 10
    where: Condition = TRUE
    # Hits scoring below this are left out; None keeps all k.
    threshold: float | None = None


def run(dataset: Dataset, query: Query) -> list[Hit]:
    """The best k hits, best first."""
    require_ready(dataset)
    if query.mode == "keyword":
        hits = keyword(dataset, _words(query), query.k, query.where)
        if dataset.passage_tokens:
            hits = passage_search.by_words(dataset, hits, query.text)
    elif query.mode == "hybrid":
        hits = hybrid(dataset, query)
    else:
        hits = dense(dataset, query)
    if query.threshold is not None:
        hits = [hit for hit in hits if hit.score >= query.threshold]
    return hits


def _words(query: Query) -> str:
    text = query.text.strip()
    if not text:
        raise UserError("The search query is empty: pass the words to look for as ?q=... (or query in the body).")
    return text


def dense(dataset: Dataset, query: Query) -> list[Hit]:
    """Nearest by cosine similarity to the query's vector: its text embedded, the vector given, or a row's."""
    if query.row is not None:
        # The row is its own nearest: one more is fetched and the row left out, so an unfiltered query stays
        # an unfiltered scan.
        hits = nearest(dataset, row_vector(dataset, query.row), query.k + 1, query.where)
        return [hit for hit in hits if hit.id != query.row][: query.k]
    return nearest(dataset, query_vector(dataset, query), query.k, query.where)


def query_vector(dataset: Dataset, query: Query) -> list[float]:
    """The vector a text or vector query looks near."""
    return query.vector if query.vector is not None else embed_query(dataset, _words(query))


def embed_query(dataset: Dataset, text: str) -> list[float]:
    return query_vectors.embed_query(dataset.model_name, text)


def row_vector(dataset: Dataset, row_id: int) -> list[float]:
    found = Point.objects.filter(dataset=dataset, row_id=row_id).values_list("embedding", flat=True)
    if not found:
        raise NotFound(f"Dataset {dataset.id} has no row {row_id}.")
    if found[0] is None:
        raise NotReady(f"Row {row_id} of dataset {dataset.id} has no vector, so it has no neighbours.")
    return [float(v) for v in found[0]]


def nearest_rows_sql(dataset_id: uuid.UUID, where: str = "TRUE", exact: bool = False) -> str:
    """Top-k by cosine distance; parameters: the query vector, the condition's, the query vector again, k.

    The dataset id is written as a literal, exactly as in the partial index's predicate (maps.indexes), so
    that the planner picks that index; it is a parsed UUID, never user text. `exact` orders by an expression
    the index cannot serve, so every row passing the condition is compared.
    """
    order = "(p.embedding <=> %s::vector) + 0" if exact else "p.embedding <=> %s::vector"
    return (
        "SELECT row_id, 1 - (p.embedding <=> %s::vector) AS score, text, fields, topic FROM maps_point p "
        f"WHERE p.dataset_id = '{dataset_id}'::uuid AND p.embedding IS NOT NULL AND {where} "
        f"ORDER BY {order} LIMIT %s"
    )


def nearest(dataset: Dataset, vector: list[float], k: int, where: Condition = TRUE) -> list[Hit]:
    """The k rows nearest the vector within the condition, best first; a passage map's rows by their best
    passage."""
    if dataset.passage_tokens:
        return passage_search.nearest(dataset, vector, k, where)
    literal = vector_literal(vector)
    filtered = where is not TRUE
    with transaction.atomic(), connection.cursor() as cursor:
        exact = scan_settings(cursor, dataset.id, k, where)
        params = [literal, *where.params, literal, k]
        cursor.execute(nearest_rows_sql(dataset.id, where.sql, exact), params)
        rows = cursor.fetchall()
        if filtered and not exact and len(rows) < k:
            # The graph scan stopped short of k passing rows: it read SEARCH_MAX_SCAN rows, or the rows that pass
            # lie in a part of the graph it cannot reach from the query. An exact scan finds every one.
            cursor.execute(nearest_rows_sql(dataset.id, where.sql, exact=True), params)
            rows = cursor.fetchall()
    # relaxed_order may hand back close rows slightly out of order.
    return sorted(hits_of(rows), key=lambda hit: (-hit.score, hit.id))


def keyword_rows_sql(dataset_id: uuid.UUID, where: str = "TRUE", normalization: int = 0) -> str:
    """Rows whose text matches a web-search style query (quotes, OR, -word), best ts_rank first.

    The dataset id is a literal and the tsvector expression is the index's own (maps.indexes), so the
    planner can use the dataset's GIN index; parameters: the query, the condition's, and k. `normalization`
    is ts_rank's (1: divided by 1 + the log of the text's length).
    """
    return (
        f"SELECT row_id, ts_rank({TSVECTOR_SQL}, q, {int(normalization)}) AS score, text, fields, topic "
        f"FROM maps_point p, websearch_to_tsquery('{TEXT_SEARCH_CONFIG}', %s) AS q "
        f"WHERE p.dataset_id = '{dataset_id}'::uuid AND {TSVECTOR_SQL} @@ q AND {where} "
        "ORDER BY score DESC, row_id LIMIT %s"
    )


def keyword(
    dataset: Dataset, words: str, k: int, where: Condition = TRUE, any_word: bool = False, normalization: int = 0
) -> list[Hit]:
    """Postgres full-text search over the rows' text; scores are ts_rank values (higher is better). Every
    word must match, unless `any_word`: then rows with more (and rarer) of the words rank first."""
    if any_word:
        words = " or ".join(word for word in WORD.findall(words) if word.lower() != "or")
        if not words:
            return []
    with connection.cursor() as cursor:
        cursor.execute(keyword_rows_sql(dataset.id, where.sql, normalization), [words, *where.params, k])
        return hits_of(cursor.fetchall())


@dataclass(frozen=True)
class Fusion:
    """How hybrid mode fuses: each ranking's depth, reciprocal rank fusion's constant, the dense ranking's
    weight against the keyword one, and how the keyword ranking matches and scores. Defaults: the best on
    the tuning parts of the docstrings and npm retrieval benchmarks (benchmarks/retrieval.py,
    docs/BENCHMARKS.md)."""

    depth: int = 50
    rrf_k: int = 5
    dense_weight: float = 2.0
    any_word: bool = True
    normalization: int = 0


FUSION = Fusion()


def hybrid(dataset: Dataset, query: Query, fusion: Fusion = FUSION) -> list[Hit]:
    """Dense and keyword rankings fused by reciprocal rank: a row high in either, or fairly high in both,
    comes first. The score is the fused one (weight / (rrf_k + rank) summed), not a similarity."""
    words = _words(query)
    depth = max(query.k, fusion.depth)
    vector = query_vector(dataset, query)
    dense_hits = nearest(dataset, vector, depth, query.where)
    keyword_hits = keyword(dataset, words, depth, query.where, fusion.any_word, fusion.normalization)
    fused = fuse([(dense_hits, fusion.dense_weight), (keyword_hits, 1.0)], fusion.rrf_k, query.k)
    if dataset.passage_tokens and any(hit.passage is None for hit in fused):
        # Rows only the keyword ranking found: their best passage by the query's vector.
        fused = passage_search.best_of(dataset, fused, vector)
    return fused


def fuse(rankings: list[tuple[list[Hit], float]], rrf_k: int, k: int) -> list[Hit]:
    fused: dict[int, float] = {}
    found: dict[int, Hit] = {}
    for ranking, weight in rankings:
        for rank, hit in enumerate(ranking, start=1):
            fused[hit.id] = fused.get(hit.id, 0.0) + weight / (rrf_k + rank)
            found.setdefault(hit.id, hit)
    best = sorted(fused, key=lambda row: (-fused[row], row))[:k]
    return [replace(found[row], score=fused[row]) for row in best]


def require_fields(dataset: Dataset, names: list[str] | None) -> list[str] | None:
    """The columns a hit should carry, each one of the map's; None: all."""
    if names is None:
        return None
    unknown = [name for name in names if name not in dataset.columns]
    if unknown:
        raise UserError(
            f"fields names {unknown[0][:80]!r}, which is not a column of the map; its columns are: "
            f"{', '.join(dataset.columns)}."
        )
    return names


def answers(dataset: Dataset, hits: list[Hit], fields: list[str] | None = None) -> list[dict[str, Any]]:
    """Hits as the API answers them: with the row's key (its value in the id column, null without one), and
    on a passage map the best passage."""
    found = []
    for hit in hits:
        answer = {
            "id": hit.id,
            "key": row_key(dataset, hit.fields),
            "score": hit.score,
            "text": hit.text,
            "fields": hit.fields if fields is None else {name: hit.fields.get(name) for name in fields},
            "topic": hit.topic,
        }
        if hit.passage is not None:
            span = hit.passage
            answer["passage"] = {
                "number": span.number,
                "start": span.start,
                "end": span.end,
                "text": hit.text[span.start : span.end],
            }
        found.append(answer)
    return found
