"""A search's text as a vector, in the web process: the model on its own thread budget, and recent queries
remembered.

Embedding the query is much of a search's time. The web process serves many requests on few cores, so its
encoder runs on ATLAS_QUERY_THREADS threads (1 by default: concurrent searches share the cores instead of
each asking for all of them, and no idle thread pool spins beside the database). Batching concurrent queries
into one model call was measured too and gained nothing here (docs/BENCHMARKS.md, "Query latency"). People
repeat and refine searches, and the map page re-runs one as filters change: the last ATLAS_QUERY_CACHE_SIZE
query vectors are kept, keyed by model and text.
"""

import threading
from collections import OrderedDict

from django.conf import settings

_lock = threading.Lock()
_recent: OrderedDict[tuple[str, str], tuple[float, ...]] = OrderedDict()


def embed_query(model_name: str, text: str) -> list[float]:
    """The query's vector as the model embeds a search query (models with task prefixes embedded the rows as
    documents)."""
    key = (model_name, text)
    with _lock:
        if key in _recent:
            _recent.move_to_end(key)
            return list(_recent[key])
    from embedding import get_encoder

    encoder = get_encoder(model_name, settings.QUERY_THREADS)
    vector = tuple(float(v) for v in encoder.encode([text], task_type="search_query")[0].tolist())
    if settings.QUERY_CACHE_SIZE > 0:
        with _lock:
            _recent[key] = vector
            while len(_recent) > settings.QUERY_CACHE_SIZE:
                _recent.popitem(last=False)
    return list(vector)


def remembered() -> list[tuple[str, str]]:
    """The (model, text) keys remembered, oldest first."""
    with _lock:
        return list(_recent)


def forget() -> None:
    """Drop every remembered vector (a model's files changed, or a test wants a cold start)."""
    with _lock:
        _recent.clear()
