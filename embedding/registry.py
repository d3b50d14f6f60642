"""Model names to loaded encoders on the configured backend, loaded once per process even when several
threads ask at once."""

import logging
import threading

from embedding.encoder import Encoder, SentenceTransformerEncoder
from embedding.env import env_str
from embedding.specs import ModelSpec, UnknownModel, available_models, find_spec

log = logging.getLogger(__name__)

# onnx (the default): the weights exported once to ONNX Runtime, the torch vectors to ~1e-6, about twice
# as fast on CPU and half the memory. torch: sentence-transformers as shipped. onnx-int8: dynamic int8
# quantisation, fastest, moves some neighbours.
BACKENDS = ("torch", "onnx", "onnx-int8")
DEFAULT_BACKEND = "onnx"

_load_lock = threading.Lock()
# Keyed by where the model lives and how it is served, so a name re-configured elsewhere loads afresh.
_loaded: dict[tuple[str, str, int | None, int, str], Encoder] = {}


def configured_backend() -> str:
    # Read from the environment, as the Python client's local mode runs this registry without Django.
    backend = env_str("ATLAS_EMBED_BACKEND", DEFAULT_BACKEND)
    if backend not in BACKENDS:
        raise ValueError(f"ATLAS_EMBED_BACKEND={backend!r} is not a backend; use one of {', '.join(BACKENDS)}")
    return backend


def get_encoder(name: str, threads: int = 0, backend: str | None = None) -> Encoder:
    spec = find_spec(name)
    if not spec.embeds_texts:
        raise UnknownModel(
            f"Model {name!r} embeds images, not texts: send images to POST /api/v1/embedding/image (embed.image "
            f"in the Python client). Text models: {', '.join(available_models('text'))}."
        )
    path = spec.locate()
    backend = backend or configured_backend()
    key = (spec.name, path, spec.matryoshka_min, threads, backend)
    with _load_lock:
        if key not in _loaded:
            _loaded[key] = _load(spec, path, threads, backend)
        return _loaded[key]


def _load(spec: ModelSpec, path: str, threads: int, backend: str) -> Encoder:
    if backend != "torch":
        from embedding.onnx_encoder import OnnxEncoder
        from embedding.onnx_export import UnsupportedByOnnx

        try:
            return OnnxEncoder(spec, path, threads, quantized=backend == "onnx-int8")
        except UnsupportedByOnnx as exc:
            # The backend is one setting for every model; a model it cannot run still works on torch.
            log.warning("model %s stays on torch: %s", spec.name, exc)
    return SentenceTransformerEncoder(spec, path, threads)
