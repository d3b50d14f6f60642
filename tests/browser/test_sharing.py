"""Two people in two workspaces, each in their own browser: one shares a map, the other opens the link
logged out, sees and searches that map and nothing else, cannot change it, and loses it on revocation.

These pages run under the site's Content-Security-Policy (no bypass): a violation would be a console error.
"""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from embedding import get_encoder
from maps.models import Dataset, Point
from teams.actions import ensure_personal_workspace
from tests.accounts import PASSWORD
from tests.browser.conftest import watch_console
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
    expect(bob.locator("#error")).to_contain_text("No dataset")
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
