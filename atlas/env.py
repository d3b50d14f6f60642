"""Typed readers for settings that come from environment variables.

Unset and empty both mean the default, as a copied .env.example leaves most variables empty.
"""

import os
import re
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def _read(name: str, default: T, parse: Callable[[str], T], expected: str) -> T:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return parse(raw)
    except (KeyError, ValueError):
        raise ValueError(f"Environment variable {name}={raw!r} must be {expected}") from None


def env_str(name: str, default: str) -> str:
    return _read(name, default, str, "text")


def env_int(name: str, default: int) -> int:
    return _read(name, default, int, "a whole number")


def env_float(name: str, default: float) -> float:
    return _read(name, default, float, "a number")


def env_bool(name: str, default: bool) -> bool:
    return _read(name, default, lambda raw: _BOOLEANS[raw.lower()], "true or false")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


def embed_origins(items: list[str]) -> list[str]:
    """ATLAS_EMBED_ORIGINS' origins, each scheme://host[:port] with no path; anything else stops the start."""
    for item in items:
        if not _ORIGIN.match(item):
            raise ValueError(
                f"ATLAS_EMBED_ORIGINS holds {item!r}, which is not an origin; write scheme://host[:port] with no "
                "path, e.g. https://blog.example.org, and separate several with commas."
            )
    return [item.rstrip("/") for item in items]
