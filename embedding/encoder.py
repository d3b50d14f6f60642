"""A sentence-transformers model behind Atlas' embedding contract: task prefixes, Matryoshka
dimensionality and long-text handling, always returning L2-normalised float32 vectors."""

import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from embedding.devices import torch_device
from embedding.fingerprint import model_key
from embedding.specs import DEFAULT_TASK_TYPE, TASK_TYPES, ModelSpec, UnknownModel
from embedding.vectors import Vectors


@dataclass(frozen=True)
class Embedded:
    vectors: Vectors
    # Tokens the model actually read, special tokens and prefixes included (the API's usage figure).
    tokens: int
    # The same, text by text, so a batch of several callers' texts can give each caller its own figure.
    tokens_per_text: npt.NDArray[np.int64]


def matryoshka(vectors: Vectors, dimensionality: int) -> Vectors:
    """Nomic's recipe: layer norm over the full vector, keep the first dimensions, re-normalise.

    Layer norm ignores the vector's scale, so it may run on the already normalised vectors.
    """
    centred = vectors - vectors.mean(axis=1, keepdims=True)
    normed = centred / np.sqrt(centred.var(axis=1, keepdims=True) + 1e-5)
    cut = normed[:, :dimensionality]
    shortened: Vectors = (cut / np.maximum(np.linalg.norm(cut, axis=1, keepdims=True), 1e-12)).astype(np.float32)
    return shortened


class Encoder(ABC):
    """The contract shared by every backend: prefixes, Matryoshka and long texts are handled here once;
    a backend only tokenizes and runs the model (`token_counts`, `token_offsets`, `special_tokens`, `_encode`)."""

    name: str
    spec: ModelSpec
    dimensions: int
    max_tokens: int
    prefixes: Mapping[str, str]
    # Which backend serves the vectors ("torch", "onnx", "onnx-int8").
    backend: str
    # Names these exact weights, whatever the backend, for the embedding cache (embeddings.cache):
    # vectors cached under one key are interchangeable. int8 gets its own key, as it moves neighbours.
    cache_key: str

    def prefix(self, task_type: str | None) -> str:
        return self.prefixes.get(task_type or DEFAULT_TASK_TYPE, "") if self.prefixes else ""

    @abstractmethod
    def token_counts(self, texts: Sequence[str]) -> npt.NDArray[np.int64]: ...

    @abstractmethod
    def _encode(self, texts: list[str], batch_size: int) -> Vectors: ...

    @abstractmethod
    def token_offsets(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """Each text's tokens as character spans, without special tokens, truncation or a prefix."""

    @abstractmethod
    def special_tokens(self) -> int:
        """How many special tokens the model adds to one text."""

    def passage_budget(self, task_type: str | None = None) -> int:
        """The most tokens of text one passage may hold for the model to read it whole, its prefix and special
        tokens counted."""
        return self._budget(self.prefix(task_type))

    def _budget(self, prefix: str) -> int:
        prefix_tokens = len(self.token_offsets([prefix])[0]) if prefix else 0
        return max(self.max_tokens - self.special_tokens() - prefix_tokens, 1)

    def _windows(self, texts: Sequence[str], prefix: str) -> tuple[list[str], npt.NDArray[np.int64]]:
        """Cut each text that is too long into consecutive token windows the model reads whole."""
        return split_into_windows(texts, self.token_offsets(texts), self._budget(prefix), prefix)

    def passages(
        self, texts: Sequence[str], size: int, overlap: int, task_type: str | None = None
    ) -> list[list[tuple[int, int]]]:
        """Each text cut into passages of at most `size` tokens (never more than the model reads whole), each
        starting `overlap` tokens before the previous one ends, as character spans of the text."""
        size = min(size, self.passage_budget(task_type))
        return [
            split_passages(spans, len(text), size, overlap)
            for text, spans in zip(texts, self.token_offsets(texts), strict=True)
        ]

    def encode(self, texts: Sequence[str], task_type: str | None = None) -> Vectors:
        """Unit vectors for one batch, as the map build calls it (documents unless told otherwise)."""
        return self._encode([self.prefix(task_type) + text for text in texts], batch_size=len(texts) or 1)

    def embed(
        self,
        texts: Sequence[str],
        task_type: str | None = None,
        dimensionality: int | None = None,
        long_text_mode: str = "truncate",
        batch_size: int = 64,
    ) -> Embedded:
        """Vectors for a request: prefixed, long texts cut or averaged, optionally Matryoshka-shortened."""
        prefix = self.prefix(task_type)
        if long_text_mode == "mean":
            pieces, owners = self._windows(texts, prefix)
        else:
            pieces, owners = [prefix + text for text in texts], np.arange(len(texts))
        tokens = self.token_counts(pieces) if pieces else np.zeros(0, dtype=np.int64)
        vectors = self._encode(pieces, batch_size)
        if len(pieces) != len(texts):
            vectors = self._average(vectors, owners, tokens, len(texts))
        if dimensionality is not None and self.spec.matryoshka_min is not None:
            vectors = matryoshka(vectors, dimensionality)
        per_text = np.bincount(owners, weights=tokens, minlength=len(texts)).astype(np.int64)
        return Embedded(vectors, int(tokens.sum()), per_text)

    @staticmethod
    def _average(vectors: Vectors, owners: npt.NDArray[np.int64], tokens: npt.NDArray[np.int64], count: int) -> Vectors:
        """Token-weighted mean of each text's window vectors, re-normalised: a short tail counts less."""
        summed = np.zeros((count, vectors.shape[1]), dtype=np.float64)
        np.add.at(summed, owners, vectors * tokens[:, None])
        norms = np.maximum(np.linalg.norm(summed, axis=1, keepdims=True), 1e-12)
        averaged: Vectors = (summed / norms).astype(np.float32)
        return averaged


class SentenceTransformerEncoder(Encoder):
    """One loaded model on torch; safe to share between the threads of a web process."""

    backend = "torch"

    def __init__(self, spec: ModelSpec, path: str, threads: int = 0) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        if threads > 0:
            torch.set_num_threads(threads)
        if not os.path.isdir(path):
            raise UnknownModel(f"Model {spec.name!r} is configured at {path}, which is not a directory.")
        self.name = spec.name
        self.spec = spec
        self.cache_key = model_key(spec.name, path)
        self._model = SentenceTransformer(path, device=torch_device(), trust_remote_code=spec.trust_remote_code)
        dimensions = self._model.get_embedding_dimension()
        if dimensions is None:
            raise UnknownModel(f"Model {spec.name!r} at {path} does not say its embedding dimension")
        self.dimensions = int(dimensions)
        # A model without a declared limit is read whole by its tokenizer; 512 is BERT's usual bound.
        self.max_tokens = int(self._model.max_seq_length or 512)
        declared = spec.prefixes if spec.prefixes is not None else self._model.prompts
        self.prefixes = {t: p for t, p in declared.items() if t in TASK_TYPES and p}
        # torch modules are not re-entrant: one model object serves every thread of a web process.
        self._lock = threading.Lock()

    def token_counts(self, texts: Sequence[str]) -> npt.NDArray[np.int64]:
        encoded = self._model.tokenizer(
            list(texts), add_special_tokens=True, truncation=True, max_length=self.max_tokens
        )
        return np.array([len(ids) for ids in encoded["input_ids"]], dtype=np.int64)

    def _encode(self, texts: list[str], batch_size: int) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                texts,
                # Prefixes are added here, explicitly: prompt="" stops sentence-transformers adding a
                # default prompt of its own on top.
                prompt="",
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    def token_offsets(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        encoded = self._model.tokenizer(list(texts), add_special_tokens=False, return_offsets_mapping=True)
        return [[(int(a), int(b)) for a, b in spans] for spans in encoded["offset_mapping"]]

    def special_tokens(self) -> int:
        return int(self._model.tokenizer.num_special_tokens_to_add())


def split_into_windows(
    texts: Sequence[str], offsets: Sequence[Sequence[tuple[int, int]]], budget: int, prefix: str
) -> tuple[list[str], npt.NDArray[np.int64]]:
    """Cut each text into consecutive windows of at most `budget` tokens (by the tokens' character
    offsets), each with the prefix; return the pieces and, for each piece, the text it came from."""
    pieces: list[str] = []
    owners: list[int] = []
    for i, (text, spans) in enumerate(zip(texts, offsets, strict=True)):
        if len(spans) <= budget:
            pieces.append(prefix + text)
            owners.append(i)
            continue
        for start in range(0, len(spans), budget):
            window = spans[start : start + budget]
            pieces.append(prefix + text[window[0][0] : window[-1][1]])
            owners.append(i)
    return pieces, np.asarray(owners, dtype=np.int64)


def split_passages(spans: Sequence[tuple[int, int]], length: int, size: int, overlap: int) -> list[tuple[int, int]]:
    """Character spans of consecutive windows of at most `size` tokens, each overlapping the one before by
    `overlap` tokens (clamped below `size`), given a text's token spans; a text that fits is one passage, the
    whole of it."""
    if len(spans) <= size:
        return [(0, length)]
    step = size - min(max(overlap, 0), size - 1)
    found = []
    for start in range(0, len(spans), step):
        window = spans[start : start + size]
        found.append((window[0][0], window[-1][1]))
        if start + size >= len(spans):
            break
    return found
