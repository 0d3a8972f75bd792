"""2-D convolution, a chunk of samples at a time on every core, and the non-zero padding modes.

Shapes: input ``x`` (N, C, H, W), weight ``w`` (O, C/G, kh, kw), output (N, O, Ho, Wo) with
``Ho = (H + pt + pb - dh*(kh-1) - 1) // sh + 1``. Each pass splits the batch into chunks that
``numtorch._kernels.parallel`` spreads over the cores (one thread per core, single-threaded
GEMMs); a chunk's intermediate arrays stay in cache, are used at once and reused for the next
chunk, so nothing of size ``kh*kw`` times an activation is ever held, and backward rebuilds
what it needs from the input (cheaper than keeping it, and it bounds peak memory). Two
algorithms:

* **Winograd** F(2x2, 3x3) (``numtorch._kernels.winograd``) for 3x3, stride-1, undilated,
  ungrouped convolutions with at least ``_WINOGRAD_MIN_CHANNELS`` input channels on the numba
  path (chosen by the path, not by whether numba has compiled yet: while it compiles, the
  bit-identical NumPy transforms run, so the results do not depend on timing): 16 GEMMs per
  chunk doing 2.25x fewer flops than im2col's, for all three passes, as
  accurate as PyTorch's direct convolution in float32 (F(4x4, 3x3) was faster but 20x less
  accurate: see the kernel's docstring).
* **im2col** (``numtorch._kernels.conv``) for everything else. Columns are sample-major
  ``(nb, C*kh*kw, Ho*Wo)``, so ``out[n] = W @ cols[n]`` lands in NCHW order with no transpose;
  the weight gradient is ``sum_n g[n] @ cols[n].T`` and the input gradient
  ``col2im(W.T @ g[n])``. Groups split the column rows and the weight's rows into ``G`` blocks,
  a batch axis of the same matmuls.

Both skip the input gradient when the input needs none (a first layer).
"""

from __future__ import annotations

import numpy as np

from numtorch._kernels import conv as _k
from numtorch._kernels import parallel as _par
from numtorch._kernels import winograd as _wino
from numtorch.autograd.graph import Primitive

__all__ = ["Conv2d", "Pad2d"]

# Work per chunk (one thread's unit): about what stays in a core's L2 cache between the
# kernel that writes a chunk's intermediates and the GEMMs that read them.
_CHUNK_BYTES = 2 * 2**20
# (Winograd's chunks at half that ran 5% faster on one thread at 32x32, but 4-9% slower on
# two, forward and backward alike.)
# Larger per-thread buffers are not kept between calls.
_KEEP_BUFFER_BYTES = 8 * 2**20
# Below this many input channels (an RGB first layer) im2col's GEMM is cheap and Winograd's
# transforms would dominate.
_WINOGRAD_MIN_CHANNELS = 8


def _chunks(n: int, per_sample_bytes: int) -> list[tuple[int, int]]:
    step = max(1, _CHUNK_BYTES // max(per_sample_bytes, 1))
    return [(i, min(i + step, n)) for i in range(0, n, step)]


def _buffer(size: int, dtype: np.dtype, slot: str) -> np.ndarray:
    """This thread's reusable 1-D buffer (a fresh one when too large to keep)."""
    if size * dtype.itemsize > _KEEP_BUFFER_BYTES:
        return np.empty(size, dtype)
    return _par.scratch(size, dtype, slot)


class Conv2d(Primitive):
    """Cross-correlation of (N, C, H, W) with (O, C/G, kh, kw); zero padding (top, bottom,
    left, right), stride, dilation and groups as in ``torch.nn.functional.conv2d``."""

    def name(self) -> str:
        return self.__dict__.get("_name") or "ConvolutionBackward0"  # PyTorch's node

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
    ) -> np.ndarray:
        n, c, h, wd = x.shape
        o, _, kh, kw = w.shape
        pt, pb, pl, pr = padding
        ho = (h + pt + pb - dilation[0] * (kh - 1) - 1) // stride[0] + 1
        wo = (wd + pl + pr - dilation[1] * (kw - 1) - 1) // stride[1] + 1
        x = np.ascontiguousarray(x)  # x itself when contiguous, so the version check sees it
        ctx.geo = ((kh, kw), tuple(stride), tuple(padding), tuple(dilation), (ho, wo))
        ctx.groups = groups
        ctx.winograd = _use_winograd(x, w, ctx.geo, groups)
        out = np.empty((n, o, ho, wo), dtype=np.result_type(x, w))
        (_winograd_forward if ctx.winograd else _im2col_forward)(ctx, x, w, b, out)
        ctx.save_for_backward(x, w)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        needs = tuple(ctx.needs_input_grad) + (False,)
        need_x, need_w, need_b = needs[0], needs[1], needs[2]
        if not (need_x or need_w or need_b):
            return None, None, None
        x, w = ctx.saved_tensors
        gx = np.empty(x.shape, dtype=g.dtype) if need_x else None
        run = _winograd_backward if ctx.winograd else _im2col_backward
        accs = run(ctx, x, w, np.ascontiguousarray(g), gx, need_w, need_b)
        gw = gb = None
        if need_w:
            gw = _total(accs, 0)
            if gw is None:
                gw = np.zeros(w.shape, g.dtype)
            elif ctx.winograd:
                gw = _wino.weight_adjoint(gw)
            gw = gw.reshape(w.shape)
        if need_b:
            gb = _total(accs, 1)
            gb = np.zeros(w.shape[0], g.dtype) if gb is None else gb
        return gx, gw, gb


def _accumulate(acc: list, i: int, value: np.ndarray) -> None:
    """``acc[i] += value``, or ``acc[i] = value`` for the first: a chunk's first product
    needs no zeros to add into."""
    if acc[i] is None:
        acc[i] = value
    else:
        acc[i] += value


def _total(accs: list, i: int) -> np.ndarray | None:
    """``0 + accs[0][i] + accs[1][i] + ...`` in chunk order (None when there are none).

    Adding into zeros, as one thread's accumulator would have, keeps the sum bit-identical
    whether one thread ran every chunk or each chunk started its own: ``0 + x`` is ``x`` up
    to the sign of a zero, which the leading zero settles the same way on both.
    """
    parts = [a[i] for a in accs if a is not None and a[i] is not None]
    if not parts:
        return None
    total = np.zeros_like(parts[0])
    for part in parts:
        total += part
    return total


def _use_winograd(x: np.ndarray, w: np.ndarray, geo: tuple, groups: int) -> bool:
    """Whether Winograd F(2x2, 3x3) serves this convolution (else im2col)."""
    kernel, stride, _, dilation, _ = geo
    return (
        kernel == (3, 3)
        and stride == (1, 1)
        and dilation == (1, 1)
        and groups == 1
        and x.shape[1] >= _WINOGRAD_MIN_CHANNELS
        and x.dtype == w.dtype
        and _wino.chosen(x.dtype)  # the path, not whether its kernels have compiled yet
    )


# ---------------------------------------------------------------- im2col
# ``ctx`` carries the metadata (``geo``, ``groups``, ``winograd``); the arrays come explicitly.


def _im2col_chunks(ctx: Conv2d, x: np.ndarray, o: int = 0) -> list[tuple[int, int]]:
    """Chunks whose columns and ``o``-channel output (or output gradient) fit
    ``_CHUNK_BYTES`` together (a 3-channel first layer's forward and backward ran 2-6% faster
    than with its columns alone counted; a bias row of ones adds one row in ``C*kh*kw``,
    not counted)."""
    ho, wo = ctx.geo[4]
    return _chunks(x.shape[0], (_cols_size(ctx, x, 1) + o * ho * wo) * x.itemsize)


def _cols_size(ctx: Conv2d, x: np.ndarray, samples: int) -> int:
    (kh, kw), _, _, _, (ho, wo) = ctx.geo
    return samples * x.shape[1] * kh * kw * ho * wo


def _cols(ctx: Conv2d, x: np.ndarray, n0: int, n1: int, ones_row: bool = False) -> np.ndarray:
    """Columns of samples ``n0:n1`` as (nb, G, C/G*kh*kw, Ho*Wo); with ``ones_row`` (one
    group only) each sample's columns end in a row of ones, the bias's (see
    :func:`_folds_bias`): (nb, 1, C*kh*kw + 1, Ho*Wo)."""
    size = _cols_size(ctx, x, n1 - n0) + ones_row * (n1 - n0) * ctx.geo[4][0] * ctx.geo[4][1]
    buf = _buffer(size, x.dtype, "cols") if _k.uses_buffer(x.dtype) else None
    cols = _k.im2col(x, n0, n1, ctx.geo, buf, ones_row)
    return cols.reshape(n1 - n0, ctx.groups, -1, cols.shape[-1])


def _folds_bias(groups: int, *dtypes: np.dtype) -> bool:
    """Whether the bias rides in the GEMMs as one more weight column against a row of ones in
    the columns: the forward's bias add and the backward's bias sum then cost no pass over the
    output (8 MB for a 32x32 first layer of 64 channels at batch 32: 0.6 ms each way on a core).
    One group and one dtype only; the bias gradient is then summed as the weight gradient is,
    in the GEMM's order."""
    return groups == 1 and len(set(dtypes)) == 1


def _dcols_buffer(gc: np.ndarray, wt: np.ndarray) -> np.ndarray:
    """This thread's buffer for a chunk's input-gradient columns (nb, G, C/G*kh*kw, L)."""
    shape = gc.shape[:2] + wt.shape[1:2] + gc.shape[3:]
    size = shape[0] * shape[1] * shape[2] * shape[3]
    return _buffer(size, np.dtype(np.result_type(gc, wt)), "dcols").reshape(shape)


def _im2col_forward(
    ctx: Conv2d, x: np.ndarray, w: np.ndarray, b: np.ndarray | None, out: np.ndarray
) -> None:
    groups, o = ctx.groups, w.shape[0]
    wg = w.reshape(groups, o // groups, -1)
    bias = None if b is None else b.reshape(groups, o // groups, 1)
    folded = b is not None and _folds_bias(groups, x.dtype, w.dtype, b.dtype)
    if folded:  # (1, O, C*kh*kw + 1): the bias is the last column
        wg, bias = np.concatenate([wg, bias], axis=2), None

    def chunk(n0: int, n1: int, acc: None) -> None:
        dst = out[n0:n1].reshape(n1 - n0, groups, o // groups, -1)
        np.matmul(wg, _cols(ctx, x, n0, n1, folded), out=dst)
        if bias is not None:
            dst += bias

    _par.map_chunks(chunk, _im2col_chunks(ctx, x, o))


def _im2col_backward(
    ctx: Conv2d, x: np.ndarray, w: np.ndarray, g: np.ndarray, gx, need_w: bool, need_b: bool
) -> list:
    """Per-thread ``[weight gradient (G, O/G, C/G*kh*kw), bias gradient]``; fills ``gx``."""
    groups, o, ckk = ctx.groups, w.shape[0], w[0].size
    wt = w.reshape(groups, o // groups, ckk).transpose(0, 2, 1)
    # both gradients from one GEMM against columns ending in a row of ones
    folded = need_w and need_b and _folds_bias(groups, x.dtype, w.dtype, g.dtype)

    def chunk(n0: int, n1: int, acc: list | None) -> list:
        acc = acc or [None, None]
        gc = g[n0:n1].reshape(n1 - n0, groups, o // groups, -1)
        if need_b and not folded:
            _accumulate(acc, 1, gc.sum(axis=(0, 3)).reshape(o))
        if need_w:
            cols = _cols(ctx, x, n0, n1, folded)
            _accumulate(acc, 0, np.matmul(gc, cols.swapaxes(-1, -2)).sum(axis=0))
        if gx is not None:
            dcols = np.matmul(wt, gc, out=_dcols_buffer(gc, wt))  # (nb, G, C/G*kh*kw, L)
            _k.col2im(dcols.reshape(n1 - n0, groups * ckk, -1), gx, n0, ctx.geo)
        return acc

    accs = _par.map_chunks(chunk, _im2col_chunks(ctx, x, o))
    if folded:  # the last column is the bias gradient
        accs = [[a[0][..., :ckk], a[0][..., ckk].reshape(o)] for a in accs]
    return accs


# ---------------------------------------------------------------- Winograd F(2x2, 3x3)


def _winograd_sizes(ctx: Conv2d) -> tuple[int, int, int]:
    """(tile rows, tile columns, tiles per sample)."""
    th, tw = _wino.tiles(ctx.geo[4])
    return th, tw, th * tw


def _winograd_chunks(ctx: Conv2d, x: np.ndarray, o: int) -> list[tuple[int, int]]:
    per_sample = _wino.POINTS * (x.shape[1] + o) * _winograd_sizes(ctx)[2]
    return _chunks(x.shape[0], per_sample * x.itemsize)


def _winograd_forward(
    ctx: Conv2d, x: np.ndarray, w: np.ndarray, b: np.ndarray | None, out: np.ndarray
) -> None:
    (c, o), (th, tw, per), f = (x.shape[1], w.shape[0]), _winograd_sizes(ctx), _wino.POINTS
    pad = (ctx.geo[2][0], ctx.geo[2][2])
    u = _wino.weight_transform(w)  # (f, C, O)

    def chunk(n0: int, n1: int, acc: None) -> None:
        p = (n1 - n0) * per
        vbuf, mbuf = _buffer(f * c * p, u.dtype, "v"), _buffer(f * o * p, u.dtype, "m")
        v = _wino.input_transform(x, n0, n1, pad, th, tw, vbuf)
        mm = np.matmul(v, u, out=mbuf.reshape(f, p, o))
        _wino.output_transform(mm, out, n0, n1, th, tw, b)

    _par.map_chunks(chunk, _winograd_chunks(ctx, x, o))


def _winograd_backward(
    ctx: Conv2d, x: np.ndarray, w: np.ndarray, g: np.ndarray, gx, need_w: bool, need_b: bool
) -> list:
    """Per-thread ``[dU (f, C, O), bias gradient]``; fills ``gx``. The weight is transformed
    again from ``w`` as it is now (0.1 ms for 128 x 64 filters), as PyTorch's backward reads
    the weight's memory, and only when the input needs a gradient."""
    (c, o), (th, tw, per), f = (x.shape[1], w.shape[0]), _winograd_sizes(ctx), _wino.POINTS
    pad = (ctx.geo[2][0], ctx.geo[2][2])
    # (f, O, C), contiguous: OpenBLAS runs these thin products 1.6x slower on a transposed view
    ut = None if gx is None else np.ascontiguousarray(_wino.weight_transform(w).transpose(0, 2, 1))

    def chunk(n0: int, n1: int, acc: list | None) -> list:
        acc = acc or [None, None]
        p = (n1 - n0) * per
        dm = _wino.grad_output_transform(g, n0, n1, th, tw, _buffer(f * o * p, g.dtype, "m"))
        if need_b:  # point (1, 1) of A dY A^T is the sum of a tile's four output gradients
            _accumulate(acc, 1, dm[_wino.TILE_SUM_POINT].sum(axis=0))
        vbuf = _buffer(f * c * p, g.dtype, "v")
        if need_w:
            v = _wino.input_transform(x, n0, n1, pad, th, tw, vbuf)
            vt = v.transpose(0, 2, 1)
            if acc[0] is None:
                acc[0] = np.matmul(vt, dm)
            else:
                acc[0] += np.matmul(vt, dm, out=_buffer(f * c * o, g.dtype, "du").reshape(f, c, o))
        if gx is not None:
            dv = np.matmul(dm, ut, out=vbuf.reshape(f, p, c))
            _wino.input_adjoint(dv, gx, n0, n1, pad, th, tw)
        return acc

    return _par.map_chunks(chunk, _winograd_chunks(ctx, x, o))


# NumPy's names for PyTorch's padding modes.
_NP_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _source_matrix(size: int, before: int, after: int, mode: str, dtype) -> np.ndarray:
    """One-hot (size+before+after, size): row p marks the input element padded position p
    copies, so padding is ``M @ x`` along an axis and its gradient ``M.T @ g``. A negative
    ``before`` or ``after`` crops, after the positive side is padded."""
    src = np.pad(np.arange(size), (max(before, 0), max(after, 0)), mode=_NP_MODES[mode])
    src = src[max(-before, 0) : len(src) - max(-after, 0)]
    return (src[:, None] == np.arange(size)[None, :]).astype(dtype)


class Pad2d(Primitive):
    """Reflect / replicate / circular padding of the last two axes, (top, bottom, left, right);
    a negative amount crops that side (after the other side is padded, as PyTorch does).

    Backward folds the padded border back onto the elements it copied, as two small matmuls.
    """

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, padding: tuple, mode: str) -> np.ndarray:
        pt, pb, pl, pr = padding
        mh = _source_matrix(x.shape[-2], pt, pb, mode, x.dtype)
        mw = _source_matrix(x.shape[-1], pl, pr, mode, x.dtype)
        ctx.save_for_backward(mh, mw)
        grow = [(max(pt, 0), max(pb, 0)), (max(pl, 0), max(pr, 0))]
        out = np.pad(x, [(0, 0)] * (x.ndim - 2) + grow, mode=_NP_MODES[mode])
        h, w = out.shape[-2:]
        return out[..., max(-pt, 0) : h - max(-pb, 0), max(-pl, 0) : w - max(-pr, 0)]

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        mh, mw = ctx.saved_tensors
        return np.matmul(np.matmul(mh.T, g), mw), None, None
