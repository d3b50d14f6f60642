"""The map page's quality panel shows the API's figures, and its form asks for a re-layout."""

from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from maps.models import Dataset
from tests.browser.conftest import ConsoleErrors
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db(transaction=True)

QUALITY = {
    "knn_preservation": 0.4123,
    "trustworthiness": 0.9311,
    "topics": 6,
    "noise_share": 0.0625,
    "nmi_fine": 0.7712,
    "ari_fine": 0.5208,
    "nmi_broad": 0.8123,
    "ari_broad": 0.6914,
    "labelled_rows": 240,
    "classes": 3,
}


def open_map(page: Page, base: str, dataset_id: str) -> None:
    page.goto(f"{base}/maps/{dataset_id}")
    page.wait_for_selector("body[data-map-ready='1']", timeout=60_000)


def test_the_quality_panel_shows_the_numbers_the_api_gives(
    page: Page, live_server: Any, console_errors: ConsoleErrors, client: Client
) -> None:
    synthetic = create_synthetic_map()
    Dataset.objects.filter(id=synthetic.dataset.id).update(quality=QUALITY, label_field="lang")
    api_quality = client.get(f"/api/v1/datasets/{synthetic.dataset.id}").json()["quality"]

    open_map(page, str(live_server.url), str(synthetic.dataset.id))
    page.locator("#quality summary").click()
    shown = page.locator("#quality-list dd").evaluate_all("dds => dds.map(d => [d.dataset.key, d.textContent])")
    expected_keys = ["knn_preservation", "trustworthiness", "topics", "noise_share"]
    expected_keys += ["nmi_fine", "ari_fine", "nmi_broad", "ari_broad"]
    assert [key for key, _ in shown] == expected_keys
    for key, text in shown:
        if key == "noise_share":
            # A share of 4 decimals is a percentage of 2: the same number, shown exactly.
            assert text.endswith(" %") and float(text.removesuffix(" %")) == pytest.approx(api_quality[key] * 100)
        else:
            assert float(text) == api_quality[key], key
    expect(page.locator("#quality-labels")).to_have_text("Topics compared with the column “lang”.")
    assert console_errors == []


def test_without_a_label_column_the_panel_leaves_out_the_agreement_scores(
    page: Page, live_server: Any, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    plain = {key: QUALITY[key] for key in ("knn_preservation", "trustworthiness", "topics", "noise_share")}
    Dataset.objects.filter(id=synthetic.dataset.id).update(quality=plain)
    open_map(page, str(live_server.url), str(synthetic.dataset.id))
    page.locator("#quality summary").click()
    expect(page.locator("#quality-list dd")).to_have_count(4)
    expect(page.locator("#quality-labels")).to_be_hidden()
    assert console_errors == []


def test_the_relayout_form_sends_the_new_parameters_and_the_page_waits_for_the_new_map(
    page: Page, live_server: Any, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    Dataset.objects.filter(id=synthetic.dataset.id).update(quality=QUALITY)
    open_map(page, str(live_server.url), str(synthetic.dataset.id))
    page.locator("#quality summary").click()
    form = page.locator("#relayout-form")
    expect(form.locator("input[name='n_neighbors']")).to_have_value("15")  # the defaults, filled in
    form.locator("input[name='n_neighbors']").fill("30")
    form.locator("input[name='min_dist']").fill("0.2")
    form.locator("select[name='metric']").select_option("euclidean")
    form.locator("input[name='min_cluster_size']").fill("12")
    with page.expect_response(lambda r: r.url.endswith("/relayout")) as answer:
        form.locator("button[type='submit']").click()
    assert answer.value.status == 202
    stored = Dataset.objects.get(id=synthetic.dataset.id)
    assert stored.layout["n_neighbors"] == 30 and stored.layout["min_dist"] == 0.2
    assert stored.layout["metric"] == "euclidean" and stored.layout["min_cluster_size"] == 12
    # The page reloads and waits for the queued re-layout instead of showing the old map.
    page.wait_for_selector(
        "#map-root[data-status='queued'], #map-root[data-status='running'], #map-root[data-status='failed']"
    )
