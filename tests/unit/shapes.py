"""Small constructed data sets for the stage tests: groups of points whose answer is known."""

import numpy as np
import numpy.typing as npt


def blobs(centres: list[tuple[float, ...]], per_blob: int, spread: float, seed: int = 0) -> npt.NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    return np.vstack([rng.normal(c, spread, size=(per_blob, len(c))) for c in centres]).astype(np.float32)


def unit(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
