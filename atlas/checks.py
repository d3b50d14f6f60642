"""Start-up checks: catch missing configuration with a message that says how to fix it."""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

# A sample smaller than this leaves too few rows per region for transform to place the rest faithfully.
MIN_LAYOUT_SAMPLE = 1000


@register()
def check_services_configured(app_configs: Sequence[Any] | None, **kwargs: Any) -> list[Error]:
    errors = []
    if not settings.DATABASE_URL:
        errors.append(
            Error(
                "DATABASE_URL is not set, and no `make run` is running with this data folder.",
                hint="Start `make run` (it starts an embedded PostgreSQL) and run this command beside it in another "
                "terminal in the project folder: it then reaches the running app with nothing to set. Or set "
                "DATABASE_URL=postgresql://user:password@host:5432/dbname for an external server.",
                id="atlas.E001",
            )
        )
    if not settings.REDIS_URL:
        errors.append(
            Error(
                "REDIS_URL is not set, and no `make run` is running with this data folder.",
                hint="Start `make run` (it starts an embedded Redis) and run this command beside it in another "
                "terminal in the project folder: it then reaches the running app with nothing to set. Or set "
                "REDIS_URL=redis://host:6379/0 for an external server.",
                id="atlas.E002",
            )
        )
    return errors


@register()
def check_layout_sample_size(app_configs: Sequence[Any] | None, **kwargs: Any) -> list[Error]:
    size = settings.LAYOUT_SAMPLE_SIZE
    if size == 0 or size >= MIN_LAYOUT_SAMPLE:
        return []
    return [
        Error(
            f"ATLAS_LAYOUT_SAMPLE_SIZE={size} is too small to fit a layout on.",
            hint=f"Set it to 0 (fit UMAP on every row) or to at least {MIN_LAYOUT_SAMPLE} rows; the default is 50000.",
            id="atlas.E003",
        )
    ]


@register()
def check_embed_backend(app_configs: Sequence[Any] | None, **kwargs: Any) -> list[Error]:
    from embedding import configured_backend

    try:
        configured_backend()
    except ValueError as exc:
        return [
            Error(
                str(exc),
                hint="Set ATLAS_EMBED_BACKEND to torch, onnx or onnx-int8, or leave it empty for onnx, the default.",
                id="atlas.E004",
            )
        ]
    return []


@register()
def check_rate_limits(app_configs: Sequence[Any] | None, **kwargs: Any) -> list[Error]:
    from teams import ratelimit

    errors = []
    for scope in ("login", "signup", "password_reset", "password_reset_email", "embedding"):
        try:
            ratelimit.rate(scope)
        except ValueError as exc:
            errors.append(
                Error(str(exc), hint="Write hits/seconds, e.g. 10/300; 0/1 turns the limit off.", id="atlas.E010")
            )
    return errors


# Tagged security: the web process runs these when it starts (atlas.wsgi), as gunicorn runs no checks itself.
@register(Tags.security)
def check_secret_key(app_configs: Sequence[Any] | None, **kwargs: Any) -> list[Error]:
    if settings.DEBUG or settings.SECRET_KEY != settings.DEV_SECRET_KEY:
        return []
    return [
        Error(
            "SECRET_KEY is the public development default, while DEBUG is off: anyone could forge sessions, "
            "CSRF tokens and password-reset links.",
            hint='Make a key with `python -c "import secrets; print(secrets.token_urlsafe(50))"` and set '
            "SECRET_KEY to it, the same for every web process and kept secret. `make run` makes and keeps one by "
            "itself (in the data folder) when SECRET_KEY is unset. For development only, DEBUG=true allows the "
            "default.",
            id="atlas.E005",
        )
    ]
