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
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from numtorch._kernels import numba_module

__all__ = [
    "POINTS",
    "tiles",
    "weight_transform",
    "weight_adjoint",
    "input_transform",
    "output_transform",
    "grad_output_transform",
    "input_adjoint",
]

# Lavin & Gray's matrices (interpolation points 0, +-1 and infinity) and the tile sizes: m x m
# outputs from an a x a input tile.
_G = [[1, 0, 0], [1 / 2, 1 / 2, 1 / 2], [1 / 2, -1 / 2, 1 / 2], [0, 0, 1]]
_BT = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
_AT = [[1, 1, 1, 0], [0, 1, -1, -1]]
_M, _A = 2, 4
# Points of the transformed domain per tile: the GEMMs per chunk.
POINTS = _A * _A


def _matrix(values: list, dtype) -> np.ndarray:
    return np.array(values, dtype=dtype)


def tiles(out_hw: tuple) -> tuple[int, int]:
    """2x2 output tiles down and across (partial tiles at the far edges)."""
    return -(-out_hw[0] // _M), -(-out_hw[1] // _M)


def weight_transform(w: np.ndarray) -> np.ndarray:
    """``G g G^T`` of every (O, C, 3, 3) filter, as (16, C, O)."""
    g = _matrix(_G, w.dtype)
    u = np.matmul(np.matmul(g, w), g.T)  # (O, C, 4, 4)
    return np.ascontiguousarray(u.reshape(w.shape[0], w.shape[1], -1).transpose(2, 1, 0))


def weight_adjoint(du: np.ndarray) -> np.ndarray:
    """``G^T du G`` for (16, C, O) ``du``: the (O, C, 3, 3) weight gradient."""
    g = _matrix(_G, du.dtype)
    da = du.transpose(2, 1, 0).reshape(du.shape[2], du.shape[1], _A, _A)
    return np.matmul(np.matmul(g.T, da), g)


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


def _input_transform_numpy(x, pad, th, tw) -> np.ndarray:
    """All 4x4 tiles as one strided view of the padded chunk, then ``B^T d B``."""
    n, c, h, w = x.shape
    m, a = _M, _A
    xp = np.zeros((n, c, m * th + 2, m * tw + 2), x.dtype)
    rows, cols = min(h, m * th + 2 - pad[0]), min(w, m * tw + 2 - pad[1])
    xp[:, :, pad[0] : pad[0] + rows, pad[1] : pad[1] + cols] = x[:, :, :rows, :cols]
    s = xp.strides
    d = as_strided(xp, (n, c, th, tw, a, a), (s[0], s[1], m * s[2], m * s[3], s[2], s[3]))
    bt = _matrix(_BT, x.dtype)
    v = np.matmul(np.matmul(bt, d), bt.T)  # (n, c, th, tw, a, a)
    return np.ascontiguousarray(v.transpose(4, 5, 0, 2, 3, 1)).reshape(POINTS, -1, c)


def _output_transform_numpy(mm, n, th, tw, out_hw) -> np.ndarray:
    at, m, a, o = _matrix(_AT, mm.dtype), _M, _A, mm.shape[2]
    m6 = mm.reshape(a, a, n, th, tw, o).transpose(2, 5, 3, 4, 0, 1)  # (n, o, th, tw, a, a)
    y = np.matmul(np.matmul(at, m6), at.T)  # (n, o, th, tw, m, m)
    y = y.transpose(0, 1, 2, 4, 3, 5).reshape(n, o, m * th, m * tw)
    return y[:, :, : out_hw[0], : out_hw[1]]


def _grad_output_numpy(g, th, tw) -> np.ndarray:
    n, o, ho, wo = g.shape
    m = _M
    gp = np.zeros((n, o, m * th, m * tw), g.dtype)
    gp[:, :, :ho, :wo] = g
    gy = gp.reshape(n, o, th, m, tw, m).transpose(0, 1, 2, 4, 3, 5)  # (n, o, th, tw, m, m)
    at = _matrix(_AT, g.dtype)
    dm = np.matmul(np.matmul(at.T, gy), at)  # (n, o, th, tw, a, a)
    return np.ascontiguousarray(dm.transpose(4, 5, 0, 2, 3, 1)).reshape(POINTS, -1, o)


def _input_adjoint_numpy(dv, n, pad, th, tw, chw) -> np.ndarray:
    c, h, w = chw
    bt, m, a = _matrix(_BT, dv.dtype), _M, _A
    v6 = dv.reshape(a, a, n, th, tw, c).transpose(2, 5, 3, 4, 0, 1)  # (n, c, th, tw, a, a)
    dd = np.matmul(np.matmul(bt.T, v6), bt)
    shape = (n, c, max(m * th + 2, pad[0] + h), max(m * tw + 2, pad[1] + w))
    gp = np.zeros(shape, dv.dtype)
    for i in range(a):
        for j in range(a):
            gp[:, :, i : i + m * th : m, j : j + m * tw : m] += dd[..., i, j]
    return gp[:, :, pad[0] : pad[0] + h, pad[1] : pad[1] + w]
