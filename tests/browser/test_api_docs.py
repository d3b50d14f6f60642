"""The API's docs page renders every operation from the OpenAPI document under the site's
Content-Security-Policy (no bypass), with its assets served by Atlas itself (no CDN: there is no internet)."""

import pytest
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import watch_console

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_docs_page_lists_the_operations_under_the_content_security_policy(
    browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    watch_console(page, errors)
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(live_server.url) else outside.append(r.url))
    page.goto(f"{live_server.url}/api/docs")
    paths = page.locator(".opblock-summary-path")
    expect(paths.filter(has_text="/api/v1/datasets/{dataset_id}/search")).to_have_count(1)
    expect(paths.filter(has_text="/v1/embeddings")).to_have_count(1)
    assert paths.count() > 20
    assert errors == [] and outside == []
    context.close()
