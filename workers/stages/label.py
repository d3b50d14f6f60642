"""Label: describe every topic of every level by c-TF-IDF keywords, size, place and representative rows.

Texts are read into words and two-word phrases as words.reading reads them (what explaining a selection reads
too). Topics under one parent (the broad topics among themselves) get
different names: a topic whose best keyword shares a word with the keyword an earlier, larger sibling leads with
leads with its best candidate that does not.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from embedding.vectors import Vectors
from words.reading import term_counter
from workers.stages.cluster import Labels
from workers.stages.hierarchy import Hierarchy, Level
from workers.stages.reduce import Coords

# Embeds short texts into the map's own vector space (unit vectors), for ranking keyphrases by meaning.
Embed = Callable[[list[str]], Vectors]


@dataclass(frozen=True)
class LabelParams:
    keywords_per_topic: int = 3
    candidates_per_topic: int = 10
    # With an embedder: the c-TF-IDF candidates ranked by meaning, and the trade-off of Maximal Marginal
    # Relevance between a phrase's likeness to the topic and its unlikeness to the phrases already chosen.
    keyphrase_candidates: int = 20
    diversity: float = 0.5
    # How much a phrase's likeness to the whole level (what every topic of the map says, "python" on a map of
    # Python packages) counts against it. 0.5 and 0.5 by make bench (BENCH_NAMES): without it every PyPI topic
    # was "python library, python bindings, ..."; with it each name fits its own topic as well or better.
    commonness: float = 0.5
    representatives_per_topic: int = 5
    # Rows scored against their topic's centroid at a time, to bound the temporary arrays.
    chunk_size: int = 50_000


@dataclass(frozen=True)
class TopicLabel:
    topic_id: int
    level: str
    parent: int | None
    label: str
    keywords: list[str]
    size: int
    # Where the label sits on the map: the median of its members, which stays inside curved clusters
    # more often than the mean does.
    x: float
    y: float
    # Row ids of the members closest to the topic's centroid in embedding space, closest first.
    representatives: list[int]
    # Named by an editor (carried over from before a re-layout), not from its rows' words.
    edited: bool = False


def describe_topics(
    texts: Sequence[str],
    vectors: Vectors,
    coords: Coords,
    noise: npt.NDArray[np.bool_],
    hierarchy: Hierarchy,
    params: LabelParams,
    embed: Embed | None = None,
) -> list[TopicLabel]:
    """Every topic of every level, broad first; keywords are ranked against the other topics of its level. With
    `embed` (the map's own model), each topic's c-TF-IDF candidates are ranked by how like the topic's centroid
    they are, and chosen with Maximal Marginal Relevance (keyphrases)."""
    counts = _term_counts(texts)
    topics = []
    for level in hierarchy.levels:
        rows = _rows(level)
        parents = [level.parents.get(topic_id) for topic_id in level.ids]
        if embed is None:
            candidates = _ctfidf_keywords(counts, rows, len(level.ids), params)
        else:
            wide = replace(params, candidates_per_topic=params.keyphrase_candidates)
            pool = _ctfidf_keywords(counts, rows, len(level.ids), wide)
            candidates = _keyphrases(pool, _centroids(vectors, rows, len(level.ids), noise), embed, params)
        keywords = _sibling_keywords(candidates, parents, params.keywords_per_topic)
        representatives = _representatives(vectors, rows, len(level.ids), noise, params)
        sizes = np.bincount(rows, minlength=len(level.ids))
        xs, ys = _medians(coords, rows, len(level.ids))
        for row, topic_id in enumerate(level.ids):
            words = keywords[row] or [f"topic {topic_id + 1}"]
            topics.append(
                TopicLabel(
                    topic_id=topic_id,
                    level=level.name,
                    parent=level.parents.get(topic_id),
                    label=", ".join(words),
                    keywords=words,
                    size=int(sizes[row]),
                    x=xs[row],
                    y=ys[row],
                    representatives=representatives[row],
                )
            )
    return topics


def _rows(level: Level) -> Labels:
    """Each point's topic as a row 0..t-1 of this level (a level's ids are one contiguous range)."""
    first = level.ids[0] if level.ids else 0
    assert level.ids == list(range(first, first + len(level.ids))), "topic ids of a level must be contiguous"
    return np.asarray(level.labels - first, dtype=np.int32)


def _membership(rows: Labels, count: int, weights: npt.NDArray[np.float64] | None = None) -> Any:
    from scipy.sparse import csr_matrix

    n = len(rows)
    values = np.ones(n) if weights is None else weights
    return csr_matrix((values, (rows, np.arange(n))), shape=(count, n))


def _term_counts(texts: Sequence[str]) -> tuple[Any, npt.NDArray[np.str_]] | None:
    vectorizer = term_counter(min_df=1, max_features=50_000)
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words or symbols in every text
        return None
    return counts, vectorizer.get_feature_names_out()


def _ctfidf_keywords(
    term_counts: tuple[Any, npt.NDArray[np.str_]] | None, rows: Labels, k: int, params: LabelParams
) -> list[list[str]]:
    if term_counts is None or k == 0:
        return [[] for _ in range(k)]
    from scipy.sparse import diags

    counts, vocabulary = term_counts
    # One sparse row per topic: the summed term counts of its members (dense would be topics x 50k).
    per_topic = (_membership(rows, k) @ counts).tocsr().astype(np.float64)
    words_per_topic = np.asarray(per_topic.sum(axis=1)).ravel()
    term_totals = np.asarray(per_topic.sum(axis=0)).ravel()
    idf = np.log(1.0 + (words_per_topic.sum() / k) / np.maximum(term_totals, 1.0))
    scores = (diags(1.0 / np.maximum(words_per_topic, 1.0)) @ per_topic @ diags(idf)).tocsr()
    result = []
    for topic in range(k):
        start, end = scores.indptr[topic], scores.indptr[topic + 1]
        values, terms = scores.data[start:end], scores.indices[start:end]
        # Ties broken by term index, so the same counts always give the same label.
        ranked = np.lexsort((terms, -values))[: params.candidates_per_topic]
        result.append([str(vocabulary[terms[i]]) for i in ranked if values[i] > 0])
    return result


def _sibling_keywords(candidates: list[list[str]], parents: list[int | None], limit: int) -> list[list[str]]:
    """Each topic's keywords from its ranked candidates; a topic (larger siblings first: topics are numbered by
    size) does not lead with a word an earlier sibling leads with, while it has a candidate without one."""
    leading: dict[int | None, set[str]] = {}
    chosen = []
    for terms, parent in zip(candidates, parents, strict=True):
        taken = leading.setdefault(parent, set())
        fresh = [t for t in terms if not set(t.split()) & taken]
        keywords = _distinct(fresh + [t for t in terms if t not in fresh], limit)
        if keywords:
            taken.update(keywords[0].split())
        chosen.append(keywords)
    return chosen


def _distinct(candidates: list[str], limit: int) -> list[str]:
    """Keep the best keywords, skipping a word already said by a chosen phrase (and the reverse)."""
    chosen: list[str] = []
    for term in candidates:
        words = set(term.split())
        if any(words <= set(other.split()) or set(other.split()) <= words for other in chosen):
            continue
        chosen.append(term)
        if len(chosen) == limit:
            break
    return chosen


def _centroids(vectors: Vectors, rows: Labels, k: int, noise: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    """Each topic's mean direction, its noise rows all but left out (unit vectors)."""
    weights = np.where(noise, 1e-6, 1.0)
    centroids = np.asarray(_membership(rows, k, weights) @ vectors, dtype=np.float64)
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    return centroids


def _keyphrases(
    pool: list[list[str]], centroids: npt.NDArray[np.float64], embed: Embed, params: LabelParams
) -> list[list[str]]:
    """Each topic's candidates reordered by Maximal Marginal Relevance: first the phrase most like the topic's
    centroid (and least like the whole level's, by `commonness`), then each next one most like the topic and least
    like those already taken."""
    phrases = sorted({term for terms in pool for term in terms})
    if not phrases:
        return pool
    found = np.asarray(embed(phrases), dtype=np.float64)
    if found.shape != (len(phrases), centroids.shape[1]):
        return pool  # not the space the rows' vectors live in: keep c-TF-IDF's order
    found /= np.maximum(np.linalg.norm(found, axis=1, keepdims=True), 1e-12)
    index = {p: i for i, p in enumerate(phrases)}
    everything = centroids.mean(axis=0)
    everything /= max(float(np.linalg.norm(everything)), 1e-12)
    ranked: list[list[str]] = []
    for terms, centroid in zip(pool, centroids, strict=True):
        if not terms:
            ranked.append([])
            continue
        mine = found[[index[t] for t in terms]]
        relevance = mine @ centroid - params.commonness * (mine @ everything)
        alike = mine @ mine.T
        order: list[int] = []
        left = list(range(len(terms)))
        while left:
            taken = alike[np.ix_(left, order)].max(axis=1) if order else np.zeros(len(left))
            scores = (1 - params.diversity) * relevance[left] - params.diversity * taken
            best = left[int(np.argmax(scores))]
            order.append(best)
            left.remove(best)
        ranked.append([terms[i] for i in order])
    return ranked


def _representatives(
    vectors: Vectors, rows: Labels, k: int, noise: npt.NDArray[np.bool_], params: LabelParams
) -> list[list[int]]:
    n = len(rows)
    # Noise rows only joined their topic by proximity on the map: they barely shape the centroid and
    # come last, so a topic is shown by rows HDBSCAN actually put in it.
    centroids = _centroids(vectors, rows, k, noise)
    scores = np.empty(n, dtype=np.float64)
    for start in range(0, n, params.chunk_size):
        part = slice(start, start + params.chunk_size)
        scores[part] = np.einsum("ij,ij->i", vectors[part], centroids[rows[part]])
    scores[noise] -= 4.0  # below any clustered row: cosine similarity is at least -1
    order = np.lexsort((np.arange(n), -scores, rows))
    starts = np.searchsorted(rows[order], np.arange(k))
    ends = np.searchsorted(rows[order], np.arange(k), side="right")
    take = params.representatives_per_topic
    return [order[s : min(e, s + take)].tolist() for s, e in zip(starts, ends, strict=True)]


def _medians(coords: Coords, rows: Labels, k: int) -> tuple[list[float], list[float]]:
    order = np.argsort(rows, kind="stable")
    bounds = np.searchsorted(rows[order], np.arange(k + 1))
    xs, ys = [], []
    for topic in range(k):
        members = coords[order[bounds[topic] : bounds[topic + 1]]]
        xs.append(float(np.median(members[:, 0])) if len(members) else 0.0)
        ys.append(float(np.median(members[:, 1])) if len(members) else 0.0)
    return xs, ys
