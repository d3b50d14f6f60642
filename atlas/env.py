"""Typed readers for settings that come from environment variables.

Unset and empty both mean the default, as a copied .env.example leaves most variables empty.
"""

import os
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
