"""A fixed-window rate limiter on the shared cache (Redis when configured): N hits per window per key."""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from atlas.errors import RateLimited

logger = logging.getLogger(__name__)

# What each limit counts, as the person refused reads it (the setting's name is for the log, not for them).
WHAT = {
    "login": "log-in attempts from your address",
    "signup": "sign-ups from your address",
    "password_reset": "password-reset requests from your address",
    "password_reset_email": "password-reset mails to this address",
    "embedding": "embedding requests from your account",
}


def parse_rate(text: str, name: str) -> tuple[int, int]:
    """'10/300' -> (10 hits, 300 seconds); '0/...' turns the limit off."""
    try:
        count, seconds = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a rate: write hits/seconds, e.g. 10/300.") from None
    if count < 0 or seconds < 1:
        raise ValueError(f"{name}={text!r}: hits must be 0 or more (0 turns it off) and seconds at least 1.")
    return count, seconds


def client_address(request: HttpRequest) -> str:
    # Behind a proxy every request would share the proxy's address; the proxy should limit then.
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def hit(scope: str, key: str, rate: tuple[int, int]) -> None:
    """Count one hit; raise RateLimited (429 with Retry-After) once the window's budget is spent."""
    limit, window = rate
    if limit == 0:
        return
    now = int(time.time())
    start = now - now % window
    cache_key = f"ratelimit:{scope}:{key}:{start}"
    # add() sets the counter only when the window's key is new, so two racing first hits count as two.
    cache.add(cache_key, 0, timeout=window + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # the key expired between add and incr: this hit opens a new window
        cache.set(cache_key, 1, timeout=window + 1)
        count = 1
    if count > limit:
        retry_after = max(1, start + window - now)
        logger.warning("rate limit %s (%s=%d/%d) refused a request", scope, settings_name(scope), limit, window)
        raise RateLimited(
            f"Too many {WHAT.get(scope, scope + ' requests')}: at most {limit} every {_span(window)}. "
            f"Try again in {_span(retry_after)}.",
            retry_after,
        )


def _span(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds" if seconds != 1 else "1 second"
    if seconds < 7200:
        return f"{round(seconds / 60)} minutes"
    return f"{round(seconds / 3600)} hours"


def settings_name(scope: str) -> str:
    return f"ATLAS_RATE_LIMIT_{scope.upper()}"


def rate(scope: str) -> tuple[int, int]:
    text: str = getattr(settings, f"RATE_LIMIT_{scope.upper()}")
    return parse_rate(text, settings_name(scope))
