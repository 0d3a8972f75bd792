"""Strided views and storage-level shape changes: ``select``, ``diagonal``, ``unfold``,
``as_strided`` (and ``as_strided_``, and ``as_strided_scatter``, which writes through one into a
copy), ``ravel``, ``adjoint`` with ``Tensor.H``/``Tensor.mH``,
and ``resize_``/``resize_as_``.

Every view here shares storage and the version counter with its input, as PyTorch's does, so
an in-place write through it reaches the base (recorded as ``CopySlices``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from numtorch._checks import SELF_OVERLAP_MESSAGE, check_tensor, normalize_dim
from numtorch._namespace._declare import op
from numtorch._namespace._operands import named
from numtorch._namespace.shape import (
    _check_shape_inplace,
    _reshape_in_place,
    int_arg,
    parse_shape,
    reshape,
    transpose,
)
from numtorch.autograd.graph import Primitive
from numtorch.ops import movement, shape_ops
from numtorch.tensor import Tensor


@op(method=True)
def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The view ``input[..., index, ...]`` (``index`` along ``dim``), one dimension fewer."""
    check_tensor(input, "select")
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    axis = normalize_dim(dim, input.ndim)
    if isinstance(index, Tensor) and index.ndim == 0 and not index.dtype.is_floating_point:
        index = index.item()
    index = int_arg(index, "select", "index", 2)
    n = input.shape[axis]
    if not -n <= index < n:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
            f"dimension {axis}"
        )
    return named(input[(slice(None),) * axis + (int(index),)], "SelectBackward0")


def diagonal_dims(ndim: int, dim1: int, dim2: int) -> tuple[int, int]:
    """``dim1`` and ``dim2`` normalised, refusing one dimension twice as PyTorch does."""
    d1, d2 = normalize_dim(dim1, ndim), normalize_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


@op(method=True)
def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A view of the diagonal over ``dim1`` and ``dim2``.

    The diagonal ``offset`` over ``dim1`` and ``dim2``, as a view appended as the last
    dimension (above the main diagonal for ``offset > 0``, below it for ``offset < 0``)."""
    check_tensor(input, "diagonal")
    offset = int_arg(offset, "diagonal", "offset", 2)
    d1, d2 = diagonal_dims(input.ndim, dim1, dim2)
    return shape_ops.Diagonal.apply(input, offset, d1, d2)


@op(function=False, method=True)
def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """A view of every ``size``-element window along ``dimension``, ``step`` apart.

    Every window of ``size`` elements, ``step`` apart, along ``dimension``: a view with that
    dimension counting windows and a new last dimension of ``size`` (windows may overlap)."""
    size = int_arg(size, "unfold", "size", 2)
    step = int_arg(step, "unfold", "step", 3)
    x = input if input.ndim else reshape(input, 1)
    axis = normalize_dim(dimension, x.ndim)
    n = x.shape[axis]
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {axis} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    out = shape_ops.Unfold.apply(x, axis, int(size), int(step))
    if input.ndim == 0:  # a 0-d tensor unfolds to its one element
        out = reshape(out, int(size))
    return named(out, "UnfoldBackward0")


def _storage(input: Tensor) -> tuple[np.ndarray, int]:
    """The flat storage ``input`` lies in (its base's memory, as one writable 1-D array) and
    ``input``'s offset into it, in elements."""
    root = input._data
    if input._base is not None and movement.lies_within(input._base._data, root):
        root = input._base._data  # (not after ``base.data = ...`` gave the base new memory)
    lo, hi = movement._extent(root)
    flat = shape_ops.strided(
        np.ndarray(0, root.dtype) if root.size == 0 else _at_lowest(root),
        ((hi - lo) // root.itemsize,),
        (root.itemsize,),
    )
    offset = (input._data.__array_interface__["data"][0] - lo) // root.itemsize
    return flat, offset if input._data.size else 0


def _at_lowest(a: np.ndarray) -> np.ndarray:
    """``a`` re-indexed so that its first element is the one at its lowest address."""
    key = tuple(slice(None, None, -1) if s < 0 else slice(None) for s in a.strides)
    return a[key]


def _check_strided(input: Tensor, size: tuple, stride: tuple, offset: int, span: int) -> None:
    """PyTorch's checks of an ``as_strided`` layout against the storage it reads."""
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(n < 0 for n in size):
        raise RuntimeError(
            f"Storage size calculation overflowed with sizes={list(size)} and "
            f"strides={list(stride)}"
        )
    if any(s < 0 for s in stride):
        raise RuntimeError(
            f"as_strided: Negative strides are not supported at the moment, got strides: "
            f"{list(stride)}"
        )
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    need = 0 if 0 in size else offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
    if need > span:
        item = input._data.itemsize
        raise RuntimeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, "
            f"and itemsize {item} requiring a storage size of {need * item} are out of bounds "
            f"for storage of size {span * item}"
        )


def _strided_view(
    input: Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None
) -> Tensor:
    check_tensor(input, "as_strided")
    size = parse_shape((size,), "size", "as_strided")
    stride = parse_shape((stride,), "stride", "as_strided")
    storage, x_offset = _storage(input)
    offset = x_offset if storage_offset is None else int(storage_offset)
    _check_strided(input, size, stride, offset, storage.size)
    item = input._data.itemsize
    x_layout = (x_offset, input.shape, tuple(s // item for s in input._data.strides))
    return shape_ops.AsStrided.apply(input, (offset, size, stride), x_layout, storage=storage)


@op(method=True)
def as_strided(
    input: Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None
) -> Tensor:
    """A view of ``input``'s storage with the given size, stride and offset.

    A view of ``input``'s storage with the given ``size``, ``stride`` and
    ``storage_offset`` (in elements; default: ``input``'s own offset). Elements may repeat;
    their gradients then add up."""
    return named(_strided_view(input, size, stride, storage_offset), "AsStridedBackward0")


@op(method=True)
def as_strided_(
    input: Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None
) -> Tensor:
    """In-place ``as_strided``: ``input`` itself takes the new layout of its storage."""
    view = _strided_view(input, size, stride, storage_offset)
    _check_shape_inplace(input)
    return _reshape_in_place(input, view, "AsStridedBackward1")


def _at(block: np.ndarray, layout: tuple) -> np.ndarray:
    """The writable array at ``layout`` (``(offset, shape, strides)`` in elements) in the flat
    ``block``; its ``base`` chain leads to ``block`` (what ``storage_offset`` reads)."""
    offset, shape, strides = layout
    step = block.itemsize
    return shape_ops.strided(block, shape, tuple(s * step for s in strides), offset * step)


class _AsStridedScatter(Primitive):
    """``as_strided_scatter`` on arrays: a copy of the flat ``storage`` that ``x`` lies in (at
    ``x_layout``), with ``src`` written at ``layout``, read back at ``x``'s layout (so the
    result has ``x``'s strides and storage offset, as PyTorch's). Backward gives ``src`` the
    gradient at ``layout`` and ``x`` the gradient of the elements ``src`` did not overwrite."""

    @staticmethod
    def forward(
        ctx: Primitive,
        x: np.ndarray,
        src: np.ndarray,
        layout: tuple,
        x_layout: tuple,
        storage: np.ndarray,
    ) -> np.ndarray:
        ctx.layouts, ctx.span = (layout, x_layout), storage.size
        block = storage.copy()
        _at(block, layout)[...] = src
        return _at(block, x_layout)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        layout, x_layout = ctx.layouts
        block = np.zeros(ctx.span, g.dtype)
        _at(block, x_layout)[...] = g
        region = _at(block, layout)
        g_src = region.copy() if ctx.needs_input_grad[1] else None
        region[...] = 0
        g_x = _at(block, x_layout).copy() if ctx.needs_input_grad[0] else None
        return g_x, g_src, None, None, None


def _scatter_storage(input: Tensor) -> tuple[np.ndarray, int, tuple]:
    """``(flat storage, input's offset in it, input's strides)`` for ``as_strided_scatter``:
    PyTorch clones the whole storage, keeping ``input``'s strides, unless ``input`` repeats an
    element (an expand), which it clones contiguous. A NumPy view with a negative stride (which
    PyTorch never makes: its ``flip`` copies) is cloned contiguous too."""
    item, strides = input._data.itemsize, input._data.strides
    repeats = any(n > 1 and s == 0 for n, s in zip(input.shape, strides))
    if repeats or any(s < 0 for s in strides):
        flat = np.ascontiguousarray(input._data).reshape(-1)
        return flat, 0, tuple(s // item for s in flat.reshape(input.shape).strides)
    storage, offset = _storage(input)
    return storage, offset, tuple(s // item for s in strides)


@op(method=True)
def as_strided_scatter(
    input: Tensor,
    src: Tensor,
    size: Sequence[int],
    stride: Sequence[int],
    storage_offset: int | None = None,
) -> Tensor:
    """A copy of ``input`` with ``src`` written where ``as_strided`` would read.

    A copy of ``input`` (of its whole storage) with ``src`` written at the layout
    ``input.as_strided(size, stride, storage_offset)`` would read; ``input``'s dtype.

    Gradients: ``src`` gets the output's gradient at that layout, ``input`` the gradient of
    the elements ``src`` did not overwrite. (PyTorch 2.13's ``AsStridedScatterBackward0``
    gives ``input`` the overwritten part instead, which its own ``gradcheck`` refuses;
    numtorch's is the true gradient. PyTorch also refuses a non-contiguous ``input`` that
    requires grad, which numtorch differentiates.)
    """
    check_tensor(input, "as_strided_scatter")
    check_tensor(src, "as_strided_scatter", "src", 2)
    size = parse_shape((size,), "size", "as_strided_scatter")
    stride = parse_shape((stride,), "stride", "as_strided_scatter")
    storage, x_offset, x_strides = _scatter_storage(input)
    offset = x_offset if storage_offset is None else int(storage_offset)
    _check_strided(input, size, stride, offset, storage.size)
    if tuple(src.shape) != size:
        raise RuntimeError(
            "expected src to have a size equal to the slice of self. src size = "
            f"{list(src.shape)}, slice size = {list(size)}"
        )
    if any(n > 1 and s == 0 for n, s in zip(size, stride)):
        raise RuntimeError(SELF_OVERLAP_MESSAGE)
    s = src if src.dtype is input.dtype else src.to(input.dtype)
    layouts = ((offset, size, stride), (x_offset, tuple(input.shape), x_strides))
    out = _AsStridedScatter.apply(input, s, *layouts, storage=storage)
    return named(out, "AsStridedScatterBackward0")


@op(method=True)
def ravel(input: Tensor) -> Tensor:
    """The elements in one dimension: a view of a contiguous tensor, else a copy."""
    check_tensor(input, "ravel")
    if not input._data.flags.c_contiguous:
        input = input.contiguous()
    return named(reshape(input, -1), "ViewBackward0")


@op(method=True)
def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of the last two dimensions (a view).

    numtorch's tensors are real, so this is the transpose."""
    if input.ndim < 2:
        raise RuntimeError(
            "tensor.adjoint() is only supported on matrices or batches of matrices. Got "
            f"{input.ndim}-D tensor."
        )
    return transpose(input, -2, -1)


def _h(self: Tensor) -> Tensor:
    """``Tensor.H``: the conjugate transpose of a matrix (a view for real tensors)."""
    if self.ndim != 2:
        hint = " For batches of matrices, consider using tensor.mH" if self.ndim > 2 else ""
        raise RuntimeError(
            f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor.{hint}"
        )
    return transpose(self, 0, 1)


def _mh(self: Tensor) -> Tensor:
    """``Tensor.mH``: the conjugate transpose of the last two dimensions."""
    if self.ndim < 2:
        raise RuntimeError(
            "tensor.mH is only supported on matrices or batches of matrices. Got "
            f"{self.ndim}-D tensor."
        )
    return transpose(self, -2, -1)


op(function=False, method=property(_h), name="H")(_h)
op(function=False, method=property(_mh), name="mH")(_mh)


def _resize(target: Tensor, shape: tuple) -> Tensor:
    """Give ``target`` the contiguous ``shape``, keeping its first elements (in memory order)
    and zeros after them (PyTorch leaves them uninitialised); the storage is shared when it is
    large enough and dense, as PyTorch reuses it."""
    if target.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    if any(n < 0 for n in shape):
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}"
        )
    n = int(np.prod(shape, dtype=np.int64))
    old = target._data
    if n <= old.size and old.flags.c_contiguous:
        target._data = old.reshape(-1)[:n].reshape(shape)
    else:
        stored = _stored_from(old)
        data = np.zeros(n, dtype=old.dtype)
        keep = min(n, stored.size)
        data[:keep] = stored[:keep]
        target._data = data.reshape(shape)
    target._version[0] += 1
    return target


def _stored_from(a: np.ndarray) -> np.ndarray:
    """The storage from ``a``'s first element on, flat: a contiguous ``a`` lying in a larger
    contiguous array (an earlier shrink, a slice) reads on into it, as PyTorch's storage
    does; otherwise ``a``'s own elements in memory order."""
    root = a
    while isinstance(root.base, np.ndarray):
        root = root.base
    if a.flags.c_contiguous and root.flags.c_contiguous and movement.lies_within(root, a):
        start = (a.__array_interface__["data"][0] - root.__array_interface__["data"][0]) // (
            a.itemsize
        )
        return root.reshape(-1)[start:]
    return np.ravel(a, order="K")


@op(function=False, method=True)
def resize_(input: Tensor, *sizes: int, memory_format: object = None) -> Tensor:
    """Give ``input`` the shape ``sizes`` in place, keeping its flat data (new elements are 0)."""
    if len(sizes) == 1 and not isinstance(sizes[0], (int, np.integer, list, tuple)):
        raise TypeError(
            "resize_(): argument 'size' (position 1) must be tuple of ints, not "
            f"{type(sizes[0]).__name__}"
        )
    return _resize(input, parse_shape(sizes, "size", "resize_"))


@op(method=True)
def resize_as_(input: Tensor, the_template: Tensor, *, memory_format: object = None) -> Tensor:
    """``input.resize_(the_template.shape)``."""
    check_tensor(the_template, "resize_as_", "the_template", 2)
    return _resize(input, tuple(the_template.shape))


def _resized(input: Tensor, sizes: tuple) -> Tensor:
    """PyTorch's deprecated non-in-place ``resize``: a reshape that keeps the element count."""
    warnings.warn("non-inplace resize is deprecated", UserWarning, stacklevel=3)
    numel = int(np.prod(sizes, dtype=np.int64))
    if numel != input.numel():
        raise RuntimeError(
            f"requested resize to {'x'.join(map(str, sizes))} ({numel} elements in total), but "
            f"the given tensor has a size of {'x'.join(map(str, input.shape))} "
            f"({input.numel()} elements). autograd's resize can only change the shape of a given "
            "tensor, while preserving the number of elements. "
        )
    return named(reshape(input, sizes), "ResizeBackward")


@op(function=False, method=True)
def resize(input: Tensor, *sizes: int) -> Tensor:
    """Deprecated (with PyTorch's warning): ``input`` reshaped to ``sizes``, same element count."""
    return _resized(input, parse_shape(sizes, "size", "resize"))


@op(function=False, method=True)
def resize_as(input: Tensor, tensor: Tensor) -> Tensor:
    """Deprecated (with PyTorch's warning): ``input.resize(tensor.shape)``."""
    return _resized(input, tuple(tensor.shape))
