"""Start-up checks: catch missing configuration with a message that says how to fix it."""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_services_configured(app_configs: Sequence[Any] | None, **kwargs: Any) -> list[Error]:
    errors = []
    if not settings.DATABASE_URL:
        errors.append(
            Error(
                "DATABASE_URL is not set.",
                hint="Start the app with `make run` (it starts an embedded PostgreSQL and sets it), "
                "or set DATABASE_URL=postgresql://user:password@host:5432/dbname for an external server.",
                id="atlas.E001",
            )
        )
    if not settings.REDIS_URL:
        errors.append(
            Error(
                "REDIS_URL is not set.",
                hint="Start the app with `make run` (it starts an embedded Redis and sets it), "
                "or set REDIS_URL=redis://host:6379/0 for an external server.",
                id="atlas.E002",
            )
        )
    return errors
