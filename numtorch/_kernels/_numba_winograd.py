"""numba tile transforms of Winograd's F(2x2, 3x3) convolution (Lavin & Gray, 2016).

Layouts put the channels last so that every transform is a loop over a channel vector, which
vectorises whatever the image size: ``V (16, P, C)`` and ``M (16, P, O)``, P the 2x2 output
tiles of a chunk of samples in (sample, tile row, tile column) order, the 16 points of a tile
in row-major (i, j) order. The chunk's input (or output gradient) is first staged,
zero-padded, in channels-last order; the adjoint accumulates into such a staging array and
copies it out. The transforms are written out (their entries are 0 and +-1: additions only;
``G``'s halves live in the weight transform, on the NumPy side) and split in two steps, each
a loop over contiguous memory: down the rows of a whole row of tiles at once (one loop of
``width * C``), then across each tile (loops of ``C``). Serial and ``nogil``
(``numtorch._kernels.parallel`` runs chunks on several threads); flat views and unsigned
indices (numba then skips its negative-index wraparound tests).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numba import njit

__all__ = [
    "warm_up",
    "input_transform",
    "output_transform",
    "grad_output_transform",
    "input_adjoint",
]

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


@njit(cache=True, nogil=True)
def input_transform(x, n0, nb, pt, pl, th, tw, v):  # pragma: no cover
    """``v[:, p, :] = B^T d B`` for the 4x4 tile ``d`` (zero outside the input) under each
    output tile ``p`` of samples ``n0:n0+nb``, channels last. ``B^T``'s rows: (1, 0, -1, 0),
    (0, 1, 1, 0), (0, -1, 1, 0), (0, 1, 0, -1)."""
    c = x.shape[1]
    hp, wp = 2 * th + 2, 2 * tw + 2
    xh = _stage(x, n0, nb, pt, pl, hp, wp)
    vf = v.reshape(-1)
    plane, row = nb * th * tw * c, wp * c
    t = np.empty(4 * row, x.dtype)  # B^T d for a row of tiles: t[i*row + col*c + ch]
    for n in range(nb):
        for ty in range(th):
            s0 = (n * hp + 2 * ty) * row
            for q in range(row):
                d0, d1 = xh[_u(s0 + q)], xh[_u(s0 + row + q)]
                d2, d3 = xh[_u(s0 + 2 * row + q)], xh[_u(s0 + 3 * row + q)]
                t[_u(q)] = d0 - d2
                t[_u(row + q)] = d1 + d2
                t[_u(2 * row + q)] = d2 - d1
                t[_u(3 * row + q)] = d1 - d3
            p0 = (n * th + ty) * tw
            for i in range(4):
                for tx in range(tw):
                    a, d = i * row + 2 * tx * c, 4 * i * plane + (p0 + tx) * c
                    _rows_bt(t, a, c, vf, d, plane)


@njit(cache=True, inline="always")
def _rows_bt(t, a, c, vf, d, plane):  # pragma: no cover
    """``vf[d + j*plane + ch] = (r B)[j]`` for the tile row ``r`` = ``t[a + l*c + ch]``."""
    for ch in range(c):
        vf[_u(d + ch)] = t[_u(a + ch)] - t[_u(a + 2 * c + ch)]
    for ch in range(c):
        vf[_u(d + plane + ch)] = t[_u(a + c + ch)] + t[_u(a + 2 * c + ch)]
    for ch in range(c):
        vf[_u(d + 2 * plane + ch)] = t[_u(a + 2 * c + ch)] - t[_u(a + c + ch)]
    for ch in range(c):
        vf[_u(d + 3 * plane + ch)] = t[_u(a + c + ch)] - t[_u(a + 3 * c + ch)]


@njit(cache=True, nogil=True)
def output_transform(mm, n0, nb, th, tw, bias, out):  # pragma: no cover
    """Each output tile ``p`` of samples ``n0:n0+nb`` of NCHW ``out`` = ``A^T mm[:, p, :] A``
    + ``bias`` (clipped at the far edges), ``A^T``'s rows (1, 1, 1, 0), (0, 1, -1, -1). A row
    of tiles is assembled channels-last, then copied out one contiguous output row per
    channel."""
    o, ho, wo = out.shape[1], out.shape[2], out.shape[3]
    mf, of = mm.reshape(-1), out.reshape(-1)
    plane, span, wq = nb * th * tw * o, tw * o, 2 * tw
    s = np.empty(8 * span, mm.dtype)  # A^T M for a row of tiles: s[(i*4 + b)*span + tx*o + oc]
    y = np.empty(2 * wq * o, mm.dtype)  # the two output rows: y[(i*wq + col)*o + oc]
    for n in range(nb):
        for ty in range(th):
            base = (n * th + ty) * tw * o  # a row of tiles is contiguous in each plane
            for b in range(4):
                m0 = base + b * plane
                for q in range(span):
                    v0, v1 = mf[_u(m0 + q)], mf[_u(m0 + 4 * plane + q)]
                    v2, v3 = mf[_u(m0 + 8 * plane + q)], mf[_u(m0 + 12 * plane + q)]
                    s[_u(b * span + q)] = v0 + v1 + v2
                    s[_u((4 + b) * span + q)] = v1 - v2 - v3
            for i in range(2):
                for tx in range(tw):
                    a, d = 4 * i * span + tx * o, (i * wq + 2 * tx) * o
                    for oc in range(o):
                        y[_u(d + oc)] = (
                            s[_u(a + oc)] + s[_u(a + span + oc)] + s[_u(a + 2 * span + oc)]
                        )
                    for oc in range(o):
                        y[_u(d + o + oc)] = (
                            s[_u(a + span + oc)]
                            - s[_u(a + 2 * span + oc)]
                            - s[_u(a + 3 * span + oc)]
                        )
            for i in range(min(2, ho - 2 * ty)):
                for oc in range(o):
                    dst = (((n0 + n) * o + oc) * ho + 2 * ty + i) * wo
                    bo = bias[oc]
                    for q in range(wo):
                        of[_u(dst + q)] = y[_u((i * wq + q) * o + oc)] + bo


@njit(cache=True, nogil=True)
def grad_output_transform(g, n0, nb, th, tw, dm):  # pragma: no cover
    """``dm[:, p, :] = A gy A^T`` for each output-gradient tile ``gy`` (zero past the edges):
    the adjoint of :func:`output_transform`. ``A``'s rows: (1, 0), (1, 1), (1, -1), (0, -1)."""
    o = g.shape[1]
    hp, wp = 2 * th, 2 * tw
    gh = _stage(g, n0, nb, 0, 0, hp, wp)
    df = dm.reshape(-1)
    plane, row = nb * th * tw * o, wp * o
    e = np.empty(4 * row, g.dtype)  # A gy for a row of tiles: e[k*row + col*o + oc]
    for n in range(nb):
        for ty in range(th):
            s0 = (n * hp + 2 * ty) * row
            for q in range(row):
                g0, g1 = gh[_u(s0 + q)], gh[_u(s0 + row + q)]
                e[_u(q)] = g0
                e[_u(row + q)] = g0 + g1
                e[_u(2 * row + q)] = g0 - g1
                e[_u(3 * row + q)] = -g1
            p0 = (n * th + ty) * tw
            for k in range(4):
                for tx in range(tw):
                    a, d = k * row + 2 * tx * o, 4 * k * plane + (p0 + tx) * o
                    for oc in range(o):
                        df[_u(d + oc)] = e[_u(a + oc)]
                    for oc in range(o):
                        df[_u(d + plane + oc)] = e[_u(a + oc)] + e[_u(a + o + oc)]
                    for oc in range(o):
                        df[_u(d + 2 * plane + oc)] = e[_u(a + oc)] - e[_u(a + o + oc)]
                    for oc in range(o):
                        df[_u(d + 3 * plane + oc)] = -e[_u(a + o + oc)]


@njit(cache=True, nogil=True)
def input_adjoint(dv, n0, nb, pt, pl, th, tw, gx):  # pragma: no cover
    """The adjoint of :func:`input_transform`: samples ``n0:n0+nb`` of NCHW ``gx``
    (overwritten) = the sum of ``B dv[:, p, :] B^T`` over the overlapping tiles, padding
    dropped. ``B``'s rows: (1, 0, 0, 0), (0, 1, -1, 1), (-1, 1, 1, 0), (0, 0, 0, -1)."""
    c = gx.shape[1]
    hp, wp = 2 * th + 2, 2 * tw + 2
    acc = np.zeros(nb * hp * wp * c, dv.dtype)  # channels last, padded
    vf = dv.reshape(-1)
    plane, row = nb * th * tw * c, wp * c
    dt = np.empty(4 * row, dv.dtype)  # dv B^T for a row of tiles: dt[i*row + col*c + ch]
    for n in range(nb):
        for ty in range(th):
            dt[:] = 0
            p0 = (n * th + ty) * tw
            for i in range(4):
                for tx in range(tw):
                    a, d = i * row + 2 * tx * c, 4 * i * plane + (p0 + tx) * c
                    _rows_b(vf, d, plane, c, dt, a)
            s0 = (n * hp + 2 * ty) * row
            for q in range(row):
                t0, t1 = dt[_u(q)], dt[_u(row + q)]
                t2, t3 = dt[_u(2 * row + q)], dt[_u(3 * row + q)]
                acc[_u(s0 + q)] += t0
                acc[_u(s0 + row + q)] += t1 - t2 + t3
                acc[_u(s0 + 2 * row + q)] += t2 + t1 - t0
                acc[_u(s0 + 3 * row + q)] -= t3
    _copy_out(acc, n0, nb, pt, pl, hp, wp, gx)


@njit(cache=True, inline="always")
def _rows_b(vf, d, plane, c, dt, a):  # pragma: no cover
    """``dt[a + l*c + ch] += (r B^T)[l]`` for the tile row ``r`` = ``vf[d + j*plane + ch]``
    (tiles overlap by two columns, hence the sums)."""
    for ch in range(c):
        dt[_u(a + ch)] += vf[_u(d + ch)]
    for ch in range(c):
        v1, v2 = vf[_u(d + plane + ch)], vf[_u(d + 2 * plane + ch)]
        dt[_u(a + c + ch)] += v1 - v2 + vf[_u(d + 3 * plane + ch)]
    for ch in range(c):
        v1, v2 = vf[_u(d + plane + ch)], vf[_u(d + 2 * plane + ch)]
        dt[_u(a + 2 * c + ch)] += v2 + v1 - vf[_u(d + ch)]
    for ch in range(c):
        dt[_u(a + 3 * c + ch)] -= vf[_u(d + 3 * plane + ch)]


@njit(cache=True, nogil=True)
def _copy_out(acc, n0, nb, pt, pl, hp, wp, gx):  # pragma: no cover
    """Samples ``n0:n0+nb`` of NCHW ``gx`` = the channels-last padded ``acc`` less its
    padding, row by row (the source row stays in L1)."""
    c, h, w = gx.shape[1], gx.shape[2], gx.shape[3]
    gf = gx.reshape(-1)
    for n in range(nb):
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


def warm_up(dtype: np.dtype) -> Iterator[None]:
    """Compile the four transforms (and the helpers they call) for ``dtype`` with the
    signatures ``numtorch._kernels.winograd`` calls them with, on one 2x2 output tile; yields
    after each (see ``_numba_conv.warm_up``)."""
    x, out, bias = np.zeros((1, 1, 2, 2), dtype), np.zeros((1, 1, 2, 2), dtype), np.zeros(1, dtype)
    v = np.zeros((16, 1, 1), dtype)
    input_transform(x, 0, 1, 1, 1, 1, 1, v)
    yield
    output_transform(v, 0, 1, 1, 1, bias, out)
    yield
    grad_output_transform(out, 0, 1, 1, 1, v)
    yield
    input_adjoint(v, 0, 1, 1, 1, 1, 1, x)
    yield
