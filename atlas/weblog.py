"""gunicorn's access log without the secrets that travel in URLs (`--logger-class atlas.weblog.AccessLogger`)."""

import datetime
from typing import Any

from gunicorn.glogging import Logger  # type: ignore[import-untyped]

from atlas.logs import redact


class AccessLogger(Logger):  # type: ignore[misc]  # gunicorn ships no type information
    """Every value an access-log line may show (request line, path, query, referer, headers) goes out redacted."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: datetime.timedelta) -> dict[str, Any]:
        found: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {name: redact(value) if isinstance(value, str) else value for name, value in found.items()}
