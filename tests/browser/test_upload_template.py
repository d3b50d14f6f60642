"""The upload page's text template: columns clicked into a template become each point's text on the built map."""

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ConsoleErrors
from tests.conftest import WorkerProcess, csv_slice

pytestmark = pytest.mark.django_db(transaction=True)


def pypi_parquet(tmp_path: Path, rows: int) -> Path:
    with csv_slice(tmp_path / "pypi.csv", rows).open(newline="", encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    path = tmp_path / "packages.parquet"
    pq.write_table(pa.table({"name": [r["name"] for r in records], "summary": [r["summary"] for r in records]}), path)
    return path


def test_mapping_two_parquet_columns_into_a_template_builds_a_map_whose_points_hold_the_joined_text(
    page: Page, live_server: object, celery_worker: WorkerProcess, console_errors: ConsoleErrors, tmp_path: Path
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    page.goto(f"{base}/new")
    page.set_input_files("#file", str(pypi_parquet(tmp_path, 200)))
    expect(page.locator("#preview")).to_be_visible()
    expect(page.locator("#text-template")).to_be_hidden()

    page.check("#text-mode-template")
    expect(page.locator("#text-field")).to_be_hidden()
    expect(page.locator("#start")).to_be_disabled()  # an empty template embeds nothing
    page.click("#template-chips button[data-column='name']")
    page.locator("#text-template").press_sequentially(" — ")
    page.click("#template-chips button[data-column='summary']")
    expect(page.locator("#text-template")).to_have_value("{name} — {summary}")
    page.select_option("#id-field", "name")
    page.click("#start")
    page.wait_for_url("**/maps/*")
    dataset_id = page.url.rstrip("/").split("/")[-1]

    page.wait_for_selector("body[data-map-ready='1']", timeout=240_000)
    assert page.get_attribute("#map-root", "data-point-count") == "200"
    detail = page.request.get(f"{base}/api/v1/datasets/{dataset_id}/points/0").json()
    assert detail["text"] == "traceai-llamaindex — OpenTelemetry instrumentation for Llama Index"
    assert detail["key"] == "traceai-llamaindex"
    assert console_errors == []


def test_a_template_naming_a_missing_column_is_refused_with_the_servers_message(
    page: Page, live_server: object, tmp_path: Path
) -> None:
    page.goto(f"{live_server.url}/new")  # type: ignore[attr-defined]
    page.set_input_files("#file", str(pypi_parquet(tmp_path, 20)))
    expect(page.locator("#preview")).to_be_visible()
    page.check("#text-mode-template")
    page.fill("#text-template", "{name} — {description}")
    page.click("#start")
    expect(page.locator("#upload-error")).to_contain_text("column 'description' is not in packages.parquet")
    expect(page.locator("#upload-error")).to_contain_text("its columns are: name, summary")
