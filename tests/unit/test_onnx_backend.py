"""The ONNX Runtime backends against torch on tiny local models: same vectors (fp32), close ones (int8),
one export per model kept under ATLAS_DATA_DIR, and a model ONNX cannot run stays on torch."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embedding import configured_backend, embed_texts, get_encoder
from embedding.agreement import mean_cosine
from embedding.onnx_encoder import OnnxEncoder
from embedding.specs import find_spec

TEXTS = ["the cat", "a river of stone", "dog", "the fish of the tree", "search query document bird", "zebra"]
LONG = "cat dog fish bird tree river stone the a of " * 4
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _data_dir(tiny_models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATLAS_DATA_DIR", str(tmp_path))


@pytest.mark.parametrize("model", ["tiny-plain", "tiny-prefixed"])
@pytest.mark.parametrize(
    "options",
    [{}, {"task_type": "search_query"}, {"long_text_mode": "mean"}, {"dimensionality": 8}],
    ids=["documents", "queries", "long-text-mean", "matryoshka"],
)
def test_onnx_fp32_gives_the_torch_vectors_for_every_request_option(model: str, options: dict[str, object]) -> None:
    if "dimensionality" in options and model == "tiny-plain":
        options = {}
    texts = [*TEXTS, LONG]
    torch_encoder = get_encoder(model, backend="torch")
    assert torch_encoder.backend == "torch"
    torch_result = torch_encoder.embed(texts, **options)  # type: ignore[arg-type]
    onnx_encoder = get_encoder(model, backend="onnx")
    assert onnx_encoder.backend == "onnx"
    onnx_result = onnx_encoder.embed(texts, **options)  # type: ignore[arg-type]
    np.testing.assert_allclose(onnx_result.vectors, torch_result.vectors, atol=1e-5)
    assert onnx_result.tokens == torch_result.tokens


def test_onnx_fp32_is_the_default_backend_and_torch_stays_one_setting_away(
    tiny_models: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ATLAS_EMBED_BACKEND", raising=False)
    assert configured_backend() == "onnx"
    default = embed_texts(TEXTS, "tiny-plain")
    np.testing.assert_allclose(default.vectors, get_encoder("tiny-plain", backend="onnx").encode(TEXTS), atol=0)
    monkeypatch.setenv("ATLAS_EMBED_BACKEND", "torch")
    assert get_encoder("tiny-plain").backend == "torch"
    np.testing.assert_allclose(embed_texts(TEXTS, "tiny-plain").vectors, default.vectors, atol=1e-5)


def test_onnx_int8_keeps_mean_cosine_to_torch_at_or_above_0_99() -> None:
    texts = [*TEXTS, LONG, "the bird of the river", "a stone tree"]
    reference = get_encoder("tiny-plain", backend="torch").encode(texts)
    quantized = get_encoder("tiny-plain", backend="onnx-int8")
    assert quantized.backend == "onnx-int8"
    vectors = quantized.encode(texts)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert mean_cosine(vectors, reference) >= 0.99
    # Quantised vectors differ measurably, so the embedding cache keeps them apart from fp32 ones.
    assert quantized.cache_key == get_encoder("tiny-plain", backend="onnx").cache_key + "+int8"
    assert get_encoder("tiny-plain", backend="onnx").cache_key == get_encoder("tiny-plain", backend="torch").cache_key


def test_the_export_is_made_once_under_the_data_dir_and_reused(tiny_models: dict[str, Path], tmp_path: Path) -> None:
    spec = find_spec("tiny-plain")
    OnnxEncoder(spec, str(tiny_models["tiny-plain"]), quantized=True)
    files = sorted((tmp_path / "models").glob("*.onnx"))
    assert [f.name.startswith("tiny-plain-") for f in files] == [True, True]
    assert any(f.name.endswith("-int8.onnx") for f in files)
    stamps = {f: f.stat().st_mtime_ns for f in files}
    OnnxEncoder(spec, str(tiny_models["tiny-plain"]), quantized=True)
    assert {f: f.stat().st_mtime_ns for f in files} == stamps
    assert not list((tmp_path / "models").glob("*.part"))  # no half-written files left behind


def test_workers_starting_at_once_export_one_file_and_all_read_it_whole(
    tiny_models: dict[str, Path], tmp_path: Path
) -> None:
    # Three processes load the model at the same moment into an empty data folder, as the workers of a
    # fresh install do: one exports, the others wait for it, and every one gets the same vectors.
    script = (
        "import json, sys; from embedding import get_encoder;"
        f"print(json.dumps(get_encoder('tiny-plain', backend='onnx').encode({TEXTS!r}).tolist()))"
    )
    env = {**os.environ, "ATLAS_DATA_DIR": str(tmp_path)}
    children = [
        subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outputs = [child.communicate(timeout=300)[0] for child in children]
    assert [child.returncode for child in children] == [0, 0, 0]
    vectors = [np.array(json.loads(out.strip().splitlines()[-1])) for out in outputs]
    reference = get_encoder("tiny-plain", backend="torch").encode(TEXTS)
    for found in vectors:
        np.testing.assert_allclose(found, reference, atol=1e-5)
    exports = [f.name for f in (tmp_path / "models").glob("*.onnx")]
    assert len(exports) == 1 and exports[0].startswith("tiny-plain-")
    assert not list((tmp_path / "models").glob("*.part"))


def test_a_model_the_onnx_backend_cannot_run_stays_on_torch(
    tiny_models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cls_pooled = tmp_path / "cls-model"
    shutil.copytree(tiny_models["tiny-plain"], cls_pooled)
    pooling = cls_pooled / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    config["pooling_mode"] = "cls"  # the sentence-transformers 6 format (tests/tiny_models.py saves it)
    pooling.write_text(json.dumps(config))
    monkeypatch.setenv("ATLAS_EXTRA_MODELS", f"tiny-cls={cls_pooled}")
    assert get_encoder("tiny-cls", backend="onnx").backend == "torch"


def test_an_unknown_backend_setting_names_the_valid_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATLAS_EMBED_BACKEND", "tensorrt")
    with pytest.raises(ValueError, match="torch, onnx, onnx-int8"):
        configured_backend()
