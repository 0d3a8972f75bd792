"""Shape and indexing primitives. Most return NumPy views; those share a version counter
with their source (``is_view``)."""

from __future__ import annotations

import numpy as np

from numtorch.autograd.function import Function


class Reshape(Function):
    @staticmethod
    def forward(ctx: Function, x: np.ndarray, shape: tuple, must_view: bool) -> np.ndarray:
        ctx.shape = x.shape
        out = np.reshape(x, shape)
        # a reshape is a view or a fresh copy, so overlapping bounds mean a view
        ctx.is_view = np.may_share_memory(out, x) if out.size else True
        if must_view and not ctx.is_view:
            raise ValueError("the reshape needs a copy")
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        return np.reshape(g, ctx.shape), None, None


class Expand(Function):
    """Broadcast to ``shape``; backward sums the gradient back. The only un-broadcasting op."""

    is_view = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, shape: tuple) -> np.ndarray:
        ctx.shape = x.shape
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        return sum_to_shape(g, ctx.shape), None


def sum_to_shape(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``g`` over the axes that broadcasting added or stretched to reach its shape."""
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    return g.reshape(shape)


class Permute(Function):
    is_view = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dims: tuple) -> np.ndarray:
        ctx.inverse = tuple(int(d) for d in np.argsort(dims))
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        return np.transpose(g, ctx.inverse), None


class Contiguous(Function):
    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        out = np.ascontiguousarray(x) if x.ndim else x  # ascontiguousarray makes 0-d into 1-d
        ctx.is_view = out is x
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
        return g


def _keep_key(ctx: Function, key: object) -> None:
    """Keep an index key for backward: its arrays (integer or boolean indices) through
    ``save_for_backward``, the rest (ints, slices, None, Ellipsis) as metadata."""
    parts = key if isinstance(key, tuple) else (key,)
    ctx.key_is_tuple = isinstance(key, tuple)
    ctx.array_at = tuple(i for i, p in enumerate(parts) if isinstance(p, np.ndarray))
    ctx.key_parts = tuple(None if i in ctx.array_at else p for i, p in enumerate(parts))
    if ctx.array_at:
        ctx.save_for_backward(*(parts[i] for i in ctx.array_at))


def _saved_key(ctx: Function) -> object:
    """The key ``_keep_key`` kept, put back together."""
    parts = list(ctx.key_parts)
    if ctx.array_at:
        for i, array in zip(ctx.array_at, ctx.saved_tensors):
            parts[i] = array
    return tuple(parts) if ctx.key_is_tuple else parts[0]


class Index(Function):
    """``x[key]`` with basic or integer-array/boolean indexing."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, key: object) -> np.ndarray:
        ctx.shape = x.shape
        _keep_key(ctx, key)
        out = x[key]
        if not isinstance(out, np.ndarray):  # all-integer keys give a scalar: ask for a 0-d view
            out = x[(key if isinstance(key, tuple) else (key,)) + (Ellipsis,)]
        ctx.is_view = isinstance(out, np.ndarray) and np.may_share_memory(out, x)
        return np.asarray(out)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        key = _saved_key(ctx)
        out = np.zeros(ctx.shape, dtype=g.dtype)
        if ctx.is_view:
            out[key] = g
        else:
            np.add.at(out, key, g)
        return out, None


class IndexPut(Function):
    """``x[key] = value`` out of place: the result is a copy of x with the slots replaced."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, key: object, value: np.ndarray) -> np.ndarray:
        out = x.copy()
        out[key] = value
        _keep_key(ctx, key)
        ctx.value_shape = np.shape(value)
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        key = _saved_key(ctx)
        gx = None
        if ctx.needs_input_grad[0]:
            gx = g.copy()
            gx[key] = 0
        gv = None
        if ctx.needs_input_grad[2]:
            gv = sum_to_shape(np.asarray(g[key]), ctx.value_shape)
        return gx, None, gv


class Cat(Function):
    @staticmethod
    def forward(ctx: Function, *arrays: np.ndarray, dim: int) -> np.ndarray:
        ctx.dim = dim
        ctx.bounds = tuple(int(b) for b in np.cumsum([a.shape[dim] for a in arrays])[:-1])
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        return tuple(np.split(g, ctx.bounds, axis=ctx.dim))


class Flip(Function):
    is_view = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dims: tuple) -> np.ndarray:
        ctx.dims = dims
        return np.flip(x, dims)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        return np.flip(g, ctx.dims), None
