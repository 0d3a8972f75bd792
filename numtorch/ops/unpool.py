"""Max unpooling and fractional max pooling primitives on (N, C, *spatial) arrays.

Both address the input or output volume of each (n, c) plane through PyTorch's flat indices,
so each is one fancy-indexing pass over all planes at once.
"""

from __future__ import annotations

import itertools

import numpy as np

from numtorch._kernels.pooling import has_nan as _has_nan
from numtorch.autograd.graph import Primitive

__all__ = ["MaxUnpoolNd", "FractionalMaxPoolNd", "fractional_intervals"]


def _plane_rows(planes: int) -> np.ndarray:
    return np.arange(planes, dtype=np.int64)[:, None]


class MaxUnpoolNd(Primitive):
    """Each value placed at its flat index inside a zero output volume of spatial size
    ``out``; the gradient is read back from the same places. The indices are checked by
    the caller (PyTorch's message names the first bad one)."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, indices: np.ndarray, out: tuple) -> np.ndarray:
        planes, volume = x.shape[0] * x.shape[1], int(np.prod(out, dtype=np.int64))
        count = int(np.prod(x.shape[2:], dtype=np.int64))
        result = np.zeros((planes, volume), dtype=x.dtype)
        if volume > 0:
            flat = indices.reshape(planes, count)
            result[_plane_rows(planes), flat] = x.reshape(planes, count)
        ctx.shape = x.shape
        ctx.save_for_backward(indices)
        return result.reshape(x.shape[:2] + tuple(out))

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (indices,) = ctx.saved_tensors
        planes = ctx.shape[0] * ctx.shape[1]
        if g.size == 0:
            return np.zeros(ctx.shape, g.dtype), None, None
        gx = g.reshape(planes, -1)[_plane_rows(planes), indices.reshape(planes, -1)]
        return gx.reshape(ctx.shape), None, None

    def name(self) -> str:
        return f"MaxUnpool{len(self.shape) - 2}DBackward0"


def fractional_intervals(samples: np.ndarray, size: int, out: int, pool: int) -> np.ndarray:
    """PyTorch's pseudo-random window starts, one row per plane, computed in the samples'
    dtype as its kernel does: ``int((i + u) * a) - int(u * a)`` with
    ``a = (size - pool) / (out - 1)``, and the last window flush with the input's end."""
    dtype = samples.dtype.type
    starts = np.empty((samples.shape[0], out), dtype=np.int64)
    if out > 1:
        alpha = dtype(size - pool) / dtype(out - 1)
        i = np.arange(out - 1, dtype=samples.dtype)[None, :]
        u = samples[:, None]
        starts[:, :-1] = ((i + u) * alpha).astype(np.int64) - (u * alpha).astype(np.int64)
    if out > 0:
        starts[:, -1] = size - pool
    return starts


class FractionalMaxPoolNd(Primitive):
    """Max over windows of size ``kernel`` starting at PyTorch's pseudo-random positions
    (one sample per plane and axis). Ties keep the first maximum and NaN wins, as in
    PyTorch's kernel; ``indices`` (a list) receives the flat argmax into each input volume.

    ``samples`` is (planes, axes) in PyTorch's order: for 2-D (W, H), for 3-D (T, H, W).
    """

    @staticmethod
    def forward(ctx, x, kernel, out, samples, indices=None) -> np.ndarray:
        size, planes = x.shape[2:], x.shape[0] * x.shape[1]
        order = (1, 0) if len(kernel) == 2 else (0, 1, 2)
        starts = [
            fractional_intervals(samples[:, order[a]], size[a], out[a], kernel[a])
            for a in range(len(kernel))
        ]
        xf = x.reshape(planes, int(np.prod(size, dtype=np.int64)))
        count = int(np.prod(out, dtype=np.int64))
        best = idx = None
        nan = _has_nan(x)
        for offset in itertools.product(*(range(k) for k in kernel)):
            flat = _flat(starts, offset, size).reshape(planes, count)
            v = np.take_along_axis(xf, flat, axis=1)
            if best is None:
                best, idx = v, flat.copy()
                continue
            upd = v > best
            if nan:
                upd |= np.isnan(v)
            np.copyto(best, v, where=upd)
            np.copyto(idx, flat, where=upd)
        shape = x.shape[:2] + tuple(out)
        if best is None or 0 in shape:
            best, idx = np.empty(shape, x.dtype), np.empty(shape, np.int64)
        best, idx = best.reshape(shape), idx.reshape(shape)
        ctx.shape = x.shape
        ctx.save_for_backward(x, idx)
        if indices is not None:
            indices.append(idx)
        return best

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        planes, volume = ctx.shape[0] * ctx.shape[1], int(np.prod(ctx.shape[2:]))
        _, idx = ctx.saved_tensors
        where = (
            _plane_rows(planes) * volume + idx.reshape(planes, int(np.prod(g.shape[2:])))
        ).ravel()
        gx = np.bincount(where, weights=g.ravel(), minlength=planes * volume)
        return (gx.astype(g.dtype).reshape(ctx.shape),) + (None,) * 4

    def name(self) -> str:
        return f"FractionalMaxPool{len(self.shape) - 2}DBackward0"


def _flat(starts: list, offset: tuple, size: tuple) -> np.ndarray:
    """(planes, *out) flat input indices of kernel ``offset`` in every window."""
    nd = len(starts)
    flat = 0
    for axis, (s, i) in enumerate(zip(starts, offset)):
        shape = [s.shape[0]] + [1] * nd
        shape[axis + 1] = s.shape[1]
        flat = flat * size[axis] + (s + i).reshape(shape)
    return np.broadcast_to(flat, (starts[0].shape[0],) + tuple(s.shape[1] for s in starts))
