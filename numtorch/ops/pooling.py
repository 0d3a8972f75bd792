"""2-D pooling primitives on (N, C, H, W) arrays.

Max and average pooling read the (padded) input through one strided slice per kernel offset
and loop over the kh*kw offsets only; within one offset the output pixels read distinct input
pixels, so backward's strided ``+=`` is exact. Adaptive average pooling is separable:
``out = Ph @ x @ Pw.T`` with averaging matrices, and its gradient ``Ph.T @ g @ Pw``.
"""

from __future__ import annotations

import numpy as np

from numtorch.autograd.function import Function

__all__ = ["MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d"]


def _offsets(kernel: tuple, stride: tuple, dilation: tuple, out_hw: tuple):
    """(k, i, j, (rows, cols)): the strided slice read by kernel offset (i, j) = divmod(k, kw)."""
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            r, q = i * dilation[0], j * dilation[1]
            rows = slice(r, r + stride[0] * (out_hw[0] - 1) + 1, stride[0])
            cols = slice(q, q + stride[1] * (out_hw[1] - 1) + 1, stride[1])
            yield i * kernel[1] + j, i, j, (slice(None), slice(None), rows, cols)


def _padded_shape(x: np.ndarray, kernel, stride, padding, dilation, out_hw) -> tuple:
    """Spatial size covering the input after left padding and every window (ceil_mode
    windows may hang past the right padding)."""
    return tuple(
        max((o - 1) * s + d * (k - 1) + 1, p + n)
        for n, k, s, p, d, o in zip(x.shape[2:], kernel, stride, padding, dilation, out_hw)
    )


def _place(x: np.ndarray, padding: tuple, shape_hw: tuple, fill) -> np.ndarray:
    """``x`` at (ph, pw) inside an array of spatial size ``shape_hw`` filled with ``fill``."""
    if shape_hw == x.shape[2:]:
        return x
    out = np.full(x.shape[:2] + shape_hw, fill, dtype=x.dtype)
    out[:, :, padding[0] : padding[0] + x.shape[2], padding[1] : padding[1] + x.shape[3]] = x
    return out


def _inside(size: int, pad: int, k: int, s: int, d: int, out: int) -> np.ndarray:
    """(k, out) bools: does offset i of window o read a real (unpadded) element?"""
    pos = np.arange(out)[None, :] * s - pad + np.arange(k)[:, None] * d
    return (pos >= 0) & (pos < size)


def _has_nan(x: np.ndarray) -> bool:
    """One reduction (max propagates NaN) instead of an isnan test per kernel offset."""
    return x.dtype.kind == "f" and x.size > 0 and bool(np.isnan(x.max()))


def _lowest(dtype: np.dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _scan_max(xp: np.ndarray, geo: tuple, rows: np.ndarray, cols: np.ndarray, nan: bool):
    """Running max over the kernel offsets and the offset ``k`` it came from.

    A later offset wins only when strictly greater (or NaN), so ties keep the first; ``rows``
    and ``cols`` mark which offsets read real elements, and a real element beats padding
    even when equal to the fill value (PyTorch never looks at padding).
    """
    kernel = geo[0]
    padded = not (rows.all() and cols.all())
    best = arg = seen = None
    for k, i, j, view in _offsets(*geo):
        v, real = xp[view], rows[i][:, None] & cols[j][None, :]
        if best is None:
            small = kernel[0] * kernel[1] <= 127
            best, arg = v.copy(), np.zeros(v.shape, np.int8 if small else np.int32)
            seen = real
            continue
        upd = v > best
        if nan:
            upd |= np.isnan(v)
        if padded and (real & ~seen).any():
            upd |= real & ~seen
            seen = seen | real
        np.copyto(best, v, where=upd)
        np.copyto(arg, k, where=upd)
    return best, arg


class MaxPool2d(Function):
    """Max over each window. Ties go to the first maximum in row-major window order and NaN
    wins, as in PyTorch's CPU kernel, so gradients and indices agree exactly.

    ``indices``, when a list, receives PyTorch's flat indices into the unpadded H*W plane.
    """

    def forward(self, x, kernel, stride, padding, dilation, out_hw, indices=None) -> np.ndarray:
        geo = (kernel, stride, dilation, out_hw)
        shape = _padded_shape(x, kernel, stride, padding, dilation, out_hw)
        xp = _place(x, padding, shape, _lowest(x.dtype))
        rows = _inside(x.shape[2], padding[0], kernel[0], stride[0], dilation[0], out_hw[0])
        cols = _inside(x.shape[3], padding[1], kernel[1], stride[1], dilation[1], out_hw[1])
        best, self.arg = _scan_max(xp, geo, rows, cols, _has_nan(x))
        self.shapes = (x.shape, shape, padding, geo)
        if indices is not None:
            indices.append(self._flat_indices(x.shape[3], padding, geo))
        return best

    def _flat_indices(self, width: int, padding: tuple, geo: tuple) -> np.ndarray:
        kernel, stride, dilation, out_hw = geo
        i, j = np.divmod(self.arg.astype(np.int64), kernel[1])
        r = np.arange(out_hw[0])[:, None] * stride[0] - padding[0] + i * dilation[0]
        c = np.arange(out_hw[1])[None, :] * stride[1] - padding[1] + j * dilation[1]
        return r * width + c

    def backward(self, g: np.ndarray) -> tuple:
        xshape, shape, padding, geo = self.shapes
        gp = np.zeros(xshape[:2] + shape, dtype=g.dtype)
        zero = np.zeros((), dtype=g.dtype)
        for k, _, _, view in _offsets(*geo):
            gp[view] += np.where(self.arg == k, g, zero)
        gx = gp[:, :, padding[0] : padding[0] + xshape[2], padding[1] : padding[1] + xshape[3]]
        return (np.ascontiguousarray(gx),) + (None,) * 5


def _avg_extent(size: int, pad: int, k: int, s: int, out: int, include_pad: bool):
    """Per-window element count along one axis, with PyTorch's rule for padding."""
    start = np.arange(out) * s - pad
    end = np.minimum(start + k, size + pad)
    if include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


class AvgPool2d(Function):
    """Mean over each window; the divisor is ``divisor_override``, or the window's size
    counting padding (``count_include_pad``) or not, clipped at the right padding edge."""

    def forward(self, x, kernel, stride, padding, out_hw, count_include_pad, divisor_override):
        geo = (kernel, stride, (1, 1), out_hw)
        shape = _padded_shape(x, kernel, stride, padding, (1, 1), out_hw)
        xp = _place(x, padding, shape, 0)
        acc = None
        for _, _, _, view in _offsets(*geo):
            acc = xp[view].copy() if acc is None else np.add(acc, xp[view], out=acc)
        if divisor_override is not None:
            div = np.asarray(divisor_override, dtype=x.dtype)
        else:
            eh, ew = (
                _avg_extent(n, p, k, s, o, count_include_pad)
                for n, p, k, s, o in zip(x.shape[2:], padding, kernel, stride, out_hw)
            )
            div = (eh[:, None] * ew[None, :]).astype(x.dtype)
        self.div, self.shapes = div, (x.shape, shape, padding, geo)
        return acc / div

    def backward(self, g: np.ndarray) -> tuple:
        xshape, shape, padding, geo = self.shapes
        gd = g / self.div
        gp = np.zeros(xshape[:2] + shape, dtype=g.dtype)
        for _, _, _, view in _offsets(*geo):
            gp[view] += gd
        gx = gp[:, :, padding[0] : padding[0] + xshape[2], padding[1] : padding[1] + xshape[3]]
        return (np.ascontiguousarray(gx),) + (None,) * 6


def _adaptive_bounds(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's windows: [floor(i*size/out), ceil((i+1)*size/out)) for i < out."""
    i = np.arange(out)
    return (i * size) // out, ((i + 1) * size + out - 1) // out


def _averaging_matrix(size: int, out: int, dtype) -> np.ndarray:
    start, end = _adaptive_bounds(size, out)
    pos = np.arange(size)[None, :]
    inside = (pos >= start[:, None]) & (pos < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _separable(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ x @ b.T`` over the last two axes, as two large GEMMs."""
    n, c, h, w = x.shape
    t = np.swapaxes(x, 2, 3).reshape(-1, h) @ a.T  # (N*C*W, A)
    t = np.swapaxes(t.reshape(n, c, w, -1), 2, 3).reshape(-1, w) @ b.T
    return t.reshape(n, c, a.shape[0], b.shape[0])


class AdaptiveAvgPool2d(Function):
    """Mean over PyTorch's adaptive windows; a reshape-mean when the sizes divide evenly."""

    def forward(self, x: np.ndarray, out_hw: tuple) -> np.ndarray:
        (n, c, h, w), (oh, ow) = x.shape, out_hw
        self.shape, self.out_hw = x.shape, out_hw
        self.even = oh > 0 and ow > 0 and h % oh == 0 and w % ow == 0
        if self.even:
            return x.reshape(n, c, oh, h // oh, ow, w // ow).mean(axis=(3, 5))
        self.ph = _averaging_matrix(h, oh, x.dtype)
        self.pw = _averaging_matrix(w, ow, x.dtype)
        return _separable(x, self.ph, self.pw)

    def backward(self, g: np.ndarray) -> tuple:
        (n, c, h, w), (oh, ow) = self.shape, self.out_hw
        if not self.even:
            return _separable(g, self.ph.T, self.pw.T), None
        kh, kw = h // oh, w // ow
        spread = g[:, :, :, None, :, None] / np.asarray(kh * kw, dtype=g.dtype)
        return np.broadcast_to(spread, (n, c, oh, kh, ow, kw)).reshape(self.shape), None


class AdaptiveMaxPool2d(Function):
    """Max over PyTorch's adaptive windows (first maximum wins, NaN wins); backward adds
    each gradient at its argmax with one ``bincount``."""

    def forward(self, x: np.ndarray, out_hw: tuple, indices=None) -> np.ndarray:
        (n, c, h, w), (oh, ow) = x.shape, out_hw
        hs, he = _adaptive_bounds(h, oh)
        ws, we = _adaptive_bounds(w, ow)
        best = idx = None
        nan = _has_nan(x)
        # A window shorter than the longest repeats its last element: harmless for a max.
        for a in range(int((he - hs).max(initial=0))):
            rows = np.minimum(hs + a, he - 1)[:, None]
            for b in range(int((we - ws).max(initial=0))):
                cols = np.minimum(ws + b, we - 1)[None, :]
                v, flat = x[:, :, rows, cols], rows * w + cols
                if best is None:
                    best, idx = v, np.broadcast_to(flat, v.shape).astype(np.int64)
                    continue
                upd = v > best
                if nan:
                    upd |= np.isnan(v)
                np.copyto(best, v, where=upd)
                np.copyto(idx, flat, where=upd)
        if best is None:
            best, idx = np.empty((n, c, oh, ow), x.dtype), np.empty((n, c, oh, ow), np.int64)
        self.idx, self.shape = idx, x.shape
        if indices is not None:
            indices.append(idx)
        return best

    def backward(self, g: np.ndarray) -> tuple:
        n, c, h, w = self.shape
        plane = np.arange(n * c, dtype=np.int64)[:, None] * (h * w)
        where = (plane + self.idx.reshape(n * c, -1)).ravel()
        gx = np.bincount(where, weights=g.ravel(), minlength=n * c * h * w)
        return gx.astype(g.dtype).reshape(self.shape), None, None
