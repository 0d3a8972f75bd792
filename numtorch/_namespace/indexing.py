"""Indexing: ``x[key]``, ``x[key] = v``, ``gather`` and ``masked_fill``."""

from __future__ import annotations

import builtins

import numpy as np

from numtorch import _dtype
from numtorch._checks import (
    check_tensor,
    normalize_dim,
    type_name,
)
from numtorch._namespace._declare import op
from numtorch._namespace._operands import broadcast_shapes, expand_if_needed, named
from numtorch._namespace.inplace import check_overlap, check_writable, inplace
from numtorch._namespace.other import clone
from numtorch._namespace.pointwise import where
from numtorch._namespace.shape import expand, reshape
from numtorch.autograd.grad_mode import is_grad_enabled
from numtorch.ops import elementwise as ew
from numtorch.ops import movement, reduce
from numtorch.tensor import Tensor


@op(method=True, out=True)
def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` along ``dim`` (like ``take_along_axis``)."""
    check_tensor(input, "gather")
    check_tensor(index, "gather", "index", 3)
    axis = normalize_dim(dim, input.ndim)
    if index.dtype.is_floating_point or index.dtype is _dtype.bool:
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    if index.ndim != input.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for d, (m, k) in enumerate(zip(index.shape, input.shape)):
        if d != axis and m > k:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(index.shape)} to be "
                f"no larger than self {list(input.shape)} apart from dimension {axis}"
            )
    n = input.shape[axis]
    if index.numel() and (index._data.min() < -n or index._data.max() >= n):
        bad = int(index._data.max() if index._data.max() >= n else index._data.min())
        raise RuntimeError(f"index {bad} is out of bounds for dimension {axis} with size {n}")
    return reduce.Gather.apply(input, index, axis)  # the tensor: a changed index is refused


def _index_part(k: object, size: int | None) -> object:
    if isinstance(k, Tensor):
        if k.dtype.is_floating_point:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return k._data
    if isinstance(k, slice) and k.step is not None and k.step <= 0:
        raise ValueError("step must be greater than zero")
    if isinstance(k, list):
        arr = np.asarray(k)
        if arr.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return arr
    if isinstance(k, (float, np.floating)):
        raise IndexError(
            "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
            "valid indices (got float)"
        )
    if not isinstance(k, (int, np.integer, slice, type(None), type(Ellipsis), np.ndarray)):
        raise TypeError(f"new(): invalid data type '{type(k).__name__}'")
    return k


def index_key(key: object) -> object:
    if isinstance(key, tuple):
        return tuple(_index_part(k, None) for k in key)
    return _index_part(key, None)


def reraise_index(err: IndexError) -> IndexError:
    msg = str(err).replace("axis", "dimension")
    return IndexError(msg)


def _is_mask(part: object) -> bool:
    return isinstance(part, np.ndarray) and part.dtype == np.bool_


def check_index(shape: tuple, key: object) -> None:
    """PyTorch's errors for too many indices and for boolean masks of the wrong shape."""
    parts = key if isinstance(key, tuple) else (key,)
    width = [p.ndim if _is_mask(p) else 0 if p is None or p is Ellipsis else 1 for p in parts]
    used = builtins.sum(width)
    if used > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    pos = 0
    for p, w in zip(parts, width):
        if p is Ellipsis:
            pos += len(shape) - used
        elif _is_mask(p):
            for j, (got, want) in enumerate(zip(p.shape, shape[pos : pos + w])):
                if got != want:
                    raise IndexError(
                        f"The shape of the mask {list(p.shape)} at index {j} does not match the "
                        f"shape of the indexed tensor {list(shape)} at index {pos + j}"
                    )
        pos += w


def index(input: Tensor, key: object) -> Tensor:
    """``input[key]``: basic slicing gives a view; integer and boolean arrays gather a copy."""
    k = index_key(key)
    check_index(input.shape, k)
    try:
        return named(movement.Index.apply(input, k), _index_name(k))
    except IndexError as err:
        raise reraise_index(err) from None


def _index_name(key: object) -> str:
    """PyTorch's node name: the last of select/slice/unsqueeze applied, or an advanced index."""
    parts = _integers_for_0d(key if isinstance(key, tuple) else (key,))
    if builtins.any(isinstance(p, (np.ndarray, list)) for p in parts):
        return "IndexBackward0"
    name = "SliceBackward0"
    for p in parts:
        if p is None:
            name = "UnsqueezeBackward0"
        elif isinstance(p, slice) and p != slice(None):
            name = "SliceBackward0"
        elif isinstance(p, (int, np.integer)):
            name = "SelectBackward0"
    return name


def _integers_for_0d(parts: tuple) -> tuple:
    """A 0-d integer index tensor is an integer to PyTorch (``x[torch.tensor(1)]`` selects)."""
    return tuple(
        int(p) if isinstance(p, np.ndarray) and p.ndim == 0 and p.dtype.kind in "iu" else p
        for p in parts
    )


def setitem(input: Tensor, key: object, value: object) -> Tensor:
    """``input[key] = value`` in place; recorded for autograd when a gradient is needed.

    As in PyTorch, a basic key (ints, slices, None, Ellipsis) writes into the view
    ``input[key]``, recorded on the base as ``CopySlices``; index arrays and masks are an
    ``IndexPutBackward0``. A 0-d integer index tensor counts as an int.
    """
    k = index_key(key)
    check_index(input.shape, k)
    k = _integers_for_0d(k) if isinstance(k, tuple) else _integers_for_0d((k,))[0]
    val = (
        value
        if isinstance(value, Tensor)
        else Tensor._make(np.asarray(value, dtype=input._data.dtype))
    )
    if val.dtype is not input.dtype:
        val = val.to(input.dtype)
    try:
        if not (is_grad_enabled() and (input.requires_grad or val.requires_grad)):
            return _put_plain(input, k, val)
        if _is_basic(k):
            return _put_into_view(input, k, val)
        return inplace(input, _put, k, val)
    except IndexError as err:
        raise reraise_index(err) from None
    except ValueError:  # NumPy could not broadcast the value into the indexed slots
        expand(val, input._data[k].shape)
        raise


def _is_basic(key: object) -> bool:
    """Whether ``key`` selects a view (ints, slices, None, Ellipsis: no index arrays)."""
    parts = key if isinstance(key, tuple) else (key,)
    return not builtins.any(isinstance(p, (np.ndarray, bool, np.bool_)) for p in parts)


def _put_into_view(input: Tensor, key: object, value: Tensor) -> Tensor:
    """``input[key] = value`` for a basic ``key``, as PyTorch does it: ``value`` is copied into
    the view ``input[key]``, recorded on ``input``'s base as ``CopySlices``."""
    view = index(input, key)
    inplace(view, _replace, value)
    return input


def _replace(view: Tensor, value: Tensor) -> Tensor:
    """``value`` shaped for ``view``: leading size-1 dimensions dropped (as NumPy and PyTorch
    do for assignment), then broadcast (PyTorch's error if it cannot be)."""
    lead = 0
    while value.ndim - lead > view.ndim and value.shape[lead] == 1:
        lead += 1
    if lead:
        value = reshape(value, value.shape[lead:])
    return value if value.shape == view.shape else expand(value, view.shape)


def _put(x: Tensor, key: object, value: Tensor) -> Tensor:
    """``x[key] = value`` out of place (``inplace`` writes it back): ``IndexPutBackward0``."""
    return movement.IndexPut.apply(x, key, value)


def _put_plain(x: Tensor, key: object, value: Tensor) -> Tensor:
    """``x[key] = value`` with nothing to record: NumPy writes it, after PyTorch's checks."""
    region = x._data[key] if _is_basic(key) else x._data
    if not isinstance(region, np.ndarray):  # all-integer keys give a scalar: ask for a 0-d view
        region = x._data[(key if isinstance(key, tuple) else (key,)) + (Ellipsis,)]
    check_overlap(region, (value,))
    check_writable(region)
    x._data[key] = value._data
    x._version[0] += 1
    return x


@op(method=True, inplace=True)
def masked_fill(input: Tensor, mask: Tensor, value: object) -> Tensor:
    """``value`` where ``mask`` is True, ``input`` elsewhere."""
    check_tensor(mask, "masked_fill", "mask", 2)
    if mask.dtype is not _dtype.bool:
        raise RuntimeError(
            f"masked_fill_ only supports boolean masks, but got mask with dtype {type_name(mask.dtype).lower()}"
        )
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(
            "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value.ndim} dimension(s)."
        )
    v = value.to(input.dtype) if isinstance(value, Tensor) else np.asarray(value, input._data.dtype)
    out = where(mask, v, input) if isinstance(v, Tensor) else _masked(input, mask, v)
    if out._grad_fn is not None:  # PyTorch's inputs: self, and the value tensor (overload 1)
        out._grad_fn.graph_args = (2, 1) if isinstance(v, Tensor) else (2,)
    return named(out, "MaskedFillBackward1" if isinstance(v, Tensor) else "MaskedFillBackward0")


def _masked(input: Tensor, mask: Tensor, v: np.ndarray) -> Tensor:
    # the mask goes in as a tensor (Where broadcasts it): saved, so a change to it is refused
    shape = broadcast_shapes(input.shape, mask.shape)
    return ew.Where.apply(mask, v, expand_if_needed(input, shape))


@op(method=True)
def index_put_(input: Tensor, indices: tuple, values: object, accumulate: bool = False) -> Tensor:
    """``input[indices] = values`` in place; with ``accumulate``, ``+=`` where repeated
    indices add up. numtorch does not differentiate an accumulated ``values`` (it raises
    NotImplementedError if asked to); the gradient to ``input`` flows as in PyTorch."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(
            "index_put_(): argument 'indices' (position 2) must be tuple of Tensors, not "
            f"{type(indices).__name__}"
        )
    key = tuple(indices)
    return _accumulate_put(input, key, values) if accumulate else setitem(input, key, values)


@op(method=True)
def index_put(input: Tensor, indices: tuple, values: object, accumulate: bool = False) -> Tensor:
    """Out-of-place ``index_put_`` on a copy."""
    return index_put_(clone(input), indices, values, accumulate)


def _accumulate_put(t: Tensor, key: tuple, values: object) -> Tensor:
    """``t[key] += values`` with repeated indices adding up (``np.add.at``)."""
    if isinstance(values, Tensor) and values.requires_grad and is_grad_enabled():
        raise NotImplementedError(
            "index_put_(accumulate=True): numtorch cannot differentiate 'values'"
        )
    k = index_key(key)
    check_index(t.shape, k)
    delta = np.zeros_like(t._data)
    try:
        np.add.at(delta, k, np.asarray(getattr(values, "_data", values), dtype=t._data.dtype))
    except IndexError as err:
        raise reraise_index(err) from None
    return t.add_(Tensor._make(delta))
