"""One topic named again by the configured labeller, when an editor asks: its keywords and representative texts go
to the endpoint as a build sends them; an acceptable name replaces the topic's (as an editor's rename would, so a
re-layout carries it), and anything else leaves the topic as it was."""

import logging
import uuid

from django.contrib.auth.models import User

from maps.models import Dataset, Point, Topic
from teams.actions import audit
from workers.arrange import named_topics
from workers.stages.label import TopicLabel

log = logging.getLogger(__name__)


def name_topic(dataset_id: uuid.UUID, topic_id: int, user_id: int) -> None:
    topic = Topic.objects.filter(dataset_id=dataset_id, topic_id=topic_id).select_related("dataset").first()
    if topic is None or topic.dataset.status != Dataset.Status.READY:
        log.info("dataset %s: topic %s is gone or its map is not ready; not named", dataset_id, topic_id)
        return
    shown = list(topic.representatives)
    texts = dict(Point.objects.filter(dataset_id=dataset_id, row_id__in=shown).values_list("row_id", "text"))
    # The labeller reads representatives as positions in `texts`: number them 0, 1, ... here.
    present = [row for row in shown if row in texts]
    asked = TopicLabel(
        topic_id=topic.topic_id, level=topic.level, parent=topic.parent, label=topic.label,
        keywords=list(topic.keywords), size=topic.size, x=topic.x, y=topic.y,
        representatives=list(range(len(present))),
    )  # fmt: skip
    (named,) = named_topics(dataset_id, [asked], [texts[row] for row in present])
    if named.label == topic.label:
        log.info("dataset %s: the labeller gave topic %s no new name", dataset_id, topic_id)
        return
    old = topic.label
    Topic.objects.filter(id=topic.id).update(label=named.label, edited=True)
    workspace = topic.dataset.workspace
    if workspace is not None:
        by = User.objects.filter(id=user_id).first()
        audit(
            workspace, by, "topic.renamed", map=topic.dataset.name, topic=topic_id, old=old, new=named.label,
            by_labeller=True,
        )  # fmt: skip
