"""The account benchmark maps belong to: one user and its personal workspace, made on first use."""

from django.contrib.auth import get_user_model

from teams.actions import create_account, create_api_token, ensure_personal_workspace
from teams.models import Workspace

BENCH_EMAIL = "bench@example.org"


def bench_workspace() -> Workspace:
    user = get_user_model().objects.filter(username=BENCH_EMAIL).first() or create_account(BENCH_EMAIL, None)
    return ensure_personal_workspace(user)


def bench_token() -> str:
    """A new API token of the benchmark account, for requests that need one (an upload)."""
    bench_workspace()
    return create_api_token(get_user_model().objects.get(username=BENCH_EMAIL), "benchmark").secret
