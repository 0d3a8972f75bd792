"""numba tile transforms of Winograd's F(m x m, 3x3) convolution (Lavin & Gray, 2016), for
any output tile ``m`` (numtorch uses 2 and 4), given the transform matrices.

Layouts put the channels last so that every operation is a loop over a channel vector, which
vectorises whatever the image size: ``V (a*a, P, C)`` and ``M (a*a, P, O)``, with ``a = m + 2``
and P the m x m output tiles of a chunk of samples in (sample, tile row, tile column) order.
The chunk's input (or output gradient) is first staged, zero-padded, in channels-last order;
the adjoint accumulates into such a staging array and copies it out. The matrices are passed
in the arrays' dtype, and their zero entries are skipped. Serial and ``nogil``
(``numtorch._kernels.parallel`` runs chunks on several threads); flat views and unsigned
indices (numba then skips its negative-index wraparound tests).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["input_transform", "output_transform", "grad_output_transform", "input_adjoint"]

_u = np.uint64


@njit(cache=True, nogil=True)
def _stage(x, n0, nb, pt, pl, hp, wp):  # pragma: no cover
    """Samples ``n0:n0+nb`` of NCHW ``x`` as a zero-padded (nb, hp, wp, C) array, the input
    placed at (pt, pl); rows and columns past (hp, wp) are dropped. Row by row, so the rows
    being written (wp*C values) stay in L1 while every channel's row is scattered in."""
    c, h, w = x.shape[1], x.shape[2], x.shape[3]
    out = np.zeros(nb * hp * wp * c, x.dtype)
    xf = x.reshape(-1)
    rows, cols = min(h, hp - pt), min(w, wp - pl)
    for n in range(nb):
        for r in range(rows):
            dst = ((n * hp + r + pt) * wp + pl) * c
            for ch in range(c):
                src = (((n0 + n) * c + ch) * h + r) * w
                for q in range(cols):
                    out[_u(dst + q * c + ch)] = xf[_u(src + q)]
    return out


@njit(cache=True, inline="always")
def _axpy(coef, src, s0, dst, d0, length, first):  # pragma: no cover
    """``dst[d0:d0+length] (=|+=) coef * src[s0:s0+length]``."""
    if first:
        for i in range(length):
            dst[_u(d0 + i)] = coef * src[_u(s0 + i)]
    else:
        for i in range(length):
            dst[_u(d0 + i)] += coef * src[_u(s0 + i)]


@njit(cache=True, inline="always")
def _combine(mat, row, src, s0, step, count, dst, d0, length):  # pragma: no cover
    """``dst[d0:d0+length] = sum_k mat[row, k] * src[s0 + k*step : ... + length]`` over the
    ``count`` columns of ``mat`` (zero coefficients skipped; zeros if all are)."""
    first = True
    for k in range(count):
        coef = mat[row, k]
        if coef != 0:
            _axpy(coef, src, s0 + k * step, dst, d0, length, first)
            first = False
    if first:
        for i in range(length):
            dst[_u(d0 + i)] = 0


@njit(cache=True, nogil=True)
def input_transform(x, n0, nb, pt, pl, th, tw, bt, v):  # pragma: no cover
    """``v[:, p, :] = B^T d B`` for the a x a tile ``d`` (zero outside the input) under each
    output tile ``p`` of samples ``n0:n0+nb``, channels last."""
    a, c = bt.shape[0], x.shape[1]
    m = a - 2
    hp, wp = m * th + 2, m * tw + 2
    xh = _stage(x, n0, nb, pt, pl, hp, wp)
    vf = v.reshape(-1)
    tiles = nb * th * tw
    t = np.empty(a * a * c, x.dtype)  # t = B^T d: t[(i*a + l)*c + ch]
    for n in range(nb):
        for ty in range(th):
            for tx in range(tw):
                p = (n * th + ty) * tw + tx
                corner = ((n * hp + m * ty) * wp + m * tx) * c
                for i in range(a):
                    for col in range(a):
                        _combine(bt, i, xh, corner + col * c, wp * c, a, t, (i * a + col) * c, c)
                for i in range(a):
                    for j in range(a):
                        dst = ((i * a + j) * tiles + p) * c
                        _combine(bt, j, t, i * a * c, c, a, vf, dst, c)


@njit(cache=True, nogil=True)
def output_transform(mm, n0, nb, th, tw, at, bias, out):  # pragma: no cover
    """Each output tile ``p`` of samples ``n0:n0+nb`` of NCHW ``out`` = ``A^T mm[:, p, :] A``
    + ``bias`` (clipped at the far edges). A row of tiles is assembled channels-last, then
    copied out one contiguous output row per channel."""
    m, a = at.shape[0], at.shape[1]
    o, ho, wo = out.shape[1], out.shape[2], out.shape[3]
    mf, of = mm.reshape(-1), out.reshape(-1)
    tiles = nb * th * tw
    wq = m * tw
    s = np.empty(m * a * o, mm.dtype)  # s = A^T M: s[(i*a + b)*o + oc]
    y = np.empty(m * wq * o, mm.dtype)  # the tile row: y[(i*wq + col)*o + oc]
    for n in range(nb):
        for ty in range(th):
            for tx in range(tw):
                p = (n * th + ty) * tw + tx
                for i in range(m):
                    for b in range(a):
                        _combine(
                            at, i, mf, (b * tiles + p) * o, a * tiles * o, a, s, (i * a + b) * o, o
                        )
                for i in range(m):
                    for j in range(m):
                        _combine(at, j, s, i * a * o, o, a, y, (i * wq + m * tx + j) * o, o)
            for i in range(min(m, ho - m * ty)):
                for oc in range(o):
                    dst = (((n0 + n) * o + oc) * ho + m * ty + i) * wo
                    bo = bias[oc]
                    for q in range(wo):
                        of[_u(dst + q)] = y[_u((i * wq + q) * o + oc)] + bo


@njit(cache=True, nogil=True)
def grad_output_transform(g, n0, nb, th, tw, at, dm):  # pragma: no cover
    """``dm[:, p, :] = A gy A^T`` for each output-gradient tile ``gy`` (zero past the edges):
    the adjoint of :func:`output_transform`."""
    m, a = at.shape[0], at.shape[1]
    o = g.shape[1]
    hp, wp = m * th, m * tw
    gh = _stage(g, n0, nb, 0, 0, hp, wp)
    df = dm.reshape(-1)
    tiles = nb * th * tw
    e = np.empty(a * m * o, g.dtype)  # e = A gy: e[(k*m + j)*o + oc]
    for n in range(nb):
        for ty in range(th):
            for tx in range(tw):
                p = (n * th + ty) * tw + tx
                corner = ((n * hp + m * ty) * wp + m * tx) * o
                for k in range(a):
                    for j in range(m):  # column k of A^T, as a row of A
                        _combine_t(at, k, gh, corner + j * o, wp * o, m, e, (k * m + j) * o, o)
                for k in range(a):
                    for ll in range(a):
                        dst = ((k * a + ll) * tiles + p) * o
                        _combine_t(at, ll, e, k * m * o, o, m, df, dst, o)


@njit(cache=True, inline="always")
def _combine_t(mat, col, src, s0, step, count, dst, d0, length):  # pragma: no cover
    """:func:`_combine` with ``mat``'s transpose: coefficients ``mat[k, col]``."""
    first = True
    for k in range(count):
        coef = mat[k, col]
        if coef != 0:
            _axpy(coef, src, s0 + k * step, dst, d0, length, first)
            first = False
    if first:
        for i in range(length):
            dst[_u(d0 + i)] = 0


@njit(cache=True, nogil=True)
def input_adjoint(dv, n0, nb, pt, pl, th, tw, bt, gx):  # pragma: no cover
    """The adjoint of :func:`input_transform`: samples ``n0:n0+nb`` of NCHW ``gx``
    (overwritten) = the sum of ``B dv[:, p, :] B^T`` over the overlapping tiles, padding
    dropped."""
    a = bt.shape[0]
    m = a - 2
    c, h, w = gx.shape[1], gx.shape[2], gx.shape[3]
    hp, wp = m * th + 2, m * tw + 2
    acc = np.zeros(nb * hp * wp * c, dv.dtype)  # channels last, padded
    vf, gf = dv.reshape(-1), gx.reshape(-1)
    tiles = nb * th * tw
    u = np.empty(a * a * c, dv.dtype)  # u = B dv: u[(k*a + j)*c + ch]
    dd = np.empty(c, dv.dtype)
    for n in range(nb):
        for ty in range(th):
            for tx in range(tw):
                p = (n * th + ty) * tw + tx
                for k in range(a):
                    for j in range(a):
                        _combine_t(
                            bt, k, vf, (j * tiles + p) * c, a * tiles * c, a, u, (k * a + j) * c, c
                        )
                corner = ((n * hp + m * ty) * wp + m * tx) * c
                for k in range(a):
                    for ll in range(a):
                        _combine_t(bt, ll, u, k * a * c, c, a, dd, 0, c)
                        dst = corner + (k * wp + ll) * c
                        for ch in range(c):
                            acc[_u(dst + ch)] += dd[_u(ch)]
    for n in range(nb):  # copy out, row by row (the source row stays in L1)
        for r in range(h):
            for ch in range(c):
                dst = (((n0 + n) * c + ch) * h + r) * w
                if r + pt >= hp:
                    for q in range(w):
                        gf[_u(dst + q)] = 0
                    continue
                src = ((n * hp + r + pt) * wp + pl) * c + ch
                cols = min(w, wp - pl)
                for q in range(cols):
                    gf[_u(dst + q)] = acc[_u(src + q * c)]
                for q in range(cols, w):
                    gf[_u(dst + q)] = 0
