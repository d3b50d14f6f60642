"""The preview endpoint and the import command read uploads through the same path as the build."""

import gzip
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client

from maps.models import Dataset
from tests.accounts import default_user, default_workspace

pytestmark = pytest.mark.django_db


def post_preview(client: Client, content: bytes, filename: str, partial: bool = False) -> tuple[int, dict]:
    upload = io.BytesIO(content)
    upload.name = filename
    data: dict[str, object] = {"file": upload}
    if partial:
        data["partial"] = "1"
    response = client.post("/api/v1/previews", data)
    return response.status_code, response.json()


def parquet_bytes() -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.table({"title": ["Alpha", "Beta"], "stars": [5, 7], "home": ["https://a.example", None]}), sink)
    return sink.getvalue()


def test_previewing_a_parquet_file_answers_its_typed_columns_and_rows(client: Client) -> None:
    status, body = post_preview(client, parquet_bytes(), "repos.parquet")
    assert status == 200
    assert body == {
        "format": "parquet",
        "compression": None,
        "encoding": None,
        "columns": [
            {"name": "title", "type": "text"},
            {"name": "stars", "type": "number"},
            {"name": "home", "type": "url"},
        ],
        "rows": [
            {"title": "Alpha", "stars": 5, "home": "https://a.example"},
            {"title": "Beta", "stars": 7, "home": None},
        ],
        "warnings": [],
    }


def test_previewing_a_gzipped_cp1252_csv_says_so_and_shows_the_first_fifty_rows(client: Client) -> None:
    text = "name,text\n" + "".join(f"caf\u00e9 {i},cr\u00e8me {i}\n" for i in range(80))
    status, body = post_preview(client, gzip.compress(text.encode("cp1252")), "menu.csv.gz")
    assert status == 200
    assert (body["format"], body["compression"], body["encoding"]) == ("csv", "gzip", "cp1252")
    assert len(body["rows"]) == 50
    assert body["rows"][0] == {"name": "caf\u00e9 0", "text": "cr\u00e8me 0"}
    assert "Windows-1252" in body["warnings"][0]


def test_a_partial_upload_previews_its_complete_rows(client: Client) -> None:
    lines = [json.dumps({"id": i, "text": f"row {i}"}) for i in range(100)]
    content = "\n".join(lines).encode()[:-5]
    status, body = post_preview(client, content, "big.jsonl", partial=True)
    assert status == 200
    assert body["format"] == "jsonl" and len(body["rows"]) == 50


@pytest.mark.parametrize(
    ("content", "filename", "message_part"),
    [
        (b"", "empty.csv", "empty.csv is empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "photo.csv", "photo.csv is a PNG image, not a table"),
        (b"a,b\n", "header.csv", "header.csv has a header row but no rows"),
        (b"a,a\n1,2\n", "dup.csv", "two columns named 'a'"),
        (b'[{"a": 1},', "cut.json", "cut.json ends before the array's closing ']'"),
        (parquet_bytes()[:-30], "cut.parquet", "cut.parquet is cut short or damaged"),
    ],
)
def test_a_file_that_cannot_be_read_gets_a_400_with_the_readers_message(
    client: Client, content: bytes, filename: str, message_part: str
) -> None:
    stored_before = set(settings.UPLOAD_DIR.glob("*")) if settings.UPLOAD_DIR.exists() else set()
    status, body = post_preview(client, content, filename)
    assert status == 400
    assert message_part in body["error"]["message"]
    assert set(settings.UPLOAD_DIR.glob("*")) == stored_before


def test_creating_a_dataset_from_json_lines_keeps_its_columns_and_warnings(client: Client) -> None:
    upload = io.BytesIO("text,n\ncaf\u00e9,1\n".encode("cp1252"))
    upload.name = "menu.csv"
    response = client.post("/api/v1/datasets", {"file": upload, "text_field": "text"})
    assert response.status_code == 201
    summary = client.get(f"/api/v1/datasets/{response.json()['id']}").json()
    assert summary["columns"] == ["text", "n"]
    assert len(summary["warnings"]) == 1 and "Windows-1252" in summary["warnings"][0]


def test_the_import_command_creates_the_dataset_and_prints_its_map_url(tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text('{"title": "One", "body": "first note"}\n{"title": "Two", "body": "second note"}\n')
    out = io.StringIO()
    user = default_user()
    call_command(
        "import_dataset", str(path), "--text-field", "body", "--name", "Notes", "--user", user.email, stdout=out
    )
    dataset = Dataset.objects.get()
    assert dataset.workspace == default_workspace(), "the map goes to the user's personal workspace"
    assert (dataset.name, dataset.text_field, dataset.columns) == ("Notes", "body", ["title", "body"])
    assert out.getvalue().strip() == f"http://127.0.0.1:8000/maps/{dataset.id}"
    assert Path(dataset.upload_path).read_bytes() == path.read_bytes()


def test_the_import_command_reports_a_bad_file_with_the_same_message_as_the_api(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("text,n\nfine,1\nshort\n")
    with pytest.raises(CommandError, match="row 3 has 1"):
        call_command("import_dataset", str(path), "--text-field", "text", "--user", default_user().get_username())
    assert Dataset.objects.count() == 0
