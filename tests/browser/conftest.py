"""A real headless Chromium (Debian's) with WebGL, driven by Playwright."""

import os
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

from tests.accounts import default_user, logged_in_client

# Playwright's sync API keeps an event loop in the test thread; Django's guard against ORM calls from
# async code would then refuse every database access the tests make, though none of them is async.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
# gl-egl with the blocklist ignored selects Mesa's llvmpipe, several times faster than SwiftShader.
CHROMIUM_ARGS = [
    "--use-angle=gl-egl",
    "--ignore-gpu-blocklist",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class ConsoleErrors(list[str]):
    pass


@pytest.fixture
def console_errors() -> ConsoleErrors:
    return ConsoleErrors()


def log_in(context: BrowserContext, base_url: str, user: User) -> None:
    """Give a browser context the session cookie of a user, as if it had logged in."""
    client = logged_in_client(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}])


def watch_console(page: Page, console_errors: list[str]) -> None:
    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_errors.append(message.text)

    page.on("console", record)
    page.on("pageerror", lambda error: console_errors.append(str(error)))


@pytest.fixture
def page(browser: Browser, console_errors: ConsoleErrors, live_server: LiveServer) -> Iterator[Page]:
    """A page logged in as the default test user, who owns the maps the tests make."""
    # Playwright's wait_for_function evaluates its predicate with eval in the page, which the site's
    # Content-Security-Policy forbids; tests/browser/test_sharing.py runs the app under the policy.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    log_in(context, live_server.url, default_user())
    page = context.new_page()
    watch_console(page, console_errors)
    yield page
    context.close()
