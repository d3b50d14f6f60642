"""The Classify panel: an editor learns a category column's classes from the rows that have one; the real worker
predicts the rest; the panel shows the cross-validated score and the classes (user text, never markup); the map
colours by the predictions, and the confident ones become tags."""

import pytest
from playwright.sync_api import Page, expect

from maps.models import Point
from tests.browser.conftest import ConsoleErrors
from tests.browser.mapview import open_map, view_query
from tests.conftest import WorkerProcess
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_editor_learns_a_column_colours_by_the_predictions_and_tags_them(
    page: Page, live_server: object, console_errors: ConsoleErrors, celery_worker: WorkerProcess
) -> None:
    synthetic = create_synthetic_map()
    dataset = synthetic.dataset
    # Every fourth row loses its language; "go" is written as markup, which must show as text.
    for point in Point.objects.filter(dataset=dataset):
        lang = point.fields["lang"]
        point.fields = {
            **point.fields,
            "lang": None if point.row_id % 4 == 0 else ("<b>go</b>" if lang == "go" else lang),
        }
        point.save(update_fields=["fields"])
    open_map(page, str(live_server.url), synthetic, view_query())  # type: ignore[attr-defined]

    page.click("#classify summary")
    expect(page.locator("#classify")).to_have_attribute("data-classifications", "0")
    page.select_option("#cls-source", "lang")
    page.click("#cls-form button[type=submit]")
    ready = page.locator("#cls-list .cls-item[data-status='ready']")
    expect(ready).to_have_count(1, timeout=60_000)
    expect(ready).to_contain_text("Cross-validated on 180 labelled rows (5 folds): accuracy 100.0 %, macro-F1 1.000.")
    expect(ready).to_contain_text("Classes: <b>go</b> 60 · python 60 · rust 60.")
    expect(ready).to_contain_text("Predicted 60 rows into lang_predicted, with lang_predicted_confidence.")
    expect(page.locator("#cls-list b")).to_have_count(0)

    # The prediction column is new to the page: colouring by it opens the page again with it.
    with page.expect_navigation():
        ready.locator(".cls-colour").click()
    page.wait_for_selector("body[data-map-ready='1']")
    expect(page.locator("#color-by")).to_have_value("lang_predicted")
    expect(page.locator("#legend")).to_contain_text("<b>go</b>")

    # The confident predictions become tags, and the map opens coloured by tags.
    page.click("#classify summary")
    page.locator("#cls-list .cls-confidence").fill("0.5")
    with page.expect_navigation():
        page.click("#cls-list .cls-tag")
    page.wait_for_selector("body[data-map-ready='1']")
    tags = page.locator("#map-root")
    expect(tags).to_have_attribute("data-tags", "python:20,rust:20,<b>go</b>:20")
    assert console_errors == []
