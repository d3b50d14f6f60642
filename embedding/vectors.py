"""The arrays every part of Atlas passes vectors in: float32 rows of unit length, and row positions."""

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]
Indices = npt.NDArray[np.int64]
