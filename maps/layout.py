"""A map's layout and topic parameters: defaults from the settings, checked values from a request."""

from collections.abc import Mapping
from typing import Any

from django.conf import settings

from atlas.errors import InvalidLayout

__all__ = ["KEYS", "METRICS", "InvalidLayout", "defaults", "parse"]

METRICS = ("cosine", "euclidean")
# Bounds that keep UMAP and HDBSCAN meaningful and a build's cost bounded.
NEIGHBORS_RANGE = (2, 200)
MIN_DIST_RANGE = (0.0, 1.0)
SAMPLE_SIZE_MIN = 1000
CLUSTER_SIZE_RANGE = (2, 100_000)
KEYS = ("n_neighbors", "min_dist", "metric", "sample_size", "min_cluster_size")


def defaults() -> dict[str, Any]:
    """The parameters a new map gets; sample_size 0 fits every row, min_cluster_size 0 picks one from the rows."""
    return {
        "n_neighbors": settings.UMAP_NEIGHBORS,
        "min_dist": settings.UMAP_MIN_DIST,
        "metric": settings.LAYOUT_METRIC,
        "sample_size": settings.LAYOUT_SAMPLE_SIZE,
        "min_cluster_size": settings.TOPIC_MIN_CLUSTER_SIZE,
    }


def parse(raw: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters in raw (strings from a form or JSON values) over base; unknown or bad values refused."""
    params = {**defaults(), **base}
    for key, value in raw.items():
        if key not in KEYS:
            continue
        if value is None or value == "":
            continue
        params[key] = _parse_one(key, value)
    return params


def _parse_one(key: str, value: Any) -> Any:
    if key == "metric":
        if value not in METRICS:
            raise InvalidLayout(f"metric must be one of {', '.join(METRICS)}, not {str(value)[:50]!r}.")
        return value
    if key == "min_dist":
        number = _number(key, value, float)
        low, high = MIN_DIST_RANGE
        if not low <= number <= high:
            raise InvalidLayout(f"min_dist must be between {low} and {high}; got {number}.")
        return number
    whole = int(_number(key, value, int))
    if key == "n_neighbors":
        low, high = NEIGHBORS_RANGE
        if not low <= whole <= high:
            raise InvalidLayout(f"n_neighbors must be a whole number from {low} to {high}; got {whole}.")
    elif key == "sample_size":
        if whole != 0 and whole < SAMPLE_SIZE_MIN:
            raise InvalidLayout(
                f"sample_size must be 0 (fit UMAP on every row) or at least {SAMPLE_SIZE_MIN}; got {whole}."
            )
    else:
        low, high = CLUSTER_SIZE_RANGE
        if whole != 0 and not low <= whole <= high:
            raise InvalidLayout(
                f"min_cluster_size must be 0 (chosen from the number of rows) or from {low} to {high}; got {whole}."
            )
    return whole


def _number(key: str, value: Any, kind: type[int] | type[float]) -> float:
    if isinstance(value, bool):
        raise InvalidLayout(f"{key} must be a number, not {value!r}.")
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise InvalidLayout(
            f"{key} must be a {'whole ' if kind is int else ''}number; got {str(value)[:50]!r}."
        ) from None
    return float(number)
