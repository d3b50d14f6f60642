"""Liveness and readiness: whether this process is up, and whether what it depends on answers."""

from typing import Any

from django.db import connection


def database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means not ready; the reason is reported, not raised
        return False, f"database: {type(exc).__name__}: {exc}"
    return True, "database: ok"


def redis_ok() -> tuple[bool, str]:
    import redis
    from django.conf import settings

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except Exception as exc:
        return False, f"redis: {type(exc).__name__}: {exc}"
    return True, "redis: ok"


def workers_ok(timeout: float = 1.0) -> tuple[bool, str]:
    from atlas.celery import app

    try:
        replies = app.control.ping(timeout=timeout)
    except Exception as exc:
        return False, f"workers: {type(exc).__name__}: {exc}"
    if not replies:
        return False, "workers: none answered; start one with `celery -A atlas worker` (make run starts one)"
    return True, f"workers: {len(replies)} answering"


def readiness() -> dict[str, Any]:
    checks = [database_ok(), redis_ok()]
    # Without Redis a worker ping would only repeat the Redis failure after its timeout.
    checks.append(workers_ok() if checks[1][0] else (False, "workers: not checked, Redis is down"))
    return {"ready": all(ok for ok, _ in checks), "checks": [message for _, message in checks]}
