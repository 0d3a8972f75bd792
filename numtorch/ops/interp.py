"""PyTorch's coordinate rules for ``interpolate``, one axis at a time, as gather plans.

Each function maps an output length ``m`` to ``(idx, w)`` for ``numtorch.ops.resample``:
``idx`` (k, m) input positions and ``w`` (k, m) weights (``None`` for nearest). The
arithmetic follows ATen's ``UpSample.h`` in the input's precision (float32 unless float64):
``scale`` is ``1/scale_factor`` when a factor reaches the kernel, else ``n/m``; the source
coordinate is ``scale*(j+0.5)-0.5`` (half-pixel) or ``scale*j`` with ``align_corners``, whose
scale is ``(n-1)/(m-1)``. ``floorf`` in the kernels rounds through float32, which is kept.
"""

from __future__ import annotations

import numpy as np

__all__ = ["antialiased", "area", "cubic", "linear", "nearest", "nearest_backward", "nearest_exact"]

_A = -0.75  # the cubic convolution's parameter, as in PyTorch


def _ftype(dtype: np.dtype) -> type:
    """The kernels' arithmetic type: double for float64 input, float otherwise."""
    return np.float64 if np.dtype(dtype) == np.float64 else np.float32


def _scale(n: int, m: int, align_corners: bool, scale: float | None, ft: type):
    """``area_pixel_compute_scale``."""
    if align_corners:
        return ft(n - 1) / ft(m - 1) if m > 1 else ft(0)
    if scale is not None and scale > 0:
        return ft(1.0 / scale)
    return ft(n) / ft(m)


def _source(m: int, s, align_corners: bool, cubic: bool, ft: type) -> np.ndarray:
    """``area_pixel_compute_source_index`` for every output position."""
    j = np.arange(m, dtype=ft)
    if align_corners:
        return (s * j).astype(ft)
    # one rounding, as the kernels' fused multiply-add gives (exact for float32 in float64)
    src = (np.float64(s) * (j + ft(0.5)).astype(np.float64) - 0.5).astype(ft)
    return src if cubic else np.maximum(src, ft(0))


def _floorf(values: np.ndarray) -> np.ndarray:
    """C's ``floorf``: the value rounded to float32 first, then floored."""
    return np.floor(values.astype(np.float32)).astype(np.int64)


def nearest(n: int, m: int, scale: float | None, dtype: np.dtype) -> tuple:
    """``floor(j * scale)`` clamped to the last element (OpenCV's INTER_NEAREST)."""
    ft = _ftype(dtype)
    s = _scale(n, m, False, scale, ft)
    src = _floorf((s * np.arange(m, dtype=ft)).astype(ft))
    return np.minimum(src, n - 1)[None], None


def nearest_backward(n: int, m: int, scale: float | None, exact: bool) -> np.ndarray:
    """The indices PyTorch's nearest backward kernels scatter to (``nearest_idx``): a float32
    scale whatever the dtype, and for ``nearest`` exact shortcuts when m is n or 2n."""
    j = np.arange(m)
    if not exact and m == n:
        return j[None]
    if not exact and m == 2 * n:
        return (j >> 1)[None]
    s = _scale(n, m, False, scale, np.float32)
    if exact:
        src = _floorf((j + 0.5) * np.float64(s))
    else:
        src = _floorf((np.float32(s) * j.astype(np.float32)).astype(np.float32))
    return np.minimum(src, n - 1)[None]


def nearest_exact(n: int, m: int, scale: float | None, dtype: np.dtype) -> tuple:
    """``floor(j + 0.5) * scale)`` clamped: the pixel whose area holds the output's centre."""
    ft = _ftype(dtype)
    s = _scale(n, m, False, scale, ft)
    src = _source(m, s, False, False, ft)
    return np.minimum(_floorf(src.astype(np.float64) + 0.5), n - 1)[None], None


def linear(n: int, m: int, align_corners: bool, scale: float | None, dtype: np.dtype) -> tuple:
    """Two taps; the same length without ``align_corners`` copies (PyTorch's shortcut)."""
    ft = _ftype(dtype)
    if m == n and not align_corners:
        j = np.arange(m)
        return np.stack([j, j]), np.stack([np.ones(m, ft), np.zeros(m, ft)])
    s = _scale(n, m, align_corners, scale, ft)
    src = _source(m, s, align_corners, False, ft)
    i0 = np.minimum(_floorf(src), n - 1)
    lam1 = np.clip(src - i0.astype(ft), 0, 1).astype(ft)
    i1 = i0 + (i0 < n - 1)
    return np.stack([i0, i1]), np.stack([(ft(1) - lam1).astype(ft), lam1])


def _cubic_coefficients(t: np.ndarray, ft: type) -> np.ndarray:
    """Keys' cubic convolution weights of the taps at -1, 0, 1, 2 for offset ``t``."""
    a = ft(_A)

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    x2 = (ft(1) - t).astype(ft)
    return np.stack([far(t + 1), near(t), near(x2), far(x2 + 1)]).astype(ft)


def cubic(n: int, m: int, align_corners: bool, scale: float | None, dtype: np.dtype) -> tuple:
    """Four taps at ``floor(x)-1 .. floor(x)+2``, clamped to the input (edge replication)."""
    ft = _ftype(dtype)
    s = _scale(n, m, align_corners, scale, ft)
    src = _source(m, s, align_corners, True, ft)
    i0 = np.minimum(_floorf(src), n - 1)
    t = np.clip(src - i0.astype(ft), 0, 1).astype(ft)
    idx = np.clip(i0[None] + np.arange(-1, 3)[:, None], 0, n - 1)
    return idx, _cubic_coefficients(t, ft)


def area(n: int, m: int, dtype: np.dtype) -> tuple:
    """Adaptive average pooling: output j averages [floor(j*n/m), ceil((j+1)*n/m)); windows
    of unequal length are padded with zero-weight taps."""
    j = np.arange(m)
    start = (j * n) // m
    end = ((j + 1) * n + m - 1) // m
    length = end - start
    k = int(length.max()) if m else 1
    offsets = np.arange(k)[:, None]
    idx = np.minimum(start[None] + offsets, n - 1)
    w = np.where(offsets < length[None], 1.0 / length[None], 0.0).astype(dtype)
    return idx, w


def _triangle(x: np.ndarray) -> np.ndarray:
    return np.maximum(0.0, 1.0 - np.abs(x))


def _keys_half(x: np.ndarray) -> np.ndarray:
    """Keys' cubic with a = -0.5 (Pillow's bicubic filter)."""
    a, x = -0.5, np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x < 1, near, np.where(x < 2, far, 0.0))


def _lanczos3(x: np.ndarray) -> np.ndarray:
    return np.where(np.abs(x) < 3, np.sinc(x) * np.sinc(x / 3), 0.0)


_AA_FILTERS = {"bilinear": (_triangle, 2), "bicubic": (_keys_half, 4), "lanczos": (_lanczos3, 6)}


def antialiased(
    n: int, m: int, mode: str, align_corners: bool, scale: float | None, dtype: np.dtype
) -> tuple:
    """PyTorch's anti-aliased weights (Pillow's resampling): when shrinking, the filter is
    stretched by the scale, so each output averages every input pixel under it; the taps of
    each output are normalised to sum to 1.

    PyTorch's forward returns the first row for every row when the output width is 1 and the
    height changes (its kernel reads a stride of 0); numtorch computes every row, so those
    outputs differ from PyTorch's (its backward agrees with numtorch's)."""
    ft = _ftype(dtype)
    filt, interp_size = _AA_FILTERS[mode]
    s = _scale(n, m, align_corners, scale, ft)
    support = ft(interp_size * 0.5) * s if s >= 1.0 else ft(interp_size * 0.5)
    k = int(np.ceil(support)) * 2 + 1
    invscale = ft(1.0) / s if s >= 1.0 else ft(1.0)
    center = (s * (np.arange(m) + 0.5)).astype(ft)
    xmin = np.maximum((center - support + 0.5).astype(np.int64), 0)
    xsize = np.minimum((center + support + 0.5).astype(np.int64), n) - xmin
    xsize = np.clip(xsize, 0, k)
    offsets = np.arange(k)[:, None]
    pos = (offsets + xmin[None]).astype(ft)
    w = filt(((pos - center[None] + ft(0.5)) * invscale).astype(ft)).astype(ft)
    w = np.where(offsets < xsize[None], w, 0).astype(ft)
    total = w.sum(axis=0)
    w = np.where(total != 0, w / np.where(total != 0, total, 1), w).astype(ft)
    idx = np.minimum(offsets + xmin[None], n - 1)
    return idx, w
