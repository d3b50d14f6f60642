"""A table sent as the raw request body takes the upload's path (streamed to disk, same checks and errors), and
the read options (delimiter, quote, header, bad rows) reach both the preview and the build."""

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from maps.models import Dataset
from tests.conftest import DATASETS, WorkerProcess
from tests.integration.helpers import wait_until_finished

pytestmark = pytest.mark.django_db(transaction=True)


def pypi_rows(count: int) -> list[list[str]]:
    with (DATASETS / "pypi_summaries_20k.csv").open(newline="", encoding="utf-8") as source:
        reader = csv.reader(source)
        header = next(reader)
        rows = [next(reader) for _ in range(count)]
    return [header, *rows]


def test_a_raw_csv_body_with_a_ragged_row_builds_when_told_to_skip_it(
    client: Client, celery_worker: WorkerProcess
) -> None:
    rows = pypi_rows(120)
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    body = out.getvalue() + "only one field\n" + out.getvalue().splitlines()[1] + "\n"
    query = "name=raw&text_field=summary&filename=packages.csv&delimiter=%3B&bad_rows=skip"
    response = client.post(f"/api/v1/datasets?{query}", data=body.encode(), content_type="text/csv")
    assert response.status_code == 201, response.content
    ready = wait_until_finished(client, response.json()["id"])
    assert ready["status"] == "ready", celery_worker.log_tail()
    assert ready["name"] == "raw" and ready["rows"] == 121
    assert ready["read_options"] == {"delimiter": ";", "bad_rows": "skip"}
    assert any("Skipped 1 row of packages.csv" in w and "row 122 has 1" in w for w in ready["warnings"])


def test_a_raw_body_over_the_size_limit_is_refused_with_413_and_nothing_is_stored(
    client: Client, settings: Any
) -> None:
    settings.MAX_UPLOAD_BYTES = 1000
    before = set(Path(settings.UPLOAD_DIR).glob("*")) if Path(settings.UPLOAD_DIR).exists() else set()
    body = b"text\n" + b"a line of text\n" * 500
    response = client.post("/api/v1/datasets?text_field=text", data=body, content_type="application/octet-stream")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "upload_too_large"
    assert "ATLAS_MAX_UPLOAD_MB" in response.json()["error"]["message"]
    assert not Dataset.objects.exists()
    assert (set(Path(settings.UPLOAD_DIR).glob("*")) if Path(settings.UPLOAD_DIR).exists() else set()) == before


def test_a_raw_body_that_is_not_a_table_gets_the_form_uploads_error(client: Client) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    response = client.post("/api/v1/datasets?text_field=text&filename=photo.csv", data=png, content_type="text/csv")
    assert response.status_code == 400
    assert "photo.csv is a PNG image, not a table" in response.json()["error"]["message"]


def post_preview(client: Client, content: bytes, **options: str) -> tuple[int, dict[str, object]]:
    upload = io.BytesIO(content)
    upload.name = "odd.txt"
    response = client.post("/api/v1/previews", {"file": upload, **options})
    return response.status_code, response.json()


def test_the_preview_reads_with_the_delimiter_quote_and_header_it_is_given(client: Client) -> None:
    content = b"alpha;'one; two';x\nbeta;'three';y\n"
    status, body = post_preview(client, content, delimiter=";", quote="'", has_header="0")
    assert status == 200, body
    assert body["rows"] == [
        {"column_1": "alpha", "column_2": "one; two", "column_3": "x"},
        {"column_1": "beta", "column_2": "three", "column_3": "y"},
    ]


@pytest.mark.parametrize(
    ("options", "part"),
    [
        ({"delimiter": ";;"}, "is not one character"),
        ({"quote": "''"}, "is not one character"),
        ({"delimiter": ";", "quote": ";"}, "must differ"),
        ({"has_header": "maybe"}, "send 1"),
        ({"bad_rows": "ignore"}, "'abort'"),
    ],
)
def test_a_bad_read_option_is_refused_with_what_to_send(client: Client, options: dict[str, str], part: str) -> None:
    status, body = post_preview(client, b"a,b\n1,2\n", **options)
    assert status == 400
    assert part in str(body["error"])


def test_ragged_rows_refused_by_default_say_how_to_skip_them(client: Client) -> None:
    status, body = post_preview(client, b"text,n\nfine,1\nshort\nok,2\n")
    assert status == 400
    assert "row 3 has 1" in str(body["error"]) and "bad_rows=skip" in str(body["error"])
    status, body = post_preview(client, b"text,n\nfine,1\nshort\nok,2\n", bad_rows="skip")
    assert status == 200 and len(body["rows"]) == 2  # type: ignore[arg-type]
    assert "Skipped 1 row" in str(body["warnings"])
