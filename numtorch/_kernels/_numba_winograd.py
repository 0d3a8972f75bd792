"""numba tile transforms of Winograd's F(2x2, 3x3) convolution (Lavin & Gray, 2016).

Layouts put the channels last so that every transform is a loop over a channel vector, which
vectorises whatever the image size: ``V (16, P, C)`` and ``M (16, P, O)``, P the 2x2 output
tiles of a chunk of samples in (sample, tile row, tile column) order, the 16 points of a tile
in row-major (i, j) order. Each row of tiles stages the rows of input (or output gradient)
it reads, zero-padded and channels last, in a ring of a few rows that stays in L1; the adjoint
accumulates into such a ring and copies each row out once complete (staging whole samples
first cost 10% more on the forward transforms and 60% more on the adjoint). The transforms
are written out (their entries are 0 and +-1: additions only; ``G``'s halves live in the
weight transform, on the NumPy side) and split in two steps, each a loop over contiguous
memory: down the rows of a whole row of tiles at once (one loop of ``width * C``), then
across the tiles (loops of ``C`` per tile; in the two forward transforms, whose staged rows
hold their even columns before their odd ones, one loop of ``tw * C`` per point for the whole
row of tiles). Serial and ``nogil`` (``numtorch._kernels.parallel`` runs
chunks on several threads); flat views and unsigned indices (numba then skips its
negative-index wraparound tests).
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


@njit(cache=True, inline="always")
def _stage_row(xf, n, r, pl, c, h, w, wp, buf, off):  # pragma: no cover
    """``buf[off : off + wp*c]`` = row ``r`` of sample ``n`` of NCHW ``x`` (flat ``xf``),
    channels last and split by column parity (:func:`_column`), the input's columns from
    padded column ``pl`` on; all zeros when ``r`` is outside the input. The other columns are
    left as they are: zero from the buffer's allocation."""
    if r < 0 or r >= h:
        for q in range(wp * c):
            buf[_u(off + q)] = 0
        return
    src, cols, half = ((n * c) * h + r) * w, min(w, wp - pl), (wp // 2) * c
    # a transpose, in 8 x 8 blocks that LLVM unrolls (their constant trip counts), then the
    # edges: 1.6-1.8x faster than a loop per channel on 32-128 channels
    cf, qf = c - c % 8, cols - cols % 8
    for cb in range(0, cf, 8):
        for qb in range(0, qf, 8):
            for q in range(qb, qb + 8):
                dst = off + _column(pl + q, c, half)
                for ch in range(cb, cb + 8):
                    buf[_u(dst + ch)] = xf[_u(src + ch * h * w + q)]
        for q in range(qf, cols):
            dst = off + _column(pl + q, c, half)
            for ch in range(cb, cb + 8):
                buf[_u(dst + ch)] = xf[_u(src + ch * h * w + q)]
    for q in range(cols):
        dst = off + _column(pl + q, c, half)
        for ch in range(cf, c):
            buf[_u(dst + ch)] = xf[_u(src + ch * h * w + q)]


@njit(cache=True, inline="always")
def _column(col, c, half):  # pragma: no cover
    """Where padded column ``col`` starts in a staged row: the even columns first (column
    ``2k`` at ``k*c``), then the odd ones (``2k+1`` at ``half + k*c``). A tile's column ``2tx
    + l`` is then, for every ``tx`` of a row of tiles, one run of ``tw*c`` contiguous values
    (``l`` even: from ``(l/2)*c``; odd: from ``half + (l//2)*c``), so each transform point is
    one long loop over the whole row of tiles instead of a loop of ``c`` per tile."""
    return (col & 1) * half + (col >> 1) * c


@njit(cache=True, nogil=True)
def input_transform(x, n0, nb, pt, pl, th, tw, v):  # pragma: no cover
    """``v[:, p, :] = B^T d B`` for the 4x4 tile ``d`` (zero outside the input) under each
    output tile ``p`` of samples ``n0:n0+nb``, channels last. ``B^T``'s rows: (1, 0, -1, 0),
    (0, 1, 1, 0), (0, -1, 1, 0), (0, 1, 0, -1). A row of tiles reads padded input rows
    ``2ty .. 2ty+3``, staged channels last in a ring of four (row ``r`` in slot ``r % 4``): the
    next row of tiles stages only its two new rows, and the ring stays in L1."""
    c, h, w = x.shape[1], x.shape[2], x.shape[3]
    wp = 2 * tw + 2
    xf, vf = x.reshape(-1), v.reshape(-1)
    plane, row, half = nb * th * tw * c, wp * c, (tw + 1) * c
    xh = np.zeros(4 * row, x.dtype)  # the ring of staged rows
    t = np.empty(4 * row, x.dtype)  # B^T d for a row of tiles: t[i*row + _column(col) + ch]
    for n in range(nb):
        for ty in range(th):
            for k in range(0 if ty == 0 else 2, 4):
                _stage_row(xf, n0 + n, 2 * ty + k - pt, pl, c, h, w, wp, xh, (k + 2 * ty) % 4 * row)
            s0, s1 = (2 * ty) % 4 * row, (2 * ty + 1) % 4 * row
            s2, s3 = (2 * ty + 2) % 4 * row, (2 * ty + 3) % 4 * row
            for q in range(row):
                d0, d1 = xh[_u(s0 + q)], xh[_u(s1 + q)]
                d2, d3 = xh[_u(s2 + q)], xh[_u(s3 + q)]
                t[_u(q)] = d0 - d2
                t[_u(row + q)] = d1 + d2
                t[_u(2 * row + q)] = d2 - d1
                t[_u(3 * row + q)] = d1 - d3
            d = (n * th + ty) * tw * c
            for i in range(4):
                _rows_bt(t, i * row, half, c, tw * c, vf, 4 * i * plane + d, plane)


@njit(cache=True, inline="always")
def _rows_bt(t, a, half, c, span, vf, d, plane):  # pragma: no cover
    """``vf[d + j*plane + k] = (r B)[j]`` for the tile rows ``r`` of a row of tiles, from the
    parity-split row ``t[a:]``: with ``e`` its even columns (``t[a + k]``, column ``2tx`` at
    ``k = tx*c + ch``) and ``o`` its odd ones (``t[a + half + k]``), point ``j`` of tile ``tx``
    reads columns ``2tx .. 2tx+3``, that is ``e[k]``, ``o[k]``, ``e[k + c]``, ``o[k + c]``:
    one loop of ``span = tw*c`` per point."""
    o = a + half
    for k in range(span):
        vf[_u(d + k)] = t[_u(a + k)] - t[_u(a + c + k)]
    for k in range(span):
        vf[_u(d + plane + k)] = t[_u(o + k)] + t[_u(a + c + k)]
    for k in range(span):
        vf[_u(d + 2 * plane + k)] = t[_u(a + c + k)] - t[_u(o + k)]
    for k in range(span):
        vf[_u(d + 3 * plane + k)] = t[_u(o + k)] - t[_u(o + c + k)]


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
    o, h, w = g.shape[1], g.shape[2], g.shape[3]
    wp = 2 * tw
    gf, df = g.reshape(-1), dm.reshape(-1)
    plane, row, span = nb * th * tw * o, wp * o, tw * o
    gh = np.zeros(2 * row, g.dtype)  # the tile row's two output-gradient rows, channels last
    e = np.empty(4 * row, g.dtype)  # A gy for a row of tiles: e[k*row + _column(col) + oc]
    for n in range(nb):
        for ty in range(th):
            _stage_row(gf, n0 + n, 2 * ty, 0, o, h, w, wp, gh, 0)
            _stage_row(gf, n0 + n, 2 * ty + 1, 0, o, h, w, wp, gh, row)
            for q in range(row):
                g0, g1 = gh[_u(q)], gh[_u(row + q)]
                e[_u(q)] = g0
                e[_u(row + q)] = g0 + g1
                e[_u(2 * row + q)] = g0 - g1
                e[_u(3 * row + q)] = -g1
            # tile tx's columns 2tx, 2tx+1 are the rows' even and odd halves (``_column``):
            # one loop of span = tw*o per point over the whole row of tiles
            d = (n * th + ty) * span
            for k in range(4):
                a, b, dk = k * row, k * row + span, 4 * k * plane + d
                for q in range(span):
                    df[_u(dk + q)] = e[_u(a + q)]
                for q in range(span):
                    df[_u(dk + plane + q)] = e[_u(a + q)] + e[_u(b + q)]
                for q in range(span):
                    df[_u(dk + 2 * plane + q)] = e[_u(a + q)] - e[_u(b + q)]
                for q in range(span):
                    df[_u(dk + 3 * plane + q)] = -e[_u(b + q)]


@njit(cache=True, nogil=True)
def input_adjoint(dv, n0, nb, pt, pl, th, tw, gx):  # pragma: no cover
    """The adjoint of :func:`input_transform`: samples ``n0:n0+nb`` of NCHW ``gx``
    (overwritten) = the sum of ``B dv[:, p, :] B^T`` over the overlapping tiles, padding
    dropped. ``B``'s rows: (1, 0, 0, 0), (0, 1, -1, 1), (-1, 1, 1, 0), (0, 0, 0, -1). A row of
    tiles adds into padded rows ``2ty .. 2ty+3``, kept channels last in a ring of four (row
    ``r`` in slot ``r % 4``); rows ``2ty`` and ``2ty+1`` are then complete and are copied out,
    and their slots zeroed for rows ``2ty+4`` and ``2ty+5``."""
    c, h, w = gx.shape[1], gx.shape[2], gx.shape[3]
    hp, wp = 2 * th + 2, 2 * tw + 2
    vf, gf = dv.reshape(-1), gx.reshape(-1)
    plane, row = nb * th * tw * c, wp * c
    acc = np.zeros(4 * row, dv.dtype)  # the ring of padded rows
    dt = np.empty(4 * row, dv.dtype)  # dv B^T for a row of tiles: dt[i*row + col*c + ch]
    for n in range(nb):
        for ty in range(th):
            dt[:] = 0
            p0 = (n * th + ty) * tw
            for i in range(4):
                for tx in range(tw):
                    a, d = i * row + 2 * tx * c, 4 * i * plane + (p0 + tx) * c
                    _rows_b(vf, d, plane, c, dt, a)
            s0, s1 = (2 * ty) % 4 * row, (2 * ty + 1) % 4 * row
            s2, s3 = (2 * ty + 2) % 4 * row, (2 * ty + 3) % 4 * row
            for q in range(row):
                t0, t1 = dt[_u(q)], dt[_u(row + q)]
                t2, t3 = dt[_u(2 * row + q)], dt[_u(3 * row + q)]
                acc[_u(s0 + q)] += t0
                acc[_u(s1 + q)] += t1 - t2 + t3
                acc[_u(s2 + q)] += t2 + t1 - t0
                acc[_u(s3 + q)] -= t3
            _emit_row(acc, s0, 2 * ty - pt, n0 + n, pl, c, h, w, wp, gf)
            _emit_row(acc, s1, 2 * ty + 1 - pt, n0 + n, pl, c, h, w, wp, gf)
        for r in range(2 * th, hp):
            _emit_row(acc, r % 4 * row, r - pt, n0 + n, pl, c, h, w, wp, gf)
        for r in range(max(hp - pt, 0), h):  # rows below every tile: zero
            for ch in range(c):
                dst = (((n0 + n) * c + ch) * h + r) * w
                for q in range(w):
                    gf[_u(dst + q)] = 0


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


@njit(cache=True, inline="always")
def _emit_row(acc, off, r, n, pl, c, h, w, wp, gf):  # pragma: no cover
    """Row ``r`` of sample ``n`` of NCHW ``gx`` (flat ``gf``) = the channels-last padded row
    ``acc[off : off + wp*c]`` less its padding (nothing when ``r`` is outside ``gx``); then
    zero that row of ``acc`` for reuse."""
    if 0 <= r < h:
        cols, src = min(w, wp - pl), off + pl * c
        for ch in range(c):
            dst = ((n * c + ch) * h + r) * w
            for q in range(cols):
                gf[_u(dst + q)] = acc[_u(src + q * c + ch)]
            for q in range(cols, w):
                gf[_u(dst + q)] = 0
    for q in range(wp * c):
        acc[_u(off + q)] = 0


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
