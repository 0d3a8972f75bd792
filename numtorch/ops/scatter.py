"""Primitives that write by index or mask (``scatter``, ``index_add``, ``put``, the
``*_scatter`` ops) and select by index or mask (``index_select``, ``masked_select``, ``take``).

Every primitive works on ndarrays; the public functions in ``numtorch/_namespace/scatter.py``
check the arguments first, so the indices here are in range. Repeated indices add up where
PyTorch adds (``np.add.at``) and the last write wins where PyTorch writes (NumPy's assignment
order is PyTorch's CPU order).
"""

from __future__ import annotations

import numpy as np

from numtorch.autograd.graph import Primitive

# ---------------------------------------------------------------- index keys


def along(index: np.ndarray, dim: int) -> tuple:
    """The key that addresses ``x[..., index[i], ...]`` at every position of ``index``:
    PyTorch's ``scatter``/``gather`` indexing along ``dim``."""
    key = list(np.indices(index.shape, sparse=True))
    key[dim] = index
    return tuple(key)


def window(shape: tuple) -> tuple:
    """The slices reading the leading ``shape`` block of a larger array (``src`` may be larger
    than ``index``; only that block is read)."""
    return tuple(slice(0, n) for n in shape)


def at_dim(index: np.ndarray, dim: int) -> tuple:
    """The key selecting the slices ``index`` along ``dim`` (``index_add`` and friends)."""
    return (slice(None),) * dim + (index,)


def pad_to(values: np.ndarray, shape: tuple) -> np.ndarray:
    """``values`` in the leading block of zeros of ``shape`` (a gradient for a larger src)."""
    if values.shape == tuple(shape):
        return values
    out = np.zeros(shape, dtype=values.dtype)
    out[window(values.shape)] = values
    return out


def _zeroed(g: np.ndarray, key: tuple) -> np.ndarray:
    out = g.copy()
    out[key] = 0
    return out


# ---------------------------------------------------------------- scatter family


class Scatter(Primitive):
    """``out = x``, then ``out[along(index)] = src`` (a tensor, or a 0-d value): the last
    write wins among repeated indices. Backward zeroes the written slots for ``x`` and reads
    them for ``src``."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, index: np.ndarray, src: np.ndarray, dim: int):
        ctx.dim, ctx.src_shape = dim, np.shape(src)
        ctx.save_for_backward(index)
        out = x.copy()
        key = along(index, dim)
        out[key] = src[window(index.shape)] if np.ndim(src) else src
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (index,) = ctx.saved_tensors
        key = along(index, ctx.dim)
        gx = _zeroed(g, key) if ctx.needs_input_grad[0] else None
        gs = pad_to(g[key], ctx.src_shape) if ctx.needs_input_grad[2] else None
        return gx, None, gs, None


class ScatterLegacy(Primitive):
    """``scatter(..., reduce="add" | "multiply")``: PyTorch has no derivative for it, and says
    so when backward reaches the node."""

    @staticmethod
    def forward(
        ctx: Primitive, x: np.ndarray, index: np.ndarray, src: np.ndarray, dim: int, reduce: str
    ) -> np.ndarray:
        ctx._name = "torch::autograd::NotImplemented"
        out = x.copy()
        value = src[window(index.shape)] if np.ndim(src) else np.broadcast_to(src, index.shape)
        ufunc = np.add if reduce == "add" else np.multiply
        ufunc.at(out, along(index, dim), value.astype(out.dtype, copy=False))
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        raise RuntimeError("derivative for aten::scatter is not implemented")


class ScatterAdd(Primitive):
    """``out = x``, then ``src`` added at ``along(index)``; repeated indices add up."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, index: np.ndarray, src: np.ndarray, dim: int):
        ctx.dim, ctx.src_shape = dim, src.shape
        ctx.save_for_backward(index)
        out = x.copy()
        np.add.at(out, along(index, dim), src[window(index.shape)])
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (index,) = ctx.saved_tensors
        gs = pad_to(g[along(index, ctx.dim)], ctx.src_shape) if ctx.needs_input_grad[2] else None
        return g, None, gs, None


_UFUNCS = {
    "sum": np.add,
    "mean": np.add,
    "prod": np.multiply,
    "amax": np.maximum,
    "amin": np.minimum,
}


def reduce_into(
    x: np.ndarray, key: tuple, src: np.ndarray, reduce: str, include_self: bool
) -> np.ndarray:
    """``x`` with ``src`` reduced into the slots ``key`` (PyTorch's ``scatter_reduce``)."""
    out = x.copy()
    if not include_self:
        out[key] = _identity(reduce, out.dtype)
    _UFUNCS[reduce].at(out, key, src)  # maximum/minimum: nan wins, as in PyTorch
    if reduce == "mean":
        count = np.full(x.shape, 1 if include_self else 0, dtype=np.int64)
        np.add.at(count, key, 1)
        count = np.maximum(count, 1)
        if out.dtype.kind in "fc":
            out = (out / count).astype(out.dtype)
        else:
            out = np.floor_divide(out, count).astype(out.dtype)
    return out


def _identity(reduce: str, dtype: np.dtype) -> object:
    """The value a slot starts from when ``self`` is left out of the reduction."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    if dtype.kind == "b":
        return reduce == "amin"
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


class ScatterReduce(Primitive):
    """PyTorch's ``scatter_reduce`` (sum, prod, mean, amax, amin; with or without ``self``),
    with PyTorch's gradients (``scatter_reduce_backward``): ties of amax/amin share the
    gradient evenly; prod handles zeros one at a time."""

    @staticmethod
    def forward(
        ctx: Primitive,
        x: np.ndarray,
        index: np.ndarray,
        src: np.ndarray,
        dim: int,
        reduce: str,
        include_self: bool,
    ) -> np.ndarray:
        ctx.dim, ctx.reduce, ctx.include_self = dim, reduce, include_self
        value = src[window(index.shape)]
        out = reduce_into(x, along(index, dim), value, reduce, include_self)
        ctx.save_for_backward(index, x, src, out)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        index, x, src, out = ctx.saved_tensors
        key = along(index, ctx.dim)
        value = src[window(index.shape)]
        gx, gs = reduce_backward(g, x, key, value, out, ctx.reduce, ctx.include_self)
        return gx, None, pad_to(gs, src.shape), None, None, None


def reduce_backward(
    g: np.ndarray,
    x: np.ndarray,
    key: tuple,
    src: np.ndarray,
    out: np.ndarray,
    reduce: str,
    include_self: bool,
) -> tuple:
    """PyTorch's ``scatter_reduce_backward`` for ``src`` read at ``key`` (same shape)."""
    if reduce == "sum":
        gx, gs = g, g[key]
    elif reduce == "mean":
        n = np.full(g.shape, 1 if include_self else 0, dtype=g.dtype)
        np.add.at(n, key, 1)
        n[n == 0] = 1
        gx, gs = g / n, g[key] / n[key]
    elif reduce == "prod":
        gx, gs = _prod_backward(g, x, key, src, out, include_self)
    else:
        gx, gs = _extreme_backward(g, x, key, src, out)
    if not include_self:
        gx = _zeroed(gx, key)
    return gx, gs


def _prod_backward(
    g: np.ndarray,
    x: np.ndarray,
    key: tuple,
    src: np.ndarray,
    out: np.ndarray,
    include_self: bool,
) -> tuple:
    """The product's gradients, exact where one factor is zero (PyTorch's masked forms)."""
    masked_x = np.where(x == 0, 1, x)
    gx = g * reduce_into(masked_x, key, src, "prod", include_self) / masked_x
    src_zero = src == 0
    zeros = np.zeros(x.shape, dtype=g.dtype)
    np.add.at(zeros, key, src_zero.astype(g.dtype))
    single = src_zero & (zeros[key] == 1)
    masked_src_result = reduce_into(x, key, np.where(single, 1, src), "prod", include_self)
    gs = np.where(single, (g * masked_src_result)[key], (g * out)[key] / np.where(src_zero, 1, src))
    return gx, gs


def _extreme_backward(
    g: np.ndarray, x: np.ndarray, key: tuple, src: np.ndarray, out: np.ndarray
) -> tuple:
    """amax/amin: the gradient shared evenly by every value equal to the result."""
    x_is = (x == out).astype(g.dtype)
    src_is = (src == out[key]).astype(g.dtype)
    n = x_is.copy()
    np.add.at(n, key, src_is)
    spread = g / n
    return x_is * spread, src_is * spread[key]


# ---------------------------------------------------------------- index_* along a dimension


class IndexSelect(Primitive):
    """``x``'s slices ``index`` along ``dim``; backward adds the gradient back (repeats add)."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, index: np.ndarray, dim: int) -> np.ndarray:
        ctx.shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        return np.take(x, index, axis=dim)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (index,) = ctx.saved_tensors
        out = np.zeros(ctx.shape, dtype=g.dtype)
        np.add.at(out, at_dim(index, ctx.dim), g)
        return out, None, None


class IndexAdd(Primitive):
    """``x`` with ``alpha * src``'s slices added at ``index`` along ``dim``."""

    @staticmethod
    def forward(ctx, x: np.ndarray, index: np.ndarray, src: np.ndarray, dim: int, alpha):
        ctx.dim, ctx.alpha = dim, alpha
        ctx.save_for_backward(index, src)  # src unread, but PyTorch's node keeps it too
        out = x.copy()
        value = src if alpha == 1 else src * np.asarray(alpha, dtype=x.dtype)
        np.add.at(out, at_dim(index, dim), value.astype(x.dtype, copy=False))
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        index = ctx.saved_tensors[0]
        gs = None
        if ctx.needs_input_grad[2]:
            gs = np.take(g, index, axis=ctx.dim)
            gs = gs if ctx.alpha == 1 else gs * np.asarray(ctx.alpha, dtype=g.dtype)
        return g, None, gs, None, None


class IndexCopy(Primitive):
    """``x`` with ``src``'s slices written at ``index`` along ``dim`` (the last write wins);
    ``src`` may also be a 0-d value (``index_fill``), whose gradient is the written slots'
    sum."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, index: np.ndarray, src: np.ndarray, dim: int):
        ctx.dim, ctx.src_shape = dim, np.shape(src)
        # a source tensor is unread, but PyTorch's IndexCopyBackward0 keeps it (not a value's)
        ctx.save_for_backward(*((index, src) if np.ndim(src) else (index,)))
        out = x.copy()
        out[at_dim(index, dim)] = src
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        index = ctx.saved_tensors[0]
        key = at_dim(index, ctx.dim)
        gx = _zeroed(g, key) if ctx.needs_input_grad[0] else None
        gs = None
        if ctx.needs_input_grad[2]:
            if ctx.src_shape == ():
                gs = np.asarray(np.take(g, np.unique(index), axis=ctx.dim).sum(), g.dtype)
            else:
                gs = np.take(g, index, axis=ctx.dim)
        return gx, None, gs, None


# ---------------------------------------------------------------- flat and masked


class Take(Primitive):
    """``x.flatten()[index]`` in ``index``'s shape (negative entries count from the end)."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, index: np.ndarray) -> np.ndarray:
        ctx.shape = x.shape
        ctx.save_for_backward(index, x)  # x unread, but PyTorch's TakeBackward0 keeps it too
        return x.reshape(-1)[index]

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        index = ctx.saved_tensors[0]
        flat = np.zeros(int(np.prod(ctx.shape)), dtype=g.dtype)
        np.add.at(flat, index, g)
        return flat.reshape(ctx.shape), None


class Put(Primitive):
    """``x`` with ``src``'s elements written (or, with ``accumulate``, added) at the flat
    positions ``index``."""

    @staticmethod
    def forward(ctx, x: np.ndarray, index: np.ndarray, src: np.ndarray, accumulate: bool):
        ctx.accumulate, ctx.src_shape = accumulate, src.shape
        ctx.save_for_backward(index, src)  # src unread, but PyTorch's PutBackward0 keeps it
        out = x.copy()
        flat = out.reshape(-1)
        if accumulate:
            np.add.at(flat, index.reshape(-1), src.reshape(-1))
        else:
            flat[index.reshape(-1)] = src.reshape(-1)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        index = ctx.saved_tensors[0]
        gx = g
        if not ctx.accumulate and ctx.needs_input_grad[0]:
            gx = g.copy()
            gx.reshape(-1)[index.reshape(-1)] = 0
        gs = g.reshape(-1)[index.reshape(-1)].reshape(ctx.src_shape)
        return gx, None, gs, None


class MaskedSelect(Primitive):
    """The elements of ``x`` where ``mask`` (of ``x``'s shape) is True, as a 1-d array."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(mask, x)  # x unread, but PyTorch's node keeps it too
        return x[mask]

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        mask = ctx.saved_tensors[0]
        out = np.zeros(mask.shape, dtype=g.dtype)
        out[mask] = g
        return out, None


class MaskedScatter(Primitive):
    """``x`` with the first ``mask.sum()`` elements of ``src`` written where ``mask`` (of
    ``x``'s shape) is True, in row-major order."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, mask: np.ndarray, src: np.ndarray) -> np.ndarray:
        ctx.src_shape = src.shape
        ctx.save_for_backward(mask)
        out = x.copy()
        out[mask] = src.reshape(-1)[: int(np.count_nonzero(mask))]
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (mask,) = ctx.saved_tensors
        gx = np.where(mask, 0, g) if ctx.needs_input_grad[0] else None
        gs = None
        if ctx.needs_input_grad[2]:
            picked = g[mask]
            flat = np.zeros(int(np.prod(ctx.src_shape)), dtype=g.dtype)
            flat[: picked.size] = picked
            gs = flat.reshape(ctx.src_shape)
        return gx, None, gs


# ---------------------------------------------------------------- select/slice/diagonal_scatter


def region(a: np.ndarray, spec: tuple) -> tuple:
    """``(array, key)`` such that ``array[key]`` is the region ``spec`` of ``a`` (writable,
    sharing ``a``'s memory): ``("select", dim, i)``, ``("slice", dim, start, stop, step)`` or
    ``("diagonal", offset, dim1, dim2)`` (the diagonal last, as PyTorch's ``diagonal``)."""
    kind = spec[0]
    if kind == "select":
        return a, (slice(None),) * spec[1] + (spec[2],)
    if kind == "slice":
        return a, (slice(None),) * spec[1] + (slice(*spec[2:]),)
    offset, d1, d2 = spec[1:]
    moved = np.moveaxis(a, (d1, d2), (-2, -1))
    rows, cols = moved.shape[-2:]
    n = max(0, min(rows + min(offset, 0), cols - max(offset, 0)))
    start = np.arange(n)
    return moved, (Ellipsis, start - min(offset, 0), start + max(offset, 0))


class ScatterRegion(Primitive):
    """``x`` with ``src`` written into the region ``spec`` (see ``region``): PyTorch's
    ``select_scatter``, ``slice_scatter`` and ``diagonal_scatter``."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, src: np.ndarray, spec: tuple) -> np.ndarray:
        ctx.spec = spec
        out = x.copy()
        array, key = region(out, spec)
        array[key] = src
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        gx = g.copy()
        array, key = region(gx, ctx.spec)
        gs = np.array(array[key]) if ctx.needs_input_grad[1] else None
        array[key] = 0
        return gx, gs, None
