"""A person's path through the app in a real browser: upload, watch the build, explore and search the map."""

import csv
import io
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.accounts import logged_in_client
from tests.browser.conftest import ConsoleErrors
from tests.conftest import WorkerProcess, csv_slice

pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE = '<img src=x onerror="document.body.dataset.pwned=1"> HTTP client with <b>markup</b> in its summary'


def non_background_pixels(png: bytes) -> int:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    return int((pixels != pixels[1, 1]).any(axis=2).sum())


def upload_csv(tmp_path: Path) -> Path:
    path = csv_slice(tmp_path / "pypi_300.csv", 300)
    with path.open("a", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerow(["evil-http", HOSTILE])
    return path


def test_uploading_in_the_browser_builds_a_map_that_draws_points_and_highlights_search_results(
    page: Page,
    live_server: object,
    celery_worker: WorkerProcess,
    console_errors: ConsoleErrors,
    tmp_path: Path,
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    page.goto(f"{base}/new")
    page.set_input_files("#file", str(upload_csv(tmp_path)))
    expect(page.locator("#preview")).to_be_visible()
    expect(page.locator("#preview")).to_contain_text("traceai-llamaindex")
    expect(page.locator("#text-field")).to_have_value("summary")
    expect(page.locator("#name")).to_have_value("pypi_300")
    page.click("#start")
    page.wait_for_url("**/maps/*")
    dataset_id = page.url.rstrip("/").split("/")[-1]

    page.wait_for_selector("body[data-map-ready='1']", timeout=240_000)
    expect(page.locator("#status")).to_have_text("ready")
    assert page.get_attribute("#map-root", "data-point-count") == "301"
    drawn = non_background_pixels(page.locator("#map").screenshot())
    assert drawn > 500, f"only {drawn} pixels differ from the background: points were not drawn"

    page.fill("#search-input", "http client library")
    page.press("#search-input", "Enter")
    page.wait_for_selector("#map-root[data-highlighted]")
    expected = (
        logged_in_client().get(f"/api/v1/datasets/{dataset_id}/search", {"q": "http client library", "k": 10}).json()
    )
    expected_ids = [str(r["id"]) for r in expected["results"]]
    assert page.get_attribute("#map-root", "data-highlighted") == ",".join(expected_ids)
    listed = page.locator("#search-results li").evaluate_all("items => items.map(li => li.dataset.rowId)")
    assert listed == expected_ids

    # User text is data: the row with markup in it shows as text and creates no element.
    hostile = page.locator("#search-results li[data-row-id='300']")
    expect(hostile).to_contain_text('<img src=x onerror="document.body.dataset.pwned=1">')
    assert page.locator("#search-results img, #search-results b").count() == 0
    assert page.evaluate("document.body.dataset.pwned") is None

    # Clicking a result centres the map on it: hovering the centre then shows that row's text.
    first = page.locator("#search-results li").first
    first_text = expected["results"][0]["text"]
    first.click()
    page.wait_for_timeout(1200)
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#tooltip")).to_be_visible()
    expect(page.locator("#tooltip")).to_contain_text(first_text[:40])

    # The details panel lists the row's nearest neighbours, each one click away.
    first_id = expected["results"][0]["id"]
    expect(page.locator("#details")).to_have_attribute("data-row-id", str(first_id))
    expect(page.locator("#neighbors li")).to_have_count(10)
    api_neighbors = (
        logged_in_client().get(f"/api/v1/datasets/{dataset_id}/points/{first_id}/neighbors").json()["results"]
    )
    shown = page.locator("#neighbors li").evaluate_all("items => items.map(li => li.dataset.rowId)")
    assert shown == [str(n["id"]) for n in api_neighbors]
    page.locator("#neighbors li").nth(1).click()
    expect(page.locator("#details")).to_have_attribute("data-row-id", shown[1])
    expect(page.locator("#details .detail-text")).to_have_text(api_neighbors[1]["text"])

    # The URL is the view: a copied link reopens the same search, selected row and camera.
    page.wait_for_function(f"location.search.includes('p={shown[1]}')")
    link = page.url
    assert "q=http+client+library" in link and "v=" in link
    other = page.context.new_page()
    other.goto(link)
    other.wait_for_selector("body[data-map-ready='1']", timeout=120_000)
    other.wait_for_selector("#map-root[data-highlighted]")
    assert other.get_attribute("#map-root", "data-highlighted") == ",".join(expected_ids)
    expect(other.locator("#details")).to_have_attribute("data-row-id", shown[1])
    expect(other.locator("#search-input")).to_have_value("http client library")
    other.wait_for_timeout(500)
    assert parse_qs(urlparse(other.url).query)["v"] == parse_qs(urlparse(link).query)["v"]
    # Escape clears the search and the selection there.
    other.keyboard.press("Escape")
    expect(other.locator("#details")).to_be_hidden()
    expect(other.locator("#search-input")).to_have_value("")
    assert other.get_attribute("#map-root", "data-highlighted") is None
    other.close()

    page.click("#search-clear")
    expect(page.locator("#map-root")).not_to_have_attribute("data-highlighted", "")
    assert page.get_attribute("#map-root", "data-highlighted") is None
    assert console_errors == []


def test_a_failed_build_shows_its_message_on_the_map_page(
    page: Page, live_server: object, celery_worker: WorkerProcess, tmp_path: Path
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    path = tmp_path / "blank.csv"
    path.write_text("name,notes\na,\nb,\n", encoding="utf-8")
    page.goto(f"{base}/new")
    page.set_input_files("#file", str(path))
    page.select_option("#text-field", "notes")
    page.click("#start")
    page.wait_for_url("**/maps/*")
    expect(page.locator("#error")).to_contain_text("empty in every row", timeout=120_000)
    expect(page.locator("#status")).to_have_text("failed")
    assert page.locator("canvas").count() == 0
