"""Indexing: ``x[key]``, ``x[key] = v``, ``gather``, ``masked_fill``, ``index_put``, and
selecting by index or mask (``index_select``, ``masked_select``, ``take``, ``take_along_dim``,
``nonzero``, ``argwhere``, ``nonzero_static``). Writing by index is in ``scatter.py``."""

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
from numtorch._namespace.inplace import (
    check_overlap,
    check_writable,
    inplace,
    no_grad_view_error,
    write_out,
)
from numtorch._namespace.other import clone
from numtorch._namespace.pointwise import where
from numtorch._namespace.scatter import check_flat_bounds, first_outside
from numtorch._namespace.shape import expand, reshape
from numtorch.autograd.grad_mode import is_recording
from numtorch.ops import elementwise as ew
from numtorch.ops import movement, reduce
from numtorch.ops import scatter as sc
from numtorch.tensor import Tensor


@op(method=True, out=True)
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` along ``dim`` (like ``take_along_axis``).

    ``sparse_grad=True`` gives the same gradient, dense (numtorch has no sparse tensors)."""
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
    out = reduce.Gather.apply(input, index, axis)  # the tensor: a changed index is refused
    if out._grad_fn is not None:
        out._grad_fn.graph_args = (0,)  # PyTorch's GatherBackward0 lists self only
    return out


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
    if "_no_grad_view" in input.__dict__ and is_recording():
        raise no_grad_view_error(input, _view_op(k) if _is_basic(k) else None)
    try:
        if not (is_recording() and (input.requires_grad or val.requires_grad)):
            return _put_plain(input, k, val)
        if _is_basic(k):
            return _put_into_view(input, k, val)
        return inplace(input, _put, k, val)
    except IndexError as err:
        raise reraise_index(err) from None
    except ValueError:  # NumPy could not broadcast the value into the indexed slots
        expand(val, input._data[k].shape)
        raise


def _view_op(key: object) -> str:
    """The op PyTorch's ``input[key]`` ends with (named in its no_grad-view error)."""
    last = [p for p in (key if isinstance(key, tuple) else (key,)) if p is not Ellipsis][-1:]
    return "Slice" if not last or isinstance(last[0], slice) else "Select"


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
    """Write ``values`` into ``input`` at ``indices``, in place.

    ``input[indices] = values`` in place; with ``accumulate``, ``+=`` where repeated
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
    if isinstance(values, Tensor) and values.requires_grad and is_recording():
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


# ---------------------------------------------------------------- selecting by index or mask


@op(method=True, out=True)
def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices ``index`` of ``input`` along ``dim`` (repeats allowed: their gradients add)."""
    check_tensor(input, "index_select")
    check_tensor(index, "index_select", "index", 3)
    axis = normalize_dim(dim, input.ndim)
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if index.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if input.ndim == 0 and index.numel() != 1:
        raise RuntimeError(
            f"index_select(): Index to scalar can have only 1 value, got {index.numel()} value(s)"
        )
    n = input.shape[axis] if input.ndim else 1
    bad = first_outside(index._data, 0, n)
    if bad is not None:
        if input.ndim > 1 and axis == 1:  # PyTorch's kernel for dim 1 says it otherwise
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={n}")
        raise IndexError("index out of range in self")
    x = input if input.ndim else input.reshape(1)
    i = index if index.ndim == 1 else index.reshape(-1)
    out = sc.IndexSelect.apply(x, i, axis)
    out = out if input.ndim else out.reshape(())
    return _shown(named(out, "IndexSelectBackward0"), (0,))


def _shown(out: Tensor, args: tuple) -> Tensor:
    """Show only PyTorch's inputs (these argument positions) in ``next_functions``."""
    if out._grad_fn is not None:
        out._grad_fn.graph_args = args
    return out


@op(method=True, out=True)
def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``input`` where ``mask`` is True (the two broadcast), as a 1-d tensor."""
    check_tensor(input, "masked_select")
    check_tensor(mask, "masked_select", "mask", 2)
    if mask.dtype is not _dtype.bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = broadcast_shapes(input.shape, mask.shape)
    m = mask if mask.shape == shape else Tensor._make(np.broadcast_to(mask._data, shape))
    x = input if input.shape == shape else expand(input, shape)
    return _shown(named(sc.MaskedSelect.apply(x, m), "MaskedSelectBackward0"), (0,))


@op(method=True, out=True)
def take(input: Tensor, index: Tensor) -> Tensor:
    """``input.flatten()[index]``, in ``index``'s shape (negative indices count from the end)."""
    check_tensor(input, "take")
    check_tensor(index, "take", "index", 2)
    if index.dtype is not _dtype.int64:
        raise RuntimeError(
            f"take(): Expected a long tensor for index, but got {type_name(index.dtype)}"
        )
    check_flat_bounds(index, input.numel())
    return _shown(named(sc.Take.apply(input, index), "TakeBackward0"), (0,))


@op(method=True, out=True)
def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """Select values along ``dim`` at ``indices`` (broadcast against ``input``).

    ``gather`` along ``dim`` with ``input`` and ``indices`` broadcast in the other
    dimensions; with ``dim=None``, along the flattened ``input`` (as NumPy's
    ``take_along_axis``)."""
    check_tensor(input, "take_along_dim")
    check_tensor(indices, "take_along_dim", "indices", 2)
    if indices.dtype is not _dtype.int64:
        raise RuntimeError(
            "torch.take_along_dim(): dtype of indices should be Long but got "
            f"{type_name(indices.dtype)}"
        )
    if dim is None:
        n = input.numel()
        flat = indices.reshape(-1)
        bad = first_outside(flat._data, 0, n)
        if bad is not None:
            raise RuntimeError(f"index {bad} is out of bounds for dimension 0 with size {n}")
        return gather(input.reshape(-1), 0, flat)
    if input.ndim != indices.ndim:
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of "
            f"dimensions, but got {input.ndim} dimensions for input, and {indices.ndim} "
            "dimensions for indices"
        )
    axis = normalize_dim(dim, input.ndim)
    common = list(broadcast_shapes(_one_at(input.shape, axis), _one_at(indices.shape, axis)))
    return gather(_expand_but(input, common, axis), axis, _expand_but(indices, common, axis))


def _one_at(shape: tuple, axis: int) -> tuple:
    return tuple(1 if d == axis else n for d, n in enumerate(shape))


def _expand_but(t: Tensor, common: list, axis: int) -> Tensor:
    """``t`` expanded to ``common`` in every dimension but ``axis``."""
    shape = tuple(t.shape[d] if d == axis else n for d, n in enumerate(common))
    return t if t.shape == shape else expand(t, shape)


def _nonzero_array(input: Tensor) -> np.ndarray:
    """The ``(count, ndim)`` int64 indices of ``input``'s non-zero elements, row-major."""
    return np.argwhere(input._data).astype(np.int64)


@op(method=True, out=True)
def nonzero(input: Tensor, *, as_tuple: bool = False) -> Tensor | tuple:
    """The indices of the non-zero elements of ``input``.

    The indices of ``input``'s non-zero elements: a ``(count, ndim)`` tensor, or with
    ``as_tuple`` one 1-d tensor per dimension (a 0-d input counts as 1-d there)."""
    check_tensor(input, "nonzero")
    found = _nonzero_array(input)
    if not as_tuple:
        return Tensor._make(found)
    if input.ndim == 0:
        return (Tensor._make(np.zeros(len(found), np.int64)),)
    return tuple(Tensor._make(np.ascontiguousarray(found[:, d])) for d in range(input.ndim))


@op(method=True)
def argwhere(input: Tensor) -> Tensor:
    """``nonzero(input)``: the ``(count, ndim)`` indices of the non-zero elements."""
    check_tensor(input, "argwhere")
    return Tensor._make(_nonzero_array(input))


@op(method=True)
def nonzero_static(
    input: Tensor, *, size: int, fill_value: int = -1, out: Tensor | None = None
) -> Tensor:
    """The indices of the non-zero elements, padded or cut to ``size`` rows.

    ``nonzero(input)`` cut or padded (with ``fill_value``) to exactly ``size`` rows.
    (``out=`` is written here: its required keyword ``size`` keeps it out of the generated
    ``out=`` tests, which pass positional arguments only.)"""
    check_tensor(input, "nonzero_static")
    if size < 0:
        raise RuntimeError("nonzero_static: 'size' must be an non-negative integer")
    found = _nonzero_array(input)[:size]
    rows = np.full((size, input.ndim), fill_value, dtype=np.int64)
    rows[: len(found)] = found
    result = Tensor._make(rows)
    return result if out is None else write_out(out, result, "nonzero_static")
