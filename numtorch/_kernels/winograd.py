"""Winograd F(m x m, 3x3), m = 2 or 4, for 3x3, stride-1, undilated, ungrouped convolution:
the tile transforms on the numba or the NumPy path, and the (small) weight transforms.

With ``a = m + 2``, ``U = G g G^T`` (a*a, C, O) per weight and ``V = B^T d B`` (a*a, P, C)
per a x a input tile, a chunk's convolution is a*a GEMMs ``M = V @ U`` (a*a, P, O) and an
output transform ``A^T M A``; its gradients are the adjoints: ``dM = A dY A^T``, weight
``G^T (V^T @ dM) G``, input ``B (dM @ U^T) B^T`` summed over the overlapping tiles. P counts
the m x m output tiles of a chunk of samples in (sample, tile row, tile column) order; the
channels come last so the numba transforms vectorise over them. F(2x2) does 4 multiplications
per output and channel pair, F(4x4) 2.25, im2col 9; F(4x4)'s float32 results differ from a
direct convolution by about 1e-5 relative (F(2x2)'s and float64's are at rounding level).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from numtorch._kernels import numba_module

__all__ = [
    "tiles",
    "weight_transform",
    "weight_adjoint",
    "input_transform",
    "output_transform",
    "grad_output_transform",
    "input_adjoint",
]

# Lavin & Gray's matrices: interpolation points 0, +-1 (m = 2) and 0, +-1, +-2 (m = 4), and
# infinity.
_MATRICES = {
    2: (
        [[1, 0, 0], [1 / 2, 1 / 2, 1 / 2], [1 / 2, -1 / 2, 1 / 2], [0, 0, 1]],
        [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
        [[1, 1, 1, 0], [0, 1, -1, -1]],
    ),
    4: (
        [
            [1 / 4, 0, 0],
            [-1 / 6, -1 / 6, -1 / 6],
            [-1 / 6, 1 / 6, -1 / 6],
            [1 / 24, 1 / 12, 1 / 6],
            [1 / 24, -1 / 12, 1 / 6],
            [0, 0, 1],
        ],
        [
            [4, 0, -5, 0, 1, 0],
            [0, -4, -4, 1, 1, 0],
            [0, 4, -4, -1, 1, 0],
            [0, -2, -1, 2, 1, 0],
            [0, 2, -1, -2, 1, 0],
            [0, 4, 0, -5, 0, 1],
        ],
        [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
    ),
}


def _matrix(m: int, which: int, dtype) -> np.ndarray:
    """G (which=0), B^T (1) or A^T (2) of F(m x m, 3x3), in ``dtype``."""
    return np.array(_MATRICES[m][which], dtype=dtype)


def tiles(out_hw: tuple, m: int = 2) -> tuple[int, int]:
    """m x m output tiles down and across (partial tiles at the far edges)."""
    return -(-out_hw[0] // m), -(-out_hw[1] // m)


def weight_transform(w: np.ndarray, m: int = 2) -> np.ndarray:
    """``G g G^T`` of every (O, C, 3, 3) filter, as (a*a, C, O)."""
    g = _matrix(m, 0, w.dtype)
    u = np.matmul(np.matmul(g, w), g.T)  # (O, C, a, a)
    return np.ascontiguousarray(u.reshape(w.shape[0], w.shape[1], -1).transpose(2, 1, 0))


def weight_adjoint(du: np.ndarray, m: int = 2) -> np.ndarray:
    """``G^T du G`` for (a*a, C, O) ``du``: the (O, C, 3, 3) weight gradient."""
    g, a = _matrix(m, 0, du.dtype), m + 2
    da = du.transpose(2, 1, 0).reshape(du.shape[2], du.shape[1], a, a)
    return np.matmul(np.matmul(g.T, da), g)


def _numba(dtype: np.dtype):
    return numba_module("winograd", dtype) if dtype.kind == "f" else None


def input_transform(x, n0, n1, pad, th, tw, m: int = 2, out=None) -> np.ndarray:
    """``V`` (a*a, P, C) of samples ``n0:n1`` of C-contiguous ``x``; ``pad`` = (top, left).

    ``out``, when given, is a 1-D buffer that receives ``V`` (numba path).
    """
    fast = _numba(x.dtype)
    if fast is None:
        return _input_transform_numpy(x[n0:n1], pad, th, tw, m)
    v = _view(out, ((m + 2) ** 2, (n1 - n0) * th * tw, x.shape[1]), x.dtype)
    fast.input_transform(x, n0, n1 - n0, pad[0], pad[1], th, tw, _matrix(m, 1, x.dtype), v)
    return v


def output_transform(mm, out, n0, n1, th, tw, bias=None, m: int = 2) -> None:
    """Write ``A^T M A`` (+ ``bias``) of ``mm`` (a*a, P, O) into samples ``n0:n1`` of
    C-contiguous ``out``."""
    fast = _numba(out.dtype)
    if bias is None:
        bias = np.zeros(out.shape[1], out.dtype)
    if fast is None:
        y = _output_transform_numpy(mm, n1 - n0, th, tw, out.shape[2:], m)
        out[n0:n1] = y + bias[:, None, None]
        return
    at = _matrix(m, 2, out.dtype)
    fast.output_transform(np.ascontiguousarray(mm), n0, n1 - n0, th, tw, at, bias, out)


def grad_output_transform(g, n0, n1, th, tw, m: int = 2, out=None) -> np.ndarray:
    """``dM`` (a*a, P, O) of samples ``n0:n1`` of the C-contiguous output gradient ``g``."""
    fast = _numba(g.dtype)
    if fast is None:
        return _grad_output_numpy(g[n0:n1], th, tw, m)
    dm = _view(out, ((m + 2) ** 2, (n1 - n0) * th * tw, g.shape[1]), g.dtype)
    fast.grad_output_transform(g, n0, n1 - n0, th, tw, _matrix(m, 2, g.dtype), dm)
    return dm


def input_adjoint(dv, gx, n0, n1, pad, th, tw, m: int = 2) -> None:
    """Write into samples ``n0:n1`` of C-contiguous ``gx`` (overwritten) the adjoint of
    :func:`input_transform` applied to ``dv`` (a*a, P, C)."""
    fast = _numba(gx.dtype)
    if fast is None:
        gx[n0:n1] = _input_adjoint_numpy(dv, n1 - n0, pad, th, tw, gx.shape[1:], m)
        return
    bt = _matrix(m, 1, gx.dtype)
    fast.input_adjoint(np.ascontiguousarray(dv), n0, n1 - n0, pad[0], pad[1], th, tw, bt, gx)


def _view(buf: np.ndarray | None, shape: tuple, dtype) -> np.ndarray:
    size = shape[0] * shape[1] * shape[2]
    return np.empty(shape, dtype) if buf is None else buf[:size].reshape(shape)


# ---------------------------------------------------------------- NumPy path


def _input_transform_numpy(x, pad, th, tw, m) -> np.ndarray:
    """All a x a tiles as one strided view of the padded chunk, then ``B^T d B``."""
    n, c, h, w = x.shape
    a = m + 2
    xp = np.zeros((n, c, m * th + 2, m * tw + 2), x.dtype)
    rows, cols = min(h, m * th + 2 - pad[0]), min(w, m * tw + 2 - pad[1])
    xp[:, :, pad[0] : pad[0] + rows, pad[1] : pad[1] + cols] = x[:, :, :rows, :cols]
    s = xp.strides
    d = as_strided(xp, (n, c, th, tw, a, a), (s[0], s[1], m * s[2], m * s[3], s[2], s[3]))
    bt = _matrix(m, 1, x.dtype)
    v = np.matmul(np.matmul(bt, d), bt.T)  # (n, c, th, tw, a, a)
    return np.ascontiguousarray(v.transpose(4, 5, 0, 2, 3, 1)).reshape(a * a, -1, c)


def _output_transform_numpy(mm, n, th, tw, out_hw, m) -> np.ndarray:
    at, a, o = _matrix(m, 2, mm.dtype), m + 2, mm.shape[2]
    m6 = mm.reshape(a, a, n, th, tw, o).transpose(2, 5, 3, 4, 0, 1)  # (n, o, th, tw, a, a)
    y = np.matmul(np.matmul(at, m6), at.T)  # (n, o, th, tw, m, m)
    y = y.transpose(0, 1, 2, 4, 3, 5).reshape(n, o, m * th, m * tw)
    return y[:, :, : out_hw[0], : out_hw[1]]


def _grad_output_numpy(g, th, tw, m) -> np.ndarray:
    n, o, ho, wo = g.shape
    gp = np.zeros((n, o, m * th, m * tw), g.dtype)
    gp[:, :, :ho, :wo] = g
    gy = gp.reshape(n, o, th, m, tw, m).transpose(0, 1, 2, 4, 3, 5)  # (n, o, th, tw, m, m)
    at = _matrix(m, 2, g.dtype)
    dm = np.matmul(np.matmul(at.T, gy), at)  # (n, o, th, tw, a, a)
    return np.ascontiguousarray(dm.transpose(4, 5, 0, 2, 3, 1)).reshape((m + 2) ** 2, -1, o)


def _input_adjoint_numpy(dv, n, pad, th, tw, chw, m) -> np.ndarray:
    c, h, w = chw
    bt, a = _matrix(m, 1, dv.dtype), m + 2
    v6 = dv.reshape(a, a, n, th, tw, c).transpose(2, 5, 3, 4, 0, 1)  # (n, c, th, tw, a, a)
    dd = np.matmul(np.matmul(bt.T, v6), bt)
    shape = (n, c, max(m * th + 2, pad[0] + h), max(m * tw + 2, pad[1] + w))
    gp = np.zeros(shape, dv.dtype)
    for i in range(a):
        for j in range(a):
            gp[:, :, i : i + m * th : m, j : j + m * tw : m] += dd[..., i, j]
    return gp[:, :, pad[0] : pad[0] + h, pad[1] : pad[1] + w]
