"""The secrets that travel in URLs are blanked in log text; the rest of the line stays readable."""

import logging
import sys

import pytest

from atlas.logs import JsonFormatter, RedactFilter, redact


@pytest.mark.parametrize(
    ("line", "logged"),
    [
        ('"GET /s/AbC_d-9xYz HTTP/1.1" 404', '"GET /s/[redacted] HTTP/1.1" 404'),
        ("http://atlas.example/s/AbC_d-9xYz", "http://atlas.example/s/[redacted]"),
        ("GET /invites/q1w2-e3_r4 HTTP/1.1", "GET /invites/[redacted] HTTP/1.1"),
        ("/accounts/login/?next=/invites/q1w2e3", "/accounts/login/?next=/invites/[redacted]"),
        ("/accounts/login/?next=%2Finvites%2Fq1w2e3", "/accounts/login/?next=%2Finvites%2F[redacted]"),
        ("GET /accounts/reset/MQ/cjk2-0123abcdef/ HTTP/1.1", "GET /accounts/reset/[redacted]/[redacted]/ HTTP/1.1"),
        ("/accounts/reset/MQ/set-password/", "/accounts/reset/[redacted]/[redacted]/"),
        ("/accounts/reset/done/", "/accounts/reset/done/"),
        ("/api/v1/datasets/d1/points?share=S3cr3t&limit=5", "/api/v1/datasets/d1/points?share=[redacted]&limit=5"),
        ("/api/v1/datasets/d1?limit=5&share=S3cr3t", "/api/v1/datasets/d1?limit=5&share=[redacted]"),
        ("next=/maps/d1%3Fshare%3DS3cr3t", "next=/maps/d1%3Fshare%3D[redacted]"),
        ("GET /maps/d1/sharing HTTP/1.1", "GET /maps/d1/sharing HTTP/1.1"),
        ("GET /static/assets/index-abc.js HTTP/1.1", "GET /static/assets/index-abc.js HTTP/1.1"),
    ],
)
def test_url_secrets_are_redacted_and_nothing_else_is(line: str, logged: str) -> None:
    assert redact(line) == logged


def test_a_records_arguments_and_traceback_are_redacted_before_formatting() -> None:
    try:
        raise ValueError("bad link /s/S3cr3tS3cr3t")
    except ValueError:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Error: %s", ("/s/S3cr3t",), None)
        record.exc_info = sys.exc_info()
    assert RedactFilter().filter(record)
    for text in (logging.Formatter().format(record), JsonFormatter().format(record)):
        assert "S3cr3t" not in text and "/s/[redacted]" in text
