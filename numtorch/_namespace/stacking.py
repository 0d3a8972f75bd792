"""Joining and splitting along a dimension (``hstack``, ``vstack``, ``dstack``,
``tensor_split``, ``hsplit``, ...), ``atleast_*d`` and ``broadcast_tensors``.

Importing this module also imports the view, matrix, copy and reordering families
(``views``, ``matrices``, ``copies``, ``reorder``), whose ``@op`` declarations then join the
namespace.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from numtorch import _dtype
from numtorch._checks import check_tensor, normalize_dim, type_name
from numtorch._namespace import copies, matrices, reorder, views  # noqa: F401 - declarations
from numtorch._namespace._declare import op
from numtorch._namespace._operands import broadcast_shapes, named
from numtorch._namespace.shape import (
    _check_same_dtype_list,
    cat,
    chunk_split_arg,
    expand,
    reshape,
    split,
    split_sizes,
    unsqueeze,
)
from numtorch.ops import shape_ops
from numtorch.tensor import Tensor

# ---------------------------------------------------------------- atleast_*d


def _atleast(tensors: tuple, fn: str, make) -> Tensor | tuple:
    """``make`` applied to one tensor, or to each of several (given as arguments or as one
    list or tuple), as PyTorch's ``atleast_*d``."""
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return make(tensors[0])
    items = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}"
            )
    return tuple(make(t) for t in items)


def _at_least_1d(t: Tensor) -> Tensor:
    return reshape(t, 1) if t.ndim == 0 else t


def _at_least_2d(t: Tensor) -> Tensor:
    if t.ndim == 0:
        return reshape(t, 1, 1)
    return unsqueeze(t, 0) if t.ndim == 1 else t


def _at_least_3d(t: Tensor) -> Tensor:
    if t.ndim == 0:
        return reshape(t, 1, 1, 1)
    if t.ndim == 1:
        return unsqueeze(unsqueeze(t, 0), -1)
    return unsqueeze(t, -1) if t.ndim == 2 else t


@op()
def atleast_1d(*tensors: Tensor | Sequence[Tensor]) -> Tensor | tuple:
    """Each tensor with at least one dimension (a 0-d one becomes shape ``(1,)``)."""
    return _atleast(tensors, "atleast_1d", _at_least_1d)


@op()
def atleast_2d(*tensors: Tensor | Sequence[Tensor]) -> Tensor | tuple:
    """Each tensor with at least two dimensions (leading size-1 dimensions added)."""
    return _atleast(tensors, "atleast_2d", _at_least_2d)


@op()
def atleast_3d(*tensors: Tensor | Sequence[Tensor]) -> Tensor | tuple:
    """Each tensor with at least three dimensions.

    NumPy's rule: ``(n,)`` becomes ``(1, n, 1)`` and ``(m, n)`` becomes ``(m, n, 1)``."""
    return _atleast(tensors, "atleast_3d", _at_least_3d)


# ---------------------------------------------------------------- stacking


@op(out=True)
def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dimension 1 (dimension 0 for 1-D tensors); 0-d tensors count as 1-D."""
    tensors = [_at_least_1d(t) for t in _check_same_dtype_list(tensors, "hstack")]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


@op(out=True, aliases=("row_stack",))
def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dimension 0, 0-d and 1-D tensors taken as rows."""
    tensors = _check_same_dtype_list(tensors, "vstack")
    return cat([_at_least_2d(t) for t in tensors], 0)


@op(out=True)
def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dimension 2, each tensor made at least 3-D first (``atleast_3d``)."""
    tensors = _check_same_dtype_list(tensors, "dstack")
    return cat([_at_least_3d(t) for t in tensors], 2)


@op(out=True)
def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Join as columns: 0-d and 1-D tensors become columns, the rest join along dimension 1."""
    tensors = _check_same_dtype_list(tensors, "column_stack")
    return cat([reshape(t, t.numel(), 1) if t.ndim <= 1 else t for t in tensors], 1)


@op()
def broadcast_tensors(*tensors: Tensor) -> tuple:
    """Broadcast the given tensors to their common shape.

    The tensors expanded to their common broadcast shape (views; a tensor already of that
    shape comes back as it is)."""
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}"
            )
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t if t.shape == shape else expand(t, *shape) for t in tensors)


# ---------------------------------------------------------------- splitting


def _slices(input: Tensor, bounds: list, axis: int) -> tuple:
    """``input`` cut along ``axis`` at ``bounds`` (Python slice semantics: negative bounds
    count from the end, bounds past the end clip, a bound before the previous one gives an
    empty piece), each piece a view."""
    edges = [None, *bounds, None]
    lead = (slice(None),) * axis
    return tuple(
        named(input[lead + (slice(a, b),)], "SliceBackward0") for a, b in zip(edges, edges[1:])
    )


def _section_bounds(n: int, sections: int) -> list:
    """Where ``n`` elements split into ``sections`` near-equal parts (the first ``n %
    sections`` one longer), as NumPy's ``array_split``."""
    if sections <= 0:
        raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
    size, extra = divmod(n, sections)
    bounds, at = [], 0
    for i in range(sections - 1):
        at += size + (i < extra)
        bounds.append(at)
    return bounds


def _tensor_split_arg(arg: Tensor) -> int | list:
    if arg.dtype is not _dtype.int64:
        raise RuntimeError(
            "tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
            f"{type_name(arg.dtype)}"
        )
    if arg.ndim > 1:
        raise RuntimeError(
            "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
            f"one-dimensional tensor, but got a tensor with {arg.ndim} dims"
        )
    return int(arg._data) if arg.ndim == 0 else [int(v) for v in arg._data]


@op(method=True)
def tensor_split(
    input: Tensor,
    indices_or_sections: int | Sequence[int] | Tensor | None = None,
    dim: int = 0,
    *,
    sections: int | None = None,
    indices: Sequence[int] | None = None,
    tensor_indices_or_sections: Tensor | None = None,
) -> tuple:
    """Split ``input`` along ``dim`` into sections or at the given indices (views).

    Split along ``dim`` into ``sections`` near-equal views, or at the given indices
    (NumPy's ``array_split``). The keywords are PyTorch's overloads' spellings."""
    check_tensor(input, "tensor_split")
    if indices_or_sections is None:
        given = (sections, indices, tensor_indices_or_sections)
        indices_or_sections = next((g for g in given if g is not None), None)
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = _tensor_split_arg(indices_or_sections)
    _check_sections_or_indices(indices_or_sections)
    if input.ndim == 0:
        raise RuntimeError(
            "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims"
        )
    axis = normalize_dim(dim, input.ndim)
    if isinstance(indices_or_sections, (int, np.integer)):
        bounds = _section_bounds(input.shape[axis], int(indices_or_sections))
    else:
        bounds = [int(i) for i in indices_or_sections]
    return _slices(input, bounds, axis)


def _check_sections_or_indices(arg: object) -> None:
    """PyTorch's TypeError unless ``arg`` is an int or a sequence of ints."""
    ints = (int, np.integer)
    valid = (isinstance(arg, ints) and not isinstance(arg, bool)) or (
        isinstance(arg, (list, tuple))
        and all(isinstance(i, ints) and not isinstance(i, bool) for i in arg)
    )
    if not valid:
        raise TypeError(
            "tensor_split() received an invalid combination of arguments - got (Tensor, "
            f"{type(arg).__name__}), but expected one of: (Tensor input, int sections, int dim), "
            "(Tensor input, tuple of ints indices, int dim)"
        )


def _directional_split(input: Tensor, sections, dim: int, fn: str, need: int) -> tuple:
    """``hsplit``/``vsplit``/``dsplit``: ``tensor_split`` along ``dim``, an int requiring an
    exact division, with PyTorch's messages."""
    if input.ndim < need:
        raise RuntimeError(
            f"torch.{fn} requires a tensor with at least {need} dimension, but got a tensor "
            f"with {input.ndim} dimensions!"
        )
    if isinstance(sections, (int, np.integer)) and not isinstance(sections, bool):
        n = input.shape[dim]
        if sections == 0 or n % sections:
            raise RuntimeError(
                f"torch.{fn} attempted to split along dimension {dim}, but the size of the "
                f"dimension {n} is not divisible by the split_size {sections}!"
            )
    return tensor_split(input, sections, dim)


@op(method=True)
def hsplit(input: Tensor, indices_or_sections: int | Sequence[int]) -> tuple:
    """Split along dimension 1 (dimension 0 of a 1-D tensor)."""
    dim = 1 if input.ndim > 1 else 0
    return _directional_split(input, indices_or_sections, dim, "hsplit", 1)


@op(method=True)
def vsplit(input: Tensor, indices_or_sections: int | Sequence[int]) -> tuple:
    """Split along dimension 0 (of a tensor with at least 2 dimensions)."""
    return _directional_split(input, indices_or_sections, 0, "vsplit", 2)


@op(method=True)
def dsplit(input: Tensor, indices_or_sections: int | Sequence[int]) -> tuple:
    """Split along dimension 2 (of a tensor with at least 3 dimensions)."""
    return _directional_split(input, indices_or_sections, 2, "dsplit", 3)


@op(method=True)
def split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple:
    """Split along ``dim`` into pieces of the given sizes (they must add up to its length)."""
    return split(input, list(split_sizes), dim)


def _unsafe(input: Tensor, split_arg: int | list, dim: int, name: str) -> tuple:
    """PyTorch's ``unsafe_*`` splits: the pieces share ``input``'s memory but are not views
    to autograd, so an in-place change of one is allowed."""
    axis = normalize_dim(dim, input.ndim)
    sizes = tuple(split_sizes(input, split_arg, axis))
    pieces = shape_ops.UnsafeSplit.apply(input, sizes, axis)
    if pieces[0]._grad_fn is not None:
        pieces[0]._grad_fn._name = name
    return pieces


@op(method=True)
def unsafe_split(input: Tensor, split_size: int, dim: int = 0) -> tuple:
    """``split`` into pieces of ``split_size`` that may be changed in place."""
    return _unsafe(input, split_size, dim, "UnsafeSplitBackward0")


@op(method=True)
def unsafe_split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple:
    """``split_with_sizes`` into pieces that may be changed in place."""
    return _unsafe(input, list(split_sizes), dim, "UnsafeSplitWithSizesBackward0")


@op(method=True)
def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """``chunk`` into pieces that may be changed in place."""
    return _unsafe(input, chunk_split_arg(input, chunks, dim), dim, "UnsafeSplitBackward0")
