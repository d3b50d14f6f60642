"""Device choice for torch and ONNX Runtime: the GPU when present and allowed, a clear error when asked
for and absent. The choice is a function of what is available, so it is tested without a GPU."""

import pytest

from embedding.devices import configured_device, pick_onnx_providers, pick_torch_device

CPU = ["CPUExecutionProvider"]
CUDA = ["CUDAExecutionProvider", "CPUExecutionProvider"]


@pytest.mark.parametrize(
    ("setting", "cuda", "device"),
    [
        ("auto", True, "cuda"),
        ("auto", False, "cpu"),
        ("cpu", True, "cpu"),
        ("cpu", False, "cpu"),
        ("cuda", True, "cuda"),
    ],
)
def test_torch_runs_on_cuda_when_torch_sees_a_gpu_unless_told_cpu(setting: str, cuda: bool, device: str) -> None:
    assert pick_torch_device(setting, cuda) == device


@pytest.mark.parametrize(
    ("setting", "available", "providers"),
    [
        ("auto", ["CUDAExecutionProvider", "CPUExecutionProvider"], CUDA),
        ("auto", ["TensorrtExecutionProvider", "CPUExecutionProvider"], CPU),
        ("auto", ["CPUExecutionProvider"], CPU),
        ("cpu", ["CUDAExecutionProvider", "CPUExecutionProvider"], CPU),
        ("cuda", ["CUDAExecutionProvider", "CPUExecutionProvider"], CUDA),
    ],
)
def test_onnx_prefers_the_cuda_provider_when_installed_and_always_keeps_the_cpu(
    setting: str, available: list[str], providers: list[str]
) -> None:
    assert pick_onnx_providers(setting, available) == providers


def test_asking_for_cuda_without_a_gpu_is_an_error_that_says_what_to_install() -> None:
    with pytest.raises(RuntimeError, match="torch sees no CUDA GPU"):
        pick_torch_device("cuda", False)
    with pytest.raises(RuntimeError, match="install onnxruntime-gpu"):
        pick_onnx_providers("cuda", CPU)


def test_an_unknown_device_setting_names_the_valid_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATLAS_EMBED_DEVICE", "tpu")
    with pytest.raises(ValueError, match="auto, cpu, cuda"):
        configured_device()
