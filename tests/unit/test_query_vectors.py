"""The web process's query vectors: the model's own vector for a search query, recent ones remembered up to
ATLAS_QUERY_CACHE_SIZE, the least recently asked forgotten first."""

from typing import Any

import numpy as np

from embedding import get_encoder
from maps.query_vectors import embed_query, forget, remembered

MODEL = "all-MiniLM-L6-v2"


def test_a_query_vector_is_the_models_and_recent_ones_are_remembered_least_recent_out_first(
    settings: Any,
) -> None:
    settings.QUERY_CACHE_SIZE = 2
    forget()
    first = embed_query(MODEL, "http client")
    direct = get_encoder(MODEL, 1).encode(["http client"], task_type="search_query")[0]
    assert np.allclose(first, direct, atol=1e-6)
    embed_query(MODEL, "date parsing")
    assert embed_query(MODEL, "http client") == first  # asked again: now the most recent
    embed_query(MODEL, "plotting")
    assert remembered() == [(MODEL, "http client"), (MODEL, "plotting")]


def test_no_query_vector_is_remembered_when_the_cache_size_is_zero(settings: Any) -> None:
    settings.QUERY_CACHE_SIZE = 0
    forget()
    embed_query(MODEL, "http client")
    assert remembered() == []
