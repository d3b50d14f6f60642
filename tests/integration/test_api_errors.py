"""Bad requests get a specific 4xx answer that says what to fix, and leave nothing behind."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from maps.models import Dataset
from tests.accounts import default_workspace

pytestmark = pytest.mark.django_db


def post(client: Client, content: bytes | None, text_field: str = "summary", filename: str = "data.csv") -> dict:
    data: dict[str, object] = {"name": "x", "text_field": text_field}
    if content is not None:
        upload = io.BytesIO(content)
        upload.name = filename
        data["file"] = upload
    response = client.post("/api/v1/datasets", data)
    return {"status": response.status_code, **response.json()}


@pytest.mark.parametrize(
    ("content", "text_field", "status", "message_part"),
    [
        (None, "summary", 400, "No file was uploaded"),
        (b"", "summary", 400, "data.csv is empty"),
        (b"name,summary\na,b\n", "", 400, "No text column was chosen"),
        (b"name,summary\na,b\n", "body", 400, "Column 'body' is not in data.csv; its columns are: name, summary"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "summary", 400, "data.csv is a PNG image, not a table"),
    ],
)
def test_a_bad_upload_gets_a_400_that_says_what_to_fix_and_stores_nothing(
    client: Client, content: bytes | None, text_field: str, status: int, message_part: str
) -> None:
    stored_before = set(settings.UPLOAD_DIR.glob("*"))
    answer = post(client, content, text_field)
    assert answer["status"] == status
    assert message_part in answer["error"]["message"]
    assert Dataset.objects.count() == 0
    assert set(settings.UPLOAD_DIR.glob("*")) == stored_before


def test_an_upload_over_the_size_limit_is_refused_with_413(client: Client, settings: object) -> None:
    settings.MAX_UPLOAD_BYTES = 10  # type: ignore[attr-defined]
    answer = post(client, b"name,summary\nalpha,some text\n")
    assert answer["status"] == 413
    assert "ATLAS_MAX_UPLOAD_MB" in answer["error"]["message"]


def test_an_unknown_dataset_is_a_404_in_the_api_and_on_the_page(client: Client) -> None:
    for url in ["/api/v1/datasets/nope", "/api/v1/datasets/00000000-0000-0000-0000-000000000000/points"]:
        response = client.get(url)
        assert response.status_code == 404
        assert "No dataset with id" in response.json()["error"]["message"]
    assert client.get("/maps/00000000-0000-0000-0000-000000000000").status_code == 404


def make_dataset(tmp_path: Path, status: str = Dataset.Status.QUEUED) -> Dataset:
    return Dataset.objects.create(
        workspace=default_workspace(),
        name="<b>bold</b>",
        source_filename="f.csv",
        upload_path=str(tmp_path / "f.csv"),
        text_field="summary",
        model_name="all-MiniLM-L6-v2",
        status=status,
    )


def test_a_map_that_is_not_ready_answers_409_for_its_points_topics_and_search(client: Client, tmp_path: Path) -> None:
    dataset = make_dataset(tmp_path)
    for suffix in ["points", "topics", "search?q=http"]:
        response = client.get(f"/api/v1/datasets/{dataset.id}/{suffix}")
        assert response.status_code == 409
        assert "not ready" in response.json()["error"]["message"]


@pytest.mark.parametrize("k", ["ten", "0", "100000"])
def test_search_with_a_bad_k_is_refused_with_the_range(client: Client, tmp_path: Path, k: str) -> None:
    dataset = make_dataset(tmp_path, Dataset.Status.QUEUED)
    response = client.get(f"/api/v1/datasets/{dataset.id}/search", {"q": "x", "k": k})
    assert response.status_code == 400
    assert "results" in response.json()["error"]["message"]


def test_dataset_names_are_escaped_on_the_pages(client: Client, tmp_path: Path) -> None:
    dataset = make_dataset(tmp_path)
    for url in ["/", f"/maps/{dataset.id}"]:
        html = client.get(url).content.decode()
        assert "<b>bold</b>" not in html
        assert "&lt;b&gt;bold&lt;/b&gt;" in html
