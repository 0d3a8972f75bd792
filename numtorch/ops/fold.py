"""Sliding windows and their adjoints: ``Unfold`` / ``Fold`` (PyTorch's im2col / col2im, on
the convolution's kernels) and ``DepthUnfold`` / ``DepthFold``, the same along one axis,
which turn a 3-D convolution into a 2-D one (the depth offsets stacked into the channels).

Each pair is adjoint: one's forward is the other's backward, so either is exact in both
directions.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from numtorch._kernels import conv as _k
from numtorch.autograd.graph import Primitive

__all__ = ["Unfold", "Fold", "DepthUnfold", "DepthFold"]


def _geo(kernel: tuple, stride: tuple, padding: tuple, dilation: tuple, blocks: tuple) -> tuple:
    """The im2col kernels' geometry tuple; ``padding`` is (rows, columns), both sides."""
    (ph, pw) = padding
    return tuple(kernel), tuple(stride), (ph, ph, pw, pw), tuple(dilation), tuple(blocks)


def _im2col(x: np.ndarray, geo: tuple) -> np.ndarray:
    """(N, C*kh*kw, L) columns of ``x`` (N, C, H, W)."""
    return _k.im2col(np.ascontiguousarray(x), 0, x.shape[0], geo)


def _col2im(cols: np.ndarray, chw: tuple, geo: tuple) -> np.ndarray:
    """(N, C, H, W): the sum of every column entry back onto the pixel it was read from."""
    out = np.empty((cols.shape[0], *chw), dtype=cols.dtype)
    _k.col2im(np.ascontiguousarray(cols), out, 0, geo)
    return out


class Unfold(Primitive):
    """(N, C, H, W) -> (N, C*kh*kw, L): the sliding blocks of ``F.unfold``."""

    def name(self) -> str:
        return "Im2ColBackward0"

    @staticmethod
    def forward(
        ctx: Primitive, x: np.ndarray, kernel: tuple, stride, padding, dilation, blocks
    ) -> np.ndarray:
        ctx.geo = _geo(kernel, stride, padding, dilation, blocks)
        ctx.chw = tuple(x.shape[1:])
        return _im2col(x, ctx.geo)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        return (_col2im(g, ctx.chw, ctx.geo),)


class Fold(Primitive):
    """(N, C*kh*kw, L) -> (N, C, H, W): ``F.fold``, the sum of the blocks (im2col's adjoint)."""

    def name(self) -> str:
        return "Col2ImBackward0"

    @staticmethod
    def forward(
        ctx: Primitive, cols: np.ndarray, chw: tuple, kernel, stride, padding, dilation, blocks
    ) -> np.ndarray:
        ctx.geo = _geo(kernel, stride, padding, dilation, blocks)
        return _col2im(cols, tuple(chw), ctx.geo)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        return (_im2col(g, ctx.geo),)


# ---------------------------------------------------------------- one axis (depth)
# ``x`` is (N, C, L, *rest); its windows are (N, n_out, C, k, *rest) with
# ``windows[:, o, :, i] = padded(x)[:, :, o*stride + i*dilation]`` (zero outside ``x``), the
# layout a (N*n_out, C*k, *rest) reshape turns into a 2-D convolution's input. ``geo`` is
# ``(k, stride, dilation, (pad before, pad after), n_out)``.


def _depth_windows(x: np.ndarray, geo: tuple) -> np.ndarray:
    k, s, d, (before, after), n_out = geo
    n, c, size = x.shape[:3]
    rest = x.shape[3:]
    xp = np.zeros((n, c, size + before + after, *rest), dtype=x.dtype)
    xp[:, :, before : before + size] = x
    st = xp.strides
    view = as_strided(
        xp, (n, n_out, c, k, *rest), (st[0], st[2] * s, st[1], st[2] * d, *st[3:]), writeable=False
    )
    return np.ascontiguousarray(view)


def _depth_sum(t: np.ndarray, size: int, geo: tuple) -> np.ndarray:
    """The adjoint of :func:`_depth_windows`: (N, n_out, C, k, *rest) -> (N, C, size, *rest),
    one strided ``+=`` per kernel offset."""
    k, s, d, (before, after), n_out = geo
    n, _, c = t.shape[:3]
    rest = t.shape[4:]
    out = np.zeros((n, c, size + before + after + s, *rest), dtype=t.dtype)  # room for a step
    for i in range(k):
        dst = out[:, :, i * d : i * d + s * (n_out - 1) + 1 : s]
        dst += t[:, :, :, i].swapaxes(1, 2)
    return np.ascontiguousarray(out[:, :, before : before + size])


class DepthUnfold(Primitive):
    """(N, C, L, *rest) -> (N, n_out, C, k, *rest): windows along axis 2 with zero padding."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, k, stride, dilation, pad, n_out) -> np.ndarray:
        ctx.geo = (k, stride, dilation, tuple(pad), n_out)
        ctx.size = x.shape[2]
        # Backward reads no input, but a convolution's node keeps its input: changing it in
        # place before backward is refused, as PyTorch refuses it.
        ctx.save_for_backward(x)
        return _depth_windows(x, ctx.geo)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        return (_depth_sum(g, ctx.size, ctx.geo),)


class DepthFold(Primitive):
    """(N, n_in, C, k, *rest) -> (N, C, size, *rest): the adjoint of :class:`DepthUnfold`
    (what a transposed 3-D convolution does along depth)."""

    @staticmethod
    def forward(ctx: Primitive, t: np.ndarray, size, k, stride, dilation, pad) -> np.ndarray:
        ctx.geo = (k, stride, dilation, tuple(pad), t.shape[1])
        return _depth_sum(t, size, ctx.geo)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        return (_depth_windows(g, ctx.geo),)
