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
from numtorch._namespace.shape import squeeze
from numtorch.ops import elementwise as ew
from numtorch.ops import reduce
from numtorch.tensor import Tensor

return_types_max = namedtuple("max", ["values", "indices"])

return_types_min = namedtuple("min", ["values", "indices"])


def _sum_dtype(x: Tensor, dtype: object) -> np.dtype | None:
    if dtype is not None:
        return _dtype.to_dtype(dtype).numpy
    return None if x.dtype.is_floating_point else np.dtype(np.int64)


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
    axis = None if dim is None else normalize_dim(dim, input.ndim)
    return Tensor._make(np.asarray(np.any(input._data, axis=axis, keepdims=keepdim)))


@op(method=True, out=True)
def all(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    axis = None if dim is None else normalize_dim(dim, input.ndim)
    return Tensor._make(np.asarray(np.all(input._data, axis=axis, keepdims=keepdim)))


@op(method=True)
def count_nonzero(input: Tensor, dim: int | None = None) -> Tensor:
    axis = None if dim is None else normalize_dim(dim, input.ndim)
    return Tensor._make(np.asarray(np.count_nonzero(input._data, axis=axis), dtype=np.int64))
