"""Where models run: the GPU when one is there and allowed (ATLAS_EMBED_DEVICE), else the CPU.

The choices are plain functions of what is available, so the logic is tested on machines without a GPU.
"""

from collections.abc import Sequence

from embedding.env import env_str

DEVICES = ("auto", "cpu", "cuda")


def configured_device() -> str:
    # Read from the environment, as the Python client's local mode runs the registry without Django.
    device = env_str("ATLAS_EMBED_DEVICE", "auto")
    if device not in DEVICES:
        raise ValueError(f"ATLAS_EMBED_DEVICE={device!r} is not a device; use one of {', '.join(DEVICES)}")
    return device


def pick_torch_device(setting: str, cuda_available: bool) -> str:
    """torch's device name: cuda for auto when torch sees a GPU; cuda asked for but absent is an error,
    as silently running a GPU deployment on the CPU would hide a broken driver."""
    if setting == "cuda" and not cuda_available:
        raise RuntimeError("ATLAS_EMBED_DEVICE=cuda but torch sees no CUDA GPU; install a CUDA build or use auto")
    return "cuda" if setting != "cpu" and cuda_available else "cpu"


def pick_onnx_providers(setting: str, available: Sequence[str]) -> list[str]:
    """ONNX Runtime execution providers in order of preference; the CPU one always closes the list."""
    has_cuda = "CUDAExecutionProvider" in available
    if setting == "cuda" and not has_cuda:
        raise RuntimeError(
            "ATLAS_EMBED_DEVICE=cuda but ONNX Runtime has no CUDAExecutionProvider; install onnxruntime-gpu or use auto"
        )
    if setting != "cpu" and has_cuda:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def torch_device() -> str:
    import torch

    return pick_torch_device(configured_device(), torch.cuda.is_available())


def onnx_providers() -> list[str]:
    import onnxruntime

    return pick_onnx_providers(configured_device(), onnxruntime.get_available_providers())
