"""A classification job: read the map's vectors and labels, cross-validate the classifier on the labelled rows,
predict every other row, and hand the predictions to maps.classifications.finish, which shows them."""

import logging
import time
import uuid

import numpy as np
from django.db import connection, transaction

from embedding.vectors import Vectors
from maps import classifications
from maps.models import Classification, Tag
from workers.stages.classify import cross_validate, fit_predict, learnable
from workers.vector_io import load_vectors

log = logging.getLogger(__name__)

SEED = 0


def classify(classification_id: uuid.UUID) -> None:
    c = classifications.claim(classification_id)
    if c is None:
        log.info("classification %s: not queued (done, taken or removed), nothing to do", classification_id)
        return
    started = time.monotonic()
    try:
        outcome = _classify(c)
    except _Refused as refused:
        classifications.fail(classification_id, refused.message)
        return
    except Exception:
        log.exception("classification %s of dataset %s failed", classification_id, c.dataset_id)
        classifications.fail(
            classification_id,
            "The classification stopped because of an internal error; it has been logged with the map's id. "
            "Try again; if it fails again, tell the people who run this server.",
        )
        return
    log.info("classification %s: %s in %.1f s", classification_id, outcome, time.monotonic() - started)


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _classify(c: Classification) -> str:
    row_ids, labels, vectors = _read(c)
    # "" marks a row with two of the tags: labelled, so not predicted, but teaching nothing.
    known = [i for i, label in enumerate(labels) if label]
    taught = [str(labels[i]) for i in known]
    classes, rare = learnable(taught)
    warnings = []
    if rare:
        shown = ", ".join(repr(label) for label in sorted(rare)[:5])
        warnings.append(
            f"{len(rare)} {'class has' if len(rare) == 1 else 'classes have'} fewer than "
            f"{classifications.MIN_PER_CLASS} rows and {'was' if len(rare) == 1 else 'were'} left out: {shown}."
        )
        known = [i for i in known if labels[i] not in rare]
        taught = [str(labels[i]) for i in known]
    if len(classes) < 2:
        raise _Refused(
            "The labels changed since the classification was asked for: fewer than two classes have "
            f"{classifications.MIN_PER_CLASS} rows or more. Label more rows, then try again."
        )
    unknown = np.array([i for i, label in enumerate(labels) if label is None], dtype=np.int64)
    if len(unknown) == 0:
        raise _Refused("Every row has a label now: there is nothing to predict.")
    x = vectors[np.array(known, dtype=np.int64)]
    scores = cross_validate(x, taught, SEED)
    if scores.rows < len(known):
        warnings.append(f"Learned from a sample of {scores.rows:,} of the {len(known):,} labelled rows.")
    predicted = fit_predict(x, taught, vectors[unknown], SEED)
    answers = {
        int(row_ids[i]): (label, float(confidence))
        for i, label, confidence in zip(unknown, predicted.labels, predicted.confidence, strict=True)
    }
    cv = {"accuracy": scores.accuracy, "macro_f1": scores.macro_f1, "folds": scores.folds, "rows": scores.rows}
    if not classifications.finish(c.id, answers, cv, classes, warnings):
        return "removed while it ran"
    return f"{len(classes)} classes, accuracy {scores.accuracy}, {len(answers)} rows predicted"


def _read(c: Classification) -> tuple[np.ndarray, list[str | None], Vectors]:
    """Every row's id, label (None: none, or two of the tags) and vector, read in one snapshot so that rows
    appended meanwhile cannot shift one list against the other."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute(
                "SELECT row_id, NULLIF(btrim(fields ->> %s), '') FROM maps_point WHERE dataset_id = %s ORDER BY row_id",
                [c.label_field, c.dataset_id],
            )
            rows = cursor.fetchall()
        row_ids = np.array([row for row, _ in rows], dtype=np.int64)
        if c.label_field:
            labels: list[str | None] = [label for _, label in rows]
        else:
            tags = list(Tag.objects.filter(dataset_id=c.dataset_id, id__in=c.tag_ids))
            if len(tags) < len(c.tag_ids):
                raise _Refused("A tag it learns from was deleted meanwhile; pick the tags again.")
            by_row = classifications.tag_labels(c.dataset, tags)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT DISTINCT row_id FROM maps_taggedrow WHERE tag_id = ANY(%s)", [[t.id for t in tags]]
                )
                tagged = {row for (row,) in cursor.fetchall()}
            # A row with two of the tags is labelled (nothing to predict) but teaches nothing: it is left out.
            labels = [by_row.get(int(row), "") if int(row) in tagged else None for row in row_ids]
        vectors = load_vectors(c.dataset_id)
    if len(vectors) != len(row_ids):
        raise RuntimeError(f"{len(row_ids)} rows but {len(vectors)} vectors")
    return row_ids, labels, vectors
