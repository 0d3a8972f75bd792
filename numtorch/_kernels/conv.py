"""im2col / col2im for one chunk of samples, on the numba or the NumPy path.

Columns are sample-major, ``(nb, C*kh*kw, Ho*Wo)``: row ``(c*kh + i)*kw + j`` holds the input
pixels kernel offset ``(i, j)`` of channel ``c`` meets at every output pixel. Then
``W (O, C*kh*kw) @ cols[n]`` is sample ``n``'s output already in NCHW order (no transpose),
and the weight gradient and the input-gradient columns are per-sample GEMMs too.

``geo`` is ``(kernel, stride, padding, dilation, out_hw)`` with ``padding`` as
(top, bottom, left, right). Both paths give the same bits (see ``numtorch._kernels``).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from numtorch._kernels import numba_module

__all__ = ["im2col", "col2im", "uses_buffer"]


def im2col(
    x: np.ndarray,
    n0: int,
    n1: int,
    geo: tuple,
    buffer: np.ndarray | None = None,
    ones_row: bool = False,
) -> np.ndarray:
    """Columns ``(n1-n0, C*kh*kw, Ho*Wo)`` of samples ``n0:n1`` of ``x`` (N, C, H, W).

    ``buffer`` (1-D, at least that many elements, ``x``'s dtype), when given, receives the
    result on the numba path: chunk after chunk then writes the same cache-hot memory instead
    of faulting in fresh pages. ``ones_row`` appends a row of ones to each sample's columns,
    ``(n1-n0, C*kh*kw + 1, Ho*Wo)``: a bias column appended to the weight then rides in the
    forward GEMM, and the bias gradient comes out of the weight gradient's (no separate pass
    over the output).
    """
    (kh, kw), (sh, sw), (pt, _, pl, _), (dh, dw), (ho, wo) = geo
    nb = _numba(x.dtype)
    if nb is None:
        cols = _im2col_numpy(x[n0:n1], geo)
        return _with_ones_row(cols) if ones_row else cols
    shape = (n1 - n0, x.shape[1] * kh * kw + int(ones_row), ho * wo)
    if buffer is None:
        cols = np.empty(shape, dtype=x.dtype)
    else:
        cols = buffer.reshape(-1)[: shape[0] * shape[1] * shape[2]].reshape(shape)
    nb.im2col(np.ascontiguousarray(x), n0, kh, kw, sh, sw, pt, pl, dh, dw, ho, wo, cols)
    return cols


def col2im(dcols: np.ndarray, gx: np.ndarray, n0: int, geo: tuple) -> None:
    """Write into ``gx[n0:n0+nb]`` (overwritten) the adjoint of :func:`im2col`.

    ``x`` above, and here ``dcols`` and ``gx``, must be C-contiguous on the numba path.
    """
    (kh, kw), (sh, sw), (pt, _, pl, _), (dh, dw), (ho, wo) = geo
    nb = _numba(gx.dtype)
    if nb is None:
        gx[n0 : n0 + dcols.shape[0]] = _col2im_numpy(dcols, gx.shape[1:], geo)
        return
    nb.col2im(np.ascontiguousarray(dcols), n0, kh, kw, sh, sw, pt, pl, dh, dw, ho, wo, gx)


def _numba(dtype: np.dtype):
    """The numba kernels for float32/float64 (integer convolutions are rare: NumPy serves)."""
    return numba_module("conv", dtype) if dtype.kind == "f" else None


def uses_buffer(dtype: np.dtype) -> bool:
    """Whether :func:`im2col` on this dtype fills a caller's buffer (the numba path)."""
    return _numba(np.dtype(dtype)) is not None


def _with_ones_row(cols: np.ndarray) -> np.ndarray:
    """``cols`` (nb, R, L) with a row of ones appended to each sample: (nb, R + 1, L)."""
    out = np.ones((cols.shape[0], cols.shape[1] + 1, cols.shape[2]), cols.dtype)
    out[:, :-1] = cols
    return out


def _padded(x: np.ndarray, pad: tuple) -> np.ndarray:
    """``x`` inside zeros, ``pad`` = (top, bottom, left, right) (``x`` itself if no pad)."""
    pt, pb, pl, pr = pad
    if not any(pad):
        return x
    out = np.zeros(x.shape[:2] + (x.shape[2] + pt + pb, x.shape[3] + pl + pr), dtype=x.dtype)
    out[:, :, pt : pt + x.shape[2], pl : pl + x.shape[3]] = x
    return out


def _im2col_numpy(x: np.ndarray, geo: tuple) -> np.ndarray:
    """One strided view (nb, C, kh, kw, Ho, Wo) of the padded input, copied."""
    (kh, kw), (sh, sw), pad, (dh, dw), (ho, wo) = geo
    xp = _padded(x, pad)
    n, c = xp.shape[:2]
    s0, s1, s2, s3 = xp.strides
    view = as_strided(
        xp, (n, c, kh, kw, ho, wo), (s0, s1, s2 * dh, s3 * dw, s2 * sh, s3 * sw), writeable=False
    )
    return np.ascontiguousarray(view).reshape(n, c * kh * kw, ho * wo)


def _col2im_numpy(dcols: np.ndarray, chw: tuple, geo: tuple) -> np.ndarray:
    """Sum the columns back into (nb, C, H, W): one strided ``+=`` per kernel offset (within
    an offset, the output pixels hit distinct input pixels, so the ``+=`` is exact). Each input
    pixel thus sums its terms into zeros in row-major offset order, as the numba kernel does:
    the two paths agree bit for bit."""
    (kh, kw), (sh, sw), (pt, pb, pl, pr), (dh, dw), (ho, wo) = geo
    c, h, w = chw
    n = dcols.shape[0]
    cols = dcols.reshape(n, c, kh, kw, ho, wo)
    out = np.zeros((n, c, h + pt + pb, w + pl + pr), dtype=dcols.dtype)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
            cs = slice(j * dw, j * dw + sw * (wo - 1) + 1, sw)
            out[:, :, rows, cs] += cols[:, :, i, j]
    return out[:, :, pt : pt + h, pl : pl + w]
