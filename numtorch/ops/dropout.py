"""The dropout primitive: one keep-mask, drawn once, applied with an affine correction.

Every member of the dropout family is ``where(keep, a*x + b, c)`` with ``keep`` broadcast over
``x``: plain dropout has ``a = 1/(1-p)`` and ``b = c = 0``; alpha dropout keeps SELU's mean and
variance with PyTorch's ``a``, ``b`` and ``c``. Only the mask's shape differs: the input's shape
for element-wise dropout, ``(N, C, 1, ...)`` for the feature (channel) variants.
"""

from __future__ import annotations

import math

import numpy as np

from numtorch._kernels import dropout as _kdrop
from numtorch.autograd.function import Function

# SELU's negative saturation value, -scale * alpha (Klambauer et al., 2017), as in ATen.
ALPHA_PRIME = 1.7580993408473766
_CHUNK = 1 << 16  # uniforms drawn at a time: the mask never needs a full-size float array


def bernoulli_mask(rng: np.random.Generator, shape: tuple, q: float) -> np.ndarray:
    """A bool array of ``shape`` whose entries are True with probability ``q``, independently.

    Draws float64 uniforms in chunks into one small buffer, so the only full-size allocation
    is the bool mask itself (one byte per entry).
    """
    keep = np.empty(shape, dtype=bool)
    flat = keep.reshape(-1)
    buf = np.empty(min(flat.size, _CHUNK))
    for start in range(0, flat.size, _CHUNK):
        u = buf[: min(_CHUNK, flat.size - start)]
        rng.random(out=u)
        np.less(u, q, out=flat[start : start + u.size])
    return keep


def affine(p: float, alpha: bool, dtype: np.dtype) -> tuple:
    """``(a, b, c)`` in ``dtype``: kept values become ``a*x + b``, dropped ones ``c``.

    Rounded step by step as ATen rounds them, so results equal PyTorch's bit for bit.
    ``p == 1`` gives all zeros, with no division by zero.
    """
    t = np.dtype(dtype).type
    if p == 1:
        return t(0), t(0), t(0)
    if not alpha:
        return t(1) / t(1 - p), t(0), t(0)
    a = 1.0 / math.sqrt((ALPHA_PRIME * ALPHA_PRIME * p + 1) * (1 - p))
    b = t(ALPHA_PRIME * a * p)
    return t(a), b, t(-ALPHA_PRIME * a) + b


class Dropout(Function):
    """``where(keep, a*x + b, c)``; the gradient is ``where(keep, a*g, 0)``.

    ``keep`` arrives already shaped to broadcast over ``x`` (e.g. ``(N, C, 1, 1)``). Backward
    reads only ``keep`` (or the per-plane scales made from it) and ``a``, never the input, so
    the op may overwrite ``x`` in place. Dropped entries are written as exactly ``c``, even
    where ``x`` holds NaN or inf.
    """

    @staticmethod
    def forward(
        ctx: Function, x: np.ndarray, *, keep: np.ndarray, a, b, c, inplace: bool = False
    ) -> np.ndarray:
        ctx.a = a
        k = keep.ndim
        while k > 1 and keep.shape[k - 1] == 1:
            k -= 1
        if k < x.ndim and not b and not c:  # one scale per (n, c) plane; dropped planes unread
            scale = np.where(keep.reshape(keep.shape[:k]), a, 0).astype(x.dtype, copy=False)
            ctx.save_for_backward(keep, scale)  # scale: the fast kernel path
            return _kdrop.scale_planes(x, scale, out=x if inplace else None)
        ctx.save_for_backward(keep, None)
        if inplace:
            out = x
            np.copyto(out, c, where=~keep)
        else:
            out = np.full_like(x, c)  # same dtype and memory layout as x
        np.multiply(x, a, out=out, where=keep)
        if b:
            np.add(out, b, out=out, where=keep)
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
        keep, scale = ctx.saved_tensors
        if scale is not None:
            return _kdrop.scale_planes(g, scale)
        gx = np.zeros_like(g)
        if ctx.a:
            np.multiply(g, ctx.a, out=gx, where=keep)
        return gx

    @property
    def keep(self) -> np.ndarray:
        """The keep-mask backward reads (the caller's mask itself, not a copy)."""
        return self.saved_tensors[0]
