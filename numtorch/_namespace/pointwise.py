"""Pointwise ops: arithmetic, exponentials, rounding, clamping and selection."""

from __future__ import annotations

import numpy as np

from numtorch import _dtype
from numtorch._checks import (
    check_tensor,
    type_name,
)
from numtorch._namespace._declare import op
from numtorch._namespace._operands import (
    Number,
    as_like,
    broadcast_shapes,
    elementwise,
    expand_if_needed,
    float_type,
    named,
    operand,
    unary_float,
)
from numtorch.ops import elementwise as ew
from numtorch.tensor import Tensor


@op(method=True, inplace=True, out=True)
def add(input: Tensor | Number, other: Tensor | Number, *, alpha: Number = 1) -> Tensor:
    """``input + alpha * other`` with broadcasting and type promotion."""
    if alpha != 1:
        other = mul(other, alpha)
    return elementwise(ew.Add, input, other)


@op(method=True, inplace=True, out=True, aliases=("subtract",))
def sub(input: Tensor | Number, other: Tensor | Number, *, alpha: Number = 1) -> Tensor:
    """``input - alpha * other``."""
    if _dtype.result_type(input, other) is _dtype.bool:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    if alpha != 1:
        other = mul(other, alpha)
    return elementwise(ew.Sub, input, other)


@op(method=True, inplace=True, out=True, aliases=("multiply",))
def mul(input: Tensor | Number, other: Tensor | Number) -> Tensor:
    """Element-wise product."""
    return elementwise(ew.Mul, input, other)


@op(method=True, inplace=True, out=True, aliases=("divide",))
def div(
    input: Tensor | Number, other: Tensor | Number, *, rounding_mode: str | None = None
) -> Tensor:
    """True division (integers give floats), or ``'trunc'``/``'floor'`` rounding (whose
    gradient is zero, as in PyTorch)."""
    if rounding_mode is None:
        return elementwise(ew.Div, input, other, dt=float_type(input, other))
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"'{rounding_mode}'"
        )
    dt = _dtype.result_type(input, other)
    if not dt.is_floating_point and np.any(np.asarray(getattr(other, "_data", other)) == 0):
        raise RuntimeError("ZeroDivisionError")
    return elementwise(ew.RoundedDiv, input, other, dt=dt, mode=rounding_mode)


@op()
def rsub(input: Tensor, other: Tensor | Number, *, alpha: Number = 1) -> Tensor:
    """``other - alpha * input``: PyTorch's reflected subtraction (``number - tensor``)."""
    check_tensor(input, "rsub")
    out = sub(other, input, alpha=alpha)
    return named(out, "RsubBackward0" if isinstance(other, Tensor) else "RsubBackward1")


@op(method=True, inplace=True, out=True)
def reciprocal(input: Tensor) -> Tensor:
    """``1 / input``; integers give floats. Its gradient reads the result, so PyTorch's
    ``number / tensor`` (``reciprocal(tensor) * number``) survives a later change to the
    tensor."""
    return unary_float(ew.Reciprocal, input, "reciprocal")


@op(method=True, inplace=True, out=True)
def true_divide(input: Tensor | Number, other: Tensor | Number) -> Tensor:
    return div(input, other)


@op(method=True, inplace=True, out=True, aliases=("negative",))
def neg(input: Tensor) -> Tensor:
    """``-input``."""
    check_tensor(input, "neg")
    if input.dtype is _dtype.bool:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return ew.Neg.apply(input)


@op(method=True, inplace=True, out=True)
def pow(input: Tensor | Number, exponent: Tensor | Number) -> Tensor:
    """``input ** exponent``, element-wise."""
    if isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        if not input.dtype.is_floating_point and isinstance(exponent, int) and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    out = elementwise(ew.Pow, input, exponent)
    # PyTorch's overloads: Tensor_Scalar (PowBackward0), Tensor_Tensor (1) and Scalar (2)
    if not isinstance(exponent, Tensor):
        return out
    return named(out, "PowBackward1" if isinstance(input, Tensor) else "PowBackward2")


@op(method=True, inplace=True, out=True)
def square(input: Tensor) -> Tensor:
    """``input ** 2`` (PyTorch's ``square`` is ``pow(input, 2)``)."""
    return pow(input, 2)


@op(method=True, inplace=True, out=True)
def erf(input: Tensor) -> Tensor:
    """The error function, ``2 / sqrt(pi) * integral of exp(-t**2) from 0 to x``."""
    return unary_float(ew.Erf, input, "erf")


@op(method=True, inplace=True, out=True)
def exp(input: Tensor) -> Tensor:
    return unary_float(ew.Exp, input, "exp")


@op(method=True, inplace=True, out=True)
def log(input: Tensor) -> Tensor:
    return unary_float(ew.Log, input, "log")


@op(method=True, inplace=True, out=True)
def sqrt(input: Tensor) -> Tensor:
    return unary_float(ew.Sqrt, input, "sqrt")


@op(method=True, inplace=True, out=True)
def rsqrt(input: Tensor) -> Tensor:
    return unary_float(ew.Rsqrt, input, "rsqrt")


@op(method=True, inplace=True, out=True, aliases=("absolute",))
def abs(input: Tensor) -> Tensor:
    return ew.Abs.apply(check_tensor(input, "abs"))


@op(method=True, inplace=True, out=True)
def sigmoid(input: Tensor) -> Tensor:
    return unary_float(ew.Sigmoid, input, "sigmoid")


@op(method=True, inplace=True, out=True)
def tanh(input: Tensor) -> Tensor:
    return unary_float(ew.Tanh, input, "tanh")


@op(method=True, inplace=True)
def relu(input: Tensor) -> Tensor:
    """``max(input, 0)``; the gradient at exactly 0 is 0, as in PyTorch."""
    check_tensor(input, "relu")
    if input.dtype is _dtype.bool:
        raise RuntimeError("\"clamp_min_cpu\" not implemented for 'Bool'")
    return ew.Relu.apply(input)


@op(method=True, inplace=True, out=True, aliases=("clip",))
def clamp(input: Tensor, min: Number | None = None, max: Number | None = None) -> Tensor:
    """Limit values to ``[min, max]``; either bound may be None, but not both."""
    check_tensor(input, "clamp")
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _clamp_tensor(input, min, max)
    dt = _dtype.result_type(input, *(b for b in (min, max) if b is not None))
    x = input if input.dtype is dt else input.to(dt)
    return ew.Clamp.apply(x, min, max)


def _clamp_tensor(input: Tensor, lo: Tensor | Number | None, hi: Tensor | Number | None) -> Tensor:
    """``clamp`` with tensor bounds: one node, PyTorch's ``ClampBackward0``."""
    bounds = [as_like(b, input) if b is not None else None for b in (lo, hi)]
    dt = _dtype.result_type(input, *(b for b in bounds if b is not None))
    ops = [operand(v, dt) if v is not None else None for v in (input, *bounds)]
    shapes = [np.shape(getattr(o, "_data", o)) for o in ops if o is not None]
    shape = broadcast_shapes(*shapes)
    return ew.ClampTensor.apply(*(None if o is None else expand_if_needed(o, shape) for o in ops))


@op(method=True, out=True)
def maximum(input: Tensor, other: Tensor) -> Tensor:
    """Element-wise maximum of two tensors (gradient split evenly on ties)."""
    check_tensor(input, "maximum")
    check_tensor(other, "maximum", "other", 2)
    return elementwise(ew.Maximum, input, other)


@op(method=True, out=True)
def minimum(input: Tensor, other: Tensor) -> Tensor:
    check_tensor(input, "minimum")
    check_tensor(other, "minimum", "other", 2)
    return elementwise(ew.Minimum, input, other)


@op(out=True)
def where(condition: Tensor, input: Tensor | Number, other: Tensor | Number) -> Tensor:
    """Pick from ``input`` where ``condition`` holds, else from ``other``."""
    check_tensor(condition, "where", "condition", 1)
    if condition.dtype is not _dtype.bool:
        raise RuntimeError(
            f"where expected condition to be a boolean tensor, but got a tensor with dtype {type_name(condition.dtype)}"
        )
    dt = _dtype.result_type(input, other)
    ops = [operand(v, dt) for v in (input, other)]
    shape = broadcast_shapes(condition.shape, *(np.shape(getattr(o, "_data", o)) for o in ops))
    # the condition goes in as a tensor (it broadcasts in NumPy): a change to it is refused
    return ew.Where.apply(condition, *(expand_if_needed(o, shape) for o in ops))


@op(function=False, method=True, name="where")
def _where_method(input: Tensor, condition: Tensor, other: Tensor | Number) -> Tensor:
    """``Tensor.where(condition, other)``: ``torch.where(condition, self, other)``."""
    return where(condition, input, other)


def _step(input: Tensor, kind: str, decimals: int = 0) -> Tensor:
    check_tensor(input, kind.lower())
    if input.dtype is _dtype.bool and kind != "Sign":
        raise NotImplementedError(f"\"{kind.lower()}_vml_cpu\" not implemented for 'Bool'")
    return ew.Step.apply(input, kind, decimals)


@op(method=True, inplace=True, out=True)
def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element (0 for NaN); zero gradient, as PyTorch's."""
    return _step(input, "Sign")


@op(method=True, inplace=True, out=True)
def floor(input: Tensor) -> Tensor:
    """Round down; zero gradient, as PyTorch's."""
    return _step(input, "Floor")


@op(method=True, inplace=True, out=True)
def ceil(input: Tensor) -> Tensor:
    """Round up; zero gradient, as PyTorch's."""
    return _step(input, "Ceil")


@op(method=True, inplace=True, out=True)
def trunc(input: Tensor) -> Tensor:
    """Round toward zero; zero gradient, as PyTorch's."""
    return _step(input, "Trunc")


@op(method=True, inplace=True, out=True)
def fix(input: Tensor) -> Tensor:
    """Alias of ``trunc``."""
    return trunc(input)


@op(method=True, inplace=True, out=True)
def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round half to even (at ``decimals`` places); zero gradient, as PyTorch's."""
    return _step(input, "Round", decimals)


@op(method=True, inplace=True, out=True)
def frac(input: Tensor) -> Tensor:
    """``input - trunc(input)`` (floating point only); the gradient passes through."""
    check_tensor(input, "frac")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{type_name(input.dtype)}'")
    return ew.Frac.apply(input)


@op(method=True, inplace=True, out=True)
def remainder(input: Tensor | Number, other: Tensor | Number) -> Tensor:
    """Python-style modulus (sign of the divisor); differentiable for floats."""
    dt = _dtype.result_type(input, other)
    if dt.is_floating_point:
        out = elementwise(ew.Remainder, input, other, dt=dt)
        return named(
            out, "RemainderBackward1" if isinstance(other, Tensor) else "RemainderBackward0"
        )
    a, b = (np.asarray(getattr(v, "_data", v), dtype=dt.numpy) for v in (input, other))
    if np.any(b == 0):
        raise RuntimeError("ZeroDivisionError")
    return Tensor._make(np.asarray(np.mod(a, b)))
