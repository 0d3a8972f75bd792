"""Writing by index (``scatter``, ``scatter_add``, ``scatter_reduce``, ``index_add``,
``index_copy``, ``index_fill``, ``index_reduce``, ``put``, ``masked_scatter``, the ``*_scatter``
ops and ``fill_diagonal_``).

Each public function checks its arguments with PyTorch's exception types and messages (in
PyTorch's order where one call could fail several ways), then calls one primitive of
``numtorch/ops/scatter.py``. Selecting by index or mask lives in ``indexing.py``.
"""

from __future__ import annotations

import warnings

import numpy as np

from numtorch import _dtype
from numtorch._checks import check_tensor, normalize_dim, type_name
from numtorch._namespace._declare import op
from numtorch._namespace._operands import broadcast_shapes, named
from numtorch._namespace.inplace import fill_
from numtorch._namespace.shape import expand
from numtorch.ops import movement
from numtorch.ops import scatter as sc
from numtorch.tensor import Tensor

_REDUCES = ("sum", "prod", "mean", "amax", "amin")

# The warnings PyTorch gives once per process (``TORCH_WARN_ONCE``) that were given already.
WARNED: set = set()


def warn_once(message: str, stacklevel: int = 3) -> None:
    """A UserWarning the first time ``message`` is given in this process, as PyTorch does
    (``stacklevel`` counted from the public function's caller, as ``warnings.warn`` counts)."""
    if message not in WARNED:
        WARNED.add(message)
        warnings.warn(message, UserWarning, stacklevel=stacklevel + 1)


def _node(out: Tensor, name: str, shown: tuple) -> Tensor:
    """Give ``out``'s node PyTorch's name and PyTorch's inputs (argument positions)."""
    if out._grad_fn is not None:
        out._grad_fn.graph_args = shown
    return named(out, name)


def _is_integer_index(index: Tensor, long_only: bool = False) -> bool:
    ok = (_dtype.int64,) if long_only else (_dtype.int64, _dtype.int32)
    return index.dtype in ok


# ---------------------------------------------------------------- scatter family


def _check_scatter(input: Tensor, dim: int, index: Tensor, src: Tensor | None) -> int:
    """PyTorch's checks shared by ``scatter``, ``scatter_add`` and ``scatter_reduce``; the axis."""
    axis = normalize_dim(dim, input.ndim)
    if not _is_integer_index(index):
        raise RuntimeError("scatter(): Expected dtype int32/int64 for index")
    if src is not None and src.dtype is not input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if index.numel() == 0:
        return axis
    if max(index.ndim, 1) != max(input.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if src is not None and max(index.ndim, 1) != max(src.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    _check_scatter_sizes(input, axis, index, src)
    _check_bounds(index, input.shape[axis] if input.ndim else 1, axis)
    return axis


def _check_scatter_sizes(input: Tensor, axis: int, index: Tensor, src: Tensor | None) -> None:
    ishape, sshape = _at_least_1d(index.shape), _at_least_1d(input.shape)
    too_big = any(d != axis and i > s for d, (i, s) in enumerate(zip(ishape, sshape)))
    if src is not None:
        too_big = too_big or any(i > s for i, s in zip(ishape, _at_least_1d(src.shape)))
    if too_big:
        message = (
            f"Expected index {list(index.shape)} to be no larger than self "
            f"{list(input.shape)} apart from dimension {axis}"
        )
        if src is not None:
            message += f" and to be no larger size than src {list(src.shape)}"
        raise RuntimeError(message)


def _at_least_1d(shape: tuple) -> tuple:
    return tuple(shape) or (1,)


def first_outside(data: np.ndarray, lo: int, hi: int) -> int | None:
    """The first entry of ``data`` (row-major) outside ``[lo, hi)``, None if there is none:
    the one PyTorch's bounds errors name."""
    bad = (data < lo) | (data >= hi)
    return int(data.reshape(-1)[np.argmax(bad.reshape(-1))]) if bad.any() else None


def _check_bounds(index: Tensor, n: int, axis: int) -> None:
    """PyTorch's scatter/gather bounds error: ``0 <= index < n``."""
    bad = first_outside(index._data, 0, n)
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {axis} with size {n}")


def _arrays_1d(input: Tensor, index: Tensor) -> tuple:
    """A 0-d self or index counts as 1-d in PyTorch's scatter: the arrays to pass."""
    x = input if input.ndim else input.reshape(1)
    i = index if index.ndim else index.reshape(1)
    return x, i


def _restore_0d(out: Tensor, input: Tensor) -> Tensor:
    return out if input.ndim or out.ndim == 0 else out.reshape(())


@op(method=True, inplace=True, out=True)
def scatter(
    input: Tensor,
    dim: int,
    index: Tensor,
    src: Tensor | float | None = None,
    value: float | None = None,
    *,
    reduce: str | None = None,
) -> Tensor:
    """Write ``src``'s values into ``input`` at ``index`` along ``dim``.

    ``out = input`` with ``src[i][j]`` written at ``out[index[i][j]][j]`` (for ``dim=0``);
    ``src`` may be a number (``value``). Repeated indices: the last write wins, as on
    PyTorch's CPU. ``reduce="add" | "multiply"`` is PyTorch's legacy form (no gradient)."""
    check_tensor(input, "scatter")
    check_tensor(index, "scatter", "index", 3)
    if src is None:
        src = value
    is_value = not isinstance(src, Tensor)
    if is_value and not isinstance(src, (bool, int, float, np.number)):
        raise TypeError(
            f"scatter(): argument 'src' must be Tensor or Number, not {type(src).__name__}"
        )
    axis = _check_scatter(input, dim, index, None if is_value else src)
    if reduce is not None:
        return _scatter_legacy(input, axis, index, src, reduce, is_value)
    x, i = _arrays_1d(input, index)
    s = np.asarray(src, input._data.dtype) if is_value else src if src.ndim else src.reshape(1)
    out = _restore_0d(sc.Scatter.apply(x, i, s, axis), input)
    return _node(
        out, "ScatterBackward1" if is_value else "ScatterBackward0", (0,) if is_value else (0, 2)
    )


def _scatter_legacy(
    input: Tensor, axis: int, index: Tensor, src: object, reduce: str, is_value: bool
) -> Tensor:
    """``scatter(..., reduce=)``: PyTorch's legacy add/multiply, with no derivative."""
    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if not is_value:
        warn_once(
            "The reduce argument of torch.scatter with Tensor src is deprecated and will be "
            "removed in a future PyTorch release. Use torch.scatter_reduce instead for more "
            "reduction options.",
            stacklevel=4,
        )
    x, i = _arrays_1d(input, index)
    s = np.asarray(src, input._data.dtype) if is_value else src if src.ndim else src.reshape(1)
    out = _restore_0d(sc.ScatterLegacy.apply(x, i, s, axis, reduce), input)
    return _node(out, "torch::autograd::NotImplemented", (0,) if is_value else (0, 2))


@op(method=True, inplace=True, out=True)
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """Add ``src``'s values into ``input`` at ``index`` along ``dim``.

    ``out = input`` with ``src[i][j]`` added into ``out[index[i][j]][j]`` (for ``dim=0``);
    repeated indices add up."""
    check_tensor(input, "scatter_add")
    check_tensor(index, "scatter_add", "index", 3)
    check_tensor(src, "scatter_add", "src", 4)
    axis = _check_scatter(input, dim, index, src)
    x, i = _arrays_1d(input, index)
    out = sc.ScatterAdd.apply(x, i, src if src.ndim else src.reshape(1), axis)
    return _node(_restore_0d(out, input), "ScatterAddBackward0", (0, 2))


@op(method=True, inplace=True, out=True)
def scatter_reduce(
    input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *, include_self: bool = True
) -> Tensor:
    """Reduce ``src``'s values into ``input`` at ``index`` along ``dim``.

    ``src`` reduced (``"sum"``, ``"prod"``, ``"mean"``, ``"amax"``, ``"amin"``) into
    ``input`` at ``index`` along ``dim``; ``include_self=False`` leaves ``input``'s values out
    of the slots that receive any. Gradients as PyTorch's (ties of amax/amin share evenly)."""
    check_tensor(input, "scatter_reduce")
    check_tensor(index, "scatter_reduce", "index", 3)
    check_tensor(src, "scatter_reduce", "src", 4)
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # PyTorch's legacy spellings
    if reduce not in _REDUCES:
        raise RuntimeError(
            f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}"
        )
    axis = _check_scatter(input, dim, index, src)
    x, i = _arrays_1d(input, index)
    s = src if src.ndim else src.reshape(1)
    out = sc.ScatterReduce.apply(x, i, s, axis, reduce, bool(include_self))
    return _node(_restore_0d(out, input), "ScatterReduceBackward0", (0, 2))


# ---------------------------------------------------------------- index_* along a dimension


def _index_vector(index: Tensor) -> Tensor:
    return index if index.ndim == 1 else index.reshape(-1)


def _check_source_shape(input: Tensor, axis: int, source: Tensor) -> None:
    """``index_add``/``index_reduce``: source's shape is self's apart from ``dim``."""
    same = source.ndim == input.ndim and all(
        d == axis or a == b for d, (a, b) in enumerate(zip(input.shape, source.shape))
    )
    if not same and not (input.ndim == 0 and source.ndim <= 1):
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified "
            f"dimension. Got self.shape = {list(input.shape)} source.shape = "
            f"{list(source.shape)}"
        )


def _source_size(source: Tensor, axis: int) -> int:
    return source.shape[axis] if source.ndim else 1


def _check_add_like(fn: str, input: Tensor, dim: int, index: Tensor, source: Tensor) -> int:
    """The checks of ``index_add_`` and ``index_reduce_`` (PyTorch's ``index_func_meta``)."""
    axis = normalize_dim(dim, input.ndim)
    if index.ndim > 1:
        raise IndexError(
            f"{fn}(): Index is supposed to be a vector, but got dim: {index.ndim} with type: "
            f"{type_name(index.dtype)} and size: {list(index.shape)}"
        )
    if not _is_integer_index(index):
        raise RuntimeError(
            f"{fn}(): Expected dtype int32/int64 for index but got: {type_name(index.dtype)}"
        )
    if input.dtype is not source.dtype:
        raise RuntimeError(
            f"{fn}(): self ({type_name(input.dtype)}) and source ({type_name(source.dtype)}) "
            "must have the same scalar type"
        )
    if source.ndim and axis >= source.ndim:
        raise RuntimeError(
            f"{fn}(): Indexing dim {axis} is out of bounds of the source tensor with dim "
            f"{source.ndim}"
        )
    if index.numel() != _source_size(source, axis):
        raise RuntimeError(
            f"{fn}(): Number of indices ({index.numel()}) should be equal to "
            f"source.size(dim): ({_source_size(source, axis)}), for dim: {axis}"
        )
    _check_source_shape(input, axis, source)
    return axis


def _size(input: Tensor, axis: int) -> int:
    return input.shape[axis] if input.ndim else 1


@op(method=True, inplace=True, out=True)
def index_add(
    input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: float = 1
) -> Tensor:
    """Add ``alpha * source``'s slices into ``input`` at ``index`` along ``dim``.

    ``input`` with ``alpha * source``'s slices added at ``index`` along ``dim``
    (repeated indices add up)."""
    check_tensor(input, "index_add")
    check_tensor(index, "index_add", "index", 3)
    check_tensor(source, "index_add", "source", 4)
    axis = _check_add_like("index_add_", input, dim, index, source)
    bad = first_outside(index._data, 0, _size(input, axis))
    if bad is not None:
        # PyTorch's kernel: a scatter_add along the first or last of several dimensions
        if input.ndim > 1 and axis in (0, input.ndim - 1):
            raise RuntimeError(
                f"index {bad} is out of bounds for dimension {axis} with size {input.shape[axis]}"
            )
        raise IndexError("index out of range in self")
    x, s = _as_1d(input), _as_1d(source)
    out = sc.IndexAdd.apply(x, _index_vector(index), s, axis, alpha)
    return _node(_restore_0d(out, input), "IndexAddBackward0", (0, 2))


def _as_1d(t: Tensor) -> Tensor:
    return t if t.ndim else t.reshape(1)


@op(method=True, inplace=True, out=True)
def index_reduce(
    input: Tensor,
    dim: int,
    index: Tensor,
    source: Tensor,
    reduce: str,
    *,
    include_self: bool = True,
) -> Tensor:
    """Reduce ``source``'s slices into ``input`` at ``index`` along ``dim``.

    ``source``'s slices reduced (``"prod"``, ``"mean"``, ``"amax"``, ``"amin"``) into
    ``input``'s slices ``index`` along ``dim``: ``scatter_reduce`` with the index spread over
    the slices, and PyTorch's gradients."""
    check_tensor(input, "index_reduce")
    check_tensor(index, "index_reduce", "index", 3)
    check_tensor(source, "index_reduce", "source", 4)
    warn_once("index_reduce() is in beta and the API may change at any time.")
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(
            "index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got "
            f"{reduce}."
        )
    axis = _check_add_like("index_reduce_", input, dim, index, source)
    if first_outside(index._data, 0, _size(input, axis)) is not None:
        raise IndexError("index out of range in self")
    x, s = _as_1d(input), _as_1d(source)
    spread = _spread_index(_index_vector(index)._data, axis, s.shape)
    out = sc.ScatterReduce.apply(x, spread, s, axis, reduce, bool(include_self))
    return _node(_restore_0d(out, input), "IndexReduceBackward0", (0, 2))


def _spread_index(index: np.ndarray, axis: int, shape: tuple) -> np.ndarray:
    """The ``scatter`` index of ``shape`` that sends slice ``j`` along ``axis`` to ``index[j]``."""
    along = [1] * len(shape)
    along[axis] = -1
    return np.ascontiguousarray(np.broadcast_to(index.reshape(along), shape))


@op(method=True, inplace=True, out=True)
def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """``input`` with ``source``'s slices written at ``index`` along ``dim``."""
    check_tensor(input, "index_copy")
    check_tensor(index, "index_copy", "index", 3)
    check_tensor(source, "index_copy", "source", 4)
    axis = normalize_dim(dim, input.ndim)
    if index.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {index.ndim})")
    if index.dtype is not _dtype.int64:
        raise RuntimeError(
            f"index_copy_(): Expected a long tensor for index, but got {type_name(index.dtype)}"
        )
    if input.dtype is not source.dtype:
        raise RuntimeError(
            "index_copy_(): self and source expected to have the same dtype, but got (self) "
            f"{type_name(input.dtype)} and (source) {type_name(source.dtype)}"
        )
    if input.ndim and source.ndim and input.ndim != source.ndim:
        raise IndexError(
            "index_copy_(): When source and destination are not scalars, their dimensionality "
            f"must match. Source dimensionality ({source.ndim}), destination dimensionality "
            f"({input.ndim})"
        )
    if index.numel() != _source_size(source, axis):
        raise IndexError(
            f"index_copy_(): Number of indices ({index.numel()}) should be equal to "
            f"source.size(dim) ({_source_size(source, axis)})"
        )
    _check_copy_slices(input, axis, source)
    n = _size(input, axis)
    bad = first_outside(index._data, 0, n)
    if bad is not None:
        raise IndexError(
            f"index_copy_(): index {bad} is out of bounds for dimension {axis} with size {n}"
        )
    out = sc.IndexCopy.apply(_as_1d(input), _index_vector(index), _as_1d(source), axis)
    return _node(_restore_0d(out, input), "IndexCopyBackward0", (0, 2))


def _check_copy_slices(input: Tensor, axis: int, source: Tensor) -> None:
    def rest(t: Tensor) -> list:
        return [n for d, n in enumerate(t.shape) if d != axis]

    if input.ndim > 0 and source.ndim > 0 and rest(input) != rest(source):
        dest = " x ".join(str(n) for n in rest(input))
        src = " x ".join(str(n) for n in rest(source))
        raise RuntimeError(
            f"index_copy_(): Source/destination tensor must have same slice shapes. "
            f"Destination slice shape: {dest} at dimension {axis} and source slice shape: "
            f"{src} at dimension 0."
        )


@op(method=True, inplace=True)
def index_fill(input: Tensor, dim: int, index: Tensor, value: object) -> Tensor:
    """Fill ``input``'s slices at ``index`` along ``dim`` with ``value``.

    ``input`` with its slices ``index`` along ``dim`` set to ``value`` (a number or a 0-d
    tensor, which then gets the filled slots' gradient)."""
    check_tensor(input, "index_fill")
    check_tensor(index, "index_fill", "index", 3)
    axis = normalize_dim(dim, input.ndim)
    if index.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    if index.dtype is not _dtype.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(
            "index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value.ndim} dimension(s)."
        )
    data, n = index._data, _size(input, axis)
    bad = first_outside(data, -n, n)
    if bad is not None:
        raise IndexError(f"index {bad} is out of bounds for dimension {axis} with size {n}")
    is_tensor = isinstance(value, Tensor)
    v = value.to(input.dtype) if is_tensor else np.asarray(value).astype(input._data.dtype)
    i = Tensor._make(np.where(data < 0, data + n, data).reshape(-1))
    out = _restore_0d(sc.IndexCopy.apply(_as_1d(input), i, v, axis), input)
    return _node(
        out,
        "IndexFillBackward1" if is_tensor else "IndexFillBackward0",
        (0, 2) if is_tensor else (0,),
    )


# ---------------------------------------------------------------- flat and masked writes


def _long_index(fn: str, index: Tensor) -> None:
    if index.dtype is not _dtype.int64:
        raise RuntimeError(
            f"{fn}(): Expected a long tensor for index, but got {type_name(index.dtype)}"
        )


def check_flat_bounds(index: Tensor, numel: int) -> None:
    """``take``/``put``'s bounds error (negative indices count from the end)."""
    bad = first_outside(index._data, -numel, numel)
    if bad is not None:
        raise IndexError(
            f"out of range: tried to access index {bad} on a tensor of {numel} elements."
        )


@op(method=True, inplace=True)
def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """Write ``source``'s elements into ``input`` (taken as flat) at ``index``.

    ``input`` (as if flat) with ``source``'s elements written at ``index``; with
    ``accumulate``, added (repeated indices add up)."""
    check_tensor(input, "put")
    check_tensor(index, "put", "index", 2)
    check_tensor(source, "put", "source", 3)
    _long_index("put_", index)
    if input.dtype is not source.dtype:
        raise RuntimeError(
            "put_(): self and source expected to have the same dtype, but got self.dtype = "
            f"{type_name(input.dtype)} and source.dtype = {type_name(source.dtype)}"
        )
    if index.numel() != source.numel():
        raise IndexError(
            "put_(): Expected source and index to have the same number of elements, but got "
            f"source.numel() = {source.numel()}, index.numel() = {index.numel()}"
        )
    check_flat_bounds(index, input.numel())
    out = sc.Put.apply(input, index, source, bool(accumulate))
    return _node(out, "PutBackward0", (0, 2))


@op(method=True, inplace=True)
def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """Copy ``source``'s elements into ``input`` where ``mask`` is True.

    ``input`` with ``source``'s leading elements written, in order, where ``mask`` is
    True (``input`` and ``mask`` broadcast together)."""
    check_tensor(input, "masked_scatter")
    check_tensor(mask, "masked_scatter", "mask", 2)
    check_tensor(source, "masked_scatter", "source", 3)
    if mask.dtype is not _dtype.bool:
        raise RuntimeError(
            "masked_scatter_ only supports boolean masks, but got mask with dtype "
            f"{type_name(mask.dtype)}"
        )
    if input.dtype is not source.dtype:
        raise RuntimeError(
            "masked_scatter: expected self and source to have same dtypes but got"
            f"{type_name(input.dtype)} and {type_name(source.dtype)}"
        )
    shape = broadcast_shapes(input.shape, mask.shape)
    m = np.broadcast_to(mask._data, shape) if mask.shape != shape else mask
    if int(np.count_nonzero(getattr(m, "_data", m))) > source.numel():
        raise RuntimeError("Number of elements of source < number of ones in mask")
    x = input if input.shape == shape else expand(input, shape)
    return _node(sc.MaskedScatter.apply(x, m, source), "MaskedScatterBackward0", (0, 2))


# ---------------------------------------------------------------- regions


def _region_write(input: Tensor, src: Tensor, spec: tuple, name: str) -> Tensor:
    """``input`` with ``src`` written into the region ``spec``, after PyTorch's size check."""
    array, key = sc.region(input._data, spec)
    size = list(np.shape(array[key]))
    if list(src.shape) != size:
        raise RuntimeError(
            "expected src to have a size equal to the slice of self. src size = "
            f"{list(src.shape)}, slice size = {size}"
        )
    s = src if src.dtype is input.dtype else src.to(input.dtype)
    return _node(sc.ScatterRegion.apply(input, s, spec), name, (0, 1))


@op(method=True)
def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """``input`` with ``src`` written at ``input.select(dim, index)``."""
    check_tensor(input, "select_scatter")
    check_tensor(src, "select_scatter", "src", 2)
    axis = normalize_dim(dim, input.ndim)
    n = input.shape[axis]
    if not -n <= index < n:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
            f"dimension {axis}"
        )
    spec = ("select", axis, int(index) % n)
    return _region_write(input, src, spec, "SelectScatterBackward0")


@op(method=True, out=True)
def slice_scatter(
    input: Tensor,
    src: Tensor,
    dim: int = 0,
    start: int | None = None,
    end: int | None = None,
    step: int = 1,
) -> Tensor:
    """``input`` with ``src`` written at ``input[..., start:end:step, ...]`` along ``dim``."""
    check_tensor(input, "slice_scatter")
    check_tensor(src, "slice_scatter", "src", 2)
    axis = normalize_dim(dim, input.ndim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    spec = ("slice", axis, start, end, step)
    return _region_write(input, src, spec, "SliceScatterBackward0")


@op(method=True)
def diagonal_scatter(
    input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1
) -> Tensor:
    """``input`` with ``src`` written at ``input.diagonal(offset, dim1, dim2)``."""
    check_tensor(input, "diagonal_scatter")
    check_tensor(src, "diagonal_scatter", "src", 2)
    d1, d2 = normalize_dim(dim1, input.ndim), normalize_dim(dim2, input.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    spec = ("diagonal", int(offset), d1, d2)
    return _region_write(input, src, spec, "DiagonalScatterBackward0")


@op(function=False, method=True)
def fill_diagonal_(input: Tensor, fill_value: object, wrap: bool = False) -> Tensor:
    """Fill the main diagonal with ``fill_value``, in place.

    The main diagonal is where all indices are equal; ``wrap`` continues it below a tall matrix
    every ``width + 1`` rows, as PyTorch and NumPy do. As in PyTorch, the write goes through a
    strided view (``CopySlices`` on the tensor)."""
    if input.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    if input.ndim > 2 and len(set(input.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    height, width = input.shape[:2]
    data = input._data
    stride = sum(data.strides)
    size = min(height, width)
    fill_(_strided_view(input, data, size, stride), fill_value)
    if wrap and input.ndim == 2 and height > width + 1:
        step = width + 1
        count = (input.numel() + step - 1) // step - size
        fill_(_strided_view(input, data[width + 1 :], count, stride), fill_value)
    node = input._grad_fn
    if node is not None and node.name() == "torch::autograd::CopySlices":
        node.graph_args = (0,)  # PyTorch's node lists the old tensor only: the value is a number
    return input


def _strided_view(input: Tensor, start: np.ndarray, size: int, stride: int) -> Tensor:
    """The 1-d view of ``input`` from ``start``'s first element on, ``size`` elements
    ``stride`` bytes apart (PyTorch's ``as_strided``)."""
    view = np.lib.stride_tricks.as_strided(start, shape=(size,), strides=(stride,))
    return movement.AsStrided.apply(input, view)
