"""Comparison, logical and bitwise ops (no gradient)."""

from __future__ import annotations

import numpy as np

from numtorch import _dtype
from numtorch._namespace._declare import op
from numtorch._namespace._operands import broadcast_shapes
from numtorch.tensor import Tensor


def _compare(np_op, input: object, other: object) -> Tensor:
    dt = _dtype.result_type(input, other)
    a = np.asarray(getattr(input, "_data", input), dtype=dt.numpy)
    b = np.asarray(getattr(other, "_data", other), dtype=dt.numpy)
    broadcast_shapes(a.shape, b.shape)
    return Tensor._make(np.asarray(np_op(a, b)))


@op(method=True, out=True)
def eq(input, other) -> Tensor:
    return _compare(np.equal, input, other)


@op(method=True, out=True)
def ne(input, other) -> Tensor:
    return _compare(np.not_equal, input, other)


@op(method=True, out=True)
def lt(input, other) -> Tensor:
    return _compare(np.less, input, other)


@op(method=True, out=True)
def le(input, other) -> Tensor:
    return _compare(np.less_equal, input, other)


@op(method=True, out=True)
def gt(input, other) -> Tensor:
    return _compare(np.greater, input, other)


@op(method=True, out=True)
def ge(input, other) -> Tensor:
    return _compare(np.greater_equal, input, other)


@op(method=True)
def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and elements."""
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))


@op(method=True)
def allclose(
    input: Tensor,
    other: Tensor,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    equal_nan: bool = False,
) -> bool:
    return bool(np.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


@op(method=True)
def isclose(
    input: Tensor,
    other: Tensor,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    equal_nan: bool = False,
) -> Tensor:
    broadcast_shapes(input.shape, getattr(other, "shape", ()))
    return Tensor._make(
        np.isclose(
            input._data,
            getattr(other, "_data", other),
            rtol=rtol,
            atol=atol,
            equal_nan=equal_nan,
        )
    )


@op(method=True)
def isnan(input: Tensor) -> Tensor:
    return Tensor._make(np.isnan(input._data))


@op(method=True)
def isinf(input: Tensor) -> Tensor:
    return Tensor._make(np.isinf(input._data))


@op(method=True)
def isfinite(input: Tensor) -> Tensor:
    return Tensor._make(np.isfinite(input._data))


@op(method=True, out=True)
def logical_not(input: Tensor) -> Tensor:
    return Tensor._make(np.logical_not(input._data))


@op(method=True, out=True)
def logical_and(input: Tensor, other: Tensor) -> Tensor:
    return Tensor._make(np.logical_and(input._data, getattr(other, "_data", other)))


@op(method=True, out=True)
def logical_or(input: Tensor, other: Tensor) -> Tensor:
    return Tensor._make(np.logical_or(input._data, getattr(other, "_data", other)))


@op(method=True, out=True)
def logical_xor(input: Tensor, other: object) -> Tensor:
    if input.dtype is not _dtype.bool or getattr(other, "dtype", _dtype.bool) is not _dtype.bool:
        _check_bitwise(input, other, "bitwise_xor")  # reached through ``^``
    return Tensor._make(np.logical_xor(input._data, getattr(other, "_data", other)))


@op(method=True, out=True)
def bitwise_not(input: Tensor) -> Tensor:
    if input.dtype.is_floating_point:
        raise TypeError(
            "~ (operator.invert) is only implemented on integer and Boolean-type tensors"
        )
    return Tensor._make(np.invert(input._data))


def _check_bitwise(input: Tensor, other: object, name: str) -> None:
    """PyTorch has no bitwise kernels for floating point: refuse float operands like it."""
    d = _dtype.result_type(input, other)
    if d.is_floating_point:
        raise NotImplementedError(
            f"\"{name}_cpu\" not implemented for '{_dtype.scalar_type_name(d)}'"
        )


@op(method=True, out=True)
def bitwise_and(input: Tensor, other: object) -> Tensor:
    _check_bitwise(input, other, "bitwise_and")
    return Tensor._make(np.bitwise_and(input._data, getattr(other, "_data", other)))


@op(method=True, out=True)
def bitwise_or(input: Tensor, other: object) -> Tensor:
    _check_bitwise(input, other, "bitwise_or")
    return Tensor._make(np.bitwise_or(input._data, getattr(other, "_data", other)))
