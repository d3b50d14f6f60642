"""A sentence-transformers model run by ONNX Runtime (fp32 or int8) with the plain tokenizers library:
no torch in the process once the export exists, and about half the memory of the torch backend."""

import os
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from embedding.devices import onnx_providers
from embedding.encoder import Encoder
from embedding.fingerprint import model_key
from embedding.onnx_export import onnx_file, read_layout
from embedding.specs import TASK_TYPES, ModelSpec, UnknownModel
from embedding.vectors import Vectors


class OnnxEncoder(Encoder):
    def __init__(self, spec: ModelSpec, path: str, threads: int = 0, quantized: bool = False) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        if not os.path.isdir(path):
            raise UnknownModel(f"Model {spec.name!r} is configured at {path}, which is not a directory.")
        layout = read_layout(spec, path)
        self.name = spec.name
        self.spec = spec
        self.backend = "onnx-int8" if quantized else "onnx"
        self.cache_key = model_key(spec.name, path) + ("+int8" if quantized else "")
        self.dimensions = layout.dimensions
        self.max_tokens = layout.max_tokens
        declared = spec.prefixes if spec.prefixes is not None else layout.prompts
        self.prefixes = {t: p for t, p in declared.items() if t in TASK_TYPES and p}

        tokenizer_file = str(layout.transformer_dir / "tokenizer.json")
        # Shipped tokenizer.json files often pad every text to a fixed length (MiniLM's: 128), which
        # would make each short text cost the full width: pad per batch instead.
        self._tokenizer = Tokenizer.from_file(tokenizer_file)
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self.max_tokens)
        # The same vocabulary without limits or special tokens, to cut long texts into windows.
        self._pieces = Tokenizer.from_file(tokenizer_file)
        self._pieces.no_padding()
        self._pieces.no_truncation()

        options = onnxruntime.SessionOptions()
        if threads > 0:
            options.intra_op_num_threads = threads
        model = onnx_file(spec, path, layout, quantized)
        self._session = onnxruntime.InferenceSession(str(model), options, providers=onnx_providers())
        self._inputs = {i.name for i in self._session.get_inputs()}

    def token_counts(self, texts: Sequence[str]) -> npt.NDArray[np.int64]:
        return np.array([len(e.ids) for e in self._tokenizer.encode_batch(list(texts))], dtype=np.int64)

    def _encode(self, texts: list[str], batch_size: int) -> Vectors:
        """Mean-pooled, L2-normalised vectors, run in token-length order so each batch pads little."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(texts)
        lengths = np.array([len(e.ids) for e in encodings], dtype=np.int64)
        order = np.argsort(lengths, kind="stable")
        for start in range(0, len(order), max(batch_size, 1)):
            batch = order[start : start + batch_size]
            width = int(lengths[batch].max())
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                ids[row, : lengths[i]] = encodings[i].ids
                mask[row, : lengths[i]] = 1
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self._session.run(["last_hidden_state"], {k: v for k, v in feeds.items() if k in self._inputs})[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            out[batch] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out

    def token_offsets(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        return [list(e.offsets) for e in self._pieces.encode_batch(list(texts), add_special_tokens=False)]

    def special_tokens(self) -> int:
        return int(self._tokenizer.num_special_tokens_to_add(False))
