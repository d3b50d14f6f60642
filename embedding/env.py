"""The library's settings from environment variables: unset and empty both mean the default."""

import os


def env_str(name: str, default: str) -> str:
    return os.environ.get(name) or default
