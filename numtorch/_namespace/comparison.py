"""Comparison, logical and bitwise ops (no gradient), their in-place forms and the bitwise
operators' reflected and in-place forms (``2 & x``, ``x <<= 1``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from numtorch import _dtype
from numtorch._checks import check_tensor
from numtorch._namespace._declare import describe, op
from numtorch._namespace._operands import broadcast_shapes, named
from numtorch._namespace.inplace import inplace, replace_with
from numtorch.autograd.grad_mode import is_recording
from numtorch.tensor import Tensor, _is_operand


def _as_array(x: object, dt: _dtype.dtype) -> np.ndarray:
    """A tensor's data, or a Python number, as ``dt`` (a number out of range wraps, as in C)."""
    data = getattr(x, "_data", None)
    if data is not None:
        return data if data.dtype == dt.numpy else data.astype(dt.numpy)
    return np.array(x).astype(dt.numpy)


def _compare(np_op, input: object, other: object) -> Tensor:
    dt = _dtype.result_type(input, other)
    a, b = _as_array(input, dt), _as_array(other, dt)
    broadcast_shapes(a.shape, b.shape)
    return Tensor._make(np.asarray(np_op(a, b)))


@op(method=True, out=True)
def eq(input, other) -> Tensor:
    """Element-wise ``input == other``, as a bool tensor."""
    return _compare(np.equal, input, other)


@op(method=True, out=True, aliases=("not_equal",))
def ne(input, other) -> Tensor:
    """Element-wise ``input != other``, as a bool tensor."""
    return _compare(np.not_equal, input, other)


@op(method=True, out=True, aliases=("less",))
def lt(input, other) -> Tensor:
    """Element-wise ``input < other``, as a bool tensor."""
    return _compare(np.less, input, other)


@op(method=True, out=True, aliases=("less_equal",))
def le(input, other) -> Tensor:
    """Element-wise ``input <= other``, as a bool tensor."""
    return _compare(np.less_equal, input, other)


@op(method=True, out=True, aliases=("greater",))
def gt(input, other) -> Tensor:
    """Element-wise ``input > other``, as a bool tensor."""
    return _compare(np.greater, input, other)


@op(method=True, out=True, aliases=("greater_equal",))
def ge(input, other) -> Tensor:
    """Element-wise ``input >= other``, as a bool tensor."""
    return _compare(np.greater_equal, input, other)


def _compared_into(target: Tensor, fn: Callable, other: object, node: str) -> Tensor:
    """``fn(target, other)`` in ``target``'s dtype (1/0 in a float tensor). When ``target``
    requires grad the result is recorded with a zero gradient, as PyTorch's ``eq_`` records
    ``EqBackward1`` (``EqBackward0`` for a number)."""
    result = fn(target, other)
    if result.shape != target.shape:
        raise RuntimeError(
            f"output with shape {list(target.shape)} doesn't match the broadcast shape "
            f"{list(result.shape)}"
        )
    values = result._data.astype(target._data.dtype)
    if target.requires_grad and is_recording():
        return named(replace_with(target, values), node)
    return Tensor._make(values)


def _compare_inplace(name: str, fn: Callable, node: str) -> Callable:
    def method(self: Tensor, other: object) -> Tensor:
        suffix = "1" if isinstance(other, Tensor) else "0"
        return inplace(self, _compared_into, fn, other, node + suffix)

    return describe(
        method, name, fn, f"In-place :func:`numtorch.{fn.__name__}`: 1 where true, else 0."
    )


_COMPARISONS = {
    "eq": (eq, "EqBackward"),
    "ne": (ne, "NeBackward"),
    "not_equal": (ne, "NeBackward"),
    "lt": (lt, "LtBackward"),
    "less": (lt, "LtBackward"),
    "le": (le, "LeBackward"),
    "less_equal": (le, "LeBackward"),
    "gt": (gt, "GtBackward"),
    "greater": (gt, "GtBackward"),
    "ge": (ge, "GeBackward"),
    "greater_equal": (ge, "GeBackward"),
}
for _name, (_fn, _node) in _COMPARISONS.items():  # Tensor.eq_, ..., Tensor.greater_equal_
    op(function=False, method=_compare_inplace(_name + "_", _fn, _node), name=_name + "_")(_fn)


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
    """Whether ``input`` and ``other`` are element-wise close (see :func:`isclose`)."""
    return bool(np.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


@op(method=True)
def isclose(
    input: Tensor,
    other: Tensor,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    equal_nan: bool = False,
) -> Tensor:
    """Element-wise ``|input - other| <= atol + rtol * |other|``, as a bool tensor."""
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
    """Element-wise test for NaN."""
    return Tensor._make(np.isnan(input._data))


@op(method=True)
def isinf(input: Tensor) -> Tensor:
    """Element-wise test for positive or negative infinity."""
    return Tensor._make(np.isinf(input._data))


@op(method=True)
def isfinite(input: Tensor) -> Tensor:
    """Element-wise test for finite values (not NaN or infinite)."""
    return Tensor._make(np.isfinite(input._data))


@op(method=True, out=True)
def isposinf(input: Tensor) -> Tensor:
    """Element-wise test for positive infinity."""
    return Tensor._make(np.isposinf(check_tensor(input, "isposinf")._data))


@op(method=True, out=True)
def isneginf(input: Tensor) -> Tensor:
    """Element-wise test for negative infinity."""
    return Tensor._make(np.isneginf(check_tensor(input, "isneginf")._data))


@op(method=True)
def isreal(input: Tensor) -> Tensor:
    """All true: numtorch has no complex dtypes, and every real number is real."""
    return Tensor._make(np.ones(check_tensor(input, "isreal").shape, dtype=bool))


@op(method=True, out=True)
def signbit(input: Tensor) -> Tensor:
    """Whether the sign bit is set (true for ``-0.0``); false for unsigned and bool types."""
    return Tensor._make(np.signbit(check_tensor(input, "signbit")._data))


_ISIN_SIGNATURES = (
    " * (Tensor elements, Tensor test_elements, *, bool assume_unique = False, bool invert = "
    "False, Tensor out = None)\n"
    " * (Number element, Tensor test_elements, *, bool assume_unique = False, bool invert = "
    "False, Tensor out = None)\n"
    " * (Tensor elements, Number test_element, *, bool assume_unique = False, bool invert = "
    "False, Tensor out = None)\n"
)


@op(out=True)
def isin(
    elements: Tensor | float,
    test_elements: Tensor | float,
    *,
    assume_unique: bool = False,
    invert: bool = False,
) -> Tensor:
    """Element-wise test of whether each of ``elements`` is in ``test_elements``.

    Whether each of ``elements`` is in ``test_elements`` (either may be a number), compared
    in their promoted dtype; ``invert`` negates. ``assume_unique`` is accepted (a speed hint)."""
    given = (elements, test_elements)
    if not any(isinstance(x, Tensor) for x in given) or not all(_is_operand(x) for x in given):
        got = ", ".join(type(x).__name__ for x in given)
        raise TypeError(
            f"isin() received an invalid combination of arguments - got ({got}), but expected "
            f"one of:\n{_ISIN_SIGNATURES}"
        )
    for x in given:
        if isinstance(x, Tensor) and x.dtype is _dtype.bool:
            raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    d = _dtype.result_type(elements, test_elements)
    a, b = _as_array(elements, d), _as_array(test_elements, d)
    return Tensor._make(np.isin(a, b, assume_unique=assume_unique, invert=invert))


@op(method=True)
def is_nonzero(input: Tensor) -> bool:
    """The truth of a one-element tensor (PyTorch's error for none or several)."""
    check_tensor(input, "is_nonzero")
    if input.numel() == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if input.numel() > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input._data.reshape(()))


@op(method=True)
def is_same_size(input: Tensor, other: Tensor) -> bool:
    """Whether ``input`` and ``other`` have the same shape."""
    check_tensor(input, "is_same_size")
    check_tensor(other, "is_same_size", "other", 2)
    return input.shape == other.shape


@op(method=True)
def is_signed(input: Tensor) -> bool:
    """Whether ``input``'s dtype is signed (floats and signed integers)."""
    return check_tensor(input, "is_signed").dtype.is_signed


@op(method=True, out=True, inplace=True)
def logical_not(input: Tensor) -> Tensor:
    """Element-wise logical NOT (non-zero is True), as a bool tensor."""
    return Tensor._make(np.logical_not(check_tensor(input, "logical_not")._data))


@op(method=True, out=True, inplace=True)
def logical_and(input: Tensor, other: Tensor) -> Tensor:
    """Element-wise logical AND (non-zero is True), as a bool tensor."""
    return _logical(np.logical_and, input, other, "logical_and")


@op(method=True, out=True, inplace=True)
def logical_or(input: Tensor, other: Tensor) -> Tensor:
    """Element-wise logical OR (non-zero is True), as a bool tensor."""
    return _logical(np.logical_or, input, other, "logical_or")


@op(method=True, out=True, inplace=True)
def logical_xor(input: Tensor, other: Tensor) -> Tensor:
    """Element-wise logical XOR (non-zero is True), as a bool tensor."""
    return _logical(np.logical_xor, input, other, "logical_xor")


def _logical(np_op, input: Tensor, other: Tensor, name: str) -> Tensor:
    """Elementwise truth of two tensors of any dtypes (nonzero is true), broadcast."""
    check_tensor(input, name)
    check_tensor(other, name, "other", 2)
    broadcast_shapes(input.shape, other.shape)
    return Tensor._make(np.asarray(np_op(input._data, other._data)))


# ------------------------------------------------------------ bitwise
def _bitwise(np_op, input: object, other: object, kernel: str) -> Tensor:
    """``np_op`` on the two operands promoted to one integer or bool dtype (PyTorch has no
    float kernels: its NotImplementedError names the kernel); one may be a Python number."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        check_tensor(input, kernel)
    d = _dtype.result_type(input, other)
    if d.is_floating_point or (d is _dtype.bool and kernel in ("lshift", "rshift")):
        raise NotImplementedError(
            f"\"{kernel}_cpu\" not implemented for '{_dtype.scalar_type_name(d)}'"
        )
    a, b = _as_array(input, d), _as_array(other, d)
    broadcast_shapes(a.shape, b.shape)
    return Tensor._make(np.asarray(np_op(a, b)))


@op(method=True, out=True)
def bitwise_not(input: Tensor) -> Tensor:
    """Element-wise bitwise NOT of an integer or bool tensor."""
    check_tensor(input, "bitwise_not")
    if input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"bitwise_not_cpu\" not implemented for '{_dtype.scalar_type_name(input.dtype)}'"
        )
    return Tensor._make(np.invert(input._data))


@op(method=True, out=True)
def bitwise_and(input: Tensor, other: object) -> Tensor:
    """Element-wise bitwise AND of integer or bool tensors."""
    return _bitwise(np.bitwise_and, input, other, "bitwise_and")


@op(method=True, out=True)
def bitwise_or(input: Tensor, other: object) -> Tensor:
    """Element-wise bitwise OR of integer or bool tensors."""
    return _bitwise(np.bitwise_or, input, other, "bitwise_or")


@op(method=True, out=True)
def bitwise_xor(input: Tensor, other: object) -> Tensor:
    """Element-wise bitwise XOR of integer or bool tensors."""
    return _bitwise(np.bitwise_xor, input, other, "bitwise_xor")


@op(method=True, out=True)
def bitwise_left_shift(input: Tensor, other: object) -> Tensor:
    """Element-wise left shift of ``input`` by ``other`` bits.

    ``input * 2**other``, wrapping; a shift by a negative count or by the type's width or
    more gives 0, as in PyTorch (C leaves those undefined)."""
    return _bitwise(_shift_left, input, other, "lshift")


@op(method=True, out=True)
def bitwise_right_shift(input: Tensor, other: object) -> Tensor:
    """Element-wise arithmetic right shift of ``input`` by ``other`` bits.

    Arithmetic shift right; a negative count or one of the type's width or more gives the
    sign (0 or -1), as in PyTorch."""
    return _bitwise(_shift_right, input, other, "rshift")


def _shift_counts(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The counts C can shift by (others replaced by 0) and where they were out of range."""
    out_of_range = (b >= a.dtype.itemsize * 8) | (b < 0)
    return np.where(out_of_range, 0, b).astype(a.dtype), out_of_range


def _shift_left(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    counts, out_of_range = _shift_counts(a, b)
    return np.where(out_of_range, a.dtype.type(0), np.left_shift(a, counts))


def _shift_right(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    counts, out_of_range = _shift_counts(a, b)
    sign = np.where(a < 0, a.dtype.type(-1) if a.dtype.kind == "i" else 0, 0).astype(a.dtype)
    return np.where(out_of_range, sign, np.right_shift(a, counts))


def _bitwise_inplace(name: str, fn: Callable) -> Callable:
    """``Tensor.<name>``: PyTorch refuses a result that can't be cast into ``self`` (a float
    operand into an integer tensor) before it looks for a kernel."""

    def method(self: Tensor, other: object) -> Tensor:
        d = _dtype.result_type(self, other)
        if not _dtype.can_cast(d, self.dtype):
            raise RuntimeError(
                f"result type {_dtype.scalar_type_name(d)} can't be cast to the desired output "
                f"type {_dtype.scalar_type_name(self.dtype)}"
            )
        return inplace(self, fn, other)

    return describe(method, name, fn, f"In-place version of :func:`numtorch.{fn.__name__}`.")


def _reflected(fn: Callable) -> Callable:
    """``number <op> tensor``: ``fn(number, tensor)``; anything else is left to Python."""

    def method(self: Tensor, other: object) -> Tensor:
        return fn(other, self) if _is_operand(other) else NotImplemented

    return method


_BITWISE = {
    "and": bitwise_and,
    "or": bitwise_or,
    "xor": bitwise_xor,
    "lshift": bitwise_left_shift,
    "rshift": bitwise_right_shift,
}
for _op_name, _fn in _BITWISE.items():  # Tensor.bitwise_and_, __rand__, __iand__, ...
    _method = _bitwise_inplace(_fn.__name__ + "_", _fn)
    op(function=False, method=_method, name=_fn.__name__ + "_")(_fn)
    op(function=False, method=_reflected(_fn), name=f"__r{_op_name}__")(_fn)
    op(function=False, method=_method, name=f"__i{_op_name}__")(_fn)
op(function=False, method=bitwise_left_shift, name="__lshift__")(bitwise_left_shift)
op(function=False, method=bitwise_right_shift, name="__rshift__")(bitwise_right_shift)


def _invert(self: Tensor) -> Tensor:
    """``~x``: ``bitwise_not``, with the operator's own TypeError for a float tensor."""
    if self.dtype.is_floating_point:
        raise TypeError(
            "~ (operator.invert) is only implemented on integer and Boolean-type tensors"
        )
    return bitwise_not(self)


op(function=False, method=_invert, name="__invert__")(bitwise_not)


def _bitwise_not_(self: Tensor) -> Tensor:
    """In-place :func:`numtorch.bitwise_not`."""
    return inplace(self, bitwise_not)


op(function=False, method=_bitwise_not_, name="bitwise_not_")(bitwise_not)
