"""How Atlas reads a dataset's files, in the web process and the workers alike: the limits from the settings
and a dataset's stored read options as the readers take them. Nothing here knows about HTTP."""

from collections.abc import Mapping
from typing import Any

from django.conf import settings

from tables.reader import Limits, ReadChoices


def ingest_limits() -> Limits:
    return Limits(
        max_columns=settings.MAX_COLUMNS,
        max_field_bytes=settings.MAX_FIELD_BYTES,
        max_uncompressed_bytes=settings.MAX_UNCOMPRESSED_BYTES,
        max_compression_ratio=settings.MAX_COMPRESSION_RATIO,
    )


def read_choices(options: Mapping[str, Any]) -> ReadChoices:
    """A dataset's stored read options as the readers take them."""
    return ReadChoices(
        delimiter=options.get("delimiter"),
        quote=options.get("quote"),
        has_header=options.get("has_header"),
        bad_rows=options.get("bad_rows", "abort"),
    )
