"""Two people in two workspaces, each in their own browser: one shares a map, the other opens the link
logged out, sees and searches that map and nothing else, cannot change it, and loses it on revocation.

These pages run under the site's Content-Security-Policy (no bypass): a violation would be a console error.
"""

import contextlib
import html
import http.server
import threading
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from embedding import get_encoder
from maps.models import Dataset, Point
from maps.views import NO_SUCH_MAP
from teams.actions import ensure_personal_workspace
from tests.accounts import PASSWORD, default_user
from tests.browser.conftest import log_in, watch_console
from tests.browser.mapview import view_query
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db(transaction=True)


def embed_points(dataset: Dataset) -> None:
    """Synthetic maps have places but no vectors; give them real ones so that search means something."""
    points = list(Point.objects.filter(dataset=dataset).order_by("row_id"))
    vectors = get_encoder(dataset.model_name, settings.TORCH_THREADS).encode([p.text for p in points])
    for point, vector in zip(points, vectors, strict=True):
        point.embedding = vector.tolist()
    Point.objects.bulk_update(points, ["embedding"])


def sign_up(browser: Browser, base: str, email: str, errors: list[str]) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    watch_console(page, errors)
    page.goto(base)
    page.click("#welcome-signup")
    page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_password_again", PASSWORD)
    page.click("#signup-form button[type=submit]")
    expect(page.locator("#account-email")).to_have_text(email)
    return context, page


def test_a_shared_link_shows_one_map_to_a_logged_out_visitor_read_only_until_it_is_revoked(
    browser: Browser, live_server: LiveServer
) -> None:
    base = live_server.url
    errors: list[str] = []
    alice_context, alice = sign_up(browser, base, "alice@example.org", errors)
    bob_context, bob = sign_up(browser, base, "bob@example.org", errors)
    alice_space = ensure_personal_workspace(User.objects.get(email="alice@example.org"))
    shared = create_synthetic_map("Alice's shared map", alice_space).dataset
    embed_points(shared)
    unshared = create_synthetic_map("Alice's other map", alice_space).dataset

    # Bob, logged in, sees only his own (empty) workspace: Alice's maps are not his.
    bob.goto(base)
    expect(bob.locator("#no-datasets")).to_be_visible()
    assert bob.request.get(f"{base}/api/v1/datasets/{shared.id}").status == 404

    # Alice shares one map.
    alice.goto(f"{base}/maps/{shared.id}")
    alice.click("#sharing-link")
    alice.fill("#share-label", "for Bob")
    alice.click("#share-create")
    link = alice.locator("#share-url").inner_text().strip()
    assert link.startswith(f"{base}/s/") and len(link) > len(f"{base}/s/") + 40

    # Bob logs out and opens the link: the map draws and its search works.
    bob.click("#logout")
    expect(bob.locator("#login-link")).to_be_visible()
    bob.goto(link)
    expect(bob.locator("body")).to_have_attribute("data-map-ready", "1", timeout=60_000)
    expect(bob.locator("#map-title")).to_have_text("Alice's shared map")
    expect(bob.locator("#sharing-link")).to_have_count(0)
    bob.fill("#search-input", "command line parsing")
    bob.press("#search-input", "Enter")
    expect(bob.locator("#search-results li").first).to_contain_text("command line parsing")

    # View-only, and that map alone: no change, no other dataset, no list, no sharing page.
    assert bob.request.delete(f"{base}/api/v1/datasets/{shared.id}").status == 403
    assert bob.request.post(f"{base}/api/v1/datasets/{shared.id}/cancel").status == 403
    assert bob.request.get(f"{base}/api/v1/datasets/{unshared.id}").status == 404
    assert bob.request.get(f"{base}/api/v1/datasets/{unshared.id}/points").status == 404
    assert bob.request.get(f"{base}/api/v1/datasets").status == 401
    bob.goto(f"{base}/maps/{unshared.id}")
    expect(bob.locator("#error")).to_have_text(NO_SUCH_MAP)
    bob.goto(f"{base}/maps/{shared.id}/sharing")
    assert "/accounts/login/" in bob.url
    assert Dataset.objects.filter(id=shared.id).exists()

    # Alice revokes the link; the same browser now gets 404 for the map and its data.
    alice.goto(f"{base}/maps/{shared.id}/sharing")
    alice.click(".revoke-share")
    expect(alice.locator("#share-links")).to_contain_text("revoked")
    assert bob.goto(link).status == 404  # type: ignore[union-attr]
    assert bob.goto(f"{base}/maps/{shared.id}").status == 404  # type: ignore[union-attr]
    assert bob.request.get(f"{base}/api/v1/datasets/{shared.id}/points").status == 404
    assert bob.request.get(f"{base}/api/v1/datasets/{shared.id}/search?q=command").status == 404

    # Alice's workspace audit log, which only she (its owner) sees, records the share and its revocation.
    alice.goto(f"{base}/workspaces/{alice_space.id}")
    expect(alice.locator("#audit-log .audit-action")).to_have_text(["share.revoked", "share.created"])
    # Every page ran under the Content-Security-Policy without a violation or a script error.
    assert [e for e in errors if "404" not in e] == []
    alice_context.close()
    bob_context.close()


@contextlib.contextmanager
def framing_site(link: str) -> Iterator[str]:
    """Another site, on a port of its own, whose one page frames the link; yields its origin. It runs on the
    loopback address: Chromium lets only a local page frame a local server such as the test one."""
    body = f'<!doctype html><title>post</title><iframe id="atlas" src="{html.escape(link)}" width="1100" height="700">'

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802  (the name http.server calls)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_editor_shares_the_view_on_screen_in_one_click_and_the_link_opens_that_view_even_framed_elsewhere(
    browser: Browser, live_server: LiveServer, settings: object
) -> None:
    settings.EMBED_ORIGINS = ["https://blog.example.org"]  # type: ignore[attr-defined]
    base = live_server.url
    errors: list[str] = []
    synthetic = create_synthetic_map("Shared view")
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, permissions=["clipboard-read", "clipboard-write"]
    )
    log_in(context, base, default_user())
    editor = context.new_page()
    watch_console(editor, errors)
    editor.goto(f"{base}/maps/{synthetic.dataset.id}{view_query()}&q=command+line+parsing&p=81")
    expect(editor.locator("body")).to_have_attribute("data-map-ready", "1", timeout=60_000)
    # The first search of the server process loads the model.
    expect(editor.locator("#search-results li").first).to_be_visible(timeout=30_000)

    editor.click("#share-view")
    expect(editor.locator("#share-status")).to_have_text("Link copied.")
    link = editor.locator("#share-url").input_value()
    assert link.startswith(f"{base}/s/"), link
    assert "q=command+line+parsing" in link and "p=81" in link
    assert editor.evaluate("navigator.clipboard.readText()") == link
    assert f'src="{html.escape(link)}"' in editor.locator("#share-embed-code").input_value()
    expect(editor.locator("#share-embed-note")).to_have_text("Sites that may embed it: https://blog.example.org.")
    # A second click makes no second link: the same one, with the view of the moment.
    editor.click("#share-view")
    assert editor.locator("#share-url").input_value() == link

    # Someone with no account opens it: the same search and the same row, at the link's own address.
    visitor_context = browser.new_context(viewport={"width": 1280, "height": 800})
    visitor = visitor_context.new_page()
    watch_console(visitor, errors)
    visitor.goto(link)
    expect(visitor.locator("body")).to_have_attribute("data-map-ready", "1", timeout=60_000)
    expect(visitor.locator("#search-input")).to_have_value("command line parsing")
    expect(visitor.locator("#details")).to_be_visible()
    expect(visitor.locator("#details")).to_contain_text(str(synthetic.fields[81]["summary"]))
    assert urlparse(visitor.url).path == urlparse(link).path, "the address stays the link, to pass on"
    expect(visitor.locator("#share-view")).to_have_text("Copy link to this view")
    visitor_context.close()

    # Framed by a listed site, in a browser that holds no cookie of Atlas: the map draws from the link alone.
    embed_context = browser.new_context(viewport={"width": 1280, "height": 800})
    host = embed_context.new_page()
    watch_console(host, errors)
    with framing_site(link) as blog, framing_site(link) as elsewhere:
        settings.EMBED_ORIGINS = [blog]  # type: ignore[attr-defined]
        host.goto(f"{blog}/post.html")
        frame = host.frame_locator("#atlas")
        expect(frame.locator("body")).to_have_attribute("data-map-ready", "1", timeout=60_000)
        expect(frame.locator("#search-input")).to_have_value("command line parsing")
        expect(frame.locator("#search-results li").first).to_be_visible()
        # A site that is not listed gets nothing drawn: the browser refuses to frame the page.
        host.goto(f"{elsewhere}/post.html")
        for _ in range(50):
            if any("frame-ancestors" in e for e in errors):
                break
            host.wait_for_timeout(200)
        assert any("frame-ancestors" in e for e in errors), errors
        expect(frame.locator("#map-root")).to_have_count(0)
    embed_context.close()
    context.close()
    assert [e for e in errors if "frame-ancestors" not in e and "404" not in e] == []
