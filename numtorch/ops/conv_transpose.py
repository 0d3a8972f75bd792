"""2-D transposed convolution on the convolution's own im2col machinery.

A transposed convolution is the adjoint (the input gradient) of a convolution: with ``x``
(N, C_in, H, W), weight ``w`` (C_in, C_out/G, kh, kw) and output ``y`` (N, C_out, Ho, Wo), the
*equivalent convolution* maps ``y``-shaped images to ``x``-shaped ones with weight ``w`` read
as (O=C_in, C/G=C_out/G, kh, kw) and the same stride, padding, dilation and groups. So:

* forward: ``y = col2im(W.T @ x[n])``, the convolution's input-gradient pass;
* input gradient: ``gx = conv(gy, w)``, the convolution's forward pass (im2col + GEMM);
* weight gradient: ``gw = sum_n x[n] @ im2col(gy)[n].T``, the convolution's weight-gradient
  pass with the roles of input and output gradient swapped (one im2col serves both
  gradients); the bias gradient is ``gy`` summed over all but the channel axis.

Every pass runs a chunk of samples at a time on every core (``numtorch.ops.conv``'s chunking
and per-thread buffers), so no Python loop runs over pixels or kernel offsets.
"""

from __future__ import annotations

import numpy as np

from numtorch._kernels import conv as _k
from numtorch._kernels import parallel as _par
from numtorch.autograd.graph import Primitive
from numtorch.ops import conv as _conv

__all__ = ["ConvTranspose2d"]


class ConvTranspose2d(Primitive):
    """Transposed convolution of (N, C_in, H, W) with (C_in, C_out/G, kh, kw) into
    (N, C_out, *out_hw): the adjoint of the stride/padding/dilation/groups convolution.

    ``out_hw`` is the output size (it includes ``output_padding``, which only grows the
    bottom and right borders: they receive bias only)."""

    def name(self) -> str:
        return "ConvolutionBackward0"  # PyTorch's node for every convolution

    @staticmethod
    def forward(
        ctx: Primitive,
        x: np.ndarray,
        w: np.ndarray,
        b: np.ndarray | None,
        stride: tuple,
        padding: tuple,
        dilation: tuple,
        groups: int,
        out_hw: tuple,
    ) -> np.ndarray:
        n, _, h, wd = x.shape
        x = np.ascontiguousarray(x)
        (p0, p1), kernel = padding, tuple(w.shape[2:])
        # The equivalent convolution's geometry: its output is this op's input.
        ctx.geo = (kernel, tuple(stride), (p0, p0, p1, p1), tuple(dilation), (h, wd))
        ctx.groups = groups
        cout = w.shape[1] * groups
        out = np.empty((n, cout, *out_hw), dtype=np.result_type(x, w))
        _scatter(ctx, x, w, out)
        if b is not None:
            out += b.reshape(1, cout, 1, 1)
        ctx.save_for_backward(x, w)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        needs = tuple(ctx.needs_input_grad) + (False,)
        need_x, need_w, need_b = needs[0], needs[1], needs[2]
        if not (need_x or need_w or need_b):
            return None, None, None
        x, w = ctx.saved_tensors
        g = np.ascontiguousarray(g)
        gx = np.empty(x.shape, dtype=g.dtype) if need_x else None
        accs = _gather(ctx, x, w, g, gx, need_w)
        gw = None
        if need_w:
            gw = sum(accs) if accs else np.zeros(w.shape, g.dtype)
            gw = np.asarray(gw).reshape(w.shape)
        gb = g.sum(axis=(0, 2, 3)) if need_b else None
        return gx, gw, gb


def _scatter(ctx: Primitive, x: np.ndarray, w: np.ndarray, out: np.ndarray) -> None:
    """``out[n] = col2im(W.T @ x[n])`` for every sample, a chunk at a time."""
    groups, cin, ckk = ctx.groups, w.shape[0], w[0].size
    wt = w.reshape(groups, cin // groups, ckk).transpose(0, 2, 1)  # (G, C_out/G*kk, C_in/G)
    per_sample = groups * ckk * x.shape[2] * x.shape[3] * out.itemsize

    def chunk(n0: int, n1: int, acc: None) -> None:
        xc = x[n0:n1].reshape(n1 - n0, groups, cin // groups, -1)
        dcols = np.matmul(wt, xc, out=_conv._dcols_buffer(xc, wt))
        _k.col2im(dcols.reshape(n1 - n0, groups * ckk, -1), out, n0, ctx.geo)

    _par.map_chunks(chunk, _conv._chunks(x.shape[0], per_sample))


def _gather(ctx: Primitive, x: np.ndarray, w: np.ndarray, g: np.ndarray, gx, need_w: bool) -> list:
    """Fill ``gx`` with ``conv(g, w)`` and return the per-thread weight gradients
    (G, C_in/G, C_out/G*kk), from one im2col of ``g`` per chunk."""
    groups, cin = ctx.groups, w.shape[0]
    wg = w.reshape(groups, cin // groups, -1)

    def chunk(n0: int, n1: int, acc: np.ndarray | None) -> np.ndarray | None:
        nb = n1 - n0
        cols = _conv._cols(ctx, g, n0, n1)  # (nb, G, C_out/G*kk, H*W)
        if gx is not None:
            np.matmul(wg, cols, out=gx[n0:n1].reshape(nb, groups, cin // groups, -1))
        if need_w:
            xc = x[n0:n1].reshape(nb, groups, cin // groups, -1)
            part = np.matmul(xc, cols.swapaxes(-1, -2)).sum(axis=0)
            acc = part if acc is None else acc + part
        return acc

    return _par.map_chunks(chunk, _conv._im2col_chunks(ctx, g))
