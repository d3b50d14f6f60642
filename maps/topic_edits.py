"""Editing a map's topics by hand: merge topics of one level into one, and move rows into a fine topic (an
existing one or a new one). After each edit every topic's size is counted again from its rows, topics left
without rows are removed at every level, moved topics' labels sit at their rows' median again, and the map's
build ETag changes so every open page fetches the new topics of its points."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from atlas.errors import NotFound, UserError
from maps import enqueue, explain
from maps.models import Dataset, Topic
from maps.queries import require_ready
from teams.actions import audit


class InvalidTopicEdit(UserError):
    code = "invalid_topic_edit"


def _locked(dataset: Dataset) -> Dataset:
    """The dataset row, locked for the edit, and ready (a build or re-layout would replace the topics)."""
    return require_ready(Dataset.objects.select_for_update().get(id=dataset.id))


def _topics(dataset: Dataset, ids: Sequence[int]) -> list[Topic]:
    found = {t.topic_id: t for t in Topic.objects.filter(dataset=dataset, topic_id__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"Dataset {dataset.id} has no topic {missing[0]}; GET .../topics lists its topics.")
    return [found[i] for i in ids]


def merge_topics(dataset: Dataset, by: User, into: int, merged: Sequence[int]) -> None:
    """The topics `merged` (of `into`'s level) become part of `into`: their rows (fine) or their child topics
    (mid, broad) go to it, and they are removed. `into` keeps its name."""
    others = [t for t in dict.fromkeys(merged) if t != into]
    if not others:
        raise InvalidTopicEdit(
            f'Name the topics to merge into topic {into}, e.g. {{"into": {into}, "topics": [3, 4]}}.'
        )
    with transaction.atomic():
        found = _locked(dataset)
        target, *rest = _topics(found, [into, *others])
        wrong = [t.topic_id for t in rest if t.level != target.level]
        if wrong:
            raise InvalidTopicEdit(
                f"Topic {wrong[0]} is not a {target.level} topic like topic {into}; merge topics of one level."
            )
        ids = [t.topic_id for t in rest]
        with connection.cursor() as cursor:
            if target.level == Topic.Level.FINE:
                cursor.execute(
                    "UPDATE maps_point SET topic = %s WHERE dataset_id = %s AND topic = ANY(%s)", [into, found.id, ids]
                )
            else:
                Topic.objects.filter(dataset=found, parent__in=ids).update(parent=into)
        Topic.objects.filter(dataset=found, topic_id__in=ids).delete()
        _recount(found, {into})
        assert found.workspace is not None
        audit(found.workspace, by, "topic.merged", map=found.name, into=into, topics=ids)


def move_rows(dataset: Dataset, by: User, rows: Sequence[int], into: int | None, label: str | None) -> int:
    """Rows into the fine topic `into`, or (into None) into a new fine topic named `label`, placed under the
    parent of the fine topic most of the rows came from. Returns the topic's id."""
    if not rows:
        raise InvalidTopicEdit('Send the rows to move, e.g. {"rows": [1, 2, 3], "topic": 4}.')
    with transaction.atomic():
        found = _locked(dataset)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT topic, count(*) FROM maps_point WHERE dataset_id = %s AND row_id = ANY(%s) "
                "GROUP BY topic ORDER BY count(*) DESC, topic",
                [found.id, list(rows)],
            )
            sources = cursor.fetchall()
        if not sources:
            raise NotFound(f"Dataset {found.id} has none of these rows.")
        if into is None:
            if not label:
                raise InvalidTopicEdit('A new topic needs a name: send {"rows": [...], "label": "My topic"}.')
            home = Topic.objects.filter(dataset=found, topic_id=sources[0][0]).first()
            next_id = _next_topic_id(found)
            Topic.objects.create(
                dataset=found, topic_id=next_id, level=Topic.Level.FINE, label=label, edited=True, size=0,
                parent=home.parent if home else None, x=0.0, y=0.0,
            )  # fmt: skip
            into = next_id
        else:
            (target,) = _topics(found, [into])
            if target.level != Topic.Level.FINE:
                raise InvalidTopicEdit(f"Topic {into} is a {target.level} topic; rows move into fine topics only.")
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE maps_point SET topic = %s, noise = false WHERE dataset_id = %s AND row_id = ANY(%s)",
                [into, found.id, list(rows)],
            )
        _recount(found, {into})
        assert found.workspace is not None
        audit(found.workspace, by, "topic.rows_moved", map=found.name, into=into, rows=len(rows))
        return into


def ask_labeller(dataset: Dataset, by: User, topic_id: int) -> None:
    """Queue a request to the configured labeller for a new name for one topic (of any level); the worker renames
    the topic when the labeller gives an acceptable name, and leaves it as it is otherwise."""
    if not settings.LABELLER_URL:
        raise InvalidTopicEdit(
            "No topic labeller is configured on this server: whoever runs it can set ATLAS_LABELLER_URL (and "
            "ATLAS_LABELLER_MODEL) to an OpenAI-compatible endpoint. Rename the topic by hand meanwhile."
        )
    require_ready(dataset)
    _topics(dataset, [topic_id])
    user_id = by.id
    transaction.on_commit(lambda: enqueue.name_topic(dataset.id, topic_id, user_id))


def split_topic(dataset: Dataset, by: User, topic_id: int, parts: int | None) -> list[int]:
    """A fine topic's rows clustered again on the map, into `parts` parts (k-means) or as many as HDBSCAN finds
    (parts None); the largest part keeps the topic's id, the others become new fine topics under the same
    parent. Each part is named by the words that set it apart from the other parts (an edited name stays with
    the largest part). Returns the parts' ids, largest first."""
    with transaction.atomic():
        found = _locked(dataset)
        (topic,) = _topics(found, [topic_id])
        if topic.level != Topic.Level.FINE:
            raise InvalidTopicEdit(
                f"Topic {topic_id} is a {topic.level} topic: its parts are its fine topics already. Split a fine "
                "topic, or merge and move fine topics to reshape it."
            )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT row_id, x, y, text FROM maps_point WHERE dataset_id = %s AND topic = %s ORDER BY row_id",
                [found.id, topic_id],
            )
            rows = cursor.fetchall()
        smallest = SPLIT_MIN_ROWS * (parts or 2)
        if len(rows) < smallest:
            raise InvalidTopicEdit(
                f"Topic {topic_id} has {len(rows)} rows; splitting it into {parts or 2} parts needs at least "
                f"{smallest} ({SPLIT_MIN_ROWS} a part)."
            )
        coords = np.array([(x, y) for _, x, y, _ in rows], dtype=np.float64)
        codes = _parts(coords, parts)
        if codes.max() < 1:
            raise InvalidTopicEdit(
                f"HDBSCAN finds no parts in topic {topic_id}: its rows form one dense region. Ask for a number of "
                'parts instead, e.g. {"parts": 2}.'
            )
        order = np.argsort(-np.bincount(codes), kind="stable")
        first_new = _next_topic_id(found)
        ids = [topic_id, *range(first_new, first_new + len(order) - 1)]
        names = _part_names([r[3] for r in rows], [codes == part for part in order])
        for n, (part, new_id) in enumerate(zip(order, ids, strict=True)):
            label = topic.label if n == 0 and topic.edited else names[n] or f"{topic.label} ({n + 1})"
            if n == 0:
                Topic.objects.filter(dataset=found, topic_id=topic_id).update(label=label[:200])
                continue
            Topic.objects.create(
                dataset=found, topic_id=new_id, level=Topic.Level.FINE, label=label[:200], size=0,
                parent=topic.parent, x=0.0, y=0.0,
            )  # fmt: skip
            members = [rows[i][0] for i in np.flatnonzero(codes == part)]
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE maps_point SET topic = %s WHERE dataset_id = %s AND row_id = ANY(%s)",
                    [new_id, found.id, members],
                )
        _recount(found, set(ids))
        assert found.workspace is not None
        audit(found.workspace, by, "topic.split", map=found.name, topic=topic_id, parts=ids)
        return ids


# A part of a split needs this many rows; HDBSCAN's smallest part is a tenth of the topic, at least this.
SPLIT_MIN_ROWS = 5
# Rows HDBSCAN clusters; the rest join the part of their nearest clustered row.
SPLIT_SAMPLE = 20_000


def _parts(coords: npt.NDArray[np.float64], parts: int | None) -> npt.NDArray[np.int64]:
    """Each row's part, 0..k-1: k-means into `parts`, or HDBSCAN (noise and unsampled rows join their nearest
    clustered row's part; all zeros when it finds one region or none)."""
    from sklearn.cluster import HDBSCAN, KMeans
    from sklearn.neighbors import KNeighborsClassifier

    if parts is not None:
        fitted = KMeans(n_clusters=parts, n_init=4, random_state=0).fit(coords)
        return np.asarray(fitted.labels_, dtype=np.int64)
    step = max(1, len(coords) // SPLIT_SAMPLE)
    sampled = coords[::step]
    found = HDBSCAN(min_cluster_size=max(SPLIT_MIN_ROWS, len(sampled) // 10), copy=True).fit(sampled).labels_
    clustered = found >= 0
    if len(set(found[clustered].tolist())) < 2:
        return np.zeros(len(coords), dtype=np.int64)
    nearest = KNeighborsClassifier(n_neighbors=1).fit(sampled[clustered], found[clustered])
    return np.asarray(nearest.predict(coords), dtype=np.int64)


def _part_names(texts: list[str], members: list[npt.NDArray[np.bool_]]) -> list[str]:
    """Each part's three words or phrases that set it apart from the topic's other parts ("" when none do)."""
    whole = explain.count_terms(texts)
    names = []
    for inside in members:
        chosen = np.flatnonzero(inside)
        counts = explain.count_terms([texts[i] for i in chosen], whole.terms)
        words = explain.distinguishing_terms(counts, whole, len(chosen), len(texts))
        names.append(", ".join(w["term"] for w in words[:3]))
    return names


def _next_topic_id(dataset: Dataset) -> int:
    """The id a new topic of the map gets: one past the largest at any level."""
    last = Topic.objects.filter(dataset=dataset).order_by("-topic_id").values_list("topic_id", flat=True).first()
    return (last or 0) + 1


def _recount(dataset: Dataset, moved: set[int]) -> None:
    """Sizes from the rows at every level, topics without rows removed, the moved topics' places again, and a
    new build ETag (finished_at) so pages and cached payloads follow."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT topic, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY x), "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY y) FROM maps_point WHERE dataset_id = %s GROUP BY topic",
            [dataset.id],
        )
        fine = {topic: (count, x, y) for topic, count, x, y in cursor.fetchall()}
    topics = {t.topic_id: t for t in Topic.objects.filter(dataset=dataset)}
    sizes = {t: 0 for t in topics}
    for topic, (count, _, _) in fine.items():
        current: int | None = topic
        while current is not None and current in topics:
            sizes[current] += count
            current = topics[current].parent
    Topic.objects.filter(dataset=dataset, topic_id__in=[t for t, n in sizes.items() if n == 0]).delete()
    for topic_id, size in sizes.items():
        if size == 0:
            continue
        changes = {"size": size}
        if topic_id in moved and topic_id in fine:
            changes |= {"x": fine[topic_id][1], "y": fine[topic_id][2]}
        if topics[topic_id].size != size or topic_id in moved:
            Topic.objects.filter(dataset=dataset, topic_id=topic_id).update(**changes)
    count = sum(1 for t, n in sizes.items() if n and topics[t].level == Topic.Level.FINE)
    Dataset.objects.filter(id=dataset.id).update(topic_count=count, finished_at=timezone.now())
