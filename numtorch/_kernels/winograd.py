"""Winograd F(2x2, 3x3) for 3x3, stride-1, undilated, ungrouped convolution: the tile
transforms on the numba or the NumPy path, and the (small) weight transforms.

With ``U = G g G^T`` (16, C, O) per weight and ``V = B^T d B`` (16, P, C) per 4x4 input tile,
a chunk's convolution is 16 GEMMs ``M = V @ U`` (16, P, O) and an output transform
``A^T M A``; its gradients are the adjoints: ``dM = A dY A^T``, weight ``G^T (V^T @ dM) G``,
input ``B (dM @ U^T) B^T`` summed over the overlapping tiles. P counts the 2x2 output tiles of
a chunk of samples in (sample, tile row, tile column) order; the channels come last so the
numba transforms vectorise over them. F(2x2) does 4 multiplications per output and channel
pair where im2col does 9.

Why not F(4x4, 3x3) (2.25 multiplications, about 15% faster here)? Its float32 results are
18-25x less accurate than a direct convolution (max error / max |output| about 7e-6 against
3.5e-7 for PyTorch on (8,64,32,32) x (64,64,3,3)): the 36 GEMMs round in a transformed domain
whose values the output transform (entries up to 8) amplifies. Better interpolation points
(0, +-1, 1/2, -2) still leave it 7x off, and accumulating in float64 makes it slower than
F(2x2). F(2x2)'s transforms hold only 0, +-1 and +-1/2, so its float32 error is PyTorch's, and
its sparsity gives exact zeros wherever the exact result is structurally zero (a zero output
gradient region, a zero input channel), where F(4x4) left rounding noise.

The NumPy transforms are the numba kernels' twins bit for bit: the same additions and
subtractions (the matrices hold 0 and +-1 only, so no multiplication), in the same order, the
overlapping tiles of the input adjoint accumulated into zeros in the kernel's order, each term
one whole-array operation. A run that starts on them while numba compiles in the background
(``numtorch._kernels``) therefore computes exactly what numba would; which algorithm serves a
convolution depends on the path (:func:`chosen`), never on whether numba is ready.
"""

from __future__ import annotations

import numpy as np

from numtorch._kernels import numba_module, numba_path

__all__ = [
    "POINTS",
    "TILE_SUM_POINT",
    "chosen",
    "tiles",
    "weight_transform",
    "weight_adjoint",
    "input_transform",
    "output_transform",
    "grad_output_transform",
    "input_adjoint",
]

# Lavin & Gray's weight matrix (interpolation points 0, +-1 and infinity) and the tile sizes:
# m x m outputs from an a x a input tile. B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0],
# [0, 1, 0, -1]] and A^T = [[1, 1, 1, 0], [0, 1, -1, -1]] hold only 0 and +-1, so they are
# written out as additions (``_bt_terms``, ``_at_terms``, ``_a_terms``, ``_b_terms``).
# G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]] (``_g_rows``, ``_gt_rows``).
_M, _A = 2, 4
# Points of the transformed domain per tile: the GEMMs per chunk.
POINTS = _A * _A
# The point of ``dM = A dY A^T`` that holds the sum of its tile's four output gradients (A's
# row 1 is (1, 1)): summed over the tiles, the bias gradient, without a pass over dY (zero-
# padded partial tiles add nothing).
TILE_SUM_POINT = 1 * _A + 1


def tiles(out_hw: tuple) -> tuple[int, int]:
    """2x2 output tiles down and across (partial tiles at the far edges)."""
    return -(-out_hw[0] // _M), -(-out_hw[1] // _M)


def weight_transform(w: np.ndarray) -> np.ndarray:
    """``G g G^T`` of every (O, C, 3, 3) filter, as (16, C, O), C-contiguous.

    ``G``'s rows are ``g0``, ``(g0 + g1 + g2)/2``, ``(g0 - g1 + g2)/2`` and ``g2``, so each
    side is two copies, three whole-array additions and one (exact) halving over the filters
    laid out (3, 3, C, O), the result's layout: 0.1 ms for 128 x 64 filters where a pair of
    2-D products and their reshapes took 0.43."""
    g = np.ascontiguousarray(w.transpose(2, 3, 1, 0))  # (3, 3, C, O)
    u = np.empty((_A, _A) + g.shape[2:], g.dtype)
    t = _g_rows(g, np.empty((_A,) + g.shape[1:], g.dtype))  # G g: (4, 3, C, O)
    _g_rows(t.swapaxes(0, 1), u.swapaxes(0, 1))  # (G g) G^T, column by column
    return u.reshape((POINTS,) + g.shape[2:])


def weight_adjoint(du: np.ndarray) -> np.ndarray:
    """``G^T du G`` for (16, C, O) ``du``: the (O, C, 3, 3) weight gradient, C-contiguous."""
    d = du.reshape((_A, _A) + du.shape[1:])
    t = _gt_rows(d, np.empty((3, _A) + du.shape[1:], du.dtype))  # G^T du: (3, 4, C, O)
    gw = np.empty((3, 3) + du.shape[1:], du.dtype)
    _gt_rows(t.swapaxes(0, 1), gw.swapaxes(0, 1))  # (G^T du) G
    return np.ascontiguousarray(gw.transpose(3, 2, 0, 1))


def _g_rows(g: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out = G @ g`` along axis 0 (3 rows in, 4 out): ``g0``, ``(g0 + g2 + g1)/2``,
    ``(g0 + g2 - g1)/2``, ``g2``."""
    out[0], out[3] = g[0], g[2]
    np.add(g[0], g[2], out=out[1])
    np.subtract(out[1], g[1], out=out[2])
    out[1] += g[1]
    out[1:3] *= 0.5
    return out


def _gt_rows(d: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out = G^T @ d`` along axis 0 (4 rows in, 3 out): ``d0 + (d1 + d2)/2``,
    ``(d1 - d2)/2``, ``(d1 + d2)/2 + d3``."""
    np.subtract(d[1], d[2], out=out[1])
    out[1] *= 0.5
    np.add(d[1], d[2], out=out[0])
    out[0] *= 0.5
    np.add(out[0], d[3], out=out[2])
    out[0] += d[0]
    return out


def chosen(dtype: np.dtype) -> bool:
    """Whether convolutions of ``dtype`` should use Winograd: on the numba path (NumPy's
    transforms cost more than they save), compiled yet or not, so the choice, and with it every
    result, never depends on when the background compile finishes."""
    return dtype.kind == "f" and numba_path(dtype)


def _numba(dtype: np.dtype):
    return numba_module("winograd", dtype) if dtype.kind == "f" else None


def input_transform(x, n0, n1, pad, th, tw, out=None) -> np.ndarray:
    """``V`` (16, P, C) of samples ``n0:n1`` of C-contiguous ``x``; ``pad`` = (top, left).

    ``out``, when given, is a 1-D buffer that receives ``V`` (numba path).
    """
    fast = _numba(x.dtype)
    if fast is None:
        return _input_transform_numpy(x[n0:n1], pad, th, tw)
    v = _view(out, (POINTS, (n1 - n0) * th * tw, x.shape[1]), x.dtype)
    fast.input_transform(x, n0, n1 - n0, pad[0], pad[1], th, tw, v)
    return v


def output_transform(mm, out, n0, n1, th, tw, bias=None) -> None:
    """Write ``A^T M A`` (+ ``bias``) of ``mm`` (16, P, O) into samples ``n0:n1`` of
    C-contiguous ``out``."""
    fast = _numba(out.dtype)
    if bias is None:
        bias = np.zeros(out.shape[1], out.dtype)
    if fast is None:
        y = _output_transform_numpy(mm, n1 - n0, th, tw, out.shape[2:])
        out[n0:n1] = y + bias[:, None, None]
        return
    fast.output_transform(np.ascontiguousarray(mm), n0, n1 - n0, th, tw, bias, out)


def grad_output_transform(g, n0, n1, th, tw, out=None) -> np.ndarray:
    """``dM`` (16, P, O) of samples ``n0:n1`` of the C-contiguous output gradient ``g``."""
    fast = _numba(g.dtype)
    if fast is None:
        return _grad_output_numpy(g[n0:n1], th, tw)
    dm = _view(out, (POINTS, (n1 - n0) * th * tw, g.shape[1]), g.dtype)
    fast.grad_output_transform(g, n0, n1 - n0, th, tw, dm)
    return dm


def input_adjoint(dv, gx, n0, n1, pad, th, tw) -> None:
    """Write into samples ``n0:n1`` of C-contiguous ``gx`` (overwritten) the adjoint of
    :func:`input_transform` applied to ``dv`` (16, P, C)."""
    fast = _numba(gx.dtype)
    if fast is None:
        gx[n0:n1] = _input_adjoint_numpy(dv, n1 - n0, pad, th, tw, gx.shape[1:])
        return
    fast.input_adjoint(np.ascontiguousarray(dv), n0, n1 - n0, pad[0], pad[1], th, tw, gx)


def _view(buf: np.ndarray | None, shape: tuple, dtype) -> np.ndarray:
    size = shape[0] * shape[1] * shape[2]
    return np.empty(shape, dtype) if buf is None else buf[:size].reshape(shape)


# ---------------------------------------------------------------- NumPy path
# The numba kernels' arithmetic, written out with the same additions in the same order, one
# whole-array operation per term instead of a loop per element: the results are bit-identical
# (IEEE adds are deterministic and numba compiles without fastmath), so a run that starts on
# these while numba compiles computes exactly what the numba path would. Staging is
# channels-last like the kernels', so each stacked term lands in (16, P, C) order directly.


def _stage_numpy(x, pad, hp, wp) -> np.ndarray:
    """``x`` (n, C, H, W) as a zero-padded channels-last (n, hp', wp', C) array, the input at
    ``pad`` = (top, left); at least (hp, wp), and large enough to hold all of ``x``."""
    n, c, h, w = x.shape
    out = np.zeros((n, max(hp, pad[0] + h), max(wp, pad[1] + w), c), x.dtype)
    out[:, pad[0] : pad[0] + h, pad[1] : pad[1] + w] = x.transpose(0, 2, 3, 1)
    return out


def _input_transform_numpy(x, pad, th, tw) -> np.ndarray:
    """``B^T d B`` as the kernel computes it: rows ``d0 - d2, d1 + d2, d2 - d1, d1 - d3`` of
    each tile, then the same combination of each resulting row's columns."""
    n, c = x.shape[:2]
    xs = _stage_numpy(x, pad, 2 * th + 2, 2 * tw + 2)[:, : 2 * th + 2, : 2 * tw + 2]
    d = [xs[:, r : r + 2 * th : 2] for r in range(4)]  # (n, th, wp, C) each
    v = np.empty((_A, _A, n, th, tw, c), x.dtype)
    for i, t in enumerate(_bt_terms(*d)):
        cols = [t[:, :, q : q + 2 * tw : 2] for q in range(4)]  # (n, th, tw, C) each
        for j, term in enumerate(_bt_terms(*cols)):
            v[i, j] = term
    return v.reshape(POINTS, -1, c)


def _bt_terms(d0, d1, d2, d3) -> tuple:
    """``B^T``'s rows applied to four rows (or columns): the kernel's expressions."""
    return d0 - d2, d1 + d2, d2 - d1, d1 - d3


def _output_transform_numpy(mm, n, th, tw, out_hw) -> np.ndarray:
    """``A^T M A`` as the kernel computes it: ``(m0 + m1) + m2`` and ``(m1 - m2) - m3`` down
    each tile's columns, then the same across; (n, O, Ho, Wo), a view."""
    o = mm.shape[2]
    m = mm.reshape(_A, _A, n, th, tw, o)
    s = _at_terms(m[0], m[1], m[2], m[3])  # (4 columns, n, th, tw, O) each
    y = np.empty((n, th, _M, tw, _M, o), mm.dtype)
    for i in range(_M):
        for j, term in enumerate(_at_terms(*s[i])):
            y[:, :, i, :, j] = term
    y = y.reshape(n, _M * th, _M * tw, o).transpose(0, 3, 1, 2)
    return y[:, :, : out_hw[0], : out_hw[1]]


def _at_terms(m0, m1, m2, m3) -> tuple:
    """``A^T``'s rows applied to four rows (or columns): the kernel's expressions."""
    return m0 + m1 + m2, m1 - m2 - m3


def _grad_output_numpy(g, th, tw) -> np.ndarray:
    """``A gy A^T`` as the kernel computes it: ``g0, g0 + g1, g0 - g1, -g1`` down each tile's
    rows, then across."""
    n, o = g.shape[:2]
    gs = _stage_numpy(g, (0, 0), _M * th, _M * tw)[:, : _M * th, : _M * tw]
    dm = np.empty((_A, _A, n, th, tw, o), g.dtype)
    for k, e in enumerate(_a_terms(gs[:, 0::2], gs[:, 1::2])):
        for j, term in enumerate(_a_terms(e[:, :, 0::2], e[:, :, 1::2])):
            dm[k, j] = term
    return dm.reshape(POINTS, -1, o)


def _a_terms(g0, g1) -> tuple:
    """``A``'s rows applied to two rows (or columns): the kernel's expressions."""
    return g0, g0 + g1, g0 - g1, -g1


def _input_adjoint_numpy(dv, n, pad, th, tw, chw) -> np.ndarray:
    """``B dv B^T`` summed over the overlapping tiles, as the kernel sums it: each tile row's
    columns first, a row of tiles accumulated into zeros from left to right, then the rows of
    tiles from top to bottom; (n, C, H, W), a view."""
    c, h, w = chw
    v = dv.reshape(_A, _A, n, th, tw, c)
    acc = np.zeros((n, max(2 * th + 2, pad[0] + h), max(2 * tw + 2, pad[1] + w), c), dv.dtype)
    dt = np.zeros((_A, n, th, 2 * tw + 2, c), dv.dtype)  # v B^T per tile row, one row of tiles
    for i in range(_A):
        _overlap_add(dt[i], 2, tw, _b_terms(*v[i]))
    _overlap_add(acc[:, :, : 2 * tw + 2], 1, th, _b_terms(*dt))
    return acc[:, pad[0] : pad[0] + h, pad[1] : pad[1] + w].transpose(0, 3, 1, 2)


def _b_terms(v0, v1, v2, v3) -> tuple:
    """``B``'s columns applied to four rows (or columns): the kernel's expressions (the
    fourth is subtracted by :func:`_overlap_add`)."""
    return v0, v1 - v2 + v3, v2 + v1 - v0, v3


def _overlap_add(acc, axis, tiles, terms) -> None:
    """Add the four terms of each of ``tiles`` tiles (stride 2 along ``axis``) into ``acc``
    in the kernel's order: position ``2k`` receives tile ``k-1``'s third term, then tile
    ``k``'s first; ``2k + 1`` minus tile ``k-1``'s fourth, then tile ``k``'s second."""

    def at(offset):
        index = [slice(None)] * acc.ndim
        index[axis] = slice(offset, offset + 2 * tiles, 2)
        return acc[tuple(index)]

    t0, t1, t2, t3 = terms
    at(2)[...] += t2
    at(3)[...] -= t3
    at(0)[...] += t0
    at(1)[...] += t1
