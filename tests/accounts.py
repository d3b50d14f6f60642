"""Accounts for tests: `create_user` and the default user whose personal workspace holds the test maps."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.test import Client

from teams.actions import create_account, ensure_personal_workspace
from teams.models import Workspace

PASSWORD = "correct horse battery staple"  # noqa: S105  (test accounts only)
DEFAULT_EMAIL = "tester@example.org"


def create_user(email: str, password: str = PASSWORD) -> User:
    return create_account(email, password)


def default_user() -> User:
    found = get_user_model().objects.filter(username=DEFAULT_EMAIL).first()
    return found if found is not None else create_user(DEFAULT_EMAIL)


def default_workspace() -> Workspace:
    return ensure_personal_workspace(default_user())


def logged_in_client(user: User | None = None) -> Client:
    client = Client()
    client.force_login(user or default_user())
    return client
