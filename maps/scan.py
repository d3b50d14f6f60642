"""What every scan of the query engine shares: the hits it answers, the query vector as SQL, and the settings of
an HNSW scan within a filter."""

import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from maps.filters import Condition
from maps.models import fields_of

TRUE = Condition("TRUE", [])
# A word of a query, for matching any of them.
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class PassageSpan:
    """A passage of a row: its order in the row and its characters, start to end."""

    number: int
    start: int
    end: int


@dataclass(frozen=True)
class Hit:
    id: int
    score: float
    text: str
    fields: dict[str, Any]
    topic: int | None
    # Passage maps: the row's passage best matching the query.
    passage: PassageSpan | None = None


def vector_literal(vector: list[float]) -> str:
    return "[" + ",".join(f"{v:.7g}" for v in vector) + "]"


def scan_settings(cursor: Any, dataset_id: uuid.UUID, k: int, where: Condition) -> bool:
    """Set up this transaction's HNSW scan for a top k within the condition; True when the condition leaves so
    few rows that an exact scan over them is the better plan."""
    cursor.execute("SELECT set_config('hnsw.ef_search', %s, true)", [str(max(settings.SEARCH_EF, k))])
    if where is TRUE:
        return False
    if _few(cursor, dataset_id, where):
        return True
    # The index scan goes on past ef_search until k rows pass the filter.
    iterate(cursor)
    return False


def iterate(cursor: Any) -> None:
    """Let this transaction's HNSW scans go on past ef_search, as far as their LIMIT asks, reading at most
    SEARCH_MAX_SCAN tuples (pgvector >= 0.8; close rows may come slightly out of order)."""
    cursor.execute("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)")
    cursor.execute("SELECT set_config('hnsw.max_scan_tuples', %s, true)", [str(settings.SEARCH_MAX_SCAN)])


def _few(cursor: Any, dataset_id: uuid.UUID, where: Condition) -> bool:
    """Whether the filter leaves at most SEARCH_EXACT_ROWS rows: then an exact scan over them is cheaper and
    always finds k."""
    limit = settings.SEARCH_EXACT_ROWS
    cursor.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM maps_point p WHERE p.dataset_id = '{dataset_id}'::uuid "
        f"AND {where.sql} LIMIT %s) AS passing",
        [*where.params, limit + 1],
    )
    return int(cursor.fetchone()[0]) <= limit


def hits_of(rows: list[tuple[Any, ...]]) -> list[Hit]:
    return [
        Hit(
            id=r[0],
            score=float(r[1]),
            text=r[2],
            fields=fields_of(r[3]),
            topic=r[4],
        )
        for r in rows
    ]
