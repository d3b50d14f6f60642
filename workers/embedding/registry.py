"""Model names to loaded encoders, loaded once per process even when several threads ask at once."""

import threading

from workers.embedding.encoder import SentenceTransformerEncoder
from workers.embedding.specs import find_spec

_load_lock = threading.Lock()
# Keyed by where the model lives and how it is served, so a name re-configured elsewhere loads afresh.
_loaded: dict[tuple[str, str, int | None, int], SentenceTransformerEncoder] = {}


def get_encoder(name: str, threads: int = 0) -> SentenceTransformerEncoder:
    spec = find_spec(name)
    path = spec.locate()
    key = (spec.name, path, spec.matryoshka_min, threads)
    with _load_lock:
        if key not in _loaded:
            _loaded[key] = SentenceTransformerEncoder(spec, path, threads)
        return _loaded[key]
