"""The build's ingest step reads a file the preview let through (or one stored before the readers changed)
with the same readers: a file they refuse fails the build with their message and stores no row."""

import uuid
from pathlib import Path

import pytest
from django.conf import settings

from maps.models import Dataset, Point
from tests.accounts import default_workspace
from workers import pipeline

pytestmark = pytest.mark.django_db(transaction=True)


def queued(content: bytes, filename: str, read_options: dict[str, str] | None = None) -> Dataset:
    settings.UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    stored = settings.UPLOAD_DIR / f"{uuid.uuid4()}{Path(filename).suffix}"
    stored.write_bytes(content)
    return Dataset.objects.create(
        workspace=default_workspace(),
        name="refused",
        source_filename=filename,
        upload_path=str(stored),
        text_field="text",
        read_options=read_options or {},
        model_name=settings.EMBED_MODEL,
    )


FAILED: list[tuple[str, bytes, str, list[str]]] = [
    ("header only", b"id,text", "rows.csv", ["rows.csv has a header row but no rows"]),
    (
        "quote never closed",
        b'id,text\n1,first\n2,"open\n3,third\n4,fourth\n',
        "rows.csv",
        ["Line 3 of rows.csv opens a quoted field", "never closed"],
    ),
    (
        "quote closed by a stray quote",
        b'id,text\n1,first\n2,"open\n3,third\n4,"fourth\n5,fifth\n',
        "rows.csv",
        ["Line 3 of rows.csv opens a quoted field", "middle of a value on line 5"],
    ),
    ("NUL in a JSON value", b'{"text": "a\\u0000b"}\n', "rows.jsonl", ["Line 1 of rows.jsonl, column 'text'", "NUL"]),
    ("NUL in a JSON key", b'{"text": "a", "n\\u0000": 1}\n', "rows.jsonl", ["column 2 of rows.jsonl", "NUL"]),
    ("half a character", b'{"text": "a\\ud800b"}\n', "rows.jsonl", ["unpaired surrogate (\\ud800)"]),
]


@pytest.mark.parametrize(
    ("content", "filename", "parts"), [case[1:] for case in FAILED], ids=[case[0] for case in FAILED]
)
def test_a_file_the_readers_refuse_fails_the_build_with_their_message_and_stores_no_row(
    content: bytes, filename: str, parts: list[str]
) -> None:
    dataset = queued(content, filename)
    pipeline.start(dataset.id)
    failed = Dataset.objects.get(id=dataset.id)
    assert failed.status == Dataset.Status.FAILED
    for part in parts:
        assert part in failed.error_message, failed.error_message
    assert not Point.objects.filter(dataset_id=dataset.id).exists()


def test_skipping_bad_rows_keeps_the_rows_after_a_quote_that_never_closes_and_names_its_line() -> None:
    content = b'id,text\n1,first\n2,"open\n3,third\n4,fourth\n'
    dataset = queued(content, "rows.csv", {"bad_rows": "skip"})
    pipeline.start(dataset.id)
    ingested = Dataset.objects.get(id=dataset.id)
    assert ingested.status != Dataset.Status.FAILED, ingested.error_message
    texts = list(Point.objects.filter(dataset_id=dataset.id).order_by("row_id").values_list("text", flat=True))
    assert texts == ["first", "third", "fourth"]
    assert any("line 3 of rows.csv" in warning and "never properly closed" in warning for warning in ingested.warnings)
