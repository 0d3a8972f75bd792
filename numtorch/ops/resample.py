"""Separable gathers: padding and resampling as a few weighted taps along each axis.

Every non-constant padding mode (reflect, replicate, circular) and every ``interpolate`` mode
(nearest, linear, cubic, area) maps an output position ``j`` along one axis to ``k`` input
positions ``idx[:, j]`` with weights ``w[:, j]`` (``None``: a single tap of weight 1). An
N-d op is one such plan per axis, applied last axis first (the order PyTorch's kernels
combine the taps in, so float32 rounding matches closely). Backward is the adjoint: each
axis' gradient is scattered back with one ``np.bincount``, in the reverse order.

Constant padding (which may also crop) is a slice copy into a filled array.
"""

from __future__ import annotations

import numpy as np

from numtorch.autograd.graph import Primitive

__all__ = ["AxisPlan", "ConstantPad", "Resample"]

# One axis' plan: (axis, idx (k, m) int64, w (k, m) or None, input length n).
AxisPlan = tuple


# The bincount fallback of ``_scatter`` works through blocks of this many taps.
_BLOCK_ENTRIES = 1 << 22


def _gather(x: np.ndarray, axis: int, idx: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """``sum_t w[t, j] * x[..., idx[t, j], ...]`` along ``axis`` (a plain take when w is None),
    taps added in order as PyTorch's kernels add them."""
    if w is None:
        return np.take(x, idx[0], axis=axis)
    shape = [1] * x.ndim
    shape[axis] = idx.shape[1]
    out = np.take(x, idx[0], axis=axis)
    out *= w[0].astype(x.dtype).reshape(shape)
    for t in range(1, idx.shape[0]):
        tap = np.take(x, idx[t], axis=axis)
        tap *= w[t].astype(x.dtype).reshape(shape)
        out += tap
    return out


def _transpose(idx: np.ndarray, w: np.ndarray | None, n: int) -> tuple:
    """The plan read backwards: for each input position i, the outputs that read it and
    their weights, as (c, n) arrays padded with zero-weight taps (c: the most readers)."""
    k, m = idx.shape
    src = idx.ravel()
    order = np.argsort(src, kind="stable")
    counts = np.bincount(src, minlength=n)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    sorted_src = src[order]
    slot = np.arange(src.size) - starts[sorted_src]
    c = max(int(counts.max()) if counts.size else 0, 1)
    readers = np.zeros((c, n), dtype=np.int64)
    weights = np.zeros((c, n), dtype=np.float64)
    readers[slot, sorted_src] = np.tile(np.arange(m), k)[order]
    weights[slot, sorted_src] = 1.0 if w is None else w.ravel()[order]
    return readers, weights


def _scatter(g: np.ndarray, axis: int, idx: np.ndarray, w: np.ndarray | None, n: int):
    """The adjoint of :func:`_gather`: ``gx[..., i, ...] = sum over (t, j) with idx[t, j] = i
    of w[t, j] * g[..., j, ...]``. Usually a gather of the transposed plan (as fast as the
    forward); when a few inputs have far more readers than the rest (the padded transposed
    plan would be large), bincounts over blocks of flattened rows."""
    k, m = idx.shape
    readers, weights = _transpose(idx, w, n)
    if readers.size <= 4 * idx.size + n and g.dtype.kind in "fc":
        return _gather(g, axis, readers, weights.astype(g.dtype))
    moved = np.moveaxis(g, axis, -1)
    lead = moved.shape[:-1]
    rows = int(np.prod(lead, dtype=np.int64))
    g2 = moved.reshape(rows, m)
    out = np.empty((rows, n), dtype=g.dtype)
    block = max(1, _BLOCK_ENTRIES // max(k * m, 1))
    for r0 in range(0, rows, block):
        out[r0 : r0 + block] = _bincount_rows(g2[r0 : r0 + block], idx, w, n)
    return np.moveaxis(out.reshape(lead + (n,)), -1, axis)


def _bincount_rows(g2: np.ndarray, idx: np.ndarray, w: np.ndarray | None, n: int) -> np.ndarray:
    """One block of :func:`_scatter`'s rows (r, m) -> (r, n), summed in float64."""
    rows, (k, m) = g2.shape[0], idx.shape
    vals = g2[:, None, :] if w is None else g2[:, None, :] * w.reshape(1, k, m)
    vals = np.broadcast_to(vals, (rows, k, m))
    flat = (np.arange(rows, dtype=np.int64)[:, None, None] * n + idx[None]).ravel()
    if np.iscomplexobj(vals):
        total = np.bincount(flat, vals.real.ravel(), rows * n) + 1j * np.bincount(
            flat, vals.imag.ravel(), rows * n
        )
    else:
        total = np.bincount(flat, vals.ravel().astype(np.float64), rows * n)
    return total.reshape(rows, n)


class Resample(Primitive):
    """Apply one gather plan per axis (see the module docstring); ``name`` is PyTorch's node
    name for the op (``ReflectionPad2DBackward0``, ``UpsampleBilinear2DBackward0``, ...).

    ``back`` (optional) gives other plans for backward: PyTorch's nearest-neighbour backward
    kernels compute their indices by other rules than the forward's (float32 scale, exact
    shortcuts for factors 1 and 2), so their gradient is not always the forward's adjoint.
    ``keep_input`` saves the input as PyTorch's node does where its backward reads it
    (reflection and replication padding, adaptive pooling), for the same in-place checks."""

    def name(self) -> str:
        return self.__dict__.get("_name") or "ResampleBackward"

    @staticmethod
    def forward(
        ctx: Primitive,
        x: np.ndarray,
        plans: tuple,
        name: str,
        back: tuple | None = None,
        keep_input: bool = False,
    ) -> np.ndarray:
        ctx._name = name
        back = plans if back is None else back
        ctx.meta = tuple((axis, n, w is None) for axis, _, w, n in back)
        arrays = []
        for _, idx, w, _ in back:
            arrays.append(idx)
            arrays.append(np.zeros(0) if w is None else w)
        if keep_input:
            arrays.append(x)  # as PyTorch's node does: an in-place change is then refused
        ctx.save_for_backward(*arrays)
        out = x
        for axis, idx, w, _ in reversed(plans):
            out = _gather(out, axis, idx, w)
        return np.ascontiguousarray(out)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        if not ctx.needs_input_grad[0]:
            return None, None, None, None, None
        arrays = ctx.saved_tensors
        for i, (axis, n, unweighted) in enumerate(ctx.meta):
            idx, w = arrays[2 * i], arrays[2 * i + 1]
            g = _scatter(g, axis, idx, None if unweighted else w, n)
        return g, None, None, None, None


class ConstantPad(Primitive):
    """Pad with ``value`` (or crop, for a negative amount) by ``pads``: one (before, after)
    per axis, every axis. Backward returns the gradient's slice over the kept elements."""

    def name(self) -> str:
        return "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, pads: tuple, value: object) -> np.ndarray:
        src, dst, shape = _slices(x.shape, pads)
        ctx.geo = (x.shape, src, dst)
        out = np.full(shape, value, dtype=x.dtype)
        out[dst] = x[src]
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        shape, src, dst = ctx.geo
        gx = np.zeros(shape, dtype=g.dtype)
        gx[src] = g[dst]
        return gx, None, None


def _slices(shape: tuple, pads: tuple) -> tuple:
    """(input slices kept, where they land in the output, output shape)."""
    src, dst, out = [], [], []
    for n, (b, a) in zip(shape, pads):
        m = n + b + a
        src.append(slice(max(-b, 0), n - max(-a, 0)))
        dst.append(slice(max(b, 0), m - max(a, 0)))
        out.append(m)
    return tuple(src), tuple(dst), tuple(out)
