"""numba element-wise kernels on flat, C-contiguous arrays (``numtorch._kernels.pointwise``).

Serial and ``nogil``: ``numtorch._kernels.parallel.pointwise`` hands them flat ranges on its
threads. Unsigned indices, so numba skips its negative-index wraparound test and the loops
vectorise.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numba import njit

__all__ = ["warm_up", "relu_grad"]

_u = np.uint64


@njit(cache=True, nogil=True)
def relu_grad(g, result, out):  # pragma: no cover
    """``out = g * (result != 0)``, the mask as 1 or 0 in ``g``'s dtype: NumPy's
    ``np.multiply(g, result != 0)`` bit for bit (NaN * 0 is NaN, -1 * 0 is -0.0), in one
    pass."""
    one, zero = np.ones(1, out.dtype)[0], np.zeros(1, out.dtype)[0]
    for i in range(g.size):
        out[_u(i)] = g[_u(i)] * (one if result[_u(i)] != 0 else zero)


def warm_up(dtype: np.dtype) -> Iterator[None]:
    """Compile :func:`relu_grad` for ``dtype`` with the signature
    ``numtorch._kernels.pointwise`` calls it with (1-D C-contiguous arrays)."""
    a = np.zeros(1, dtype)
    relu_grad(a, a, a)
    yield
