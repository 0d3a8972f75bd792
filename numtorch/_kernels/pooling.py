"""Max-pooling kernels on (N, C, H, W) arrays, on the numba or the NumPy path, and the
window helpers the NumPy pooling code shares.

The forward returns the max and ``arg``, each window's winning offset ``i*kw + j`` (int8 when
the window has at most 127 elements, else int32): one byte per output instead of PyTorch's
eight, and all backward needs. Ties go to the first maximum in row-major window order and NaN
wins, as in PyTorch's CPU kernel, so gradients and indices agree exactly on both paths: the
NumPy twins give the numba kernels' results bit for bit (the backward adds in the same order).
"""

from __future__ import annotations

import numpy as np

from numtorch._kernels import numba_module
from numtorch._kernels import parallel as _par

__all__ = ["max_pool2d", "max_pool2d_backward"]


def max_pool2d(x, kernel, stride, padding, dilation, out_hw) -> tuple[np.ndarray, np.ndarray]:
    """``(out, arg)`` for (N, C, H, W) ``x``; ``out`` is C-contiguous whatever ``x``'s layout."""
    nb = numba_module("pooling", x.dtype)
    if nb is None or x.size == 0:
        return _max_pool2d_numpy(x, kernel, stride, padding, dilation, out_hw)
    x = np.ascontiguousarray(x)
    out = np.empty(x.shape[:2] + tuple(out_hw), dtype=x.dtype)
    arg = np.empty(out.shape, dtype=_arg_dtype(kernel))
    if _plain_2x2(x.shape, kernel, stride, padding, dilation, out_hw):
        run = lambda p0, p1: nb.max_pool2d_2x2(x, p0, p1, out, arg)  # noqa: E731
    else:
        geo = (*kernel, *stride, *padding, *dilation)
        run = lambda p0, p1: nb.max_pool2d(x, p0, p1, *geo, out, arg)  # noqa: E731
    _par.for_planes(run, x.shape[0] * x.shape[1], x[0, 0].nbytes)
    return out, arg


def max_pool2d_backward(g, arg, in_shape, kernel, stride, padding, dilation) -> np.ndarray:
    """The input gradient (``in_shape``, C-contiguous): each output's gradient added at its
    window's argmax."""
    nb = numba_module("pooling", g.dtype)
    if nb is None or g.size == 0:
        return _backward_numpy(g, arg, in_shape, kernel, stride, padding, dilation)
    gx = np.empty(in_shape, dtype=g.dtype)
    g = np.ascontiguousarray(g)
    if _plain_2x2(in_shape, kernel, stride, padding, dilation, g.shape[2:]):
        run = lambda p0, p1: nb.max_pool2d_backward_2x2(g, arg, p0, p1, gx)  # noqa: E731
    else:
        geo = (kernel[1], *stride, *padding, *dilation)
        run = lambda p0, p1: nb.max_pool2d_backward(g, arg, p0, p1, *geo, gx)  # noqa: E731
    _par.for_planes(run, gx.shape[0] * gx.shape[1], gx[0, 0].nbytes)
    return gx


def _plain_2x2(shape, kernel, stride, padding, dilation, out_hw) -> bool:
    """2x2 windows at stride 2, undilated, unpadded and all inside (no ceil_mode overhang):
    the unrolled kernels' case."""
    square = kernel == (2, 2) and stride == (2, 2) and dilation == (1, 1)
    inside = 2 * out_hw[0] <= shape[2] and 2 * out_hw[1] <= shape[3]
    return square and padding == (0, 0) and inside


def _arg_dtype(kernel: tuple) -> type:
    return np.int8 if kernel[0] * kernel[1] <= 127 else np.int32


# ---------------------------------------------------------------- NumPy path and helpers


def offsets(kernel: tuple, stride: tuple, dilation: tuple, out_hw: tuple):
    """(k, i, j, view): the strided slice of the padded input read by kernel offset (i, j),
    ``k = i*kw + j``. Within one offset the output pixels read distinct input pixels."""
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            r, q = i * dilation[0], j * dilation[1]
            rows = slice(r, r + stride[0] * (out_hw[0] - 1) + 1, stride[0])
            cols = slice(q, q + stride[1] * (out_hw[1] - 1) + 1, stride[1])
            yield i * kernel[1] + j, i, j, (slice(None), slice(None), rows, cols)


def padded_shape(shape: tuple, kernel, stride, padding, dilation, out_hw) -> tuple:
    """Spatial size covering the input after left padding and every window (ceil_mode
    windows may hang past the right padding)."""
    return tuple(
        max((o - 1) * s + d * (k - 1) + 1, p + n)
        for n, k, s, p, d, o in zip(shape[2:], kernel, stride, padding, dilation, out_hw)
    )


def place(x: np.ndarray, padding: tuple, shape_hw: tuple, fill) -> np.ndarray:
    """``x`` at (ph, pw) inside an array of spatial size ``shape_hw`` filled with ``fill``."""
    if shape_hw == x.shape[2:]:
        return x
    out = np.full(x.shape[:2] + shape_hw, fill, dtype=x.dtype)
    out[:, :, padding[0] : padding[0] + x.shape[2], padding[1] : padding[1] + x.shape[3]] = x
    return out


def has_nan(x: np.ndarray) -> bool:
    """One reduction (max propagates NaN) instead of an isnan test per kernel offset."""
    return x.dtype.kind == "f" and x.size > 0 and bool(np.isnan(x.max()))


def _inside(size: int, pad: int, k: int, s: int, d: int, out: int) -> np.ndarray:
    """(k, out) bools: does offset i of window o read a real (unpadded) element?"""
    pos = np.arange(out)[None, :] * s - pad + np.arange(k)[:, None] * d
    return (pos >= 0) & (pos < size)


def _lowest(dtype: np.dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _max_pool2d_numpy(x, kernel, stride, padding, dilation, out_hw):
    """Running max over the kernel offsets (one strided slice each) and the offset it came
    from. A later offset wins only when strictly greater (or NaN); a real element beats
    padding even when equal to the fill value (PyTorch never looks at padding)."""
    geo = (kernel, stride, dilation, out_hw)
    shape = padded_shape(x.shape, kernel, stride, padding, dilation, out_hw)
    xp = place(x, padding, shape, _lowest(x.dtype))
    rows = _inside(x.shape[2], padding[0], kernel[0], stride[0], dilation[0], out_hw[0])
    cols = _inside(x.shape[3], padding[1], kernel[1], stride[1], dilation[1], out_hw[1])
    padded, nan = not (rows.all() and cols.all()), has_nan(x)
    best = arg = seen = None
    for k, i, j, view in offsets(*geo):
        v, real = xp[view], rows[i][:, None] & cols[j][None, :]
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
    return np.ascontiguousarray(best), arg


def _backward_numpy(g, arg, in_shape, kernel, stride, padding, dilation):
    """Bit-identical to the numba kernels: those add each window's gradient in window order,
    and the windows that share an input element reach it through decreasing offsets, so the
    offsets run backwards here (adding zeros elsewhere changes nothing: the sums start from
    +0). Plain 2x2 windows never share an element and the kernel assigns (keeping -0)."""
    out_hw = g.shape[2:]
    shape = padded_shape(in_shape, kernel, stride, padding, dilation, out_hw)
    gp = np.zeros(tuple(in_shape[:2]) + shape, dtype=g.dtype)
    zero = np.zeros((), dtype=g.dtype)
    assign = _plain_2x2(in_shape, kernel, stride, padding, dilation, out_hw)
    for k, _, _, view in reversed(list(offsets(kernel, stride, dilation, out_hw))):
        if assign:
            gp[view] = np.where(arg == k, g, zero)
        else:
            gp[view] += np.where(arg == k, g, zero)
    gx = gp[:, :, padding[0] : padding[0] + in_shape[2], padding[1] : padding[1] + in_shape[3]]
    return np.ascontiguousarray(gx)
