"""Element-wise kernels, on the numba or the NumPy path (one call each; the caller splits
large arrays over the threads with ``numtorch._kernels.parallel.pointwise``).

``relu_grad``: NumPy's ``np.multiply(g, result != 0)`` multiplies a float array by a bool
mask through its casting buffers, two passes (0.86 ms on 4 MiB against 0.53 ms for
PyTorch's ``threshold_backward`` on one thread); the numba kernel computes the same bits in
one pass. Both paths give the same bits (see ``numtorch._kernels``).
"""

from __future__ import annotations

import numpy as np

from numtorch._kernels import numba_module

__all__ = ["relu_grad"]


def relu_grad(g: np.ndarray, result: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Relu's gradient ``g * (result != 0)`` from its ``result``, into ``out`` (a new array
    like ``g`` when None)."""
    fast = _fast(g, result, out)
    if fast is None:
        return np.multiply(g, result != 0, out=out)
    out = np.empty(g.shape, g.dtype) if out is None else out
    fast.relu_grad(g.reshape(-1), result.reshape(-1), out.reshape(-1))
    return out


def _fast(g: np.ndarray, result: np.ndarray, out: np.ndarray | None):
    """The numba module when it can run on these arrays: one float dtype (32 or 64 bits), one
    shape, C-contiguous."""
    arrays = (g, result) if out is None else (g, result, out)
    if g.dtype.kind != "f" or any(
        a.dtype != g.dtype or a.shape != g.shape or not a.flags.c_contiguous for a in arrays
    ):
        return None
    return numba_module("pointwise", g.dtype)
