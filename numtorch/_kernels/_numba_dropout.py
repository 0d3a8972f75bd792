"""numba feature-dropout kernels on (P, L) arrays: one scale per plane (row), and the planes
scaled by zero are written as zeros without being read.

Each kernel handles the planes ``[p0, p1)``, serially and without the GIL
(``numtorch._kernels.parallel`` hands plane ranges to its threads); flat views with unsigned
indices (no wraparound tests, so the loops vectorise)."""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["scale_planes", "relu_scale_planes", "relu_scale_planes_backward"]

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


@njit(cache=True, nogil=True)
def relu_scale_planes(x, scale, p0, p1, out):  # pragma: no cover
    """``out[p] = relu(x[p]) * scale[p]``, 0 where ``scale[p] == 0``; NaN stays NaN, as in
    ``torch.relu``."""
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
                v = xf[_u(base + q)]
                of[_u(base + q)] = z if v < 0 else v * s


@njit(cache=True, nogil=True)
def relu_scale_planes_backward(g, y, scale, p0, p1, gx):  # pragma: no cover
    """``gx[p] = g[p] * scale[p]`` except where the fused output ``y <= 0`` (there 0, as
    ``torch.relu``'s backward; NaN passes), and 0 for dropped planes without reading ``g``
    or ``y``."""
    length = g.shape[1]
    gf, yf, xf = g.reshape(-1), y.reshape(-1), gx.reshape(-1)
    z = np.zeros(1, gx.dtype)[0]
    for p in range(p0, p1):
        s, base = scale[p], p * length
        if s == 0:
            for q in range(length):
                xf[_u(base + q)] = z
        else:
            for q in range(length):
                xf[_u(base + q)] = z if yf[_u(base + q)] <= 0 else gf[_u(base + q)] * s
