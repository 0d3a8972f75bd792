"""Reductions: sums, means, variances, extremes and the softmax family."""

from __future__ import annotations

import warnings
from collections import namedtuple
from collections.abc import Sequence

import numpy as np

from numtorch import _dtype
from numtorch._checks import (
    check_tensor,
    empty_reduction_error,
    normalize_dim,
    normalize_dims,
    type_name,
)
from numtorch._namespace._declare import op
from numtorch._namespace._operands import Number, named
from numtorch._namespace.pointwise import div, maximum, minimum
from numtorch._namespace.shape import movedim, squeeze
from numtorch.ops import elementwise as ew
from numtorch.ops import factorizations, reduce, stl_order
from numtorch.tensor import Tensor

return_types_max = namedtuple("max", ["values", "indices"])

return_types_min = namedtuple("min", ["values", "indices"])


def _sum_dtype(x: Tensor, dtype: object) -> np.dtype | None:
    if dtype is not None:
        return _dtype.to_dtype(dtype).numpy
    # bools and integers sum as int64; floating and complex keep their dtype
    return np.dtype(np.int64) if x._data.dtype.kind in "biu" else None


@op(method=True, out=True)
def sum(
    input: Tensor,
    dim: int | Sequence[int] | None = None,
    keepdim: bool = False,
    *,
    dtype=None,
) -> Tensor:
    """Sum over ``dim`` (all elements when None); bools and integers sum as int64."""
    check_tensor(input, "sum")
    dims = normalize_dims(dim, input.ndim)
    out = reduce.Sum.apply(input, dims, keepdim, _sum_dtype(input, dtype))
    return out if dim is None else named(out, "SumBackward1")


@op(method=True, out=True)
def mean(
    input: Tensor,
    dim: int | Sequence[int] | None = None,
    keepdim: bool = False,
    *,
    dtype=None,
) -> Tensor:
    """Arithmetic mean over ``dim``; floating point only, as in PyTorch."""
    check_tensor(input, "mean")
    if dtype is not None:
        input = input.to(dtype)
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {type_name(input.dtype)}"
        )
    dims = normalize_dims(dim, input.ndim)
    count = input.numel() if dims is None else int(np.prod([input.shape[d] for d in dims]))
    total = reduce.Sum.apply(input, dims, keepdim, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = div(total, count) if count else div(total, float("nan"))
    return named(out, "MeanBackward0" if dim is None else "MeanBackward1")


@op(method=True, out=True)
def var(
    input: Tensor,
    dim=None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: Number | None = None,
) -> Tensor:
    """Variance over ``dim`` with Bessel's ``correction`` (1 by default)."""
    return named(_var(input, dim, unbiased, keepdim, correction, "var"), "VarBackward0")


@op(method=True, out=True)
def std(
    input: Tensor,
    dim=None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: Number | None = None,
) -> Tensor:
    """Standard deviation: the square root of ``var`` with the same arguments."""
    out = ew.StdSqrt.apply(_var(input, dim, unbiased, keepdim, correction, "std"))
    return named(out, "StdBackward0")


def _var(input: Tensor, dim, unbiased, keepdim: bool, correction, name: str) -> Tensor:
    check_tensor(input, name)
    if not input.dtype.is_floating_point:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    dims = normalize_dims(dim, input.ndim)
    count = input.numel() if dims is None else int(np.prod([input.shape[d] for d in dims]))
    if count - correction <= 0 or input.numel() == 0:  # PyTorch's factor is 0 when empty
        warnings.warn(
            f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "reduction factor (input numel divided by output numel).",
            UserWarning,
            stacklevel=3,
        )
    return reduce.Var.apply(input, dims, keepdim, correction)


def _extreme(input: Tensor, dim, keepdim: bool, use_min: bool, name: str):
    check_tensor(input, name)
    if dim is None:
        error = empty_reduction_error(name, input, None)
        if error:
            raise error
        out = reduce.Amax.apply(input, None, False, use_min, True)
        return named(out, f"{name.capitalize()}Backward1")
    if isinstance(dim, Tensor):
        return (minimum if use_min else maximum)(input, dim)
    axis = normalize_dim(dim, input.ndim)
    if input.ndim and input.shape[axis] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")
    arr = input._data if input.ndim else input._data.reshape(1)
    pick = np.argmin if use_min else np.argmax
    # the indices go in as a tensor: the values' node keeps them, so changing them is refused
    indices = Tensor._make(np.expand_dims(pick(arr, axis=axis), axis).astype(np.int64, copy=False))
    values = reduce.SelectAlong.apply(input if input.ndim else input.reshape(1), indices, axis)
    if not input.ndim:  # a 0-d input gives 0-d results, keepdim or not
        values, indices = values.reshape(()), indices.reshape(())
    elif not keepdim:
        values, indices = squeeze(values, axis), squeeze(indices, axis)
    kind = return_types_min if use_min else return_types_max
    return kind(named(values, f"{name.capitalize()}Backward0"), indices)


@op(method=True)
def max(input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False):
    """The largest element; with ``dim``, a ``(values, indices)`` pair; with a tensor, ``maximum``."""
    return _extreme(input, dim, keepdim, False, "max")


@op(method=True)
def min(input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False):
    """The smallest element; with ``dim``, a ``(values, indices)`` pair; with a tensor, ``minimum``."""
    return _extreme(input, dim, keepdim, True, "min")


@op(method=True, out=True)
def amax(input: Tensor, dim: int | Sequence[int] = (), keepdim: bool = False) -> Tensor:
    """The largest values over ``dim`` (all dims when empty); ties share the gradient."""
    check_tensor(input, "amax")
    dims = normalize_dims(dim, input.ndim)
    error = empty_reduction_error("amax", input, dims)
    if error:
        raise error
    return reduce.Amax.apply(input, dims, keepdim, False)


@op(method=True, out=True)
def amin(input: Tensor, dim: int | Sequence[int] = (), keepdim: bool = False) -> Tensor:
    """The smallest values over ``dim`` (all dims when empty); ties share the gradient."""
    check_tensor(input, "amin")
    dims = normalize_dims(dim, input.ndim)
    error = empty_reduction_error("amin", input, dims)
    if error:
        raise error
    return reduce.Amax.apply(input, dims, keepdim, True)


def _arg_extreme(input: Tensor, dim, keepdim: bool, use_min: bool) -> Tensor:
    name = "argmin" if use_min else "argmax"
    check_tensor(input, name)
    pick = np.argmin if use_min else np.argmax
    if dim is None:
        if input.numel() == 0:
            raise IndexError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
            )
        out = np.asarray(pick(input._data))
        return Tensor._make(out.reshape((1,) * input.ndim if keepdim else ()).astype(np.int64))
    axis = normalize_dim(dim, input.ndim)
    if input.ndim and input.shape[axis] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")
    arr = input._data if input.ndim else input._data.reshape(1)
    out = pick(arr, axis=axis)
    if keepdim and input.ndim:
        out = np.expand_dims(out, axis)
    return Tensor._make(np.asarray(out, dtype=np.int64).reshape(out.shape if input.ndim else ()))


@op(method=True, out=True)
def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (of the flattened tensor when ``dim`` is None)."""
    return _arg_extreme(input, dim, keepdim, False)


@op(method=True, out=True)
def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The indices of the minimum values (along ``dim``, or of the flattened input)."""
    return _arg_extreme(input, dim, keepdim, True)


def _softmax_input(input: Tensor, dim: int | None, dtype, name: str) -> tuple[Tensor, int]:
    check_tensor(input, name)
    if dim is None:
        raise TypeError(f"{name}() missing required argument 'dim'")
    if dtype is not None:
        input = input.to(dtype)
    if not input.dtype.is_floating_point:
        last = input.ndim <= 1 or normalize_dim(dim, input.ndim) == input.ndim - 1
        kernel = f"{name}_lastdim_kernel_impl" if last else f"{name}_kernel_impl"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(input.dtype)}'")
    axis = normalize_dim(dim, input.ndim)
    if input.ndim == 0:
        return input.reshape(1), -1
    return input, axis


@op(method=True)
def softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, computed stably."""
    x, axis = _softmax_input(input, dim, dtype, "softmax")
    out = reduce.Softmax.apply(x, axis)
    return out if input.ndim else named(out.reshape(()), "SoftmaxBackward0")


@op(method=True)
def log_softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``: one fused, stable primitive."""
    x, axis = _softmax_input(input, dim, dtype, "log_softmax")
    out = reduce.LogSoftmax.apply(x, axis)
    return out if input.ndim else named(out.reshape(()), "LogSoftmaxBackward0")


@op(method=True, out=True)
def logsumexp(input: Tensor, dim: int | Sequence[int], keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` along ``dim`` without overflow."""
    check_tensor(input, "logsumexp")
    dims = normalize_dims(dim, input.ndim)
    x = input if input.dtype.is_floating_point else input.to(_dtype.get_default_dtype())
    return reduce.Logsumexp.apply(x, dims, keepdim)


@op(method=True, out=True)
def any(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Whether any element (along ``dim``, if given) is non-zero."""
    axis = None if dim is None else normalize_dim(dim, input.ndim)
    return Tensor._make(np.asarray(np.any(input._data, axis=axis, keepdims=keepdim)))


@op(method=True, out=True)
def all(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Whether all elements (along ``dim``, if given) are non-zero."""
    axis = None if dim is None else normalize_dim(dim, input.ndim)
    return Tensor._make(np.asarray(np.all(input._data, axis=axis, keepdims=keepdim)))


@op(method=True)
def count_nonzero(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """How many elements are not zero (NaNs count) over ``dim``: one, several, or all (None)."""
    check_tensor(input, "count_nonzero")
    if isinstance(dim, bool) or not isinstance(dim, (type(None), int, np.integer, tuple, list)):
        raise TypeError(
            "count_nonzero() received an invalid combination of arguments - got (Tensor, "
            f"{type(dim).__name__}), but expected one of: (Tensor input, int dim = None), "
            "(Tensor input, tuple of ints dim)"
        )
    dims = (dim,) if isinstance(dim, (int, np.integer)) else dim or ()
    axes = [normalize_dim(d, input.ndim) for d in dims]
    for i, d in enumerate(axes):
        if d in axes[:i]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    axis = tuple(axes) if axes and input.ndim else None  # () counts over all, as None
    return Tensor._make(np.asarray(np.count_nonzero(input._data, axis=axis), dtype=np.int64))


# ---------------------------------------------------------------- products, scans, sorting

return_types_sort = namedtuple("sort", ["values", "indices"])
return_types_topk = namedtuple("topk", ["values", "indices"])
return_types_median = namedtuple("median", ["values", "indices"])
return_types_kthvalue = namedtuple("kthvalue", ["values", "indices"])
return_types_cummax = namedtuple("cummax", ["values", "indices"])
return_types_cummin = namedtuple("cummin", ["values", "indices"])
return_types_aminmax = namedtuple("aminmax", ["min", "max"])


def _int_to_long(x: Tensor, dtype) -> np.dtype | None:
    """PyTorch's accumulation dtype for prod/cumsum/cumprod: ``dtype``, else int64 for
    bools and integers, else the input's."""
    return _sum_dtype(x, dtype)


@op(method=True, out=True)
def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The product of all elements, or along ``dim``."""
    check_tensor(input, "prod")
    if dim is None:
        out = reduce.Prod.apply(input, None, False, _int_to_long(input, dtype))
        return named(out, "ProdBackward0")
    axis = normalize_dim(dim, input.ndim)
    x = input if input.ndim else input.reshape(1)
    out = reduce.Prod.apply(x, axis, keepdim and input.ndim > 0, _int_to_long(input, dtype))
    return named(out if input.ndim else out.reshape(()), "ProdBackward1")


def _scan_input(input: Tensor, dim, name: str) -> tuple[Tensor, int]:
    check_tensor(input, name)
    axis = normalize_dim(dim, input.ndim)
    return (input, axis) if input.ndim else (input.reshape(1), 0)


def _scan_out(input: Tensor, out: Tensor, name: str) -> Tensor:
    return named(out if input.ndim else out.reshape(()), name)


@op(method=True, inplace=True, out=True)
def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running sum along ``dim``; bools and integers accumulate as int64."""
    x, axis = _scan_input(input, dim, "cumsum")
    return _scan_out(
        input, reduce.Cumsum.apply(x, axis, _int_to_long(input, dtype)), "CumsumBackward0"
    )


@op(method=True, inplace=True, out=True)
def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running product along ``dim``; bools and integers accumulate as int64."""
    x, axis = _scan_input(input, dim, "cumprod")
    out = reduce.Cumprod.apply(x, axis, _int_to_long(input, dtype))
    return _scan_out(input, out, "CumprodBackward0")


@op(method=True, out=True)
def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """``log(cumsum(exp(x)))`` along ``dim`` without overflow."""
    x, axis = _scan_input(input, dim, "logcumsumexp")
    if not x.dtype.is_floating_point:
        kind = type_name(x.dtype)
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for '{kind}'")
    return _scan_out(input, reduce.Logcumsumexp.apply(x, axis), "LogcumsumexpBackward0")


def _select(input: Tensor, x: Tensor, idx: np.ndarray, axis: int, node: str, keep_input=False):
    """Values of ``x`` at ``idx`` along ``axis`` (a node that keeps the indices, and the input
    with ``keep_input``), and the indices as an int64 tensor; 0-d when ``input`` is."""
    indices = Tensor._make(np.ascontiguousarray(idx, dtype=np.int64))
    kind = reduce.Gather if keep_input else reduce.SelectAlong
    values = named(kind.apply(x, indices, axis), node)
    if not input.ndim:
        values, indices = named(values.reshape(()), node), indices.reshape(())
    return values, indices


def _sort_order(arr: np.ndarray, axis: int, descending: bool, stable: bool) -> np.ndarray:
    """Indices that sort ``arr`` along ``axis``, NaNs counted largest (PyTorch's order).

    Stable, equal elements keep their order; unstable, they come out where PyTorch's CPU sort
    (``std::sort``) leaves them, which differs from the stable order only in a row longer than
    16 with ties (those rows run ``stl_order``'s emulation)."""
    if not descending:
        order = np.argsort(arr, axis=axis, kind="stable")
    else:
        # descending and stable: sort the reversed array ascending, stably, then reverse back
        n = arr.shape[axis]
        rev = np.flip(arr, axis)
        order = np.flip(n - 1 - np.argsort(rev, axis=axis, kind="stable"), axis)
    if stable or arr.ndim == 0 or arr.shape[axis] <= 16 or _radix_sorted(arr, descending):
        return order
    return _emulated(arr, order, axis, _rows_with_ties(arr, axis),
                     lambda row: stl_order.sort_row(row, descending))  # fmt: skip


def _radix_sorted(arr: np.ndarray, descending: bool) -> bool:
    """Whether PyTorch's CPU sort takes its (stable) radix sort: an ascending sort of a 1-D
    integer tensor of at least 32768 elements (``at::internal::GRAIN_SIZE``)."""
    return arr.ndim == 1 and arr.dtype.kind in "iu" and not descending and arr.size >= 32768


# Above this much emulation work (rows times length times its log), rows with ties keep the
# stable order instead of PyTorch's exact choice: the emulation runs in Python.
_EMULATION_BUDGET = 1 << 20


def _rows_with_ties(arr: np.ndarray, axis: int) -> np.ndarray:
    """Per row along ``axis`` (flattened): whether two elements compare equal (NaNs do)."""
    if arr.size == 0:
        return np.zeros(0, bool)
    rows = np.sort(np.moveaxis(arr, axis, -1).reshape(-1, arr.shape[axis]), axis=-1)
    ties = np.any(rows[:, 1:] == rows[:, :-1], axis=-1)
    if rows.dtype.kind == "f":
        ties |= np.sum(np.isnan(rows), axis=-1) > 1
    return ties


def _emulated(arr: np.ndarray, order: np.ndarray, axis: int, which: np.ndarray, row_order):
    """``order`` with the rows flagged in ``which`` replaced by ``row_order(row)`` (PyTorch's
    tie-breaking), within the work budget."""
    n = arr.shape[axis]
    if not order.size or not which.any() or which.sum() * n * n.bit_length() > _EMULATION_BUDGET:
        return order
    rows = np.moveaxis(arr, axis, -1).reshape(-1, n)
    moved = np.moveaxis(order, axis, -1)
    out = moved.reshape(-1, moved.shape[-1]).copy()
    for r in np.flatnonzero(which):
        out[r] = row_order(rows[r])
    return np.moveaxis(out.reshape(moved.shape), -1, axis)


@op(method=True)
def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool | None = False):
    """``(values, indices)`` sorted along ``dim``; equal elements keep their order."""
    x, axis = _scan_input(input, dim, "sort")
    idx = _sort_order(x._data, axis, descending, bool(stable))
    return return_types_sort(*_select(input, x, idx, axis, "SortBackward0"))


@op(method=True, out=True)
def msort(input: Tensor) -> Tensor:
    """The values of ``sort`` along the first dimension."""
    return sort(input, 0).values


@op(method=True)
def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False):
    """The indices ``sort`` would give."""
    x, axis = _scan_input(input, dim, "argsort")
    idx = _sort_order(x._data, axis, descending, stable).astype(np.int64)
    return Tensor._make(idx if input.ndim else idx.reshape(()))


def _check_k(k, name: str) -> None:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"{name}(): argument 'k' must be int, not {type(k).__name__}")


@op(method=True)
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """The ``k`` largest (smallest with ``largest=False``) elements along ``dim``."""
    x, axis = _scan_input(input, dim, "topk")
    _check_k(k, "topk")
    n = x.shape[axis]
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    idx = np.take(_sort_order(x._data, axis, largest, True), np.arange(k), axis=axis)
    # PyTorch's choice among ties, and its order of an unsorted result, is its algorithm's
    which = _rows_with_ties(x._data, axis) | (not sorted and k > 1)
    idx = _emulated(x._data, idx, axis, which,
                    lambda row: stl_order.topk_row(row, k, largest, sorted))  # fmt: skip
    return return_types_topk(*_select(input, x, idx, axis, "TopkBackward0"))


@op(method=True)
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):
    """The ``k``-th smallest element along ``dim`` (1-based) and its index."""
    x, axis = _scan_input(input, dim, "kthvalue")
    _check_k(k, "kthvalue")
    n = x.shape[axis]
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis}")
    idx = np.take(_sort_order(x._data, axis, False, True), [k - 1], axis=axis)
    # among elements equal to the k-th, PyTorch's quickselect decides which index it reports
    kth = np.take_along_axis(x._data, idx, axis)
    same = (
        (x._data == kth) | (np.isnan(x._data) & np.isnan(kth))
        if x.dtype.is_floating_point
        else x._data == kth
    )
    which = np.moveaxis(same, axis, -1).reshape(-1, n).sum(-1) > 1
    idx = _emulated(x._data, idx, axis, which,
                    lambda row: [stl_order.kthvalue_index(row, k - 1)])  # fmt: skip
    values, indices = _select(input, x, idx, axis, "KthvalueBackward0")
    if input.ndim and not keepdim:
        values, indices = named(squeeze(values, axis), "KthvalueBackward0"), squeeze(indices, axis)
    return return_types_kthvalue(values, indices)


@op(method=True)
def median(input: Tensor, dim: int | None = None, keepdim: bool = False):
    """The lower median of all elements; with ``dim``, ``(values, indices)`` along it."""
    check_tensor(input, "median")
    if dim is None:
        if input.numel() == 0:
            return Tensor._make(np.asarray(np.nan, input._data.dtype))
        return reduce.Median.apply(input)
    x, axis = _scan_input(input, dim, "median")
    n = x.shape[axis]
    if n == 0:
        raise IndexError(f"median(): Expected reduction dim {dim} to have non-zero size.")
    order = _sort_order(x._data, axis, False, True)
    idx = np.take(order, [(n - 1) // 2], axis=axis)
    if x.dtype.is_floating_point and np.isnan(x._data).any():  # the first NaN is the median
        first_nan = np.expand_dims(np.argmax(np.isnan(x._data), axis), axis)
        has = np.expand_dims(np.isnan(x._data).any(axis), axis)
        idx = np.where(has, first_nan, idx)
    values, indices = _select(input, x, idx, axis, "MedianBackward1")
    if input.ndim and not keepdim:
        values, indices = named(squeeze(values, axis), "MedianBackward1"), squeeze(indices, axis)
    return return_types_median(values, indices)


def _cum_extreme(input: Tensor, dim, use_min: bool):
    name = "cummin" if use_min else "cummax"
    x, axis = _scan_input(input, dim, name)
    arr = np.moveaxis(x._data, axis, -1)
    idx = np.zeros(arr.shape, np.int64)
    if arr.shape[-1]:
        best = arr[..., 0].copy()
        for i in range(1, arr.shape[-1]):
            v = arr[..., i]
            # PyTorch takes the later index on ties and NaN wins (and stays)
            better = (v <= best) if use_min else (v >= best)
            if arr.dtype.kind == "f":
                better = (better | np.isnan(v)) & ~(np.isnan(best) & ~np.isnan(v))
            idx[..., i] = np.where(better, i, idx[..., i - 1])
            best = np.where(better, v, best)
    idx = np.moveaxis(idx, -1, axis)
    kind = return_types_cummin if use_min else return_types_cummax
    node = "CumminBackward0" if use_min else "CummaxBackward0"
    return kind(*_select(input, x, idx, axis, node, keep_input=True))


@op(method=True)
def cummax(input: Tensor, dim: int):
    """Running maximum along ``dim`` and where it was found."""
    return _cum_extreme(input, dim, False)


@op(method=True)
def cummin(input: Tensor, dim: int):
    """Running minimum along ``dim`` and where it was found."""
    return _cum_extreme(input, dim, True)


@op(method=True)
def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False):
    """``(min, max)`` over all elements or along ``dim``."""
    check_tensor(input, "aminmax")
    dims = None if dim is None else (normalize_dim(dim, input.ndim),)
    if input.numel() == 0 or (dims and input.ndim and input.shape[dims[0]] == 0):
        raise RuntimeError(
            "aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
            "identity."
        )
    if not input.ndim:
        dims = None
    lo = named(reduce.Amax.apply(input, dims, keepdim, True), "AminmaxBackward0")
    hi = named(reduce.Amax.apply(input, dims, keepdim, False), "AminmaxBackward0")
    if dims is None and keepdim:
        lo, hi = lo.reshape((1,) * input.ndim), hi.reshape((1,) * input.ndim)
    return return_types_aminmax(lo, hi)


# ---------------------------------------------------------------- NaN-skipping, pairs, norms


@op(method=True, out=True)
def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum over ``dim`` counting NaNs as zero."""
    check_tensor(input, "nansum")
    dims = normalize_dims(dim, input.ndim)
    return reduce.Nansum.apply(input, dims, keepdim, _sum_dtype(input, dtype))


@op(method=True, out=True)
def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Mean over ``dim`` of the elements that are not NaN."""
    check_tensor(input, "nanmean")
    if dtype is not None:
        input = input.to(dtype)
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            "nanmean(): expected input to have floating point or complex dtype but got "
            f"{type_name(input.dtype)}"
        )
    dims = normalize_dims(dim, input.ndim)
    count = np.sum(~np.isnan(input._data), axis=dims, keepdims=keepdim)
    total = reduce.Nansum.apply(input, dims, keepdim, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        return div(total, Tensor._make(np.asarray(count, input._data.dtype)))


@op()
def var_mean(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: Number | None = None):  # fmt: skip
    """``(var, mean)`` with ``var``'s arguments."""
    v = named(_var(input, dim, unbiased, keepdim, correction, "var_mean"), "VarMeanBackward0")
    d = None if isinstance(dim, bool) else dim
    return v, named(mean(input, d, keepdim), "VarMeanBackward0")


@op()
def std_mean(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: Number | None = None):  # fmt: skip
    """``(std, mean)`` with ``std``'s arguments."""
    out = ew.StdSqrt.apply(_var(input, dim, unbiased, keepdim, correction, "std_mean"))
    d = None if isinstance(dim, bool) else dim
    return named(out, "StdMeanBackward0"), named(mean(input, d, keepdim), "StdMeanBackward0")


def _nuclear_norm(input: Tensor, dim: int | Sequence[int] | None, keepdim: bool) -> Tensor:
    """The sum of the singular values over the two ``dim`` (a matrix's only two when None), as
    PyTorch's ``linalg.matrix_norm(ord="nuc")`` (a ``SumBackward1`` over the SVD)."""
    if input.ndim < 2:
        raise RuntimeError(
            "linalg.matrix_norm: The input tensor A must have at least 2 dimensions."
        )
    dims = (
        tuple(range(input.ndim)) if dim is None else (dim,) if isinstance(dim, int) else tuple(dim)
    )
    if len(dims) != 2:
        raise RuntimeError(
            f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(str(d) for d in dims)}"
        )
    axes = tuple(normalize_dim(d, input.ndim) for d in dims)
    moved = movedim(input, axes, (-2, -1))
    singular = factorizations.Svd.apply(moved, False, False)
    total = singular.sum(-1)
    if keepdim:
        for axis in sorted(axes):
            total = total.unsqueeze(axis)
    return total


@op(method=True)
def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """The vector norm of order ``p`` ("fro" is 2) over ``dim`` (all elements when None)."""
    check_tensor(input, "norm")
    if dtype is not None:
        input = input.to(dtype)
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. "
            f"Got {type_name(input.dtype)}"
        )
    if p is None or p == "fro":
        p = 2
    if p == "nuc":
        return _nuclear_norm(input, dim, keepdim)
    if isinstance(p, str):
        raise RuntimeError(f"norm(): invalid norm type {p!r} (a number, 'fro' or 'nuc')")
    dims = normalize_dims(dim, input.ndim)
    return reduce.VectorNorm.apply(input, float(p), dims, keepdim)
