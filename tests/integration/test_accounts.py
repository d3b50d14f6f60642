"""Accounts and API tokens: sign-up, log-in and their rate limits, password reset by mail, tokens shown once
and stored hashed, and the create_user command for scripts."""

import hashlib
import io
import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.test import Client

from teams.models import ApiToken, Membership, Role
from tests.accounts import PASSWORD, create_user

pytestmark = pytest.mark.django_db


def test_signing_up_logs_in_and_makes_a_personal_workspace_owned_by_the_new_user(anonymous_client: Client) -> None:
    response = anonymous_client.post(
        "/accounts/signup/", {"email": "New@Example.org", "password": PASSWORD, "password_again": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(username="new@example.org")
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.OWNER and membership.workspace.personal
    assert "new@example.org" in anonymous_client.get("/").content.decode()


@pytest.mark.parametrize(
    ("email", "password", "again", "message"),
    [
        ("taken@example.org", PASSWORD, PASSWORD, "already an account"),
        ("fresh@example.org", "short", "short", "too short"),
        ("fresh@example.org", PASSWORD, PASSWORD + "x", "passwords differ"),
        ("not-an-email", PASSWORD, PASSWORD, "valid email"),
    ],
)
def test_a_bad_sign_up_is_refused_with_the_reason(
    anonymous_client: Client, email: str, password: str, again: str, message: str
) -> None:
    create_user("taken@example.org")
    response = anonymous_client.post(
        "/accounts/signup/", {"email": email, "password": password, "password_again": again}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.filter(username="fresh@example.org").exists()


def test_logging_in_takes_the_email_in_any_case_and_logging_out_ends_the_session(anonymous_client: Client) -> None:
    create_user("alice@example.org")
    response = anonymous_client.post("/accounts/login/", {"username": "Alice@Example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert anonymous_client.get("/api/v1/datasets").status_code == 200
    anonymous_client.post("/accounts/logout/")
    assert anonymous_client.get("/api/v1/datasets").status_code == 401


def test_log_in_attempts_over_the_limit_get_429_with_retry_after(settings: object) -> None:
    settings.RATE_LIMIT_LOGIN = "3/600"  # type: ignore[attr-defined]
    client = Client(REMOTE_ADDR="192.0.2.10")
    create_user("alice@example.org")
    for _ in range(3):
        assert (
            client.post("/accounts/login/", {"username": "alice@example.org", "password": "wrong"}).status_code == 200
        )
    refused = client.post("/accounts/login/", {"username": "alice@example.org", "password": PASSWORD})
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 600
    # The person refused reads what was counted and when to come back, not the name of a setting.
    assert "Too many log-in attempts from your address: at most 3 every 10 minutes." in refused.content.decode()
    assert "ATLAS_RATE_LIMIT" not in refused.content.decode()
    # Another address is not affected.
    other = Client(REMOTE_ADDR="192.0.2.11")
    assert other.post("/accounts/login/", {"username": "alice@example.org", "password": PASSWORD}).status_code == 302


def test_sign_ups_over_the_limit_get_429_with_retry_after(settings: object) -> None:
    settings.RATE_LIMIT_SIGNUP = "2/3600"  # type: ignore[attr-defined]
    client = Client(REMOTE_ADDR="192.0.2.20")
    for n in range(2):
        client.post(
            "/accounts/signup/", {"email": f"u{n}@example.org", "password": PASSWORD, "password_again": PASSWORD}
        )
    refused = client.post(
        "/accounts/signup/", {"email": "u9@example.org", "password": PASSWORD, "password_again": PASSWORD}
    )
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert not User.objects.filter(username="u9@example.org").exists()


def test_a_password_reset_mails_a_link_that_sets_a_new_password(anonymous_client: Client) -> None:
    create_user("alice@example.org")
    anonymous_client.post("/accounts/password_reset/", {"email": "alice@example.org"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body)
    assert link is not None, mail.outbox[0].body
    form = anonymous_client.get(link.group(1), follow=True)
    new = "a brand new passphrase"
    anonymous_client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert Client().login(username="alice@example.org", password=new)


def test_changing_the_password_needs_the_old_one(client: Client) -> None:
    new = "another long passphrase"
    bad = client.post("/accounts/password_change/", {"old_password": "x", "new_password1": new, "new_password2": new})
    assert bad.status_code == 200 and "incorrect" in bad.content.decode()
    good = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    assert client.post("/accounts/password_change/", good).status_code == 302


def test_an_api_token_is_shown_once_stored_hashed_and_works_until_revoked(client: Client) -> None:
    created = client.post("/account/tokens", {"name": "CI"})
    assert created.status_code == 201
    secret = re.search(r'id="new-token">([^<]+)<', created.content.decode()).group(1)  # type: ignore[union-attr]
    token = ApiToken.objects.get()
    assert token.name == "CI" and token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    # The page says where the API is described and how to use the token, with this site's address.
    page = created.content.decode()
    assert 'href="/api/docs"' in page and f"export ATLAS_API_KEY={secret}" in page
    assert "export ATLAS_URL=http://testserver" in page and "map_data(" in page
    assert secret not in client.get("/account/tokens").content.decode(), "the secret is shown only once"

    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert bearer.get("/api/v1/datasets").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None

    client.post(f"/account/tokens/{token.id}/revoke")
    refused = bearer.get("/api/v1/datasets")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_token"


def test_create_user_prints_a_token_that_authenticates_on_the_api() -> None:
    out = io.StringIO()
    call_command("create_user", "ci@example.org", "--token", stdout=out)
    secret = out.getvalue().strip()
    assert secret.startswith("atl_")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/datasets").json() == {"datasets": []}
    assert Membership.objects.get(user__username="ci@example.org").workspace.personal


def test_the_admin_is_for_staff_only(client: Client) -> None:
    assert client.get("/admin/").status_code == 302
    call_command("create_user", "staff@example.org", "--staff", stdout=io.StringIO())
    staff = Client()
    staff.force_login(User.objects.get(username="staff@example.org"))
    assert staff.get("/admin/").status_code == 200
    assert staff.get("/admin/teams/workspace/").status_code == 200
