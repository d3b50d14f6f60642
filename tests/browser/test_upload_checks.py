"""Before Start, the upload page shows the preview above the button and warns about a text column of numbers
and a file too small for a map; the progress of a running build shows an honest bar and its time."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from maps.models import Dataset
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_preview_sits_above_start_and_warnings_name_a_column_of_numbers_and_a_small_file(
    page: Page, live_server: object, tmp_path: Path
) -> None:
    path = tmp_path / "tiny.csv"
    path.write_text("title,score\n" + "".join(f"a short title {i},{i * 3}\n" for i in range(12)), encoding="utf-8")
    page.goto(f"{live_server.url}/new")  # type: ignore[attr-defined]
    page.set_input_files("#file", str(path))
    expect(page.locator("#preview")).to_be_visible()
    preview_box, start_box = page.locator("#preview").bounding_box(), page.locator("#start").bounding_box()
    assert preview_box and start_box and preview_box["y"] < start_box["y"], "the preview comes before Start"
    expect(page.locator("#text-field")).to_have_value("title")
    expect(page.locator("#start-warnings")).to_contain_text("The file has only 12 rows")
    expect(page.locator("#start-warnings")).not_to_contain_text("holds only numbers")
    page.select_option("#text-field", "score")
    expect(page.locator("#start-warnings")).to_contain_text("“score” holds only numbers")
    # A warning, not a refusal: Start stays open.
    expect(page.locator("#start")).to_be_enabled()
    page.select_option("#text-field", "title")
    expect(page.locator("#start-warnings")).not_to_contain_text("holds only numbers")


def test_a_running_build_shows_an_honest_bar_its_stage_time_and_an_estimate(page: Page, live_server: object) -> None:
    dataset = create_synthetic_map("building").dataset
    Dataset.objects.filter(id=dataset.id).update(
        status="running", stage="layout", progress_done=0, progress_total=240, row_count=None
    )
    page.goto(f"{live_server.url}/maps/{dataset.id}")  # type: ignore[attr-defined]
    expect(page.locator("#progress")).to_be_visible()
    expect(page.locator("#progress-count")).to_have_text("240 rows")
    expect(page.locator("#progress-time")).to_contain_text("in this stage · about")
    # Layout cannot count its rows as it goes: no 0% bar, an indeterminate one.
    assert page.locator("#progress-bar").get_attribute("value") is None
    Dataset.objects.filter(id=dataset.id).update(stage="embed", progress_done=60, progress_total=240)
    expect(page.locator("#progress-count")).to_have_text("60 / 240 rows")
    assert page.locator("#progress-bar").get_attribute("value") == "60"
