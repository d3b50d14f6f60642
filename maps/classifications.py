"""Classification from examples, the web side: check a request and queue it, list and read classifications,
remove one with its columns, and turn its confident predictions into tags. The worker (workers/classify.py) trains
and predicts, then hands the result to `finish`, which shows the prediction columns in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from atlas.errors import NotFound, UserError
from maps import enqueue
from maps.columns import require_column
from maps.models import Classification, Dataset, Tag, TaggedRow, confidence_column
from maps.queries import require_ready
from teams.actions import audit

# More classes than a legend can tell apart, and than a few thousand examples can teach.
MAX_CLASSES = 100
# Rows a class needs: one to learn from and one to score in cross-validation (workers.stages.classify).
MIN_PER_CLASS = 2
# Colours of tags made from predictions, in class order (Tableau 10, as the map's own palette begins).
TAG_COLOURS = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
# A label as the rows hold it: text, with blank text counted as no label.
_LABEL_SQL = "NULLIF(btrim(fields ->> %s), '')"
_FIELD_CLASSES_SQL = (
    f"SELECT {_LABEL_SQL} AS label, count(*) FROM maps_point WHERE dataset_id = %s GROUP BY 1 ORDER BY 2 DESC, 1"
)
# Each row with exactly one of the tags, and the tag; rows with two of them teach nothing.
_TAG_LABELS_SQL = (
    "SELECT t.row_id, min(t.tag_id) FROM maps_taggedrow t WHERE t.tag_id = ANY(%s) GROUP BY t.row_id "
    "HAVING count(*) = 1"
)


class InvalidClassification(UserError):
    code = "invalid_classification"


class ClassificationBusy(UserError):
    status = 409
    code = "classification_busy"


def start(
    dataset: Dataset, by: User, label_field: str | None, tag_ids: list[int] | None, column: str | None
) -> Classification:
    """Check that the labels can teach a classifier (two classes of two rows or more, at most MAX_CLASSES, and rows
    left to predict), then queue it; its prediction columns appear when the worker is done."""
    with transaction.atomic():
        locked = require_ready(Dataset.objects.select_for_update().get(id=dataset.id))
        if label_field is not None:
            field = require_column(locked, label_field)
            if field == locked.vector_field:
                raise InvalidClassification(f"{field!r} holds the precomputed vectors, not labels; pick a column.")
            source = f"the column {field!r}"
            classes, unlabelled = _field_classes(locked, field)
        else:
            tags = _tags(locked, tag_ids or [])
            source = "the tags " + ", ".join(repr(t.name) for t in tags)
            classes, unlabelled = _tag_classes(locked, tags)
        _check_labels(source, classes, unlabelled)
        name = _column_name(locked, column, label_field)
        made = Classification.objects.create(
            dataset=locked, label_field=label_field or "", tag_ids=tag_ids or [], column=name, created_by=by
        )
        assert locked.workspace is not None
        audit(locked.workspace, by, "classification.started", map=locked.name, labels=source, column=name)
        transaction.on_commit(lambda: enqueue.classify(made.id))
    return made


def _field_classes(dataset: Dataset, field: str) -> tuple[dict[str, int], int]:
    with connection.cursor() as cursor:
        cursor.execute(_FIELD_CLASSES_SQL, [field, dataset.id])
        counts = cursor.fetchall()
    unlabelled = sum(n for label, n in counts if label is None)
    return {label: n for label, n in counts if label is not None}, unlabelled


def _tags(dataset: Dataset, tag_ids: list[int]) -> list[Tag]:
    wanted = list(dict.fromkeys(tag_ids))
    found = {t.id: t for t in Tag.objects.filter(dataset=dataset, id__in=wanted)}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound(f"Dataset {dataset.id} has no tag {missing[0]}; GET .../tags lists its tags.")
    if len(wanted) < 2:
        raise InvalidClassification("Pick two tags or more: each tag is one class the classifier learns.")
    return [found[i] for i in wanted]


def tag_labels(dataset: Dataset, tags: list[Tag]) -> dict[int, str]:
    """Row id -> the name of the one tag of `tags` it carries (rows with two of them are left out)."""
    names = {t.id: t.name for t in tags}
    with connection.cursor() as cursor:
        cursor.execute(_TAG_LABELS_SQL, [list(names)])
        return {row: names[tag] for row, tag in cursor.fetchall()}


def _tag_classes(dataset: Dataset, tags: list[Tag]) -> tuple[dict[str, int], int]:
    labels = tag_labels(dataset, tags)
    counts: dict[str, int] = {t.name: 0 for t in tags}
    for name in labels.values():
        counts[name] += 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM maps_point p WHERE p.dataset_id = %s AND NOT EXISTS "
            "(SELECT 1 FROM maps_taggedrow t WHERE t.tag_id = ANY(%s) AND t.row_id = p.row_id)",
            [dataset.id, [t.id for t in tags]],
        )
        unlabelled = int(cursor.fetchone()[0])
    return dict(sorted(counts.items(), key=lambda item: -item[1])), unlabelled


def _check_labels(source: str, classes: Mapping[str, int], unlabelled: int) -> None:
    if len(classes) > MAX_CLASSES:
        raise InvalidClassification(
            f"{source[0].upper()}{source[1:]} holds {len(classes):,} different values; a classifier learns at most "
            f"{MAX_CLASSES} classes. Pick a column of categories (GET .../columns: kind 'category')."
        )
    learnable = [label for label, n in classes.items() if n >= MIN_PER_CLASS]
    if len(learnable) < 2:
        shown = ", ".join(f"{label!r}: {n}" for label, n in list(classes.items())[:5]) or "no labelled rows"
        raise InvalidClassification(
            f"{source[0].upper()}{source[1:]} gives {shown}; a classifier needs two classes with at least "
            f"{MIN_PER_CLASS} rows each. Label more rows, then try again."
        )
    if unlabelled == 0:
        raise InvalidClassification(
            f"Every row already has a label in {source}: there is nothing to predict. Leave the rows to predict "
            "without a label."
        )


def _column_name(dataset: Dataset, wanted: str | None, label_field: str | None) -> str:
    """The prediction column: `wanted`, or `<label field>_predicted` (`tag_predicted`) with a number added while it
    names a column of the file. An earlier classification's column is reused: the new one replaces it when done."""
    mine = set(Classification.objects.filter(dataset=dataset).values_list("column", flat=True))
    if wanted is not None:
        name = wanted
        if name in dataset.columns and name not in mine:
            raise InvalidClassification(
                f"The map already has a column {name!r} of its own; name the prediction column something else."
            )
    else:
        base = f"{label_field}_predicted" if label_field else "tag_predicted"
        name, n = base, 2
        while name in dataset.columns and name not in mine:
            name, n = f"{base}_{n}", n + 1
    taken = {confidence_column(name)} & (set(dataset.columns) - mine - {confidence_column(c) for c in mine})
    if taken:
        raise InvalidClassification(
            f"The map has a column {taken.pop()!r} of its own, where the confidences would go; name the prediction "
            "column something else."
        )
    busy = Classification.objects.filter(
        dataset=dataset, column=name, status__in=[Classification.Status.QUEUED, Classification.Status.RUNNING]
    )
    if busy.exists():
        raise ClassificationBusy(
            f"A classification into {name!r} is under way; wait until it is done, or name another column."
        )
    return name


def require_classification(dataset: Dataset, classification_id: uuid.UUID) -> Classification:
    found = Classification.objects.filter(dataset=dataset, id=classification_id).first()
    if found is None:
        raise NotFound(
            f"Dataset {dataset.id} has no classification {classification_id}; GET .../classifications lists them."
        )
    return found


def answer(classification: Classification) -> dict[str, Any]:
    c = classification
    return {
        "id": str(c.id),
        "status": c.status,
        "label_field": c.label_field or None,
        "tags": c.tag_ids or None,
        "column": c.column,
        "confidence_column": c.confidence_column,
        "cv": c.cv,
        # jsonb keeps its own key order: most rows first again (ties by label).
        "classes": dict(sorted(c.classes.items(), key=lambda item: (-item[1], item[0]))),
        "predicted": c.predicted,
        "warnings": c.warnings,
        "error": c.error_message or None,
        "created_at": c.created_at.isoformat(),
        "finished_at": c.finished_at.isoformat() if c.finished_at else None,
    }


def listing(dataset: Dataset) -> list[dict[str, Any]]:
    return [answer(c) for c in Classification.objects.filter(dataset=dataset)]


def delete(dataset: Dataset, by: User, classification: Classification) -> None:
    """The classification and its two columns, gone from every row; one under way cannot be removed."""
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().get(id=dataset.id)
        c = Classification.objects.select_for_update().get(id=classification.id)
        if c.status in (Classification.Status.QUEUED, Classification.Status.RUNNING):
            raise ClassificationBusy("This classification is under way; remove it once it is done or has failed.")
        if c.status == Classification.Status.READY:
            _drop_columns(locked, c.column)
        c.delete()
        assert locked.workspace is not None
        audit(locked.workspace, by, "classification.removed", map=locked.name, column=c.column)


def _drop_columns(dataset: Dataset, column: str) -> None:
    names = [column, confidence_column(column)]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE maps_point SET fields = fields - %s::text[] WHERE dataset_id = %s AND fields ?| %s::text[]",
            [names, dataset.id, names],
        )
    dataset.columns = [c for c in dataset.columns if c not in names]
    dataset.save(update_fields=["columns"])


# The worker's side: claim a queued classification, show its result, or say why it failed.


def claim(classification_id: uuid.UUID) -> Classification | None:
    """The queued classification, now running; None when another delivery of the task took it or it is gone."""
    taken = Classification.objects.filter(id=classification_id, status=Classification.Status.QUEUED).update(
        status=Classification.Status.RUNNING
    )
    return Classification.objects.select_related("dataset").get(id=classification_id) if taken else None


def finish(
    classification_id: uuid.UUID,
    predictions: Mapping[int, tuple[str, float]],
    cv: Mapping[str, Any],
    classes: Mapping[str, int],
    warnings: list[str],
) -> bool:
    """In one transaction: the earlier classification into the same column is removed, every row's prediction and
    confidence written (rows with a label get none), and the two columns listed; False when it was removed or
    its map went away meanwhile."""
    with transaction.atomic():
        c = Classification.objects.select_for_update().filter(id=classification_id).first()
        if c is None:
            return False
        dataset = Dataset.objects.select_for_update().get(id=c.dataset_id)
        earlier = Classification.objects.filter(dataset=dataset, column=c.column, status=Classification.Status.READY)
        if earlier.exists():
            _drop_columns(dataset, c.column)
            earlier.delete()
        _write_predictions(dataset, c.column, predictions)
        dataset.columns = [*dataset.columns, c.column, c.confidence_column]
        dataset.save(update_fields=["columns"])
        c.status, c.cv, c.classes, c.predicted = Classification.Status.READY, dict(cv), dict(classes), len(predictions)
        c.warnings, c.finished_at = warnings, timezone.now()
        c.save(update_fields=["status", "cv", "classes", "predicted", "warnings", "finished_at"])
    return True


# Rows written per statement.
_WRITE_BATCH = 20_000


def _write_predictions(dataset: Dataset, column: str, predictions: Mapping[int, tuple[str, float]]) -> None:
    rows = sorted(predictions)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _WRITE_BATCH):
            part = rows[start : start + _WRITE_BATCH]
            cursor.execute(
                "UPDATE maps_point p SET fields = p.fields || jsonb_build_object(%s::text, u.label, %s::text, u.conf) "
                "FROM unnest(%s::int[], %s::text[], %s::float8[]) AS u(row_id, label, conf) "
                "WHERE p.dataset_id = %s AND p.row_id = u.row_id",
                [
                    column,
                    confidence_column(column),
                    part,
                    [predictions[r][0] for r in part],
                    [round(predictions[r][1], 4) for r in part],
                    dataset.id,
                ],
            )


def fail(classification_id: uuid.UUID, message: str) -> None:
    Classification.objects.filter(id=classification_id).update(
        status=Classification.Status.FAILED, error_message=message, finished_at=timezone.now()
    )


def tag_predictions(
    dataset: Dataset, by: User, classification: Classification, min_confidence: float
) -> dict[str, Any]:
    """Every row predicted with at least `min_confidence` gets the tag of its predicted class: the training tag
    (tags as labels) or a tag named after the label, made when the map has none of that name."""
    if classification.status != Classification.Status.READY:
        raise ClassificationBusy(
            f"This classification is {classification.status}; tag its predictions once it is ready."
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT row_id, fields ->> %s FROM maps_point WHERE dataset_id = %s AND (fields ->> %s)::float8 >= %s",
            [classification.column, dataset.id, classification.confidence_column, min_confidence],
        )
        confident = cursor.fetchall()
    by_label: dict[str, list[int]] = {}
    for row, label in confident:
        by_label.setdefault(label, []).append(row)
    tagged = []
    with transaction.atomic():
        existing = {t.name: t for t in Tag.objects.filter(dataset=dataset)}
        for i, label in enumerate(sorted(by_label, key=lambda name: -len(by_label[name]))):
            name = label[:100]
            # Not maps.actions' create_tag / tag_rows: it handles uploads too, and the workers import this module.
            tag = existing.get(name) or Tag.objects.create(
                dataset=dataset, name=name, colour=TAG_COLOURS[i % len(TAG_COLOURS)]
            )
            before = TaggedRow.objects.filter(tag=tag).count()
            TaggedRow.objects.bulk_create(
                [TaggedRow(tag=tag, row_id=row) for row in by_label[label]], ignore_conflicts=True, batch_size=10_000
            )
            added = TaggedRow.objects.filter(tag=tag).count() - before
            tagged.append({"id": tag.id, "name": tag.name, "colour": tag.colour, "added": added})
        assert dataset.workspace is not None
        audit(
            dataset.workspace,
            by,
            "classification.tagged",
            map=dataset.name,
            column=classification.column,
            min_confidence=min_confidence,
            rows=len(confident),
        )
    return {"min_confidence": min_confidence, "rows": len(confident), "tags": tagged}
