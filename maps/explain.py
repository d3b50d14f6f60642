"""Explain a set of rows (a selection, a topic, any query filter): the words and phrases that set it apart from
the rest of the map (class-based TF-IDF of the set against the rest), and the columns whose values differ most
inside it (over-represented categories; numbers and dates shifted against the rest).

The map's own word counts are read once per build (from at most MAP_SAMPLE rows) and cached beside its other
payloads; a set larger than SET_SAMPLE rows is read from an even sample of its rows, and its counts scaled.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection

from maps import columns, filters, payloads, queries
from maps.models import Dataset
from words.reading import term_counter

MAP_SAMPLE = 100_000
SET_SAMPLE = 20_000
VOCABULARY = 50_000
WORDS = 10
COLUMNS = 5
VALUES = 3
# Below these a column's difference is what chance gives a set of a few hundred rows: not listed. A category's
# shares must move by a tenth in all; a median by a quarter of the map's interquartile range.
MIN_EFFECT = {"category": 0.1, "number": 0.25, "date": 0.25}


@dataclass(frozen=True)
class Counts:
    """Term counts over some rows: per term, how often it occurs and in how many rows, from `rows` rows read."""

    terms: npt.NDArray[np.str_]
    occurrences: npt.NDArray[np.float64]
    rows_with: npt.NDArray[np.float64]
    rows: int


def _vectorizer(vocabulary: npt.NDArray[np.str_] | None = None) -> Any:
    # The topic labels' reading of a text (words.reading): stop words and contractions out, words and pairs.
    if vocabulary is None:
        return term_counter(min_df=2, max_features=VOCABULARY)
    return term_counter(vocabulary=list(vocabulary))


def count_terms(texts: list[str], vocabulary: npt.NDArray[np.str_] | None = None) -> Counts:
    """How often each term occurs in `texts`, and in how many; a vocabulary of the texts' own unless given."""
    vectorizer = _vectorizer(vocabulary)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words in every text, or no text
        return Counts(np.array([], dtype=str), np.zeros(0), np.zeros(0), len(texts))
    terms = np.asarray(vectorizer.get_feature_names_out(), dtype=str)
    occurrences = np.asarray(matrix.sum(axis=0), dtype=np.float64).ravel()
    rows_with = np.asarray((matrix > 0).sum(axis=0), dtype=np.float64).ravel()
    return Counts(terms, occurrences, rows_with, len(texts))


def distinguishing_terms(inside: Counts, whole: Counts, set_rows: int, map_rows: int) -> list[dict[str, Any]]:
    """The terms that set the set apart, best first: c-TF-IDF with two classes, the set and the rest of the map.

    `inside` counts the set's texts over the map's vocabulary (`whole`); each is scaled from the rows it read to
    the rows it stands for, and the rest is the map less the set. A term must be more common in the set than
    elsewhere, and in at least two of its rows (one, for a set of fewer than five rows)."""
    if len(whole.terms) == 0 or inside.rows == 0 or set_rows == 0:
        return []
    per_set_row = set_rows / inside.rows
    in_set = inside.occurrences * per_set_row
    in_map = whole.occurrences * (map_rows / max(whole.rows, 1))
    in_rest = np.maximum(in_map - in_set, 0.0)
    rest_rows = max(map_rows - set_rows, 0)
    words_set, words_rest = in_set.sum(), in_rest.sum()
    if words_set == 0:
        return []
    mean_words = (words_set + words_rest) / 2
    scores = (in_set / words_set) * np.log1p(mean_words / np.maximum(in_set + in_rest, 1e-9))
    rows_in_set = inside.rows_with * per_set_row
    share_set = inside.rows_with / inside.rows
    rows_in_map = whole.rows_with * (map_rows / max(whole.rows, 1))
    share_rest = np.maximum(rows_in_map - rows_in_set, 0.0) / rest_rows if rest_rows else np.zeros_like(share_set)
    fewest = 1 if set_rows < 5 else 2
    keep = (inside.rows_with >= fewest) & (share_set > share_rest)
    order = [i for i in np.lexsort((np.arange(len(scores)), -scores)) if keep[i]]
    chosen: list[dict[str, Any]] = []
    for i in order:
        words = set(str(whole.terms[i]).split())
        if any(words <= set(c["term"].split()) or set(c["term"].split()) <= words for c in chosen):
            continue  # a word already said by a chosen phrase, or the reverse
        chosen.append(
            {
                "term": str(whole.terms[i]),
                "score": round(float(scores[i]), 6),
                "rows": int(round(rows_in_set[i])),
                "share": round(float(share_set[i]), 4),
                "share_elsewhere": round(float(share_rest[i]), 4),
            }
        )
        if len(chosen) == WORDS:
            break
    return chosen


def _map_counts(dataset: Dataset) -> Counts:
    """The map's word counts, from an even sample of at most MAP_SAMPLE rows, cached once per build."""

    def make() -> bytes:
        texts = _texts(dataset, None, MAP_SAMPLE)
        counts = count_terms(texts)
        buffer = io.BytesIO()
        np.savez(
            buffer, terms=counts.terms, occurrences=counts.occurrences, rows_with=counts.rows_with, rows=counts.rows
        )
        return buffer.getvalue()

    raw = payloads.cached_bytes(dataset, queries.points_etag(dataset), "explain-terms", make)
    stored = np.load(io.BytesIO(raw), allow_pickle=False)
    return Counts(stored["terms"], stored["occurrences"], stored["rows_with"], int(stored["rows"]))


def _texts(dataset: Dataset, row_ids: list[int] | None, at_most: int) -> list[str]:
    """The texts of these rows (all the map's when None), an even sample of at most `at_most` of them."""
    with connection.cursor() as cursor:
        if row_ids is None:
            cursor.execute("SELECT count(*) FROM maps_point WHERE dataset_id = %s", [dataset.id])
            total = int(cursor.fetchone()[0])
            step = max(1, math.ceil(total / at_most))
            cursor.execute(
                "SELECT text FROM maps_point WHERE dataset_id = %s AND row_id %% %s = 0 ORDER BY row_id",
                [dataset.id, step],
            )
        else:
            step = max(1, math.ceil(len(row_ids) / at_most))
            cursor.execute(
                "SELECT text FROM maps_point WHERE dataset_id = %s AND row_id = ANY(%s) ORDER BY row_id",
                [dataset.id, row_ids[::step]],
            )
        return [text for (text,) in cursor.fetchall()]


def rows_of(dataset: Dataset, wanted: filters.Filter) -> list[int]:
    """The row ids a filter keeps, in order."""
    condition = filters.condition(wanted, dataset)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.row_id FROM maps_point p WHERE p.dataset_id = %s AND {condition.sql} ORDER BY p.row_id",
            [dataset.id, *condition.params],
        )
        return [row for (row,) in cursor.fetchall()]


def _existing(dataset: Dataset, row_ids: list[int]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT row_id FROM maps_point WHERE dataset_id = %s AND row_id = ANY(%s) ORDER BY row_id",
            [dataset.id, sorted(set(row_ids))],
        )
        return [row for (row,) in cursor.fetchall()]


def differing_columns(dataset: Dataset, row_ids: list[int]) -> list[dict[str, Any]]:
    """The columns whose values differ most inside the set, most first: a category by how far its values'
    shares move (half the summed differences, 0 to 1), a number or date by how far its median moves, in
    interquartile ranges of the whole map; those below MIN_EFFECT are left out."""
    found = []
    for column in columns.summaries(dataset):
        if column["kind"] == "category":
            found.append(_category_shift(dataset, column["name"], row_ids))
        elif column["kind"] in ("number", "date"):
            shifted = _number_shift(dataset, column["name"], column["kind"] == "date", row_ids)
            if shifted is not None:
                found.append(shifted)
    found.sort(key=lambda c: -c["effect"])
    return [c for c in found if c["effect"] >= MIN_EFFECT[c["kind"]]][:COLUMNS]


def _category_shift(dataset: Dataset, name: str, row_ids: list[int]) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT fields ->> %s, count(*) FILTER (WHERE row_id = ANY(%s)), count(*) FROM maps_point "
            "WHERE dataset_id = %s GROUP BY 1",
            [name, row_ids, dataset.id],
        )
        counts = [(value, int(inside), int(total)) for value, inside, total in cursor.fetchall()]
    in_set = sum(inside for _, inside, _ in counts)
    in_rest = sum(total - inside for _, inside, total in counts)
    values = []
    for value, inside, total in counts:
        share = inside / in_set if in_set else 0.0
        elsewhere = (total - inside) / in_rest if in_rest else 0.0
        values.append(
            {"value": value, "rows": inside, "share": round(share, 4), "share_elsewhere": round(elsewhere, 4)}
        )
    effect = sum(abs(v["share"] - v["share_elsewhere"]) for v in values) / 2
    over = sorted(
        (v for v in values if v["share"] > v["share_elsewhere"]), key=lambda v: v["share_elsewhere"] - v["share"]
    )
    return {"column": name, "kind": "category", "effect": round(effect, 4), "values": over[:VALUES]}


def _number_shift(dataset: Dataset, name: str, date: bool, row_ids: list[int]) -> dict[str, Any] | None:
    value = "extract(epoch FROM (fields ->> %s)::timestamptz) * 1000" if date else "(fields ->> %s)::float8"
    kind = "string" if date else "number"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) FILTER (WHERE inside), "
            f"percentile_cont(0.5) WITHIN GROUP (ORDER BY v) FILTER (WHERE NOT inside), "
            f"percentile_cont(0.25) WITHIN GROUP (ORDER BY v), percentile_cont(0.75) WITHIN GROUP (ORDER BY v) "
            f"FROM (SELECT {value} AS v, row_id = ANY(%s) AS inside FROM maps_point "
            f"WHERE dataset_id = %s AND jsonb_typeof(fields -> %s) = '{kind}') AS s",
            [name, row_ids, dataset.id, name],
        )
        median_in, median_out, low, high = cursor.fetchone()
    if median_in is None or median_out is None:
        return None
    spread = (high - low) if high is not None and low is not None and high > low else None
    effect = abs(median_in - median_out) / spread if spread else (1.0 if median_in != median_out else 0.0)
    return {
        "column": name,
        "kind": "date" if date else "number",
        "effect": round(float(effect), 4),
        "median": median_in,
        "median_elsewhere": median_out,
    }


def explain(dataset: Dataset, wanted: filters.Filter | list[int]) -> dict[str, Any]:
    """{"rows": how many rows there are, "words": [...], "columns": [...]} (see the module's doc), for the rows a
    filter keeps or row ids (those the map lacks left out)."""
    queries.require_ready(dataset)
    row_ids = _existing(dataset, wanted) if isinstance(wanted, list) else rows_of(dataset, wanted)
    if not row_ids:
        return {"rows": 0, "words": [], "columns": []}
    whole = _map_counts(dataset)
    inside = count_terms(_texts(dataset, row_ids, SET_SAMPLE), whole.terms) if len(whole.terms) else None
    map_rows = dataset.row_count or len(row_ids)
    words = distinguishing_terms(inside, whole, len(row_ids), map_rows) if inside is not None else []
    return {"rows": len(row_ids), "words": words, "columns": differing_columns(dataset, row_ids)}
