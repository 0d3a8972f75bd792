"""Strided views and layout primitives: ``diagonal``, ``diag_embed``, ``unfold``,
``as_strided``, ``rot90``, ``sum_to_size`` and ``block_diag``, on ndarrays.

The views are strided views of the input's own memory (``strided``), so they share storage
(and, through ``is_view``, the version counter) with it, as PyTorch's do; writes into them
are recorded by the generic view machinery (``movement.CopySlices``).
"""

from __future__ import annotations

import numpy as np

from numtorch.autograd.graph import Primitive
from numtorch.ops.movement import sum_to_shape


def strided(
    a: np.ndarray, shape: tuple, strides: tuple, byte_offset: int = 0, writeable: bool = True
) -> np.ndarray:
    """The view of ``a``'s memory from ``byte_offset`` bytes past ``a``'s first element, with
    ``shape`` and ``strides`` (in bytes). It is built on the array that owns the memory, so
    NumPy's ``base`` chain leads back to the storage (what ``storage_offset`` reads); memory
    that no array owns (a broadcast) falls back to ``as_strided``. Writable when ``a`` is and
    ``writeable`` is set."""
    root = a
    while isinstance(root.base, np.ndarray):
        root = root.base
    start = a.__array_interface__["data"][0] + byte_offset - root.__array_interface__["data"][0]
    try:
        out = np.ndarray(shape, a.dtype, buffer=root, offset=start, strides=strides)
    except (TypeError, ValueError, BufferError):
        # only a flat (1-D, contiguous) storage is offset, so this reshape is a view
        base = a.reshape(-1)[byte_offset // a.itemsize :] if byte_offset else a
        out = np.lib.stride_tricks.as_strided(base, shape, strides)
    if not (writeable and a.flags.writeable) and out.flags.writeable:
        out.flags.writeable = False
    return out


def diagonal_view(a: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
    """The diagonal ``offset`` of ``a`` over ``dim1`` and ``dim2`` as a view (writable when
    ``a`` is): the other dimensions in order, then the diagonal (``np.diagonal``'s layout, but
    never read-only)."""
    key = [slice(None)] * a.ndim
    if offset >= 0:
        key[dim2] = slice(offset, None)
    else:
        key[dim1] = slice(-offset, None)
    start = a[tuple(key)]
    n = min(start.shape[dim1], start.shape[dim2])
    keep = [i for i in range(a.ndim) if i not in (dim1, dim2)]
    shape = tuple(start.shape[i] for i in keep) + (n,)
    strides = tuple(start.strides[i] for i in keep) + (start.strides[dim1] + start.strides[dim2],)
    return strided(start, shape, strides)


class Diagonal(Primitive):
    """``torch.diagonal``: a view; backward writes the gradient onto a zero diagonal."""

    is_view = True

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
        ctx.shape, ctx.dims = x.shape, (offset, dim1, dim2)
        return diagonal_view(x, offset, dim1, dim2)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        diagonal_view(gx, *ctx.dims)[...] = g
        return gx, None, None, None


def embedded_shape(shape: tuple, offset: int, dim1: int, dim2: int) -> tuple:
    """The shape of ``diag_embed``'s result: the last dimension, widened by ``|offset|``,
    becomes two dimensions at ``dim1`` and ``dim2``."""
    n = shape[-1] + abs(offset)
    out = list(shape[:-1])
    for d in sorted((dim1, dim2)):
        out.insert(d, n)
    return tuple(out)


class DiagEmbed(Primitive):
    """``torch.diag_embed``: zeros with the last dimension of ``x`` on a diagonal."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
        ctx.dims = (offset, dim1, dim2)
        out = np.zeros(embedded_shape(x.shape, offset, dim1, dim2), dtype=x.dtype)
        diagonal_view(out, offset, dim1, dim2)[...] = x
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        return diagonal_view(g, *ctx.dims).copy(), None, None, None


def unfold_view(a: np.ndarray, dim: int, size: int, step: int) -> np.ndarray:
    """Windows of ``size`` every ``step`` along ``dim`` (PyTorch's ``Tensor.unfold``)."""
    n = (a.shape[dim] - size) // step + 1
    shape = a.shape[:dim] + (n,) + a.shape[dim + 1 :] + (size,)
    stride = a.strides[dim]
    strides = a.strides[:dim] + (stride * step,) + a.strides[dim + 1 :] + (stride,)
    return strided(a, shape, strides)


class Unfold(Primitive):
    """``Tensor.unfold``: a view of (possibly overlapping) windows; backward adds each
    window's gradient back where it came from."""

    is_view = True

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, dim: int, size: int, step: int) -> np.ndarray:
        ctx.shape, ctx.dims = x.shape, (dim, size, step)
        return unfold_view(x, dim, size, step)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        dim, size, step = ctx.dims
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        n = g.shape[dim]
        lead = (slice(None),) * dim
        for k in range(size):  # one window position at a time: no index repeats within one
            gx[lead + (slice(k, k + (n - 1) * step + 1, step),)] += g[..., k]
        return gx, None, None, None


def strided_indices(offset: int, shape: tuple, strides: tuple) -> np.ndarray:
    """The storage index of every element of the layout ``(offset, shape, strides)``."""
    idx = np.full(shape, offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(shape, strides)):
        view = [1] * len(shape)
        view[d] = n
        idx = idx + (np.arange(n, dtype=np.int64) * s).reshape(view)
    return idx


class AsStrided(Primitive):
    """``torch.as_strided``: the layout ``(offset, shape, strides)`` (in elements) of the
    storage ``storage`` (a flat array over the memory ``x`` lies in, ``x`` at ``x_layout``).
    Backward adds the gradient into a zero storage (elements seen twice add up) and reads
    ``x``'s layout back out of it, as PyTorch's ``AsStridedBackward0``."""

    is_view = True

    @staticmethod
    def forward(
        ctx: Primitive, x: np.ndarray, layout: tuple, x_layout: tuple, storage: np.ndarray
    ) -> np.ndarray:
        ctx.layouts, ctx.span = (layout, x_layout), storage.size
        offset, shape, strides = layout
        step = storage.itemsize
        return strided(
            storage, shape, tuple(s * step for s in strides), offset * step, x.flags.writeable
        )

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        layout, x_layout = ctx.layouts
        block = np.zeros(ctx.span, dtype=g.dtype)
        np.add.at(block, strided_indices(*layout), g)
        at = strided_indices(*x_layout)
        gx = block[at]
        if at.size and not _dense_layout(x_layout):
            # an input that sees an element several times (an expand) shares its gradient
            # among them, as PyTorch's AsStridedBackward0 does
            gx /= np.bincount(at.ravel(), minlength=ctx.span)[at]
        return gx, None, None


def _dense_layout(layout: tuple) -> bool:
    """Whether no two elements of the layout ``(offset, shape, strides)`` share a place."""
    dims = sorted((s, n) for n, s in zip(layout[1], layout[2]) if n != 1)
    reach = 1
    for s, n in dims:
        if s < reach:
            return False
        reach = s * n
    return True


class Rot90(Primitive):
    """``torch.rot90``: a copy rotated ``k`` quarter turns (k in 0..3) from ``dims[0]``
    towards ``dims[1]``. As in PyTorch, an odd ``k`` flips one dimension into a new array and
    returns it with the two dimensions swapped (a transposed layout)."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, k: int, dims: tuple) -> np.ndarray:
        ctx.k, ctx.dims = k, dims
        if k % 2:
            flipped = np.flip(x, dims[1] if k == 1 else dims[0]).copy()
            return np.swapaxes(flipped, *dims)
        return np.flip(x, dims).copy() if k == 2 else x.copy()

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        return np.rot90(g, -ctx.k, ctx.dims), None, None


class SumToSize(Primitive):
    """``Tensor.sum_to_size``: ``x`` summed over the dimensions broadcasting would stretch
    from ``shape`` (the inverse of ``expand``)."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, shape: tuple) -> np.ndarray:
        ctx.shape = x.shape
        return sum_to_shape(x, shape)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        return np.broadcast_to(g, ctx.shape), None


class BlockDiag(Primitive):
    """``torch.block_diag`` of 2-D arrays: each on the diagonal of a zero matrix."""

    @staticmethod
    def forward(ctx: Primitive, *blocks: np.ndarray) -> np.ndarray:
        ctx.shapes = tuple(b.shape for b in blocks)
        rows = sum(b.shape[0] for b in blocks)
        cols = sum(b.shape[1] for b in blocks)
        out = np.zeros((rows, cols), dtype=blocks[0].dtype if blocks else np.float32)
        r = c = 0
        for b in blocks:
            out[r : r + b.shape[0], c : c + b.shape[1]] = b
            r, c = r + b.shape[0], c + b.shape[1]
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        grads, r, c = [], 0, 0
        for rows, cols in ctx.shapes:
            grads.append(g[r : r + rows, c : c + cols])
            r, c = r + rows, c + cols
        return tuple(grads)


class Copy(Primitive):
    """A C-contiguous copy of its own (PyTorch's ``*_copy`` ops: never a view, even of an
    already contiguous input)."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        return np.array(x, copy=True, order="C")

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        return g


class UnsafeSplit(Primitive):
    """PyTorch's ``unsafe_split``: pieces along ``axis`` that share ``x``'s memory but are not
    views to autograd (each has a version counter of its own, so an in-place change of one is
    allowed); backward joins the pieces' gradients."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, sizes: tuple, axis: int) -> tuple:
        ctx.axis = axis
        return tuple(np.split(x, np.cumsum(sizes)[:-1], axis))

    @staticmethod
    def backward(ctx: Primitive, *grads: np.ndarray) -> tuple:
        return np.concatenate(grads, ctx.axis), None, None
