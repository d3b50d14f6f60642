"""POST JSON to an Atlas server, retrying what a retry can fix: lost connections, 429 and 5xx."""

import os
import time
from typing import Any

import httpx

from atlas_client.errors import AtlasError

DEFAULT_URL = "http://127.0.0.1:8000"


def server_url(explicit: str | None) -> str:
    return (explicit or os.environ.get("ATLAS_URL") or DEFAULT_URL).rstrip("/")


def auth_headers(api_key: str | None) -> dict[str, str]:
    """`Authorization: Bearer` with the key given, else $ATLAS_API_KEY; none when neither is set."""
    key = api_key or os.environ.get("ATLAS_API_KEY")
    return {"Authorization": f"Bearer {key}"} if key else {}


def post_json(client: httpx.Client, url: str, body: dict[str, Any], max_retries: int, backoff: float) -> dict[str, Any]:
    """The answer's JSON; after max_retries failed retries the last failure is raised as AtlasError."""
    return post(client, url, max_retries, backoff, json=body)


def post(client: httpx.Client, url: str, max_retries: int, backoff: float, **request: Any) -> dict[str, Any]:
    """POST (json=, files=, data= as httpx takes them) with retries; the answer's JSON."""
    for attempt in range(max_retries + 1):
        last_try = attempt == max_retries
        try:
            response = client.post(url, **request)
        except httpx.TransportError as exc:
            if last_try:
                raise AtlasError(f"Could not reach {url} ({exc}); is the Atlas server running there?") from exc
        else:
            if response.status_code < 400:
                answer: dict[str, Any] = response.json()
                return answer
            if (response.status_code != 429 and response.status_code < 500) or last_try:
                raise refusal(response)
            if response.status_code == 429:
                time.sleep(max(backoff * 2**attempt, _retry_after(response)))
                continue
        time.sleep(backoff * 2**attempt)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(60.0, float(response.headers.get("Retry-After", "0")))
    except ValueError:
        return 0.0


def refusal(response: httpx.Response) -> AtlasError:
    try:
        error = response.json()["error"]
        return AtlasError(str(error["message"]), response.status_code, error.get("code"))
    except (ValueError, KeyError, TypeError):
        return AtlasError(response.text[:500] or response.reason_phrase, response.status_code)
