"""Turn a sentence-transformers BERT-style model into ONNX files once, at first use, and cache them.

Only the transformer is exported (input ids and mask in, last hidden state out); pooling and
normalisation run in numpy (embedding.onnx_encoder), so any mean-pooled model fits.
"""

import fcntl
import inspect
import json
import os
import tempfile
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embedding.fingerprint import artefact_dir, fingerprint, safe_name
from embedding.specs import ModelSpec

_export_lock = threading.Lock()


class UnsupportedByOnnx(ValueError):
    """This model cannot run on the ONNX backend (the registry serves it on torch instead)."""


@dataclass(frozen=True)
class ModelLayout:
    """What the ONNX backend needs from a sentence-transformers directory, read from its config files."""

    transformer_dir: Path
    dimensions: int
    max_tokens: int
    prompts: dict[str, str]


def read_layout(spec: ModelSpec, path: str) -> ModelLayout:
    root = Path(path)
    if spec.trust_remote_code:
        raise UnsupportedByOnnx(f"{spec.name} runs its own modelling code, which the exporter does not trace")
    try:
        modules = json.loads((root / "modules.json").read_text())
    except (OSError, ValueError) as exc:
        raise UnsupportedByOnnx(f"{root} has no readable modules.json ({exc})") from None
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k != "Normalize" for k in kinds[2:]):
        raise UnsupportedByOnnx(f"{spec.name} has modules {kinds}; the ONNX backend runs Transformer+Pooling(mean)")
    transformer_dir = root / modules[0]["path"]
    pooling = json.loads((root / modules[1]["path"] / "config.json").read_text())
    # sentence-transformers >= 6 writes {"pooling_mode": "mean"}; older saves write one flag per mode.
    modes = pooling.get("pooling_mode") or [k for k, v in pooling.items() if k.startswith("pooling_mode_") and v]
    if modes not in ("mean", ["mean"], ["pooling_mode_mean_tokens"]) or pooling.get("include_prompt") is False:
        raise UnsupportedByOnnx(f"{spec.name} pools with {modes}; the ONNX backend does mean pooling only")
    if not (transformer_dir / "tokenizer.json").exists():
        raise UnsupportedByOnnx(f"{spec.name} has no tokenizer.json for the tokenizers library")
    st_config = _json_or_empty(transformer_dir / "sentence_bert_config.json")
    own_config = _json_or_empty(root / "config_sentence_transformers.json")
    return ModelLayout(
        transformer_dir=transformer_dir,
        dimensions=int(pooling.get("embedding_dimension") or pooling["word_embedding_dimension"]),
        max_tokens=_max_tokens(transformer_dir, st_config),
        prompts={k: str(v) for k, v in (own_config.get("prompts") or {}).items()},
    )


def _max_tokens(transformer_dir: Path, st_config: dict[str, Any]) -> int:
    """The limit sentence-transformers reads with: its own config (older saves), else the tokenizer's
    (sentence-transformers 6 keeps it there), else the model's position table."""
    tokenizer_limit = _json_or_empty(transformer_dir / "tokenizer_config.json").get("model_max_length")
    if isinstance(tokenizer_limit, (int, float)) and tokenizer_limit > 1_000_000:
        tokenizer_limit = None  # transformers' "no limit" placeholder (1e30)
    positions = _json_or_empty(transformer_dir / "config.json").get("max_position_embeddings")
    return int(st_config.get("max_seq_length") or tokenizer_limit or positions or 512)


def onnx_file(spec: ModelSpec, path: str, layout: ModelLayout, quantized: bool) -> Path:
    """The cached export for these exact weights, made now if missing (needs torch, only this once).

    Threads of one process wait on a lock, other processes (several workers starting at once) on a file
    lock next to the exports: the first exports, the others then find its file and read it.
    """
    folder = artefact_dir()
    base = folder / f"{safe_name(spec.name)}-{fingerprint(path)}"
    fp32, int8 = base.with_suffix(".onnx"), Path(f"{base}-int8.onnx")
    target = int8 if quantized else fp32
    if target.exists():
        return target
    with _export_lock:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with _file_lock(Path(f"{base}.lock")):
                if not fp32.exists():
                    _atomically(fp32, lambda tmp: _export(layout.transformer_dir, tmp))
                if quantized and not int8.exists():
                    _atomically(int8, lambda tmp: _quantize(fp32, tmp))
        except Exception as exc:
            # ONNX is the default backend: a model that fails to export, or a data folder that cannot be
            # written, still serves on torch (the registry falls back and logs this).
            raise UnsupportedByOnnx(f"exporting {spec.name} to {folder} failed: {exc!r}") from exc
    return target


@contextmanager
def _file_lock(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _atomically(target: Path, make: Any) -> None:
    # Written under a temporary name and renamed: a reader (or a process killed mid-export) never
    # leaves or sees a half-written file under the real name.
    handle, tmp = tempfile.mkstemp(dir=target.parent, suffix=".onnx.part")
    os.close(handle)
    try:
        make(Path(tmp))
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _export(transformer_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel

    # Eager attention traces into plain ops that keep the mask dynamic; sdpa's fast paths may not.
    model = AutoModel.from_pretrained(str(transformer_dir), attn_implementation="eager")
    takes_types = "token_type_ids" in inspect.signature(model.forward).parameters
    names = ["input_ids", "attention_mask", *(["token_type_ids"] if takes_types else [])]

    class LastHidden(torch.nn.Module):
        """Keyword arguments in, one tensor out: transformers 5's forward has no stable positional order."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            hidden: torch.Tensor = self.model(**dict(zip(names, inputs, strict=True))).last_hidden_state
            return hidden

    wrapper = LastHidden().eval()
    ids = torch.ones((2, 8), dtype=torch.long)  # id 1 exists in any vocabulary
    mask = torch.ones((2, 8), dtype=torch.long)
    mask[1, 5:] = 0
    sample = (ids, mask, *([torch.zeros_like(ids)] if takes_types else []))
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about Python-side shape checks
        torch.onnx.export(
            wrapper,
            sample,
            str(out),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def _quantize(fp32: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Per-channel weights on the MatMuls only: on MiniLM this keeps mean cosine to fp32 at 0.993, where
    # the defaults (per-tensor, embedding tables quantised too) fall to 0.963.
    quantize_dynamic(
        str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"]
    )


def _json_or_empty(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded
