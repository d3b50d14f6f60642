"""Editing a map's topics by hand: merge topics of one level into one, and move rows into a fine topic (an
existing one or a new one). After each edit every topic's size is counted again from its rows, topics left
without rows are removed at every level, moved topics' labels sit at their rows' median again, and the map's
build ETag changes so every open page fetches the new topics of its points."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from atlas.errors import NotFound, UserError
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
            last = Topic.objects.filter(dataset=found).order_by("-topic_id").values_list("topic_id", flat=True).first()
            next_id = (last or 0) + 1
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
