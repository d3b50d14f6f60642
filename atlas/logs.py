"""Structured logs: every record made while a build step runs carries its dataset id, and
ATLAS_LOG_FORMAT=json writes one JSON object per line for log collectors."""

import json
import logging
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
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def logging_config(log_format: str, level: str) -> dict[str, object]:
    """Django's LOGGING: plain text lines (the default) or JSON lines, both carrying the dataset id."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"dataset": {"()": "atlas.logs.DatasetFilter"}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(dataset_id)s] %(message)s"},
            "json": {"()": "atlas.logs.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if log_format == "json" else "plain",
                "filters": ["dataset"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
    }
