"""Pointwise ops: arithmetic, exponentials and logarithms, trigonometric and hyperbolic maps,
rounding, clamping and selection."""

from __future__ import annotations

import warnings

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
from numtorch._namespace.inplace import inplace
from numtorch.ops import elementwise as ew
from numtorch.ops import elementwise_math as em
from numtorch.ops.destination import writes_into_input
from numtorch.tensor import Tensor


@op(method=True, inplace=True, out=True)
def add(
    input: Tensor | Number, other: Tensor | Number, *legacy: Tensor | Number, alpha: Number = 1
) -> Tensor:
    """``input + alpha * other`` with broadcasting and type promotion.

    PyTorch's deprecated ``add(input, alpha, other)`` form still works, with its warning.
    """
    if legacy:
        other, alpha = _legacy_alpha("add", other, legacy, alpha, function=True)
    if alpha != 1:
        other = mul(other, alpha)
    return elementwise(ew.Add, input, other)


_LEGACY_ADD = {
    "add_": ("add_(Number alpha, Tensor other)", "add_(Tensor other, *, Number alpha = 1)"),
    "add": ("add(Number alpha, Tensor other)", "add(Tensor other, *, Number alpha = 1)"),
    "torch.add": (
        "add(Tensor input, Number alpha, Tensor other, *, Tensor out = None)",
        "add(Tensor input, Tensor other, *, Number alpha = 1, Tensor out = None)",
    ),
}


def _legacy_alpha(name: str, alpha, rest: tuple, kw_alpha, *, function: bool = False) -> tuple:
    """``(other, alpha)`` of the deprecated ``add(alpha, other)`` overload, with PyTorch's
    warning (a ``UserWarning``, word for word) and its errors for other argument lists."""
    if len(rest) > 1 or not isinstance(alpha, Number) or isinstance(alpha, Tensor):
        given = len(rest) + (2 if function else 1)
        raise TypeError(f"{name}() takes {1 + function} positional argument{'s' * function} "
                        f"but {given} were given")  # fmt: skip
    if kw_alpha != 1:
        raise TypeError(
            f"{name}() received an invalid combination of arguments - got unrecognized keyword "
            "arguments: alpha"
        )
    old, new = _LEGACY_ADD["torch.add" if function else name]
    warnings.warn(
        f"This overload of {name} is deprecated:\n\t{old}\nConsider using one of the following "
        f"signatures instead:\n\t{new}",
        UserWarning,
        stacklevel=4 if function else 3,
    )
    return rest[0], alpha


@op(function=False, method=True, name="add")
def _add_method(
    input: Tensor, other: Tensor | Number, *legacy: Tensor | Number, alpha: Number = 1
) -> Tensor:
    """``Tensor.add``: ``add``, with the method's wording for the deprecated overload."""
    if legacy:
        other, alpha = _legacy_alpha("add", other, legacy, alpha)
    return add(input, other, alpha=alpha)


@op(function=False, method=True)  # declared after ``add``: replaces its derived ``add_``
def add_(input: Tensor, other: Tensor | Number, *legacy: Tensor | Number, alpha: Number = 1):
    """``Tensor.add_``: in-place ``add``, with the deprecated ``add_(alpha, other)`` overload."""
    if legacy:
        other, alpha = _legacy_alpha("add_", other, legacy, alpha)
    return inplace(input, add, other, alpha=alpha)


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
    """Element-wise division of ``input`` by ``other``.

    True division (integers give floats), or ``'trunc'``/``'floor'`` rounding (whose
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


@op(method=True, inplace="function", out=True)
def reciprocal(input: Tensor) -> Tensor:
    """Element-wise reciprocal, ``1 / input``.

    ``1 / input``; integers give floats. Its gradient reads the result, so PyTorch's
    ``number / tensor`` (``reciprocal(tensor) * number``) survives a later change to the
    tensor."""
    return unary_float(ew.Reciprocal, input, "reciprocal")


@op(method=True, inplace=True, out=True)
def true_divide(input: Tensor | Number, other: Tensor | Number) -> Tensor:
    """Element-wise true division: :func:`div` with ``rounding_mode=None``."""
    return div(input, other)


@op(method=True, inplace="function", out=True, aliases=("negative",))
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


@op(method=True, inplace="function", out=True)
def square(input: Tensor) -> Tensor:
    """``input ** 2`` (PyTorch's ``square`` is ``pow(input, 2)``)."""
    return pow(input, 2)


@op(method=True, inplace="function", out=True)
def erf(input: Tensor) -> Tensor:
    """The error function, ``2 / sqrt(pi) * integral of exp(-t**2) from 0 to x``."""
    return unary_float(ew.Erf, input, "erf")


@op(method=True, inplace="function", out=True)
def exp(input: Tensor) -> Tensor:
    """Element-wise exponential, ``e ** input``."""
    return unary_float(ew.Exp, input, "exp")


@op(method=True, inplace="function", out=True)
def log(input: Tensor) -> Tensor:
    """Element-wise natural logarithm."""
    return unary_float(ew.Log, input, "log")


@op(method=True, inplace="function", out=True)
def sqrt(input: Tensor) -> Tensor:
    """Element-wise square root."""
    return unary_float(ew.Sqrt, input, "sqrt")


@op(method=True, inplace="function", out=True)
def rsqrt(input: Tensor) -> Tensor:
    """Element-wise reciprocal square root, ``1 / sqrt(input)``."""
    return unary_float(ew.Rsqrt, input, "rsqrt")


@op(method=True, inplace=True, out=True, aliases=("absolute",))
def abs(input: Tensor) -> Tensor:
    """Element-wise absolute value."""
    return ew.Abs.apply(check_tensor(input, "abs"))


@op()
def abs_(input: Tensor) -> Tensor:
    """``torch.abs_(x)`` is ``x.abs_()``; declared alone since PyTorch has no ``absolute_``."""
    return check_tensor(input, "abs_").abs_()


@op(method=True, inplace="function", out=True)
def sigmoid(input: Tensor) -> Tensor:
    """Element-wise logistic sigmoid, ``1 / (1 + exp(-input))``."""
    return unary_float(ew.Sigmoid, input, "sigmoid")


@op(method=True, inplace="function", out=True)
def tanh(input: Tensor) -> Tensor:
    """Element-wise hyperbolic tangent."""
    return unary_float(ew.Tanh, input, "tanh")


@op(method=True, inplace="function")
@writes_into_input
def relu(input: Tensor) -> Tensor:
    """``max(input, 0)``; the gradient at exactly 0 is 0, as in PyTorch."""
    check_tensor(input, "relu")
    if input.dtype is _dtype.bool:
        raise RuntimeError("\"clamp_min_cpu\" not implemented for 'Bool'")
    return ew.Relu.apply(input)


@op(method=True, inplace="function", out=True, aliases=("clip",))
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
    """Element-wise minimum of ``input`` and ``other`` (NaN propagates)."""
    check_tensor(input, "minimum")
    check_tensor(other, "minimum", "other", 2)
    return elementwise(ew.Minimum, input, other)


_ABSENT = object()


@op(out=True)
def where(
    condition: Tensor, input: Tensor | Number = _ABSENT, other: Tensor | Number = _ABSENT
) -> Tensor | tuple:
    """Pick from ``input`` where ``condition`` holds, else from ``other``.

    With the condition alone: ``nonzero(condition, as_tuple=True)``, the indices where it
    holds."""
    check_tensor(condition, "where", "condition", 1)
    if input is _ABSENT or other is _ABSENT:
        return _where_alone(condition, input, other)
    if condition.dtype is not _dtype.bool:
        raise RuntimeError(
            f"where expected condition to be a boolean tensor, but got a tensor with dtype {type_name(condition.dtype)}"
        )
    dt = _dtype.result_type(input, other)
    ops = [operand(v, dt) for v in (input, other)]
    shape = broadcast_shapes(condition.shape, *(np.shape(getattr(o, "_data", o)) for o in ops))
    # the condition goes in as a tensor (it broadcasts in NumPy): a change to it is refused
    return ew.Where.apply(condition, *(expand_if_needed(o, shape) for o in ops))


def _where_alone(condition: Tensor, input: object, other: object) -> tuple:
    given = [a for a in (condition, input, other) if a is not _ABSENT]
    if len(given) > 1:
        got = ", ".join(type(a).__name__ for a in given)
        raise TypeError(
            f"where() received an invalid combination of arguments - got ({got}), but expected "
            "one of:\n * (Tensor condition)\n * (Tensor condition, Tensor input, Tensor other, *, "
            "Tensor out = None)\n * (Tensor condition, Number self, Tensor other)\n * (Tensor "
            "condition, Tensor input, Number other)\n * (Tensor condition, Number self, Number "
            "other)\n"
        )
    found = np.nonzero(np.atleast_1d(condition._data))
    return tuple(Tensor._make(i.astype(np.int64, copy=False)) for i in found)


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


@op(method=True, inplace="function", out=True)
def floor(input: Tensor) -> Tensor:
    """Round down; zero gradient, as PyTorch's."""
    return _step(input, "Floor")


@op(method=True, inplace="function", out=True)
def ceil(input: Tensor) -> Tensor:
    """Round up; zero gradient, as PyTorch's."""
    return _step(input, "Ceil")


@op(method=True, inplace="function", out=True)
def trunc(input: Tensor) -> Tensor:
    """Round toward zero; zero gradient, as PyTorch's."""
    return _step(input, "Trunc")


@op(method=True, inplace="function", out=True)
def fix(input: Tensor) -> Tensor:
    """Alias of ``trunc``."""
    return trunc(input)


@op(method=True, inplace="function", out=True)
def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round half to even (at ``decimals`` places); zero gradient, as PyTorch's."""
    return _step(input, "Round", decimals)


@op(method=True, inplace="function", out=True)
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


# ---------------------------------------------------------------- trigonometric, hyperbolic,
# exponential and logarithmic maps: integers and bools give the default float dtype


@op(method=True, inplace="function", out=True)
def sin(input: Tensor) -> Tensor:
    """Element-wise sine."""
    return unary_float(em.Sin, input, "sin")


@op(method=True, inplace="function", out=True)
def cos(input: Tensor) -> Tensor:
    """Element-wise cosine."""
    return unary_float(em.Cos, input, "cos")


@op(method=True, inplace="function", out=True)
def tan(input: Tensor) -> Tensor:
    """Element-wise tangent."""
    return unary_float(em.Tan, input, "tan")


@op(method=True, inplace="function", out=True, aliases=("arcsin",))
def asin(input: Tensor) -> Tensor:
    """Element-wise inverse sine."""
    return unary_float(em.Asin, input, "asin")


@op(method=True, inplace="function", out=True, aliases=("arccos",))
def acos(input: Tensor) -> Tensor:
    """Element-wise inverse cosine."""
    return unary_float(em.Acos, input, "acos")


@op(method=True, inplace="function", out=True, aliases=("arctan",))
def atan(input: Tensor) -> Tensor:
    """Element-wise inverse tangent."""
    return unary_float(em.Atan, input, "atan")


@op(method=True, inplace="function", out=True)
def sinh(input: Tensor) -> Tensor:
    """Element-wise hyperbolic sine."""
    return unary_float(em.Sinh, input, "sinh")


@op(method=True, inplace="function", out=True)
def cosh(input: Tensor) -> Tensor:
    """Element-wise hyperbolic cosine."""
    return unary_float(em.Cosh, input, "cosh")


@op(method=True, out=True, aliases=("arcsinh",))
def asinh(input: Tensor) -> Tensor:
    """Element-wise inverse hyperbolic sine."""
    return unary_float(em.Asinh, input, "asinh")


@op(method=True, name="asinh_", aliases=("arcsinh_",))
def _asinh_(input: Tensor) -> Tensor:
    """In-place ``asinh``: PyTorch's has no derivative (its node raises in backward)."""
    return inplace(input, lambda x: unary_float(em.AsinhInplace, x, "asinh"))


@op(method=True, out=True, aliases=("arccosh",))
def acosh(input: Tensor) -> Tensor:
    """Element-wise inverse hyperbolic cosine."""
    return unary_float(em.Acosh, input, "acosh")


@op(method=True, name="acosh_", aliases=("arccosh_",))
def _acosh_(input: Tensor) -> Tensor:
    """In-place ``acosh``: PyTorch's has no derivative (its node raises in backward)."""
    return inplace(input, lambda x: unary_float(em.AcoshInplace, x, "acosh"))


@op(method=True, out=True, aliases=("arctanh",))
def atanh(input: Tensor) -> Tensor:
    """Element-wise inverse hyperbolic tangent."""
    return unary_float(em.Atanh, input, "atanh")


@op(method=True, name="atanh_", aliases=("arctanh_",))
def _atanh_(input: Tensor) -> Tensor:
    """In-place ``atanh``: PyTorch's has no derivative (its node raises in backward)."""
    return inplace(input, lambda x: unary_float(em.AtanhInplace, x, "atanh"))


@op(method=True, inplace="function", out=True)
def expm1(input: Tensor) -> Tensor:
    """``exp(input) - 1``, accurate near 0."""
    return unary_float(em.Expm1, input, "expm1")


@op(method=True, inplace="function", out=True)
def log1p(input: Tensor) -> Tensor:
    """``log(1 + input)``, accurate near 0."""
    return unary_float(em.Log1p, input, "log1p")


@op(method=True, inplace="function", out=True)
def log2(input: Tensor) -> Tensor:
    """Element-wise base-2 logarithm."""
    return unary_float(em.Log2, input, "log2")


@op(method=True, inplace="function", out=True)
def log10(input: Tensor) -> Tensor:
    """Element-wise base-10 logarithm."""
    return unary_float(em.Log10, input, "log10")


@op(method=True, inplace="function", out=True)
def exp2(input: Tensor) -> Tensor:
    """Element-wise base-2 exponential, ``2 ** input``."""
    return unary_float(em.Exp2, input, "exp2")


@op(method=True, inplace="function", out=True)
def erfc(input: Tensor) -> Tensor:
    """``1 - erf(input)``, accurate where ``erf`` is near 1."""
    return unary_float(em.Erfc, input, "erfc")


@op(method=True, inplace=True, out=True)
def erfinv(input: Tensor) -> Tensor:
    """The inverse of ``erf`` on ``[-1, 1]`` (±inf at ±1, nan beyond), to float64 rounding."""
    return unary_float(em.Erfinv, input, "erfinv")


@op(method=True, inplace=True, out=True)
def sgn(input: Tensor) -> Tensor:
    """Element-wise sign (PyTorch's ``sgn``, extended to complex numbers there).

    ``sign`` for real tensors (PyTorch's ``sgn`` extends it to complex ones); bools stay
    bools and integers integers; a zero gradient."""
    check_tensor(input, "sgn")
    if not input.dtype.is_floating_point:
        data = input._data.copy() if input.dtype is _dtype.bool else np.sign(input._data)
        return Tensor._make(np.asarray(data))
    return em.Sgn.apply(input)


@op(method=True, inplace="function", out=True)
def clamp_min(input: Tensor, min: Tensor | Number) -> Tensor:
    """``clamp(input, min=min)``, PyTorch's ``ClampMinBackward0`` (``1`` for a tensor bound)."""
    out = clamp(input, min=min)
    return named(out, "ClampMinBackward1" if isinstance(min, Tensor) else "ClampMinBackward0")


@op(method=True, inplace="function", out=True)
def clamp_max(input: Tensor, max: Tensor | Number) -> Tensor:
    """``clamp(input, max=max)``, PyTorch's ``ClampMaxBackward0`` (``1`` for a tensor bound)."""
    out = clamp(input, max=max)
    return named(out, "ClampMaxBackward1" if isinstance(max, Tensor) else "ClampMaxBackward0")


@op(method=True, inplace="function", out=True)
def nan_to_num(
    input: Tensor,
    nan: float = 0.0,
    posinf: float | None = None,
    neginf: float | None = None,
) -> Tensor:
    """Replace NaN, positive and negative infinity with finite numbers.

    nan, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (by default 0 and the
    dtype's largest and lowest finite values); integers and bools come back unchanged."""
    check_tensor(input, "nan_to_num")
    if not input.dtype.is_floating_point:
        return Tensor._make(input._data.copy())
    return em.NanToNum.apply(input, nan, posinf, neginf)


# ---------------------------------------------------------------- binary maps


def _float_operands(name: str, input: object, other: object, *, ints: bool = True) -> tuple:
    """The dtype a binary float op computes in; with ``ints=False`` integer operands are
    refused, as PyTorch's kernels for ``hypot`` and ``logaddexp`` are."""
    if not isinstance(input, Tensor):
        check_tensor(other, name, "other", 2)
    else:
        check_tensor(input, name)
    dt = _dtype.result_type(input, other)
    if not dt.is_floating_point and not ints:
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{type_name(dt)}'")
    return float_type(input, other)


@op(method=True, inplace=True, out=True, aliases=("arctan2",))
def atan2(input: Tensor, other: Tensor) -> Tensor:
    """The angle of the point ``(other, input)``, in ``[-pi, pi]``."""
    check_tensor(input, "atan2")
    check_tensor(other, "atan2", "other", 2)
    return elementwise(em.Atan2, input, other, dt=_float_operands("atan2", input, other))


@op(method=True, inplace=True, out=True)
def hypot(input: Tensor, other: Tensor) -> Tensor:
    """``sqrt(input**2 + other**2)`` without overflow."""
    check_tensor(input, "hypot")
    check_tensor(other, "hypot", "other", 2)
    dt = _float_operands("hypot", input, other, ints=False)
    return elementwise(em.Hypot, input, other, dt=dt)


@op(method=True, out=True)
def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    """``log(exp(input) + exp(other))`` without overflow."""
    check_tensor(input, "logaddexp")
    check_tensor(other, "logaddexp", "other", 2)
    dt = _float_operands("logaddexp", input, other, ints=False)
    return elementwise(em.Logaddexp, input, other, dt=dt)


@op(method=True, inplace="function", out=True)
def xlogy(input: Tensor | Number, other: Tensor | Number) -> Tensor:
    """``input * log(other)``, 0 where ``input`` is 0 (unless ``other`` is nan)."""
    out = elementwise(em.Xlogy, input, other, dt=_float_operands("xlogy", input, other))
    if not isinstance(input, Tensor):
        return named(out, "XlogyBackward1")
    return named(out, "XlogyBackward0" if isinstance(other, Tensor) else "XlogyBackward2")


@op(method=True, inplace=True, out=True)
def lerp(input: Tensor, end: Tensor, weight: Tensor | Number) -> Tensor:
    """``input + weight * (end - input)``, exact at ``weight`` 0 and 1."""
    check_tensor(input, "lerp")
    check_tensor(end, "lerp", "end", 2)
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t.dtype is not input.dtype:
            raise RuntimeError(
                f"expected dtype {type_name(input.dtype).lower()} for `{name}` but got dtype "
                f"{type_name(t.dtype).lower()}"
            )
    if not input.dtype.is_floating_point:
        kernel = "lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(input.dtype)}'")
    if isinstance(weight, Tensor):
        return elementwise(em.LerpTensor, input, end, weight)
    return elementwise(em.Lerp, input, end, weight=float(weight))


@op(method=True, inplace=True, out=True)
def fmod(input: Tensor, other: Tensor | Number) -> Tensor:
    """C's remainder, with the sign of the dividend; differentiable for floats."""
    check_tensor(input, "fmod")
    dt = _dtype.result_type(input, other)
    if dt.is_floating_point:
        out = elementwise(em.Fmod, input, other, dt=dt)
        return named(out, "FmodBackward1" if isinstance(other, Tensor) else "FmodBackward0")
    a, b = (np.asarray(getattr(v, "_data", v), dtype=dt.numpy) for v in (input, other))
    broadcast_shapes(a.shape, b.shape)
    if np.any(b == 0):
        raise RuntimeError("ZeroDivisionError")
    return Tensor._make(np.asarray(np.fmod(a, b)))
