"""N-d pooling primitives on (N, C, *spatial) arrays: max, average and their adaptive forms.

The 2-D primitives (``numtorch.ops.pooling``) have numba kernels; these are the NumPy forms
for any number of spatial axes, used for 3-D pooling (1-D pooling reshapes onto the 2-D
primitives, which is exact). Each loops over the kernel's offsets only: one strided slice of
the padded input per offset, in which the output pixels read distinct input pixels, so the
backward's strided ``+=`` is exact.
"""

from __future__ import annotations

import itertools

import numpy as np

from numtorch._kernels.pooling import has_nan as _has_nan
from numtorch.autograd.graph import Primitive
from numtorch.ops.pooling import average

__all__ = ["MaxPoolNd", "AvgPoolNd", "AdaptiveAvgPoolNd", "AdaptiveMaxPoolNd"]


def _padded(shape: tuple, kernel, stride, padding, dilation, out) -> tuple:
    """Spatial size covering the left padding, the input and every window."""
    return tuple(
        max((o - 1) * s + d * (k - 1) + 1, p + n)
        for n, k, s, p, d, o in zip(shape[2:], kernel, stride, padding, dilation, out)
    )


def _place(x: np.ndarray, padding: tuple, shape: tuple, fill) -> np.ndarray:
    """``x`` at offset ``padding`` inside an array of spatial size ``shape`` filled with
    ``fill``."""
    if shape == x.shape[2:]:
        return x
    out = np.full(x.shape[:2] + shape, fill, dtype=x.dtype)
    out[_interior(padding, x.shape[2:])] = x
    return out


def _interior(padding: tuple, size: tuple) -> tuple:
    return (slice(None), slice(None)) + tuple(slice(p, p + n) for p, n in zip(padding, size))


def _offsets(kernel: tuple, stride: tuple, dilation: tuple, out: tuple):
    """(k, offset, view): the strided slice read by kernel offset ``offset`` (row-major
    number ``k``)."""
    for k, offset in enumerate(itertools.product(*(range(n) for n in kernel))):
        view = tuple(
            slice(i * d, i * d + s * (o - 1) + 1, s)
            for i, s, d, o in zip(offset, stride, dilation, out)
        )
        yield k, offset, (slice(None), slice(None)) + view


def _inside(size: int, pad: int, k: int, s: int, d: int, out: int) -> np.ndarray:
    """(k, out) bools: does offset i of window o read a real (unpadded) element?"""
    pos = np.arange(out)[None, :] * s - pad + np.arange(k)[:, None] * d
    return (pos >= 0) & (pos < size)


def _real(masks: list, offset: tuple) -> np.ndarray:
    """Outer product of the per-axis ``_inside`` rows for one kernel offset."""
    out = np.ones((1,) * len(masks), dtype=bool)
    for axis, (m, i) in enumerate(zip(masks, offset)):
        shape = [1] * len(masks)
        shape[axis] = m.shape[1]
        out = out & m[i].reshape(shape)
    return out


def _lowest(dtype: np.dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _arg_dtype(kernel: tuple) -> type:
    return np.int16 if int(np.prod(kernel)) <= 32767 else np.int32


class MaxPoolNd(Primitive):
    """Max over each window. A later offset wins only when strictly greater (or NaN), and a
    real element beats padding even when equal to it, as in PyTorch's CPU kernel, so ties go
    to the first maximum and gradients and indices agree exactly. ``indices``, when a list,
    receives PyTorch's flat indices into the unpadded spatial volume."""

    @staticmethod
    def forward(ctx: Primitive, x, kernel, stride, padding, dilation, out, indices=None):
        geo = (tuple(kernel), tuple(stride), tuple(padding), tuple(dilation), tuple(out))
        shape = _padded(x.shape, *geo)
        xp = _place(x, padding, shape, _lowest(x.dtype))
        masks = [_inside(n, p, k, s, d, o) for n, k, s, p, d, o in zip(x.shape[2:], *geo)]
        padded, nan = not all(m.all() for m in masks), _has_nan(x)
        best = arg = seen = None
        for k, offset, view in _offsets(kernel, stride, dilation, out):
            v, real = xp[view], _real(masks, offset)
            if best is None:
                best, arg, seen = v.copy(), np.zeros(v.shape, _arg_dtype(kernel)), real
                continue
            upd = v > best
            if nan:
                upd |= np.isnan(v)
            if padded and (real & ~seen).any():
                upd |= real & ~seen
                seen = seen | real
            np.copyto(best, v, where=upd)
            np.copyto(arg, k, where=upd)
        ctx.shape, ctx.geo = x.shape, geo
        ctx.save_for_backward(x, arg)
        if indices is not None:
            indices.append(_flat_indices(arg, x.shape[2:], geo))
        return np.ascontiguousarray(best)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        _, arg = ctx.saved_tensors
        kernel, stride, padding, dilation, out = ctx.geo
        shape = _padded(ctx.shape, *ctx.geo)
        gp = np.zeros(ctx.shape[:2] + shape, dtype=g.dtype)
        zero = np.zeros((), dtype=g.dtype)
        for k, _, view in _offsets(kernel, stride, dilation, out):
            gp[view] += np.where(arg == k, g, zero)
        gx = np.ascontiguousarray(gp[_interior(padding, ctx.shape[2:])])
        return (gx,) + (None,) * 6

    def name(self) -> str:
        return f"MaxPool{len(self.geo[0])}DWithIndicesBackward0"


def _flat_indices(arg: np.ndarray, size: tuple, geo: tuple) -> np.ndarray:
    """PyTorch's flat indices into the unpadded volume from each window's offset ``arg``."""
    kernel, stride, padding, dilation, out = geo
    offset = np.unravel_index(arg.astype(np.int64), kernel)
    flat = np.zeros(arg.shape, dtype=np.int64)
    nd = len(kernel)
    for axis in range(nd):
        shape = [1] * nd
        shape[axis] = out[axis]
        start = (np.arange(out[axis]) * stride[axis] - padding[axis]).reshape(shape)
        flat = flat * size[axis] + start + offset[axis] * dilation[axis]
    return flat


def avg_extent(size: int, pad: int, k: int, s: int, out: int, include_pad: bool):
    """Per-window element count along one axis, with PyTorch's rule for padding."""
    start = np.arange(out) * s - pad
    end = np.minimum(start + k, size + pad)
    if include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


def _outer(vectors: list) -> np.ndarray:
    out = np.ones(())
    for v in vectors:
        out = np.multiply.outer(out, v)
    return out


class AvgPoolNd(Primitive):
    """Mean over each window; the divisor is ``divisor_override``, or the window's size
    counting padding (``count_include_pad``) or not, clipped at the right padding edge."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, out, count_include_pad, divisor_override):
        ones = (1,) * len(kernel)
        shape = _padded(x.shape, kernel, stride, padding, ones, out)
        xp = _place(x, padding, shape, 0)
        acc = None
        for _, _, view in _offsets(kernel, stride, ones, out):
            acc = xp[view].copy() if acc is None else np.add(acc, xp[view], out=acc)
        if divisor_override is not None:
            div = np.asarray(divisor_override, dtype=x.dtype)
        else:
            extents = [
                avg_extent(n, p, k, s, o, count_include_pad)
                for n, p, k, s, o in zip(x.shape[2:], padding, kernel, stride, out)
            ]
            div = _outer(extents).astype(x.dtype)
        ctx.geo = (x.shape, shape, tuple(kernel), tuple(stride), tuple(padding), tuple(out))
        ctx.save_for_backward(x, div)
        return average(acc, div)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        xshape, shape, kernel, stride, padding, out = ctx.geo
        _, div = ctx.saved_tensors
        gd = g / div
        gp = np.zeros(xshape[:2] + shape, dtype=g.dtype)
        for _, _, view in _offsets(kernel, stride, (1,) * len(kernel), out):
            gp[view] += gd
        return (np.ascontiguousarray(gp[_interior(padding, xshape[2:])]),) + (None,) * 6

    def name(self) -> str:
        return f"AvgPool{len(self.geo[2])}DBackward0"


def adaptive_bounds(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's windows: [floor(i*size/out), ceil((i+1)*size/out)) for i < out."""
    i = np.arange(out)
    return (i * size) // out, ((i + 1) * size + out - 1) // out


def _averaging_matrix(size: int, out: int, dtype) -> np.ndarray:
    start, end = adaptive_bounds(size, out)
    pos = np.arange(size)[None, :]
    inside = (pos >= start[:, None]) & (pos < end[:, None])
    return (inside / np.maximum(end - start, 1)[:, None]).astype(dtype)


def _apply_each_axis(x: np.ndarray, mats: list) -> np.ndarray:
    """``x`` with matrix ``mats[i]`` applied along spatial axis i (one GEMM per axis)."""
    for axis, m in enumerate(mats, start=2):
        x = np.moveaxis(np.tensordot(x, m, axes=([axis], [1])), -1, axis)
    return np.ascontiguousarray(x)


class AdaptiveAvgPoolNd(Primitive):
    """Mean over PyTorch's adaptive windows: separable, one averaging matrix per axis, and
    the gradient through the transposed matrices."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, out: tuple) -> np.ndarray:
        mats = [_averaging_matrix(n, o, x.dtype) for n, o in zip(x.shape[2:], out)]
        ctx.nd = len(out)
        ctx.save_for_backward(x, *mats)
        return _apply_each_axis(x, mats)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        _, *mats = ctx.saved_tensors
        return _apply_each_axis(g, [m.T for m in mats]), None

    def name(self) -> str:
        return f"AdaptiveAvgPool{self.nd}DBackward0"


def _window_index(bounds: list, lengths: tuple, size: tuple) -> tuple:
    """Broadcast per-axis positions (a short window repeats its last element: harmless for a
    max) and their flat index into the volume."""
    nd = len(bounds)
    pos, flat = [], 0
    for axis, ((start, end), a) in enumerate(zip(bounds, lengths)):
        shape = [1] * nd
        shape[axis] = start.size
        p = np.minimum(start + a, end - 1).reshape(shape)
        pos.append(p)
        flat = flat * size[axis] + p
    return tuple(pos), flat


class AdaptiveMaxPoolNd(Primitive):
    """Max over PyTorch's adaptive windows (first maximum wins, NaN wins); backward adds each
    gradient at its argmax with one ``bincount``."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, out: tuple, indices=None) -> np.ndarray:
        size = x.shape[2:]
        bounds = [adaptive_bounds(n, o) for n, o in zip(size, out)]
        longest = [int((e - s).max(initial=0)) for s, e in bounds]
        best = idx = None
        nan = _has_nan(x)
        for lengths in itertools.product(*(range(n) for n in longest)):
            pos, flat = _window_index(bounds, lengths, size)
            v = x[(slice(None), slice(None)) + pos]
            if best is None:
                best, idx = v, np.broadcast_to(flat, v.shape).astype(np.int64)
                continue
            upd = v > best
            if nan:
                upd |= np.isnan(v)
            np.copyto(best, v, where=upd)
            np.copyto(idx, flat, where=upd)
        if best is None:
            best = np.empty(x.shape[:2] + tuple(out), x.dtype)
            idx = np.empty(best.shape, np.int64)
        ctx.shape = x.shape
        ctx.save_for_backward(x, idx)
        if indices is not None:
            indices.append(idx)
        return best

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        planes, volume = ctx.shape[0] * ctx.shape[1], int(np.prod(ctx.shape[2:]))
        _, idx = ctx.saved_tensors
        base = np.arange(planes, dtype=np.int64)[:, None] * volume
        where = (base + idx.reshape(planes, int(np.prod(idx.shape[2:])))).ravel()
        gx = np.bincount(where, weights=g.ravel(), minlength=planes * volume)
        return gx.astype(g.dtype).reshape(ctx.shape), None, None

    def name(self) -> str:
        return f"AdaptiveMaxPool{len(self.shape) - 2}DBackward0"
