"""A refused upload answers 4xx, never 500, and leaves no file behind in the uploads folder: at preview, at
creation and at append, whether the file, a field of the form or the database refuses it."""

import io
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError
from django.test import Client

from maps.models import Dataset
from tests.accounts import default_user
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db

GOOD = b"summary,n\nfirst,1\nsecond,2\n"
LONG_NAME = "c" * 250


def stored_files() -> set[Path]:
    """Every file and folder under the uploads folder."""
    root = Path(settings.UPLOAD_DIR)
    return set(root.rglob("*")) if root.exists() else set()


def named(content: bytes, filename: str) -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = filename
    return upload


def post_dataset(client: Client, content: bytes, filename: str = "rows.csv", **fields: str) -> Any:
    return client.post("/api/v1/datasets", {"file": named(content, filename), "text_field": "summary", **fields})


def post_preview(client: Client, content: bytes, filename: str = "rows.csv", **fields: str) -> Any:
    return client.post("/api/v1/previews", {"file": named(content, filename), **fields})


def assert_refused(response: Any, status: int, *parts: str) -> None:
    assert response.status_code == status, response.content
    message = response.json()["error"]["message"]
    for part in parts:
        assert part in message, message


# (what is sent, the answer's message parts)
REFUSED_DATASETS: list[tuple[str, bytes, dict[str, str], list[str]]] = [
    ("header-only", b"summary,n", {}, ["rows.csv has a header row but no rows"]),
    ("one-column header-only", b"summary", {}, ["rows.csv has a header row but no rows"]),
    ("long text column", GOOD, {"text_field": LONG_NAME}, ["250", "200"]),
    ("long label column", GOOD, {"label_field": LONG_NAME}, ["250", "200"]),
    ("NUL in the name", GOOD, {"name": "map\x00name"}, ["name", "NUL"]),
    ("NUL in the text column", GOOD, {"text_field": "sum\x00mary"}, ["NUL"]),
    ("NUL in the template", GOOD, {"text_field": "", "text_template": "{summary}\x00"}, ["NUL"]),
    ("NUL in a cell", b"summary,n\nfir\x00st,1\n", {}, ["Line 2 of rows.csv holds a NUL byte"]),
    ("NUL delimiter", GOOD, {"delimiter": "\x00"}, ["delimiter", "NUL"]),
    ("bad layout", GOOD, {"n_neighbors": "many"}, ["n_neighbors"]),
    ("unknown label column", GOOD, {"label_field": "nope"}, ["label column 'nope' is not in rows.csv"]),
]


@pytest.mark.parametrize(
    ("content", "fields", "parts"), [case[1:] for case in REFUSED_DATASETS], ids=[c[0] for c in REFUSED_DATASETS]
)
def test_a_refused_dataset_answers_400_and_leaves_no_file_in_the_uploads_folder(
    client: Client, content: bytes, fields: dict[str, str], parts: list[str]
) -> None:
    before = stored_files()
    assert_refused(post_dataset(client, content, **fields), 400, *parts)
    assert stored_files() == before
    assert not Dataset.objects.exists()


def test_a_file_name_holding_nul_is_refused_before_the_file_is_stored_or_cleaned_by_the_form_parser(
    client: Client,
) -> None:
    before = stored_files()
    response = client.post("/api/v1/datasets?filename=ro%00ws.csv&text_field=summary", GOOD, content_type="text/csv")
    assert_refused(response, 400, "NUL")
    assert stored_files() == before
    # Django drops characters that cannot be printed from a multipart file name.
    assert post_dataset(client, GOOD, filename="ro\x00ws.csv").status_code == 201
    assert Dataset.objects.get().source_filename == "rows.csv"


@pytest.mark.parametrize(
    ("arguments", "parts"),
    [
        (["--text-field", LONG_NAME], ["text column is 250 characters long", "at most 200"]),
        (["--text-field", "summary", "--id-field", LONG_NAME], ["id column is 250 characters long"]),
        (["--text-field", "summary", "--name", "map\x00name"], ["name holds a NUL character"]),
        (["--text-template", "{summary}\x00"], ["text template holds a NUL character"]),
        (["--text-field", "summary", "--vector-field", "v\ud800"], ["vector column holds an unpaired surrogate"]),
    ],
)
def test_the_import_command_refuses_fields_the_database_cannot_store_and_leaves_no_file(
    tmp_path: Path, arguments: list[str], parts: list[str]
) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(GOOD)
    before = stored_files()
    with pytest.raises(CommandError) as refused:
        call_command("import_dataset", str(path), *arguments, "--user", default_user().get_username())
    for part in parts:
        assert part in str(refused.value)
    assert stored_files() == before
    assert not Dataset.objects.exists()


def test_a_database_error_while_creating_the_dataset_removes_the_stored_file() -> None:
    client = Client(raise_request_exception=False)
    client.force_login(default_user())
    before = stored_files()
    with mock.patch.object(Dataset.objects, "create", side_effect=DatabaseError("the database went away")):
        assert post_dataset(client, GOOD).status_code == 500
    assert stored_files() == before


@pytest.mark.parametrize(
    ("content", "fields", "parts"),
    [
        (b"summary,n", {}, ["rows.csv has a header row but no rows"]),
        (b"summary", {}, ["rows.csv has a header row but no rows"]),
        (b"summary,n\nfir\x00st,1\n", {}, ["NUL"]),
        (b'{"summary": "fir\\u0000st"}\n', {}, ["NUL"]),
        (GOOD, {"quote": "\x00"}, ["quote", "NUL"]),
    ],
)
def test_a_refused_preview_answers_400_and_leaves_no_file(
    client: Client, content: bytes, fields: dict[str, str], parts: list[str]
) -> None:
    before = stored_files()
    filename = "rows.jsonl" if content.startswith(b"{") else "rows.csv"
    assert_refused(post_preview(client, content, filename=filename, **fields), 400, *parts)
    assert stored_files() == before


APPENDS: list[tuple[str, bytes, list[str]]] = [
    ("header-only", b"summary,lang", ["more.csv has a header row but no rows"]),
    ("NUL in a cell", b"summary,lang\nfir\x00st,en\n", ["Line 2 of more.csv holds a NUL byte"]),
    ("NUL in a JSON value", b'{"summary": "a\\u0000b"}\n', ["NUL"]),
    ("missing text column", b"title\nx\n", ["summary"]),
]


@pytest.mark.parametrize(("content", "parts"), [case[1:] for case in APPENDS], ids=[c[0] for c in APPENDS])
def test_a_refused_append_answers_400_and_leaves_no_file_in_the_uploads_folder(
    client: Client, content: bytes, parts: list[str]
) -> None:
    dataset = create_synthetic_map().dataset
    before = stored_files()
    filename = "more.jsonl" if content.startswith(b"{") else "more.csv"
    response = client.post(f"/api/v1/datasets/{dataset.id}/rows", {"file": named(content, filename)})
    assert_refused(response, 400, *parts)
    assert stored_files() == before


def test_a_database_error_while_queueing_an_append_removes_the_stored_file() -> None:
    dataset = create_synthetic_map().dataset
    client = Client(raise_request_exception=False)
    client.force_login(default_user())
    before = stored_files()
    with mock.patch("maps.lifecycle.queue_append", side_effect=DatabaseError("the database went away")):
        response = client.post(f"/api/v1/datasets/{dataset.id}/rows", {"file": named(b"summary\nnew\n", "more.csv")})
    assert response.status_code == 500
    assert stored_files() == before
