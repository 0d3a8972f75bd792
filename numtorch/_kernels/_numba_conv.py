"""numba im2col / col2im for sample-major columns ``(nb, C*kh*kw, Ho*Wo)``.

Serial and ``nogil``: parallelism comes from ``numtorch._kernels.parallel``, which runs
chunks of samples on several threads. Per kernel column ``j`` the kernels work out the range
of output columns that read real input, so the inner loops have no bounds tests; indices are
unsigned (numba then skips its negative-index wraparound test, and the stride-1 copies
vectorise). All arrays are C-contiguous and read through flat views.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numba import njit

__all__ = ["warm_up", "im2col", "col2im"]

_u = np.uint64


@njit(cache=True, inline="always")
def _valid_range(off: int, s: int, size: int, out: int) -> tuple:
    """``[lo, hi)``: the outputs ``o`` with ``0 <= o*s + off < size``, clipped to ``[0, out]``."""
    lo = 0 if off >= 0 else (-off + s - 1) // s
    hi = (size - off + s - 1) // s if size > off else 0
    lo = min(lo, out)
    hi = max(min(hi, out), lo)
    return lo, hi


@njit(cache=True, nogil=True)
def im2col(x, n0, kh, kw, sh, sw, pt, pl, dh, dw, ho, wo, cols):  # pragma: no cover
    """``cols[n, (c*kh + i)*kw + j, oh*wo + ow] = x[n0+n, c, oh*sh - pt + i*dh, ow*sw - pl + j*dw]``
    (zero outside the input); rows past ``C*kh*kw`` (a bias row) are set to one."""
    nb, c, h, w = cols.shape[0], x.shape[1], x.shape[2], x.shape[3]
    rows, length = cols.shape[1], ho * wo
    xf, cf = x.reshape(-1), cols.reshape(-1)
    one = np.ones(1, cols.dtype)[0]
    for n in range(nb):  # the bias rows (none unless asked for), also when C is 0
        for q in range(c * kh * kw * length, rows * length):
            cf[_u(n * rows * length + q)] = one
    shifted = sh == 1 and sw == 1 and wo == w  # each tap's rows: one shifted copy of x
    for t in range(nb * c):
        n, ch = t // c, t % c
        src0 = (n0 * c + t) * h * w
        for i in range(kh):
            for j in range(kw):
                dst0 = n * rows * length + ((ch * kh + i) * kw + j) * length
                off = j * dw - pl
                lo, hi = _valid_range(off, sw, w, wo)
                if shifted:
                    _shifted_tap(xf, cf, src0, dst0, i * dh - pt, off, lo, hi, h, ho, wo)
                    continue
                for oh in range(ho):
                    r = oh * sh - pt + i * dh
                    d = dst0 + oh * wo
                    if r < 0 or r >= h:
                        lo_r, hi_r = wo, wo
                    else:
                        lo_r, hi_r = lo, hi
                    for ow in range(lo_r):
                        cf[_u(d + ow)] = 0
                    s = src0 + r * w + off
                    if sw == 1:
                        for ow in range(lo_r, hi_r):
                            cf[_u(d + ow)] = xf[_u(s + ow)]
                    else:
                        for ow in range(lo_r, hi_r):
                            cf[_u(d + ow)] = xf[_u(s + ow * sw)]
                    for ow in range(hi_r, wo):
                        cf[_u(d + ow)] = 0


@njit(cache=True, inline="always")
def _shifted_tap(xf, cf, src0, dst0, row_off, off, lo, hi, h, ho, wo):  # pragma: no cover
    """One tap's columns at stride 1 with ``wo == w``: output ``(oh, ow)`` reads input
    ``(oh + row_off, ow + off)``, so the valid rows are one block of ``x`` shifted by
    ``row_off * w + off``, copied in a single run (from the first valid entry to the last);
    then the columns outside ``[lo, hi)`` of those rows (the run wrapped into neighbouring rows
    there) and the rows outside the input are zeroed. The same values as the row-by-row loop,
    without a loop per row of a small image."""
    r_lo, r_hi = _valid_range(row_off, 1, h, ho)
    if r_lo < r_hi and lo < hi:
        first, last = r_lo * wo + lo, (r_hi - 1) * wo + hi
        shift = src0 + row_off * wo + off
        for q in range(first, last):
            cf[_u(dst0 + q)] = xf[_u(shift + q)]
        for oh in range(r_lo, r_hi):
            d = dst0 + oh * wo
            for ow in range(lo):
                cf[_u(d + ow)] = 0
            for ow in range(hi, wo):
                cf[_u(d + ow)] = 0
    else:
        r_lo, r_hi = ho, ho  # no valid entry: every row is zeroed below
    for q in range(r_lo * wo):
        cf[_u(dst0 + q)] = 0
    for q in range(r_hi * wo, ho * wo):
        cf[_u(dst0 + q)] = 0


@njit(cache=True, nogil=True)
def col2im(dcols, n0, kh, kw, sh, sw, pt, pl, dh, dw, ho, wo, gx):  # pragma: no cover
    """The adjoint of :func:`im2col`: ``gx[n0:n0+nb]`` (overwritten) receives the sum of every
    column entry read from each input pixel."""
    nb, c, h, w = dcols.shape[0], gx.shape[1], gx.shape[2], gx.shape[3]
    df, gf = dcols.reshape(-1), gx.reshape(-1)
    for t in range(nb * c):
        dst0 = (n0 * c + t) * h * w
        for q in range(h * w):
            gf[_u(dst0 + q)] = 0
        for i in range(kh):
            for j in range(kw):
                src0 = ((t * kh + i) * kw + j) * ho * wo
                off = j * dw - pl
                lo, hi = _valid_range(off, sw, w, wo)
                for oh in range(ho):
                    r = oh * sh - pt + i * dh
                    if r < 0 or r >= h:
                        continue
                    s = src0 + oh * wo
                    d = dst0 + r * w + off
                    if sw == 1:
                        for ow in range(lo, hi):
                            gf[_u(d + ow)] += df[_u(s + ow)]
                    else:
                        for ow in range(lo, hi):
                            gf[_u(d + ow * sw)] += df[_u(s + ow)]


def warm_up(dtype: np.dtype) -> Iterator[None]:
    """Compile both kernels for ``dtype`` with the signatures ``numtorch._kernels.conv`` calls
    them with (C-contiguous arrays, int64 scalars), on tiny arrays; a generator that yields
    after each, so the background compiler can stop between kernels."""
    x, cols = np.zeros((2, 1, 3, 3), dtype), np.zeros((1, 9, 1), dtype)
    geo = (3, 3, 1, 1, 0, 0, 1, 1, 1, 1)  # kh, kw, sh, sw, pt, pl, dh, dw, ho, wo
    im2col(x, 1, *geo, cols)
    yield
    col2im(cols, 1, *geo, x)
    yield
