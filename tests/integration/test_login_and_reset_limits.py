"""The admin's log-in shares the accounts' per-address limit, and password-reset mail is throttled per email
address and per client address without the page ever telling whether an address has an account."""

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from tests.accounts import PASSWORD, create_user

pytestmark = pytest.mark.django_db

RESET = "/accounts/password_reset/"
DONE = "/accounts/password_reset/done/"


def test_admin_log_in_attempts_over_the_limit_get_429_with_retry_after(settings: object) -> None:
    settings.RATE_LIMIT_LOGIN = "3/600"  # type: ignore[attr-defined]
    create_user("staff-guess@example.org")
    client = Client(REMOTE_ADDR="192.0.2.30")
    for _ in range(3):
        wrong = client.post("/admin/login/", {"username": "staff-guess@example.org", "password": "wrong"})
        assert wrong.status_code == 200
    refused = client.post("/admin/login/", {"username": "staff-guess@example.org", "password": PASSWORD})
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 600
    # The person refused reads what was counted and when to come back, not the name of a setting.
    assert "Too many log-in attempts from your address: at most 3 every 10 minutes." in refused.content.decode()
    assert "ATLAS_RATE_LIMIT" not in refused.content.decode()
    assert Client(REMOTE_ADDR="192.0.2.31").post("/admin/login/", {"username": "x", "password": "y"}).status_code == 200


def test_the_admin_and_the_accounts_log_in_draw_on_one_budget_per_address(settings: object) -> None:
    settings.RATE_LIMIT_LOGIN = "4/600"  # type: ignore[attr-defined]
    client = Client(REMOTE_ADDR="192.0.2.32")
    for path in ("/accounts/login/", "/admin/login/", "/accounts/login/", "/admin/login/"):
        assert client.post(path, {"username": "nobody@example.org", "password": "wrong"}).status_code == 200
    assert client.post("/admin/login/", {"username": "nobody@example.org", "password": "wrong"}).status_code == 429
    assert client.post("/accounts/login/", {"username": "nobody@example.org", "password": "wrong"}).status_code == 429


def test_the_admin_log_in_page_still_logs_staff_in(settings: object) -> None:
    call_command("create_user", "admin-limit@example.org", "--staff", "--password", PASSWORD, stdout=io.StringIO())
    client = Client(REMOTE_ADDR="192.0.2.33")
    answer = client.post("/admin/login/?next=/admin/", {"username": "admin-limit@example.org", "password": PASSWORD})
    assert answer.status_code == 302 and answer["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("has_account", [True, False])
def test_reset_mails_for_one_address_stop_at_its_limit_from_any_client_and_the_answer_never_changes(
    settings: object, has_account: bool
) -> None:
    settings.RATE_LIMIT_PASSWORD_RESET_EMAIL = "3/3600"  # type: ignore[attr-defined]  # noqa: S105
    email = f"reset-limit-{has_account}@example.org"
    if has_account:
        create_user(email)
    answers = [
        Client(REMOTE_ADDR=f"198.51.100.{n + 1}").post(RESET, {"email": email.upper() if n % 2 else email})
        for n in range(12)
    ]
    assert [(a.status_code, a["Location"]) for a in answers] == [(302, DONE)] * 12
    assert len(mail.outbox) == (3 if has_account else 0)


def test_reset_mails_from_one_client_stop_at_its_limit_whatever_the_address(settings: object) -> None:
    settings.RATE_LIMIT_PASSWORD_RESET = "2/3600"  # type: ignore[attr-defined]  # noqa: S105
    emails = [f"reset-client-{n}@example.org" for n in range(4)]
    for email in emails:
        create_user(email)
    client = Client(REMOTE_ADDR="198.51.100.200")
    answers = [client.post(RESET, {"email": email}) for email in emails]
    assert [(a.status_code, a["Location"]) for a in answers] == [(302, DONE)] * 4
    assert [message.to for message in mail.outbox] == [[emails[0]], [emails[1]]]
    other = Client(REMOTE_ADDR="198.51.100.201").post(RESET, {"email": emails[3]})
    assert other.status_code == 302 and len(mail.outbox) == 3, "another client is not affected"
