"""Feature (channel) dropout kernels: scale each (sample, channel) plane of an (N, C, *)
array by its own factor, on the numba or the NumPy path.

``scale`` covers the leading dimensions of the array, usually (N, C) (or (C,) for unbatched
input), in the array's dtype: ``1/(1-p)`` for a kept plane, ``0`` for a dropped one. Dropped
planes come out as exact zeros even where the input holds inf or NaN (numtorch's documented
choice), and on the numba path they are written without being read, so a forward with
``p = 0.5`` reads only half the input. The gradient of ``x * scale`` is ``g * scale``: the
same kernel. Both paths give the same bits: one multiplication per element, +0.0 where dropped.
"""

from __future__ import annotations

import math

import numpy as np

from numtorch._kernels import numba_module
from numtorch._kernels import parallel as _par

__all__ = ["scale_planes"]


def scale_planes(x: np.ndarray, scale: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``x * scale[..., None, ...]`` with exact zeros in dropped planes, into ``out`` (which
    may be ``x`` itself, for in-place dropout) or a new array laid out like ``x``."""
    fast = _fast(x, scale, out)
    if fast is None:
        out = np.empty_like(x) if out is None else out  # x's memory layout, as PyTorch
        with np.errstate(invalid="ignore"):  # inf * 0 in a dropped plane, zeroed below
            np.multiply(x, _broadcastable(scale, x.ndim), out=out)
        return _zero_dropped(out, scale)
    out = np.empty(x.shape, x.dtype) if out is None else out
    _planes(fast.scale_planes, _rows(x, scale.ndim), scale.reshape(-1), _rows(out, scale.ndim))
    return out


def _planes(kernel, *arrays) -> None:
    """``kernel(*inputs, p0, p1, out)`` over plane ranges on the worker threads."""
    *inputs, out = arrays
    run = lambda p0, p1: kernel(*inputs, p0, p1, out)  # noqa: E731
    _par.for_planes(run, out.shape[0], out[0].nbytes)


def _fast(x: np.ndarray, scale: np.ndarray, out: np.ndarray | None):
    """The numba module when it can run on these arrays: C-contiguous, float32/64, non-empty,
    and ``scale`` of the same dtype."""
    if x.size == 0 or scale.dtype != x.dtype or not x.flags.c_contiguous:
        return None
    if not 1 <= scale.ndim <= x.ndim or scale.shape != x.shape[: scale.ndim]:
        return None
    if out is not None and not (out.flags.c_contiguous and out.dtype == x.dtype):
        return None
    return numba_module("dropout", x.dtype) if x.dtype.kind == "f" else None


def _rows(a: np.ndarray, k: int) -> np.ndarray:
    """A C-contiguous array as a (planes, L) view, the planes spanning the first ``k`` axes."""
    return a.reshape(math.prod(a.shape[:k]), -1)


def _broadcastable(scale: np.ndarray, ndim: int) -> np.ndarray:
    return scale.reshape(scale.shape + (1,) * (ndim - scale.ndim))


def _zero_dropped(res: np.ndarray, scale: np.ndarray) -> np.ndarray:
    dropped = scale == 0
    if dropped.any():
        res[dropped] = 0  # exact zeros even where the input held inf or NaN
    return res
