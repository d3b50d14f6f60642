"""Every write the web app makes: creating a dataset from an upload, queueing its build, and tags."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from atlas.errors import InvalidUpload, NotCancellable, NotFound, NotReady, NotRelayoutable, TagExists
from maps import enqueue, layout, lifecycle, uploads
from maps.indexes import drop_search_indexes
from maps.models import Dataset, Tag, TaggedRow, Topic
from maps.queries import require_ready, require_rows
from tables.mapping import RowMapping
from tables.reader import Preview
from teams.actions import audit
from teams.models import Workspace

# What the dataset's columns hold: a longer name is cut, a longer column name refused.
NAME_LENGTH = Dataset._meta.get_field("name").max_length or 200
COLUMN_LENGTH = Dataset._meta.get_field("text_field").max_length or 200


def create_dataset(
    upload: UploadedFile[bytes] | None,
    name: str,
    mapping: RowMapping,
    workspace: Workspace,
    label_field: str = "",
    layout_choices: Mapping[str, Any] | None = None,
    options: dict[str, Any] | None = None,
    passages: tuple[int, int] = (0, 0),
) -> Dataset:
    """Check every field, store the upload, check its first rows read and fit the chosen columns, and queue the
    build. A refusal, or any failure before the dataset is saved, leaves no file behind. `passages`: (tokens,
    overlap) for a passage map, (0, 0) for one vector per row (maps.schemas.UploadFields checks them)."""
    params = layout.parse(layout_choices or {}, layout.defaults())
    label_field = label_field.strip()
    filename = uploads.filename_of(upload)
    assert upload is not None
    mapping = RowMapping(
        text_field=mapping.text_field.strip(),
        text_template=mapping.text_template.strip(),
        id_field=mapping.id_field.strip(),
        vector_field=mapping.vector_field.strip(),
    )
    _check_fields(name, mapping, label_field)
    dataset_id = uuid.uuid4()
    with uploads.stored(upload, settings.UPLOAD_DIR / str(dataset_id)) as path:
        found = uploads.first_rows(path, filename, mapping=mapping, options=options)
        columns = found.column_names
        if label_field and label_field not in columns:
            raise InvalidUpload(
                f"The label column {label_field!r} is not in {filename}; its columns are: {', '.join(columns)}. "
                "Pick one of them, or leave the label column empty."
            )
        with transaction.atomic():
            dataset = Dataset.objects.create(
                id=dataset_id,
                workspace=workspace,
                name=(name.strip() or Path(filename).stem)[:NAME_LENGTH],
                source_filename=filename,
                upload_path=str(path),
                text_field=mapping.text_field,
                text_template=mapping.text_template,
                id_field=mapping.id_field,
                vector_field=mapping.vector_field,
                label_field=label_field,
                layout=params,
                columns=columns,
                read_options=options or {},
                warnings=found.warnings + _text_warnings(found, mapping.text_field),
                model_name=settings.EMBED_MODEL,
                passage_tokens=passages[0],
                passage_overlap=passages[1],
            )
            transaction.on_commit(lambda: enqueue.build(dataset_id))
    return dataset


def _check_fields(name: str, mapping: RowMapping, label_field: str) -> None:
    """What the dataset stores besides the file, refused before the file is stored (a long name is cut)."""
    uploads.check_text("name", name)
    uploads.check_text("text template", mapping.text_template)
    chosen = {
        "text column": mapping.text_field,
        "id column": mapping.id_field,
        "vector column": mapping.vector_field,
        "label column": label_field,
    }
    for what, column in chosen.items():
        uploads.check_text(what, column, COLUMN_LENGTH)


def relayout(dataset: Dataset, choices: Mapping[str, Any]) -> Dataset:
    """Queue a new layout, topics and quality from the stored vectors with the changed parameters."""
    params = layout.parse(choices, dataset.layout)
    with transaction.atomic():
        if not lifecycle.queue_relayout(dataset.id, params):
            raise NotRelayoutable(
                f"Dataset {dataset.id} is {dataset.status}; only a map whose build finished can be laid out "
                "again. Wait until it is ready."
            )
        transaction.on_commit(lambda: enqueue.relayout(dataset.id))
    dataset.refresh_from_db()
    return dataset


def append_rows(dataset: Dataset, upload: UploadedFile[bytes] | None) -> Dataset:
    """Store a file of new rows, check they read with the map's columns and read options, and queue the append."""
    filename = uploads.filename_of(upload)
    assert upload is not None
    not_ready = NotReady(
        f"Dataset {dataset.id} is {dataset.status}; rows can only be added to a ready map. Wait until it is ready."
    )
    if dataset.status != Dataset.Status.READY:
        raise not_ready
    mapping = RowMapping(dataset.text_field, dataset.text_template, dataset.id_field, dataset.vector_field)
    with uploads.stored(upload, settings.UPLOAD_DIR / str(dataset.id) / f"append-{uuid.uuid4()}") as path:
        uploads.first_rows(path, filename, mapping=mapping, options=dataset.read_options)
        with transaction.atomic():
            if not lifecycle.queue_append(dataset.id):
                raise not_ready
            transaction.on_commit(lambda: enqueue.append(dataset.id, path, filename))
    dataset.refresh_from_db()
    return dataset


def cancel_build(dataset: Dataset) -> Dataset:
    """Stop a queued or running build; the worker notices at its next progress report and cleans up."""
    stopped = lifecycle.cancel(dataset.id)
    dataset.refresh_from_db()
    if not stopped:
        raise NotCancellable(
            f"Dataset {dataset.id} is {dataset.status}; only a queued or running build can be cancelled."
        )
    return dataset


def delete_dataset(dataset: Dataset) -> None:
    """Remove a dataset with its rows, vectors, topics, share links, vector index and its upload folder."""
    # delete() clears the primary key, so keep the id for the folder.
    folder = settings.UPLOAD_DIR / str(dataset.id)
    with transaction.atomic():
        drop_search_indexes(dataset.id)
        dataset.delete()
    Path(dataset.upload_path).unlink(missing_ok=True)
    # Anything else a build or an export wrote next to the upload goes with it.
    if folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)


def _text_warnings(found: Preview, text_field: str) -> list[str]:
    """A text column that holds only numbers makes a map of digits: built as asked, but said."""
    kinds = {column["name"]: column["type"] for column in found.columns}
    if text_field and kinds.get(text_field) == "number":
        return [
            f"The text column {text_field!r} holds only numbers: the map groups them as strings of digits, not by "
            "meaning. Upload again with a column of text (or a template joining columns) for a map of meaning."
        ]
    return []


def rename_dataset(dataset: Dataset, by: User, name: str) -> Dataset:
    """A new name (schemas.DatasetChanges checked it), in the audit log of the map's workspace."""
    old = dataset.name
    if name == old:
        return dataset
    dataset.name = name
    dataset.save(update_fields=["name", "updated_at"])
    assert dataset.workspace is not None
    audit(dataset.workspace, by, "map.renamed", old=old, new=name)
    return dataset


def move_dataset(dataset: Dataset, by: User, workspace: Workspace) -> Dataset:
    """Into another workspace (the caller may edit both); the move is in both workspaces' audit logs. Its share
    links, tags and visibility go with it."""
    old = dataset.workspace
    if old is not None and old.id == workspace.id:
        return dataset
    dataset.workspace = workspace
    dataset.save(update_fields=["workspace", "updated_at"])
    for place in {w.id: w for w in (old, workspace) if w is not None}.values():
        audit(place, by, "map.moved", map=dataset.name, source=old.name if old else "", target=workspace.name)
    return dataset


def rename_topic(dataset: Dataset, by: User, topic_id: int, label: str) -> Topic:
    """A topic of any level named by an editor (curation_schemas.TopicChanges checked the name), in the audit log of the
    map's workspace; everyone who opens the map sees it, and a re-layout carries it along (workers.arrange)."""
    require_ready(dataset)  # a build or re-layout under way would replace the topics it renames
    topic = Topic.objects.filter(dataset=dataset, topic_id=topic_id).first()
    if topic is None:
        raise NotFound(f"Dataset {dataset.id} has no topic {topic_id}; GET .../topics lists its topics of every level.")
    old = topic.label
    if label == old and topic.edited:
        return topic
    topic.label, topic.edited = label, True
    topic.save(update_fields=["label", "edited"])
    assert dataset.workspace is not None
    audit(dataset.workspace, by, "topic.renamed", map=dataset.name, topic=topic_id, old=old, new=label)
    return topic


def create_tag(dataset: Dataset, name: str, colour: str) -> Tag:
    if Tag.objects.filter(dataset=dataset, name=name).exists():
        raise TagExists(f"This map already has a tag named {name!r}; pick another name or use that tag.")
    return Tag.objects.create(dataset=dataset, name=name, colour=colour)


def delete_tag(tag: Tag) -> None:
    tag.delete()


def tag_rows(tag: Tag, row_ids: list[int]) -> int:
    """Put the tag on these rows (rows that have it already keep it); returns how many rows gained it."""
    require_rows(tag.dataset, row_ids)
    before = TaggedRow.objects.filter(tag=tag).count()
    TaggedRow.objects.bulk_create(
        [TaggedRow(tag=tag, row_id=row) for row in row_ids], ignore_conflicts=True, batch_size=10_000
    )
    return TaggedRow.objects.filter(tag=tag).count() - before


def untag_rows(tag: Tag, row_ids: list[int]) -> int:
    """Take the tag off these rows; returns how many rows lost it."""
    removed, _ = TaggedRow.objects.filter(tag=tag, row_id__in=row_ids).delete()
    return removed
