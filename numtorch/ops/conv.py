"""2-D convolution as im2col plus one GEMM per pass, and the non-zero padding modes.

Shapes: input ``x`` (N, C, H, W), weight ``w`` (O, C/G, kh, kw), output (N, O, Ho, Wo) with
``Ho = (H + pt + pb - dh*(kh-1) - 1) // sh + 1``. The columns matrix has one row per
(channel, kernel offset) and one column per (sample, output pixel): (G, C/G*kh*kw, N*Ho*Wo),
so the forward is ``w (G, O/G, K) @ cols`` and both gradients are single (batched-over-G) GEMMs.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from numtorch.autograd.function import Function

__all__ = ["Conv2d", "Pad2d"]

# Columns up to this size are kept for backward; larger ones are rebuilt from the input
# (one strided copy) so a deep network does not hold kh*kw copies of every activation.
_SAVE_COLS_BYTES = 64 * 2**20


def _pad_zeros(x: np.ndarray, pad: tuple, shape_hw: tuple) -> np.ndarray:
    """``x`` placed at (pt, pl) inside zeros of spatial size ``shape_hw`` (x itself if no pad)."""
    pt, _, pl, _ = pad
    if shape_hw == x.shape[2:] and pt == pl == 0:
        return x
    out = np.zeros(x.shape[:2] + tuple(shape_hw), dtype=x.dtype)
    out[:, :, pt : pt + x.shape[2], pl : pl + x.shape[3]] = x
    return out


def _im2col(xp: np.ndarray, ksize: tuple, out_hw: tuple, stride: tuple, dil: tuple, groups: int):
    """Columns (G, C/G*kh*kw, N*Ho*Wo) read from padded ``xp`` through one strided view."""
    n, c = xp.shape[:2]
    sn, sc, sh, sw = xp.strides
    view = as_strided(
        xp,
        (c, *ksize, n, *out_hw),
        (sc, sh * dil[0], sw * dil[1], sn, sh * stride[0], sw * stride[1]),
        writeable=False,
    )
    k = c // groups * ksize[0] * ksize[1]
    return np.ascontiguousarray(view).reshape(groups, k, n * out_hw[0] * out_hw[1])


def _col2im(cols: np.ndarray, padded_shape: tuple, ksize: tuple, stride: tuple, dil: tuple):
    """Sum columns (C, kh, kw, N, Ho, Wo) back into a padded (C, N, Hp, Wp) gradient.

    The loop runs over the kh*kw kernel offsets only; within one offset the output pixels
    hit distinct input pixels, so a strided ``+=`` is exact.
    """
    c, kh, kw, n, ho, wo = cols.shape
    out = np.zeros((c, n) + tuple(padded_shape), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            r, q = i * dil[0], j * dil[1]
            rows = slice(r, r + stride[0] * (ho - 1) + 1, stride[0])
            cs = slice(q, q + stride[1] * (wo - 1) + 1, stride[1])
            out[:, :, rows, cs] += cols[:, i, j]
    return out


def _grouped(w: np.ndarray, groups: int) -> np.ndarray:
    """Weight (O, C/G, kh, kw) as (G, O/G, C/G*kh*kw)."""
    o = w.shape[0]
    return w.reshape(groups, o // groups, w[0].size)


class Conv2d(Function):
    """Cross-correlation of (N, C, H, W) with (O, C/G, kh, kw); zero padding (top, bottom,
    left, right), stride, dilation and groups as in ``torch.nn.functional.conv2d``."""

    saves_inputs = True

    def saved_input_indices(self) -> tuple:
        return (0, 1)

    def forward(
        self,
        x: np.ndarray,
        w: np.ndarray,
        b: np.ndarray | None,
        stride: tuple,
        padding: tuple,
        dilation: tuple,
        groups: int,
    ) -> np.ndarray:
        n, _, h, wd = x.shape
        o, _, kh, kw = w.shape
        pt, pb, pl, pr = padding
        ho = (h + pt + pb - dilation[0] * (kh - 1) - 1) // stride[0] + 1
        wo = (wd + pl + pr - dilation[1] * (kw - 1) - 1) // stride[1] + 1
        self.x, self.w = x, w
        self.geometry = (stride, padding, dilation, groups, (ho, wo))
        cols = _im2col(self._padded(x), (kh, kw), (ho, wo), stride, dilation, groups)
        keep = self.needs_input_grad[1] and cols.nbytes <= _SAVE_COLS_BYTES
        self.cols = cols if keep else None
        out = np.matmul(_grouped(w, groups), cols).reshape(o, n, ho, wo)
        if b is not None:
            out += b.reshape(o, 1, 1, 1)
        return np.ascontiguousarray(out.transpose(1, 0, 2, 3))

    def _padded(self, x: np.ndarray) -> np.ndarray:
        pt, pb, pl, pr = self.geometry[1]
        return _pad_zeros(x, self.geometry[1], (x.shape[2] + pt + pb, x.shape[3] + pl + pr))

    def backward(self, g: np.ndarray) -> tuple:
        stride, padding, dilation, groups, out_hw = self.geometry
        need_x, need_w = self.needs_input_grad[0], self.needs_input_grad[1]
        need_b = len(self.needs_input_grad) > 2 and self.needs_input_grad[2]
        o = self.w.shape[0]
        gb = g.sum(axis=(0, 2, 3)) if need_b else None
        if not (need_x or need_w):
            return None, None, gb
        # (N, O, Ho, Wo) -> (G, O/G, N*Ho*Wo), matching the columns' layout.
        gm = np.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(
            groups, o // groups, g[:, 0].size
        )
        gw = self._grad_weight(gm) if need_w else None
        gx = self._grad_input(gm) if need_x else None
        return gx, gw, gb

    def _grad_weight(self, gm: np.ndarray) -> np.ndarray:
        stride, _, dilation, groups, out_hw = self.geometry
        cols = self.cols
        if cols is None:
            cols = _im2col(self._padded(self.x), self.w.shape[2:], out_hw, stride, dilation, groups)
        return np.matmul(gm, cols.transpose(0, 2, 1)).reshape(self.w.shape)

    def _grad_input(self, gm: np.ndarray) -> np.ndarray:
        stride, (pt, pb, pl, pr), dilation, groups, out_hw = self.geometry
        n, c, h, wd = self.x.shape
        o, _, kh, kw = self.w.shape
        wm = _grouped(self.w, groups)
        cols = np.matmul(wm.transpose(0, 2, 1), gm).reshape(c, kh, kw, n, *out_hw)
        padded = _col2im(cols, (h + pt + pb, wd + pl + pr), (kh, kw), stride, dilation)
        inner = padded[:, :, pt : pt + h, pl : pl + wd].transpose(1, 0, 2, 3)
        return np.ascontiguousarray(inner, dtype=self.x.dtype)


# NumPy's names for PyTorch's padding modes.
_NP_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _source_matrix(size: int, before: int, after: int, mode: str, dtype) -> np.ndarray:
    """One-hot (size+before+after, size): row p marks the input element padded position p
    copies, so padding is ``M @ x`` along an axis and its gradient ``M.T @ g``."""
    src = np.pad(np.arange(size), (before, after), mode=_NP_MODES[mode])
    return (src[:, None] == np.arange(size)[None, :]).astype(dtype)


class Pad2d(Function):
    """Reflect / replicate / circular padding of the last two axes, (top, bottom, left, right).

    Backward folds the padded border back onto the elements it copied, as two small matmuls.
    """

    def forward(self, x: np.ndarray, padding: tuple, mode: str) -> np.ndarray:
        pt, pb, pl, pr = padding
        self.mh = _source_matrix(x.shape[-2], pt, pb, mode, x.dtype)
        self.mw = _source_matrix(x.shape[-1], pl, pr, mode, x.dtype)
        widths = [(0, 0)] * (x.ndim - 2) + [(pt, pb), (pl, pr)]
        return np.pad(x, widths, mode=_NP_MODES[mode])

    def backward(self, g: np.ndarray) -> tuple:
        return np.matmul(np.matmul(self.mh.T, g), self.mw), None, None
