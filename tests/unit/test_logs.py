"""Log lines carry the dataset id of the build they are about, as text or as JSON lines."""

import io
import json
import logging
import logging.config
from collections.abc import Iterator

import pytest

from atlas.logs import dataset_context, logging_config


@pytest.fixture
def stream() -> io.StringIO:
    return io.StringIO()


def configure(log_format: str, stream: io.StringIO) -> logging.Logger:
    config = logging_config(log_format, "INFO")
    logging.config.dictConfig(config)
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    return logging.getLogger("workers.pipeline")


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    yield
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


def test_json_lines_name_the_dataset_of_the_build_step_that_logged_them(stream: io.StringIO) -> None:
    log = configure("json", stream)
    with dataset_context("0b9c6f0e-6d1b-4c4e-9a57-5f3e1c2d7a10"):
        log.info("chunk %d embedded", 3)
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            log.exception("crashed")
    log.info("between builds")
    first, second, third = (json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{"))
    assert first["message"] == "chunk 3 embedded" and first["level"] == "INFO"
    assert first["logger"] == "workers.pipeline"
    assert first["dataset_id"] == second["dataset_id"] == "0b9c6f0e-6d1b-4c4e-9a57-5f3e1c2d7a10"
    assert "RuntimeError: boom" in second["exception"]
    assert third["dataset_id"] == "-"


def test_text_lines_carry_the_dataset_id_in_brackets(stream: io.StringIO) -> None:
    log = configure("plain", stream)
    with dataset_context("abc"):
        log.warning("retrying")
    assert "WARNING workers.pipeline [abc] retrying" in stream.getvalue()
