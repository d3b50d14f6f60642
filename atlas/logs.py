"""Structured logs: every record made while a build step runs carries its dataset id,
ATLAS_LOG_FORMAT=json writes one JSON object per line for log collectors, and no line holds a secret of a URL."""

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_dataset_id: ContextVar[str] = ContextVar("dataset_id", default="")


@contextmanager
def dataset_context(dataset_id: str) -> Iterator[None]:
    """Tag the records logged inside (by any module: the pipeline, the cache, Celery) with dataset_id."""
    token = _dataset_id.set(dataset_id)
    try:
        yield
    finally:
        _dataset_id.reset(token)


class DatasetFilter(logging.Filter):
    """Adds `dataset_id` to every record ("-" outside a build), so formats may name it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "dataset_id", None):
            record.dataset_id = _dataset_id.get() or "-"
        return True


# The secrets that travel in URLs: share links (/s/<secret>, ?share=<secret>), invitation links and
# password-reset links (the user's id and the token). Whoever reads a log line must not be able to use one.
REDACTED = "[redacted]"
_SLASH = r"(?:/|%2[fF])"  # a path inside a query value (?next=...) may come percent-encoded
_VALUE = r"[^/?#&%\s\"']+"
_SECRETS_IN_URLS = [
    (re.compile(rf"({_SLASH}(?:s|invites){_SLASH}){_VALUE}"), rf"\g<1>{REDACTED}"),
    (
        re.compile(rf"({_SLASH}accounts{_SLASH}reset{_SLASH})(?!done\b){_VALUE}(?:{_SLASH}{_VALUE})?"),
        rf"\g<1>{REDACTED}/{REDACTED}",
    ),
    (re.compile(rf"((?:[?&;]|%3[fF]|%26)share(?:=|%3[dD])){_VALUE}"), rf"\g<1>{REDACTED}"),
]


def redact(text: str) -> str:
    """The text with every URL secret replaced by [redacted]; the rest of the URL stays, to read what was asked."""
    for pattern, replacement in _SECRETS_IN_URLS:
        text = pattern.sub(replacement, text)
    return text


class RedactFilter(logging.Filter):
    """Blanks URL secrets in a record's message and traceback before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, dataset_id, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "dataset_id": getattr(record, "dataset_id", "-"),
            "process": record.process,
        }
        # The redact filter leaves the traceback formatted, and cleaned, in exc_text.
        if record.exc_text:
            entry["exception"] = record.exc_text
        elif record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def logging_config(log_format: str, level: str) -> dict[str, object]:
    """Django's LOGGING: plain text lines (the default) or JSON lines, both carrying the dataset id."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"dataset": {"()": "atlas.logs.DatasetFilter"}, "redact": {"()": "atlas.logs.RedactFilter"}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(dataset_id)s] %(message)s"},
            "json": {"()": "atlas.logs.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if log_format == "json" else "plain",
                "filters": ["dataset", "redact"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        # Django gives these loggers handlers of its own, which would write around the redaction: every
        # record goes through the one console handler instead (django.server: runserver's request lines).
        "loggers": {
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.server": {"handlers": [], "level": level, "propagate": True},
        },
    }
