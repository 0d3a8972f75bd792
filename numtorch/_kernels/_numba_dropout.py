"""numba feature-dropout kernels on (P, L) arrays: one scale per plane (row), and the planes
scaled by zero are written as zeros without being read.

Each kernel handles the planes ``[p0, p1)``, serially and without the GIL
(``numtorch._kernels.parallel`` hands plane ranges to its threads); flat views with unsigned
indices (no wraparound tests, so the loops vectorise)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numba import njit

__all__ = ["warm_up", "scale_planes"]

_u = np.uint64


@njit(cache=True, nogil=True)
def scale_planes(x, scale, p0, p1, out):  # pragma: no cover
    """``out[p] = x[p] * scale[p]``, and exactly 0 where ``scale[p] == 0`` (x not read)."""
    length = x.shape[1]
    xf, of = x.reshape(-1), out.reshape(-1)
    z = np.zeros(1, out.dtype)[0]
    for p in range(p0, p1):
        s, base = scale[p], p * length
        if s == 0:
            for q in range(length):
                of[_u(base + q)] = z
        else:
            for q in range(length):
                of[_u(base + q)] = xf[_u(base + q)] * s


def warm_up(dtype: np.dtype) -> Iterator[None]:
    """Compile :func:`scale_planes` for ``dtype`` with the signature
    ``numtorch._kernels.dropout`` calls it with (a generator, as ``_numba_conv.warm_up``)."""
    x = np.zeros((1, 1), dtype)
    scale_planes(x, np.ones(1, dtype), 0, 1, x)
    yield
