"""Label: name each topic by its top c-TF-IDF keywords (class-based TF-IDF over its members' texts)."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from workers.stages.cluster import Clusters
from workers.stages.reduce import Coords


@dataclass(frozen=True)
class LabelParams:
    keywords_per_topic: int = 3
    candidates_per_topic: int = 10


@dataclass(frozen=True)
class TopicLabel:
    topic_id: int
    label: str
    keywords: list[str]
    size: int
    # Where the label sits on the map: the median of its members, which stays inside curved clusters
    # more often than the mean does.
    x: float
    y: float


def label_topics(texts: Sequence[str], clusters: Clusters, coords: Coords, params: LabelParams) -> list[TopicLabel]:
    keywords = _ctfidf_keywords(texts, clusters, params)
    topics = []
    for topic_id in range(clusters.count):
        members = clusters.labels == topic_id
        words = keywords[topic_id] or [f"topic {topic_id + 1}"]
        topics.append(
            TopicLabel(
                topic_id=topic_id,
                label=", ".join(words),
                keywords=words,
                size=int(members.sum()),
                x=float(np.median(coords[members, 0])),
                y=float(np.median(coords[members, 1])),
            )
        )
    return topics


def _ctfidf_keywords(texts: Sequence[str], clusters: Clusters, params: LabelParams) -> list[list[str]]:
    from sklearn.feature_extraction.text import CountVectorizer

    k = clusters.count
    vectorizer = CountVectorizer(stop_words="english", ngram_range=(1, 2), min_df=1, max_features=50_000)
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words or symbols in every text
        return [[] for _ in range(k)]
    vocabulary = vectorizer.get_feature_names_out()
    # One row per topic: the summed term counts of its members.
    from scipy.sparse import csr_matrix

    membership = csr_matrix((np.ones(len(texts)), (clusters.labels, np.arange(len(texts)))), shape=(k, len(texts)))
    per_topic = (membership @ counts).toarray().astype(np.float64)
    term_frequency = per_topic / np.maximum(per_topic.sum(axis=1, keepdims=True), 1.0)
    average_words = per_topic.sum() / k
    idf = np.log(1.0 + average_words / np.maximum(per_topic.sum(axis=0), 1.0))
    scores = term_frequency * idf
    result = []
    for topic_id in range(k):
        ranked = np.argsort(-scores[topic_id])[: params.candidates_per_topic]
        candidates = [str(vocabulary[i]) for i in ranked if scores[topic_id, i] > 0]
        result.append(_distinct(candidates, params.keywords_per_topic))
    return result


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
