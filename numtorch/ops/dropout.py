"""The dropout primitive: one keep-mask, drawn once, applied with an affine correction.

Every member of the dropout family is ``where(keep, a*x + b, c)`` with ``keep`` broadcast over
``x``: plain dropout has ``a = 1/(1-p)`` and ``b = c = 0``; alpha dropout keeps SELU's mean and
variance with PyTorch's ``a``, ``b`` and ``c``. Only the mask's shape differs: the input's shape
for element-wise dropout, ``(N, C, 1, ...)`` for the feature (channel) variants.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from numtorch._kernels import dropout as _kdrop
from numtorch.autograd.graph import Primitive

# SELU's negative saturation value, -scale * alpha (Klambauer et al., 2017), as in ATen.
ALPHA_PRIME = 1.7580993408473766
_CHUNK = 1 << 16  # uniforms drawn at a time: the mask never needs a full-size float array


def bernoulli_mask(
    rng: np.random.Generator, shape: tuple, q: float, packed: bool = False
) -> np.ndarray:
    """A bool array of ``shape`` whose entries are True with probability ``q``, independently.

    Draws float64 uniforms in chunks into one small buffer, so the only full-size allocation
    is the mask itself: one byte per entry, or with ``packed`` one bit (``np.packbits`` of the
    mask in C order, a uint8 array; ``unpack_mask`` gives the bool array back). Both forms hold
    the same draws of the same stream.
    """
    n = math.prod(shape)
    if not packed and n <= _CHUNK:  # one draw (the same numbers as the chunked loop's)
        return np.less(rng.random(n), q).reshape(shape)
    keep = np.empty((n + 7) // 8 if packed else shape, dtype=np.uint8 if packed else bool)
    flat = keep.reshape(-1)
    buf, bits = np.empty(min(n, _CHUNK)), np.empty(min(n, _CHUNK), dtype=bool)
    for start in range(0, n, _CHUNK):
        u = buf[: min(_CHUNK, n - start)]
        rng.random(out=u)
        if packed:
            np.less(u, q, out=bits[: u.size])
            flat[start // 8 : (start + u.size + 7) // 8] = np.packbits(bits[: u.size])
        else:
            np.less(u, q, out=flat[start : start + u.size])
    return keep


def unpack_mask(bits: np.ndarray, shape: tuple) -> np.ndarray:
    """The bool mask of ``shape`` that ``bernoulli_mask(..., packed=True)`` packed."""
    return np.unpackbits(bits, count=math.prod(shape)).view(bool).reshape(shape)


def _packed_chunks(bits: np.ndarray, n: int):
    """``(start, stop, keep)`` over ``n`` entries of a packed mask, ``_CHUNK`` at a time."""
    for start in range(0, n, _CHUNK):
        stop = min(n, start + _CHUNK)
        yield start, stop, np.unpackbits(bits[start // 8 : (stop + 7) // 8], count=stop - start)


@functools.lru_cache(maxsize=64)  # a layer asks for the same three numbers every step
def affine(p: float, alpha: bool, dtype: np.dtype) -> tuple:
    """``(a, b, c)`` in ``dtype``: kept values become ``a*x + b``, dropped ones ``c``.

    Rounded step by step as ATen rounds them, so results equal PyTorch's bit for bit.
    ``p == 1`` gives all zeros, with no division by zero.
    """
    t = np.dtype(dtype).type
    if p == 1:
        return t(0), t(0), t(0)
    if not alpha:
        with np.errstate(over="ignore"):  # float16 and p near 1: inf, as PyTorch's
            return t(1) / t(1 - p), t(0), t(0)
    a = 1.0 / math.sqrt((ALPHA_PRIME * ALPHA_PRIME * p + 1) * (1 - p))
    b = t(ALPHA_PRIME * a * p)
    return t(a), b, t(-ALPHA_PRIME * a) + b


class Dropout(Primitive):
    """``where(keep, a*x + b, c)``; the gradient is ``where(keep, a*g, 0)``.

    ``keep`` arrives shaped to broadcast over ``x`` (e.g. ``(N, C, 1, 1)``), or, for
    element-wise dropout, packed (a uint8 array from ``bernoulli_mask(..., packed=True)``: one
    bit per element of ``x`` in C order), which is what backward keeps: 1/32 of a float32
    input. Backward reads only the mask (or the per-plane scales made from it) and ``a``, never
    the input, so the op may overwrite ``x`` in place; with a packed mask it then needs no
    full-size temporary at all. Dropped entries are written as exactly ``c``, even where ``x``
    holds NaN or inf.
    """

    @staticmethod
    def forward(
        ctx: Primitive, x: np.ndarray, *, keep: np.ndarray, a, b, c, inplace: bool = False
    ) -> np.ndarray:
        ctx.a = a
        if keep.dtype == np.uint8 and not x.flags.c_contiguous:
            keep = unpack_mask(keep, x.shape)  # a strided input: the mask one byte per entry
        out = x if inplace else None
        if keep.dtype == np.uint8:
            ctx.save_for_backward(keep, None)
            out = np.empty_like(x) if out is None else out
            flat_x, flat_out = x.reshape(-1), out.reshape(-1)
            for start, stop, k in _packed_chunks(keep, x.size):
                _blend(flat_x[start:stop], k, a, b, c, flat_out[start:stop])
            return out
        k = keep.ndim
        while k > 1 and keep.shape[k - 1] == 1:
            k -= 1
        if k < x.ndim and not b and not c:  # one scale per (n, c) plane; dropped planes unread
            scale = _plane_scales(keep.reshape(keep.shape[:k]), a, x.dtype)
            ctx.save_for_backward(keep, scale)  # scale: the fast kernel path
            return _kdrop.scale_planes(x, scale, out=out)
        ctx.save_for_backward(keep, None)
        out = np.empty_like(x) if out is None else out  # same dtype and memory layout as x
        return _affine_where(x, _compact(keep), a, b, c, out)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        keep, scale = ctx.saved_tensors
        if scale is not None:
            return _kdrop.scale_planes(g, scale)
        gx = np.empty(g.shape, g.dtype)
        if keep.dtype != np.uint8:
            return _affine_where(g, _compact(keep), ctx.a, 0, 0, gx)
        flat_g, flat_gx = np.ascontiguousarray(g).reshape(-1), gx.reshape(-1)
        for start, stop, k in _packed_chunks(keep, g.size):
            _blend(flat_g[start:stop], k, ctx.a, 0, 0, flat_gx[start:stop])
        return gx

    @property
    def keep(self) -> np.ndarray:
        """The keep-mask backward reads (the caller's mask itself, not a copy; packed bits for
        element-wise dropout)."""
        return self.saved_tensors[0]


def _plane_scales(keep: np.ndarray, a, dtype: np.dtype) -> np.ndarray:
    """``a`` where ``keep``, else 0, in ``dtype``: ``keep * a`` (3 us for 8,192 planes, against
    15-19 us for ``np.where`` with a scalar) unless ``a`` is inf (float16, p near 1), where
    ``0 * inf`` would be NaN."""
    if dtype.kind == "f" and dtype.itemsize in (2, 4, 8) and math.isfinite(a):
        return np.multiply(keep, a, dtype=dtype)
    return np.where(keep, a, 0).astype(dtype, copy=False)


def _affine_where(x: np.ndarray, keep: np.ndarray, a, b, c, out: np.ndarray) -> np.ndarray:
    """``out = where(keep, a*x + b, c)``, written only through ``out`` (which may be ``x``)."""
    np.multiply(x, a, out=out, where=keep)
    if b:
        np.add(out, b, out=out, where=keep)
    np.copyto(out, c, where=~keep)
    return out


def _blend(x: np.ndarray, keep: np.ndarray, a, b, c, out: np.ndarray) -> np.ndarray:
    """``_affine_where`` for a chunk, ``keep`` as 0/1 bytes: ``(a*x + b)*keep + c*(1 - keep)``
    is exact for finite ``x`` (adding or multiplying by 0 and 1) and much faster than masked
    writes; a chunk holding inf or NaN is redone with them, so dropped entries stay exactly
    ``c``."""
    np.multiply(x, a, out=out)
    if b:
        np.add(out, b, out=out)
    np.multiply(out, keep, out=out)
    if c:
        out += (1 - keep) * c
    if not np.isfinite(out).all():
        np.copyto(out, c, where=keep == 0)
    return out


def _compact(keep: np.ndarray) -> np.ndarray:
    """``keep`` without its broadcast (stride-0) axes, which stay size 1: ``~keep`` of an
    all-False mask broadcast to the input's shape (``p == 1``) is then one byte, not one per
    element."""
    return keep[tuple(slice(0, 1) if s == 0 else slice(None) for s in keep.strides)]
