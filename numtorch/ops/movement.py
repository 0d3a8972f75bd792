"""Shape and indexing primitives. Most return NumPy views; those share a version counter
with their source (``is_view``)."""

from __future__ import annotations

import numpy as np

from numtorch.autograd.graph import Primitive


class Reshape(Primitive):
    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, shape: tuple, must_view: bool) -> np.ndarray:
        ctx.shape = x.shape
        out = np.reshape(x, shape)
        # a reshape is a view or a fresh copy, so overlapping bounds mean a view
        ctx.is_view = np.may_share_memory(out, x) if out.size else True
        if must_view and not ctx.is_view:
            raise ValueError("the reshape needs a copy")
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        return np.reshape(g, ctx.shape), None, None


class Expand(Primitive):
    """Broadcast to ``shape``; backward sums the gradient back. The only un-broadcasting op."""

    is_view = True

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, shape: tuple) -> np.ndarray:
        ctx.shape = x.shape
        lead = len(shape) - x.ndim
        if tuple(shape[lead:]) == x.shape and all(n == 1 for n in shape[:lead]):
            return x[(None,) * lead]  # nothing repeated: a writable view, as in PyTorch
        return np.broadcast_to(x, shape)  # read-only: a write would hit an element many times

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
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


class Permute(Primitive):
    is_view = True

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, dims: tuple) -> np.ndarray:
        ctx.inverse = tuple(int(d) for d in np.argsort(dims))
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        return np.transpose(g, ctx.inverse), None


class Contiguous(Primitive):
    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        out = np.ascontiguousarray(x) if x.ndim else x  # ascontiguousarray makes 0-d into 1-d
        ctx.is_view = out is x
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        return g


def _keep_key(ctx: Primitive, key: object) -> None:
    """Keep an index key for backward: its arrays (integer or boolean indices) through
    ``save_for_backward``, the rest (ints, slices, None, Ellipsis) as metadata."""
    parts = key if isinstance(key, tuple) else (key,)
    ctx.key_is_tuple = isinstance(key, tuple)
    ctx.array_at = tuple(i for i, p in enumerate(parts) if isinstance(p, np.ndarray))
    ctx.key_parts = tuple(None if i in ctx.array_at else p for i, p in enumerate(parts))
    if ctx.array_at:
        ctx.save_for_backward(*(parts[i] for i in ctx.array_at))


def _saved_key(ctx: Primitive) -> object:
    """The key ``_keep_key`` kept, put back together."""
    parts = list(ctx.key_parts)
    if ctx.array_at:
        for i, array in zip(ctx.array_at, ctx.saved_tensors):
            parts[i] = array
    return tuple(parts) if ctx.key_is_tuple else parts[0]


class Index(Primitive):
    """``x[key]`` with basic or integer-array/boolean indexing."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, key: object) -> np.ndarray:
        ctx.shape = x.shape
        _keep_key(ctx, key)
        out = x[key]
        if not isinstance(out, np.ndarray):  # all-integer keys give a scalar: ask for a 0-d view
            out = x[(key if isinstance(key, tuple) else (key,)) + (Ellipsis,)]
        ctx.is_view = isinstance(out, np.ndarray) and np.may_share_memory(out, x)
        return np.asarray(out)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        key = _saved_key(ctx)
        out = np.zeros(ctx.shape, dtype=g.dtype)
        if ctx.is_view:
            out[key] = g
        else:
            np.add.at(out, key, g)
        return out, None


class IndexPut(Primitive):
    """``x[key] = value`` out of place: the result is a copy of x with the slots replaced."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, key: object, value: np.ndarray) -> np.ndarray:
        out = x.copy()
        out[key] = value
        _keep_key(ctx, key)
        ctx.value_shape = np.shape(value)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        key = _saved_key(ctx)
        gx = None
        if ctx.needs_input_grad[0]:
            gx = g.copy()
            gx[key] = 0
        gv = None
        if ctx.needs_input_grad[2]:
            gv = sum_to_shape(np.asarray(g[key]), ctx.value_shape)
        return gx, None, gv


class Cat(Primitive):
    @staticmethod
    def forward(ctx: Primitive, *arrays: np.ndarray, dim: int) -> np.ndarray:
        ctx.dim = dim
        ctx.bounds = tuple(int(b) for b in np.cumsum([a.shape[dim] for a in arrays])[:-1])
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        return tuple(np.split(g, ctx.bounds, axis=ctx.dim))


class Flip(Primitive):
    """Reverse along ``dims``: a copy, as in PyTorch (writing into it leaves ``x`` alone)."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, dims: tuple) -> np.ndarray:
        ctx.dims = dims
        return np.flip(x, dims).copy()

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        return np.flip(g, ctx.dims), None


# ---------------------------------------------------------------- in-place writes into views
# A view and its base index one block of memory. ``view_geometry`` says where each lies in
# that block, in elements: (offset, shape, strides). A gradient written into a block through
# the base's layout and read back through the view's is the view's part of it, for any chain
# of NumPy views (slices, select, reshape, permute, unsqueeze, narrow, ...), with no index map.


def _extent(a: np.ndarray) -> tuple[int, int]:
    """The byte addresses ``[lo, hi)`` the elements of ``a`` occupy."""
    lo = hi = a.__array_interface__["data"][0]
    if a.size == 0:
        return lo, hi
    for n, s in zip(a.shape, a.strides):
        if s < 0:
            lo += (n - 1) * s
        else:
            hi += (n - 1) * s
    return lo, hi + a.itemsize


def lies_within(base: np.ndarray, view: np.ndarray) -> bool:
    """Whether ``view``'s elements lie in ``base``'s memory block (false once ``base.data = ...``
    gave the base new storage: the view then no longer writes into it)."""
    (lo, hi), (vlo, vhi) = _extent(base), _extent(view)
    return view.itemsize == base.itemsize and lo <= vlo and vhi <= hi


def _dense(a: np.ndarray) -> bool:
    """Whether ``a``'s elements fill its memory block exactly once (in some dimension order)."""
    dims = sorted((abs(s), n) for n, s in zip(a.shape, a.strides) if n != 1)
    step = a.itemsize
    for stride, n in dims:
        if stride != step:
            return False
        step *= n
    return True


def overlap(a: np.ndarray, b: np.ndarray) -> str:
    """PyTorch's memory-overlap status of two arrays: ``"full"`` (the same elements in the same
    layout), ``"partial"`` (their blocks intersect otherwise), ``"no"``, or ``"too hard"`` (one
    is not dense, e.g. a strided slice; PyTorch then does not decide, and neither do we)."""
    if a.size == 0 or b.size == 0:
        return "no"
    if not (_dense(a) and _dense(b)):
        return "too hard"
    (alo, ahi), (blo, bhi) = _extent(a), _extent(b)
    if (alo, ahi) == (blo, bhi):
        return "full" if a.strides == b.strides else "partial"
    return "partial" if alo < bhi and blo < ahi else "no"


def view_geometry(base: np.ndarray, view: np.ndarray) -> tuple:
    """``(span, base_layout, view_layout)``: a block of ``span`` elements holding both arrays,
    and each array's ``(offset, shape, strides)`` in it (all in elements)."""
    lo, hi = _extent(base)
    layouts = []
    for a in (base, view):
        start = a.__array_interface__["data"][0] - lo
        layouts.append((start // a.itemsize, a.shape, tuple(s // a.itemsize for s in a.strides)))
    return (hi - lo) // base.itemsize, layouts[0], layouts[1]


def _place(block: np.ndarray, layout: tuple) -> np.ndarray:
    """The array at ``layout`` in ``block`` (a writable view of it)."""
    offset, shape, strides = layout
    step = block.itemsize
    return np.lib.stride_tricks.as_strided(block[offset:], shape, tuple(s * step for s in strides))


class AsStrided(Primitive):
    """The view ``view`` of ``base`` as a node of its own: what a view becomes after a write
    into it was recorded (PyTorch's ``AsStridedBackward0``). Backward scatters the gradient
    into a zero gradient of the base's shape."""

    is_view = True

    @staticmethod
    def forward(ctx: Primitive, base: np.ndarray, view: np.ndarray) -> np.ndarray:
        ctx.geometry = view_geometry(base, view)
        return view

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        span, base_at, view_at = ctx.geometry
        block = np.zeros(span, dtype=g.dtype)
        _place(block, view_at)[...] = g
        return _place(block, base_at), None


class CopySlices(Primitive):
    """A write of ``value`` into the view ``view`` of ``base``, recorded on the base (PyTorch's
    ``CopySlices``). ``forward`` finds the write already done; backward sends the base's
    gradient with the view's region zeroed to the old base, and that region to ``value``."""

    @staticmethod
    def forward(
        ctx: Primitive, base: np.ndarray, value: np.ndarray, view: np.ndarray
    ) -> np.ndarray:
        ctx._name = "torch::autograd::CopySlices"  # PyTorch's name(); its repr says CopySlices
        ctx.geometry = view_geometry(base, view)
        return base

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        span, base_at, view_at = ctx.geometry
        block = np.empty(span, dtype=g.dtype)
        g_base = _place(block, base_at)
        g_base[...] = g
        region = _place(block, view_at)
        g_value = region.copy() if ctx.needs_input_grad[1] else None
        region[...] = 0
        return (g_base if ctx.needs_input_grad[0] else None), g_value, None

    def __repr__(self) -> str:
        return f"<CopySlices object at {hex(id(self))}>"
