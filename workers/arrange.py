"""Layout -> topics -> quality for vectors already stored: the part of a build a re-layout repeats."""

import logging
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from django.conf import settings

from embedding.vectors import Vectors
from maps import duplicates
from maps import layout as map_layout
from maps.models import Dataset
from workers import layout_model, store
from workers.jobs import Run
from workers.stages.cluster import ClusterParams, Clusters, find_topics
from workers.stages.duplicates import merge_pairs, near_pairs, shared_neighbour_pairs
from workers.stages.hierarchy import HierarchyParams, merge_topics
from workers.stages.label import Embed, LabelParams, TopicLabel, describe_topics
from workers.stages.labeller import LabellerParams, name_topics
from workers.stages.outliers import nearest, outlier_scores
from workers.stages.quality import QualityParams, label_agreement, measure_quality
from workers.stages.reduce import LayoutParams, fit_layout
from workers.stages.topic_edits import CARRY_SHARE, carry_edits
from workers.warmup import numba_for_work

Stage = Dataset.Stage
log = logging.getLogger(__name__)


def layout_params(layout: dict[str, Any], seed: int) -> LayoutParams:
    return LayoutParams(
        n_neighbors=int(layout["n_neighbors"]),
        min_dist=float(layout["min_dist"]),
        metric=str(layout["metric"]),
        seed=seed,
        sample_size=int(layout["sample_size"]) or None,
    )


def cluster_params(layout: dict[str, Any]) -> ClusterParams:
    return ClusterParams(min_cluster_size=int(layout["min_cluster_size"]) or None)


def class_of(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def arrange(
    run: Run,
    dataset_id: uuid.UUID,
    vectors: Vectors,
    texts: Sequence[str],
    classes: Sequence[str | None] | None,
    layout: dict[str, Any],
    seed: int,
) -> Clusters:
    """Lay the vectors out, find and label topics, measure quality; store coordinates, topics and quality."""
    n = len(vectors)
    # Read before the rows move: a re-layout carries each renamed topic to where most of its rows land.
    edited = store.edited_topics(dataset_id)
    layout = {**map_layout.defaults(), **layout}  # maps made before per-map parameters existed have none
    with run.stage_of(Stage.LAYOUT, n), numba_for_work():
        coords, fitted = fit_layout(vectors, layout_params(layout, seed))
        # Read off the fitted UMAP's neighbour index while it is at hand: outliers and near duplicates.
        near = nearest(fitted, vectors, np.arange(n))
        outliers = outlier_scores(near)
        pairs = near_pairs(near, duplicates.FLOOR)
        if fitted is not None and fitted.rows is not None:
            outside = np.ones(n, dtype=bool)
            outside[fitted.rows] = False
            pairs = merge_pairs([pairs, shared_neighbour_pairs(near, vectors, duplicates.FLOOR, outside)])
    # Kept so rows appended later are placed on this map; a re-layout replaces it.
    layout_model.save(dataset_id, fitted)

    with run.stage_of(Stage.TOPICS, n):
        with numba_for_work():
            clusters = find_topics(coords, cluster_params(layout))
        hierarchy = merge_topics(vectors, clusters, HierarchyParams())
        topics = describe_topics(
            texts, vectors, coords, clusters.noise, hierarchy, LabelParams(), keyphrase_embedder(dataset_id)
        )
        topics = named_topics(dataset_id, topics, texts)
        quality = measure_quality(vectors, coords, clusters, QualityParams())
        if classes is not None:
            quality = replace(quality, agreement=label_agreement(classes, clusters.labels, hierarchy.broad.labels))
        carried = carry_edits(edited, topics, clusters.labels)
        store.save_layout(dataset_id, coords, clusters, outliers)
        store.save_near_pairs(dataset_id, pairs, replace=True)
        store.replace_topics(dataset_id, carried.topics)
        store.save_quality(dataset_id, quality)
        if carried.not_carried:
            names = ", ".join(repr(name) for name in carried.not_carried)
            store.add_warnings(
                dataset_id,
                [
                    f"The re-layout could not carry these topic names over: {names}. Their rows are now spread "
                    f"over several topics (none holds {CARRY_SHARE:.0%} of them); rename the new topics."
                ],
            )
    return clusters


def keyphrase_embedder(dataset_id: uuid.UUID) -> Embed | None:
    """The map's own text model, to rank topic keyphrases by meaning; None for vectors it did not make (a column
    of precomputed vectors) or a model that cannot be loaded here (keywords are then c-TF-IDF's order)."""
    dataset = Dataset.objects.filter(id=dataset_id).only("model_name", "vector_field").first()
    if dataset is None or dataset.vector_field:
        return None
    from embedding import get_encoder

    try:
        encoder = get_encoder(dataset.model_name, settings.TORCH_THREADS)
    except Exception as exc:  # an image model, or one no longer installed: keywords stay as counted
        log.info("dataset %s: topic keyphrases not ranked by meaning (%s)", dataset_id, exc)
        return None

    def embed(phrases: list[str]) -> Vectors:
        batches = [encoder.encode(phrases[i : i + KEYPHRASE_BATCH]) for i in range(0, len(phrases), KEYPHRASE_BATCH)]
        return np.vstack(batches).astype(np.float32)

    return embed


# Keyphrases embedded at a time.
KEYPHRASE_BATCH = 256


def labeller_params() -> LabellerParams | None:
    """The labeller's settings, or None when ATLAS_LABELLER_URL is empty (the default: keyword labels only)."""
    if not settings.LABELLER_URL:
        return None
    return LabellerParams(
        url=settings.LABELLER_URL,
        model=settings.LABELLER_MODEL,
        api_key=settings.LABELLER_API_KEY,
        timeout_s=settings.LABELLER_TIMEOUT_S,
    )


def named_topics(dataset_id: uuid.UUID, topics: list[TopicLabel], texts: Sequence[str]) -> list[TopicLabel]:
    """The topics with the labeller's names where it gave acceptable ones; keyword labels wherever it did not.
    Nothing the labeller does fails the build."""
    params = labeller_params()
    if params is None or not topics:
        return topics
    try:
        named, problems = name_topics(topics, texts, params)
    except Exception:
        log.exception("dataset %s: topic labeller failed; keyword labels kept", dataset_id)
        return topics
    for problem in problems:
        log.warning("dataset %s: topic labeller: %s; keyword label kept", dataset_id, problem)
    renamed = sum(a.label != b.label for a, b in zip(topics, named, strict=True))
    log.info("dataset %s: topic labeller named %d of %d topics", dataset_id, renamed, len(topics))
    return named
