"""numba max-pooling: a forward that records each window's argmax in the same pass, and a
backward that scatters the gradient to it.

Each kernel handles the planes ``[p0, p1)`` of the N*C planes, serially and without the GIL:
``numtorch._kernels.parallel`` hands plane ranges to its threads. Arrays are C-contiguous and
read through flat views with unsigned indices (numba then skips its negative-index wraparound
test and the 2x2 loops vectorise)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numba import njit

__all__ = [
    "warm_up",
    "max_pool2d",
    "max_pool2d_2x2",
    "max_pool2d_backward",
    "max_pool2d_backward_2x2",
]

_u = np.uint64


@njit(cache=True, inline="always")
def _span(o: int, k: int, s: int, p: int, d: int, size: int) -> tuple:
    """Window ``o``'s first input position and the offsets ``[lo, hi)`` that land inside."""
    start = o * s - p
    lo = 0 if start >= 0 else (-start + d - 1) // d
    hi = min(k, (size - start + d - 1) // d)
    return start, lo, hi


@njit(cache=True, nogil=True)
def max_pool2d(x, p0, p1, kh, kw, sh, sw, ph, pw, dh, dw, out, arg):  # pragma: no cover
    """``out`` = max over each window, ``arg`` = its offset ``i*kw + j`` in the window.

    A later element wins only when strictly greater or NaN (PyTorch's rule), so ties keep the
    first; padding is never looked at.
    """
    n, c, h, w = x.shape
    ho, wo = out.shape[2], out.shape[3]
    xf, of, af = x.reshape(-1), out.reshape(-1), arg.reshape(-1)
    for t in range(p0, p1):
        src, dst = t * h * w, t * ho * wo
        for oh in range(ho):
            r0, ilo, ihi = _span(oh, kh, sh, ph, dh, h)
            for ow in range(wo):
                q0, jlo, jhi = _span(ow, kw, sw, pw, dw, w)
                best = xf[_u(src + (r0 + ilo * dh) * w + q0 + jlo * dw)]
                k = ilo * kw + jlo
                for i in range(ilo, ihi):
                    row = src + (r0 + i * dh) * w + q0
                    for j in range(jlo, jhi):
                        v = xf[_u(row + j * dw)]
                        if v > best or v != v:
                            best = v
                            k = i * kw + j
                of[_u(dst + oh * wo + ow)] = best
                af[_u(dst + oh * wo + ow)] = k


@njit(cache=True, nogil=True)
def max_pool2d_2x2(x, p0, p1, out, arg):  # pragma: no cover
    """:func:`max_pool2d` for the common 2x2 window, stride 2, no padding, unrolled."""
    n, c, h, w = x.shape
    ho, wo = out.shape[2], out.shape[3]
    xf, of, af = x.reshape(-1), out.reshape(-1), arg.reshape(-1)
    for t in range(p0, p1):
        for oh in range(ho):
            top = t * h * w + 2 * oh * w
            dst = t * ho * wo + oh * wo
            for ow in range(wo):
                a, b = xf[_u(top + 2 * ow)], xf[_u(top + 2 * ow + 1)]
                c_, d = xf[_u(top + w + 2 * ow)], xf[_u(top + w + 2 * ow + 1)]
                best, k = a, 0
                if b > best or b != b:
                    best, k = b, 1
                if c_ > best or c_ != c_:
                    best, k = c_, 2
                if d > best or d != d:
                    best, k = d, 3
                of[_u(dst + ow)] = best
                af[_u(dst + ow)] = k


@njit(cache=True, nogil=True)
def max_pool2d_backward(g, arg, p0, p1, kw, sh, sw, ph, pw, dh, dw, gx):  # pragma: no cover
    """``gx`` (overwritten) = the sum of the gradients of the windows whose max each input
    element was."""
    n, c, h, w = gx.shape
    ho, wo = g.shape[2], g.shape[3]
    gf, af, xf = g.reshape(-1), arg.reshape(-1), gx.reshape(-1)
    for t in range(p0, p1):
        dst, src = t * h * w, t * ho * wo
        for q in range(h * w):
            xf[_u(dst + q)] = 0
        for oh in range(ho):
            for ow in range(wo):
                k = af[_u(src + oh * wo + ow)]
                i = k // kw
                j = k - i * kw
                pos = dst + (oh * sh - ph + i * dh) * w + ow * sw - pw + j * dw
                xf[_u(pos)] += gf[_u(src + oh * wo + ow)]


@njit(cache=True, nogil=True)
def max_pool2d_backward_2x2(g, arg, p0, p1, gx):  # pragma: no cover
    """:func:`max_pool2d_backward` for 2x2 windows with stride 2 and no padding: every input
    element is written exactly once (no zeroing pass)."""
    n, c, h, w = gx.shape
    ho, wo = g.shape[2], g.shape[3]
    gf, af, xf = g.reshape(-1), arg.reshape(-1), gx.reshape(-1)
    z = np.zeros(1, gx.dtype)[0]  # a zero of gx's type
    for t in range(p0, p1):
        for oh in range(ho):
            top = t * h * w + 2 * oh * w
            src = t * ho * wo + oh * wo
            for a in range(2):  # one input row at a time: two output streams, vectorised
                row, k0 = top + a * w, 2 * a
                for ow in range(wo):
                    k = af[_u(src + ow)]
                    v = gf[_u(src + ow)]
                    xf[_u(row + 2 * ow)] = v if k == k0 else z
                    xf[_u(row + 2 * ow + 1)] = v if k == k0 + 1 else z
            for q in range(2 * wo, w):  # an odd last column no window covers
                xf[_u(top + q)] = 0
                xf[_u(top + w + q)] = 0
        for q in range(2 * ho * w, h * w):  # an odd last row
            xf[_u(t * h * w + q)] = 0


def warm_up(dtype: np.dtype) -> Iterator[None]:
    """Compile the four kernels for ``dtype`` with the signatures ``numtorch._kernels.pooling``
    calls them with (int8 offsets, and int32 for windows of over 127 elements); yields after
    each (see ``_numba_conv.warm_up``). The unrolled 2x2 kernels first: the common case."""
    x, out = np.zeros((1, 1, 2, 2), dtype), np.zeros((1, 1, 1, 1), dtype)
    geo = (2, 2, 2, 2, 0, 0, 1, 1)  # kh, kw, sh, sw, ph, pw, dh, dw
    arg = np.zeros((1, 1, 1, 1), np.int8)
    max_pool2d_2x2(x, 0, 1, out, arg)
    yield
    max_pool2d_backward_2x2(out, arg, 0, 1, x)
    yield
    for arg_dtype in (np.int8, np.int32):
        arg = np.zeros((1, 1, 1, 1), arg_dtype)
        max_pool2d(x, 0, 1, *geo, out, arg)
        yield
        max_pool2d_backward(out, arg, 0, 1, *geo[1:], x)
        yield
