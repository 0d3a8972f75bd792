"""2-D pooling primitives on (N, C, H, W) arrays.

Max pooling runs on ``numtorch._kernels.pooling`` (numba or NumPy). Average pooling reads the
(padded) input through one strided slice per kernel offset and loops over the kh*kw offsets
only; within one offset the output pixels read distinct input pixels, so backward's strided
``+=`` is exact. Adaptive average pooling is separable:
``out = Ph @ x @ Pw.T`` with averaging matrices, and its gradient ``Ph.T @ g @ Pw``.

Each node saves the input, as PyTorch's pooling nodes do (backward reads only its shape, or
the winners' offsets), so an in-place change to the input before backward is refused as there.
"""

from __future__ import annotations

import numpy as np

from numtorch._kernels import pooling as _k
from numtorch._kernels.pooling import has_nan as _has_nan
from numtorch._kernels.pooling import offsets as _offsets
from numtorch._kernels.pooling import padded_shape as _padded_shape
from numtorch._kernels.pooling import place as _place
from numtorch.autograd.graph import Primitive

__all__ = ["MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d"]


class MaxPool2d(Primitive):
    """Max over each window. Ties go to the first maximum in row-major window order and NaN
    wins, as in PyTorch's CPU kernel, so gradients and indices agree exactly.

    The forward records each window's winning offset in the same pass (``numtorch._kernels``:
    numba, or NumPy), and backward scatters the gradient there. ``indices``, when a list,
    receives PyTorch's flat indices into the unpadded H*W plane.
    """

    @staticmethod
    def forward(
        ctx: Primitive, x, kernel, stride, padding, dilation, out_hw, indices=None
    ) -> np.ndarray:
        geo = (tuple(kernel), tuple(stride), tuple(padding), tuple(dilation))
        best, arg = _k.max_pool2d(x, *geo, tuple(out_hw))
        ctx.shape, ctx.geo = x.shape, geo
        ctx.save_for_backward(x, arg)
        if indices is not None:
            indices.append(_flat_indices(arg, x.shape[3], geo, out_hw))
        return best

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        _, arg = ctx.saved_tensors
        gx = _k.max_pool2d_backward(g, arg, ctx.shape, *ctx.geo)
        return (gx,) + (None,) * 5

    def name(self) -> str:
        return "MaxPool2DWithIndicesBackward0"


def _flat_indices(arg: np.ndarray, width: int, geo: tuple, out_hw: tuple) -> np.ndarray:
    """PyTorch's flat H*W indices from each window's winning offset ``arg``."""
    kernel, stride, padding, dilation = geo
    i, j = np.divmod(arg.astype(np.int64), kernel[1])
    r = np.arange(out_hw[0])[:, None] * stride[0] - padding[0] + i * dilation[0]
    c = np.arange(out_hw[1])[None, :] * stride[1] - padding[1] + j * dilation[1]
    return r * width + c


def average(total: np.ndarray, div: np.ndarray) -> np.ndarray:
    """``total / div``; for integers PyTorch's C++ division, truncating toward zero."""
    if total.dtype.kind == "f":
        return total / div
    q = total // div
    inexact = (q * div != total) & ((total < 0) != (div < 0))
    return q + inexact


def _avg_extent(size: int, pad: int, k: int, s: int, out: int, include_pad: bool):
    """Per-window element count along one axis, with PyTorch's rule for padding."""
    start = np.arange(out) * s - pad
    end = np.minimum(start + k, size + pad)
    if include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


class AvgPool2d(Primitive):
    """Mean over each window; the divisor is ``divisor_override``, or the window's size
    counting padding (``count_include_pad``) or not, clipped at the right padding edge."""

    @staticmethod
    def forward(
        ctx: Primitive, x, kernel, stride, padding, out_hw, count_include_pad, divisor_override
    ) -> np.ndarray:
        geo = (kernel, stride, (1, 1), out_hw)
        shape = _padded_shape(x.shape, kernel, stride, padding, (1, 1), out_hw)
        xp = _place(x, padding, shape, 0)
        acc = None
        for _, _, _, view in _offsets(*geo):
            acc = xp[view].copy() if acc is None else np.add(acc, xp[view], out=acc)
        if divisor_override is not None:
            div = np.asarray(divisor_override, dtype=x.dtype)
        else:
            eh, ew = (
                _avg_extent(n, p, k, s, o, count_include_pad)
                for n, p, k, s, o in zip(x.shape[2:], padding, kernel, stride, out_hw)
            )
            div = (eh[:, None] * ew[None, :]).astype(x.dtype)
        ctx.shapes = (x.shape, shape, padding, geo)
        ctx.save_for_backward(x, div)
        return average(acc, div)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        xshape, shape, padding, geo = ctx.shapes
        _, div = ctx.saved_tensors
        gd = g / div
        gp = np.zeros(xshape[:2] + shape, dtype=g.dtype)
        for _, _, _, view in _offsets(*geo):
            gp[view] += gd
        gx = gp[:, :, padding[0] : padding[0] + xshape[2], padding[1] : padding[1] + xshape[3]]
        return (np.ascontiguousarray(gx),) + (None,) * 6

    def name(self) -> str:
        return "AvgPool2DBackward0"


def _adaptive_bounds(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's windows: [floor(i*size/out), ceil((i+1)*size/out)) for i < out."""
    i = np.arange(out)
    return (i * size) // out, ((i + 1) * size + out - 1) // out


def _averaging_matrix(size: int, out: int, dtype) -> np.ndarray:
    start, end = _adaptive_bounds(size, out)
    pos = np.arange(size)[None, :]
    inside = (pos >= start[:, None]) & (pos < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _separable(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ x @ b.T`` over the last two axes, as two large GEMMs."""
    n, c, h, w = x.shape
    t = np.swapaxes(x, 2, 3).reshape(-1, h) @ a.T  # (N*C*W, A)
    t = np.swapaxes(t.reshape(n, c, w, -1), 2, 3).reshape(-1, w) @ b.T
    return t.reshape(n, c, a.shape[0], b.shape[0])


class AdaptiveAvgPool2d(Primitive):
    """Mean over PyTorch's adaptive windows; a reshape-mean when the sizes divide evenly.

    A (1, 1) output is PyTorch's ``mean`` over the plane (``MeanBackward1``, which saves
    nothing); any other saves the input, as ``AdaptiveAvgPool2DBackward0`` does.
    """

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, out_hw: tuple) -> np.ndarray:
        (n, c, h, w), (oh, ow) = x.shape, out_hw
        ctx.shape, ctx.out_hw = x.shape, out_hw
        ctx.even = oh > 0 and ow > 0 and h % oh == 0 and w % ow == 0
        ctx.global_mean = tuple(out_hw) == (1, 1)
        if ctx.even:
            if not ctx.global_mean:
                ctx.save_for_backward(x)
            return x.reshape(n, c, oh, h // oh, ow, w // ow).mean(axis=(3, 5))
        ph = _averaging_matrix(h, oh, x.dtype)
        pw = _averaging_matrix(w, ow, x.dtype)
        ctx.save_for_backward(x, ph, pw)
        return _separable(x, ph, pw)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (n, c, h, w), (oh, ow) = ctx.shape, ctx.out_hw
        if not ctx.even:
            _, ph, pw = ctx.saved_tensors
            return _separable(g, ph.T, pw.T), None
        kh, kw = h // oh, w // ow
        spread = g[:, :, :, None, :, None] / np.asarray(kh * kw, dtype=g.dtype)
        return np.broadcast_to(spread, (n, c, oh, kh, ow, kw)).reshape(ctx.shape), None

    def name(self) -> str:
        return "MeanBackward1" if self.global_mean else "AdaptiveAvgPool2DBackward0"


class AdaptiveMaxPool2d(Primitive):
    """Max over PyTorch's adaptive windows (first maximum wins, NaN wins); backward adds
    each gradient at its argmax with one ``bincount``."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, out_hw: tuple, indices=None) -> np.ndarray:
        (n, c, h, w), (oh, ow) = x.shape, out_hw
        hs, he = _adaptive_bounds(h, oh)
        ws, we = _adaptive_bounds(w, ow)
        best = idx = None
        nan = _has_nan(x)
        # A window shorter than the longest repeats its last element: harmless for a max.
        for a in range(int((he - hs).max(initial=0))):
            rows = np.minimum(hs + a, he - 1)[:, None]
            for b in range(int((we - ws).max(initial=0))):
                cols = np.minimum(ws + b, we - 1)[None, :]
                v, flat = x[:, :, rows, cols], rows * w + cols
                if best is None:
                    best, idx = v, np.broadcast_to(flat, v.shape).astype(np.int64)
                    continue
                upd = v > best
                if nan:
                    upd |= np.isnan(v)
                np.copyto(best, v, where=upd)
                np.copyto(idx, flat, where=upd)
        if best is None:
            best, idx = np.empty((n, c, oh, ow), x.dtype), np.empty((n, c, oh, ow), np.int64)
        ctx.shape = x.shape
        ctx.save_for_backward(x, idx)
        if indices is not None:
            indices.append(idx)
        return best

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        n, c, h, w = ctx.shape
        _, idx = ctx.saved_tensors
        plane = np.arange(n * c, dtype=np.int64)[:, None] * (h * w)
        where = (plane + idx.reshape(n * c, idx.shape[2] * idx.shape[3])).ravel()  # n*c may be 0
        gx = np.bincount(where, weights=g.ravel(), minlength=n * c * h * w)
        return gx.astype(g.dtype).reshape(ctx.shape), None, None

    def name(self) -> str:
        return "AdaptiveMaxPool2DBackward0"
