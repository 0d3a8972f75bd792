"""Special functions of the pointwise family (gamma and its relatives, Bessel ``i0``,
incomplete gamma, ``sinc``, ``logit``, ...), and the newer pointwise maps (``copysign``,
``fmax``/``fmin``, ``ldexp``, ``gcd``/``lcm``, ``heaviside``, ``float_power``, ...)."""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from numtorch import _dtype
from numtorch._checks import check_tensor, type_name
from numtorch._namespace._declare import op
from numtorch._namespace._operands import Number, elementwise, float_type, named, unary_float
from numtorch._namespace.inplace import inplace, write_out
from numtorch._namespace.pointwise import div, pow
from numtorch.autograd.grad_mode import is_recording, no_grad
from numtorch.ops import special as sp
from numtorch.tensor import Tensor

return_types_frexp = namedtuple("frexp", ["mantissa", "exponent"])
return_types_frexp_out = namedtuple("frexp_out", ["mantissa", "exponent"])
_C_NAMES = {  # the C++ type names PyTorch's frexp message prints
    "float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
    "bool": "bool", "int8": "signed char", "uint8": "unsigned char", "int16": "short int",
    "int64": "long int",
}  # fmt: skip


# ---------------------------------------------------------------- the gamma family


@op(method=True, inplace=True, out=True)
def lgamma(input: Tensor) -> Tensor:
    """``log|gamma(input)|`` (inf at 0 and the negative integers); gradient ``digamma``."""
    return unary_float(sp.Lgamma, input, "lgamma")


@op(method=True, inplace=True, out=True)
def digamma(input: Tensor) -> Tensor:
    """The logarithmic derivative of gamma; gradient ``polygamma(1, input)``."""
    return unary_float(sp.Digamma, input, "digamma")


@op(out=True)
def polygamma(n: int, input: Tensor) -> Tensor:
    """The ``n``-th derivative of ``digamma`` (``n >= 0``); gradient ``polygamma(n + 1)``."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(
            f"polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}"
        )
    check_tensor(input, "polygamma", "input", 2)
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    x = input if input.dtype.is_floating_point else input.to(_dtype.get_default_dtype())
    return sp.Polygamma.apply(x, int(n))


@op(function=False, method=True, name="polygamma")
def _polygamma_method(input: Tensor, n: int) -> Tensor:
    """``Tensor.polygamma(n)``: ``torch.polygamma(n, self)``."""
    return polygamma(n, input)


@op(function=False, method=True)
def polygamma_(input: Tensor, n: int) -> Tensor:
    """In-place ``polygamma(n, self)``."""
    return inplace(input, _polygamma_method, n)


@op(method=True, inplace=True, out=True)
def mvlgamma(input: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma function of dimension ``p``.

    The multivariate log-gamma of dimension ``p``: ``sum_i lgamma(input - i / 2)`` plus
    ``p (p - 1) / 4 log(pi)``."""
    check_tensor(input, "mvlgamma")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    x = input if input.dtype.is_floating_point else input.to(_dtype.get_default_dtype())
    return sp.Mvlgamma.apply(x, int(p))


@op(method=True, inplace="function", out=True)
def i0(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind, order 0; gradient ``i1``."""
    return unary_float(sp.I0, input, "i0")


def _incomplete_gamma(kind: type, name: str, input: Tensor, other: Tensor) -> Tensor:
    check_tensor(input, name)
    check_tensor(other, name, "other", 2)
    dt = _dtype.result_type(input, other)
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{type_name(dt)}'")
    return elementwise(kind, input, other, dt=dt)


@op(method=True, out=True)
def igamma(input: Tensor, other: Tensor) -> Tensor:
    """The regularised lower incomplete gamma function ``P(input, other)``.

    The regularised lower incomplete gamma ``P(input, other)``; only ``other`` has a
    gradient (PyTorch's node raises for ``input``'s)."""
    return _incomplete_gamma(sp.Igamma, "igamma", input, other)


@op(method=True, out=True)
def igammac(input: Tensor, other: Tensor) -> Tensor:
    """The regularised upper incomplete gamma ``Q(input, other) = 1 - P(input, other)``."""
    return _incomplete_gamma(sp.Igammac, "igammac", input, other)


@op(function=False, method=True)
def igamma_(input: Tensor, other: Tensor) -> Tensor:
    """In-place ``igamma``."""
    return inplace(input, igamma, other)


@op(function=False, method=True)
def igammac_(input: Tensor, other: Tensor) -> Tensor:
    """In-place ``igammac``."""
    return inplace(input, igammac, other)


# ---------------------------------------------------------------- unary maps


@op(method=True, inplace="function", out=True)
def sinc(input: Tensor) -> Tensor:
    """The normalised sinc, ``sin(pi x) / (pi x)`` (1 at 0)."""
    return unary_float(sp.Sinc, input, "sinc")


@op(method=True, inplace="function", out=True)
def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """``log(p / (1 - p))``, ``p`` clamped to ``[eps, 1 - eps]`` when ``eps`` is given."""
    check_tensor(input, "logit")
    x = input if input.dtype.is_floating_point else input.to(_dtype.get_default_dtype())
    return sp.Logit.apply(x, None if eps is None else float(eps))


@op(method=True, inplace="function", out=True)
def deg2rad(input: Tensor) -> Tensor:
    """Degrees to radians."""
    return unary_float(sp.Deg2Rad, input, "deg2rad")


@op(method=True, inplace="function", out=True)
def rad2deg(input: Tensor) -> Tensor:
    """Radians to degrees."""
    return unary_float(sp.Rad2Deg, input, "rad2deg")


@op(method=True, out=True)
def angle(input: Tensor) -> Tensor:
    """The argument of each element: ``pi`` for negative reals, else 0; a zero gradient."""
    return unary_float(sp.Angle, input, "angle")


@op(method=True)
def positive(input: Tensor) -> Tensor:
    """``+input``: the tensor itself (bool tensors refused, as PyTorch's)."""
    check_tensor(input, "positive")
    if input.dtype is _dtype.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


@op()
def real(input: Tensor) -> Tensor:
    """The real part: a real tensor itself."""
    return check_tensor(input, "real")


@op(function=False, method=property(real), name="real")
def _real_property(input: Tensor) -> Tensor:
    """``Tensor.real`` is a property in PyTorch: the tensor itself for a real tensor."""
    return input


@op(method=True)
def frexp(input: Tensor, *, out: tuple | None = None) -> tuple:
    """Decompose ``input`` into mantissas and exponents of 2.

    ``(mantissa, exponent)`` with ``input = mantissa * 2**exponent``, ``|mantissa|`` in
    ``[0.5, 1)``; the exponent is int32. ``out=(mantissa, exponent)`` writes into two tensors."""
    check_tensor(input, "frexp")
    if not input.dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    if out is None:
        return return_types_frexp(*sp.Frexp.apply(input))
    if not isinstance(out, (tuple, list)) or not all(isinstance(t, Tensor) for t in out):
        raise TypeError(
            f"frexp(): argument 'out' must be tuple of Tensors, not {type(out).__name__}"
        )
    if out[1].dtype is not _dtype.int32:
        c_name = _C_NAMES.get(out[1].dtype.name, out[1].dtype.name)
        raise RuntimeError(f"torch.frexp() expects exponent to have int dtype but got {c_name}")
    result = sp.Frexp.apply(input)
    written = (write_out(t, r, "frexp") for t, r in zip(out, result))
    return return_types_frexp_out(*written)


@op(method=True, out=True)
def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``input`` where ``|input| > lambd``, else 0."""
    check_tensor(input, "hardshrink")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"hardshrink_cpu\" not implemented for '{type_name(input.dtype)}'"
        )
    return sp.Hardshrink.apply(input, float(lambd))


@op(out=True)
def threshold(input: Tensor, threshold: Number, value: Number) -> Tensor:
    """``value`` where ``input <= threshold``, else ``input``."""
    check_tensor(input, "threshold")
    return sp.Threshold.apply(input, _number(threshold), _number(value))


@op()
def threshold_(input: Tensor, threshold: Number, value: Number) -> Tensor:
    """In-place ``threshold`` (``ThresholdBackward1``, as PyTorch's)."""
    check_tensor(input, "threshold_")
    out = inplace(input, globals()["threshold"], threshold, value)
    return named(out, "ThresholdBackward1")


def _number(v: object) -> object:
    return v.item() if isinstance(v, Tensor) else v


# ---------------------------------------------------------------- binary maps


def _tensors(name: str, input: object, other: object, other_name: str = "other") -> None:
    check_tensor(input, name)
    check_tensor(other, name, other_name, 2)


def _floats_only(name: str, input: Tensor, other: Tensor) -> _dtype.dtype:
    """The promoted dtype of a kernel PyTorch has for floating types only."""
    dt = _dtype.result_type(input, other)
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{type_name(dt)}'")
    return dt


def _without_derivative(result: Tensor, name: str, *inputs: object) -> Tensor:
    """``result`` with PyTorch's ``NotImplemented`` node when an input needs a gradient."""
    tensors = [t for t in inputs if isinstance(t, Tensor)]
    if not (is_recording() and any(t.requires_grad for t in tensors)):
        return result
    return sp.NotImplementedNode.apply(*tensors, value=result._data, op=name)


@op(method=True, inplace=True, out=True)
def copysign(input: Tensor, other: Tensor | Number) -> Tensor:
    """``|input|`` with ``other``'s sign; always floating point."""
    check_tensor(input, "copysign")
    out = elementwise(sp.Copysign, input, other, dt=float_type(input, other))
    return named(out, "CopysignBackward0" if isinstance(other, Tensor) else "CopysignBackward1")


@op(method=True, out=True)
def fmax(input: Tensor, other: Tensor) -> Tensor:
    """Element-wise maximum that ignores nan (nan only where both are)."""
    _tensors("fmax", input, other)
    return elementwise(sp.Fmax, input, other)


@op(method=True, out=True)
def fmin(input: Tensor, other: Tensor) -> Tensor:
    """Element-wise minimum that ignores nan (nan only where both are)."""
    _tensors("fmin", input, other)
    return elementwise(sp.Fmin, input, other)


@op(method=True, inplace="function", out=True)
def ldexp(input: Tensor, other: Tensor) -> Tensor:
    """``input * 2**other``; integers give floats."""
    _tensors("ldexp", input, other)
    int_exponent = not other.dtype.is_floating_point
    return elementwise(
        sp.Ldexp, input, other, dt=float_type(input, other), int_exponent=int_exponent
    )


@op(method=True, out=True)
def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    """``log2(2**input + 2**other)`` without overflow."""
    _tensors("logaddexp2", input, other)
    return elementwise(sp.Logaddexp2, input, other, dt=_floats_only("logaddexp2", input, other))


@op(method=True, inplace=True, out=True)
def nextafter(input: Tensor, other: Tensor) -> Tensor:
    """The next floating-point value after ``input`` towards ``other``."""
    _tensors("nextafter", input, other)
    return elementwise(sp.Nextafter, input, other, dt=_floats_only("nextafter", input, other))


def _gcd_lcm(name: str, fn: np.ufunc, input: Tensor, other: Tensor) -> Tensor:
    _tensors(name, input, other)
    dt = _dtype.result_type(input, other)
    if dt.is_floating_point or dt is _dtype.bool:
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{type_name(dt)}'")
    a, b = (np.asarray(t._data, dtype=dt.numpy) for t in (input, other))
    return Tensor._make(np.asarray(fn(a, b), dtype=dt.numpy))


@op(method=True, out=True)
def gcd(input: Tensor, other: Tensor) -> Tensor:
    """The greatest common divisor (non-negative), of integer tensors."""
    return _gcd_lcm("gcd", np.gcd, input, other)


@op(method=True, out=True)
def lcm(input: Tensor, other: Tensor) -> Tensor:
    """The least common multiple (non-negative), of integer tensors."""
    return _gcd_lcm("lcm", np.lcm, input, other)


@op(method=True)
def gcd_(input: Tensor, other: Tensor) -> Tensor:
    """In-place ``gcd`` (``torch.gcd_`` and ``Tensor.gcd_``)."""
    return inplace(check_tensor(input, "gcd_"), gcd, other)


@op(method=True)
def lcm_(input: Tensor, other: Tensor) -> Tensor:
    """In-place ``lcm`` (``torch.lcm_`` and ``Tensor.lcm_``)."""
    return inplace(check_tensor(input, "lcm_"), lcm, other)


@op(method=True, out=True)
def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """The Heaviside step function, with ``values`` at zero.

    The step function: 0 below zero, 1 above, ``values`` at zero; no derivative (PyTorch's
    node raises in backward)."""
    _tensors("heaviside", input, values, "values")
    if input.dtype is not values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    x, v = input._data, values._data
    out = np.where(x == 0, v, x > 0).astype(x.dtype)
    return _without_derivative(Tensor._make(np.asarray(out)), "heaviside", input, values)


@op(function=False, method=True)
def heaviside_(input: Tensor, values: Tensor) -> Tensor:
    """In-place ``heaviside``."""
    return inplace(input, heaviside, values)


@op(method=True, out=True)
def floor_divide(input: Tensor | Number, other: Tensor | Number) -> Tensor:
    """``floor(input / other)``; no derivative (PyTorch's node raises in backward)."""
    if not isinstance(input, Tensor):
        check_tensor(other, "floor_divide", "other", 2)
    with no_grad():
        out = div(input, other, rounding_mode="floor")
    return _without_derivative(out, "floor_divide", input, other)


@op(function=False, method=True)
def floor_divide_(input: Tensor, other: Tensor | Number) -> Tensor:
    """In-place ``floor_divide``."""
    return inplace(input, floor_divide, other)


@op(method=True, out=True)
def float_power(input: Tensor | Number, exponent: Tensor | Number) -> Tensor:
    """``input ** exponent`` computed in double precision (the result is float64)."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(
            "float_power() received an invalid combination of arguments - got "
            f"({type(input).__name__}, {type(exponent).__name__}), but expected one of:\n"
            " * (Tensor input, Tensor exponent, *, Tensor out = None)\n"
            " * (Number self, Tensor exponent, *, Tensor out = None)\n"
            " * (Tensor input, Number exponent, *, Tensor out = None)\n"
        )
    base, power = (
        v.to(_dtype.float64) if isinstance(v, Tensor) else float(v) for v in (input, exponent)
    )
    return pow(base, power)


@op(function=False, method=True)
def float_power_(input: Tensor, exponent: Tensor | Number) -> Tensor:
    """In-place ``float_power``: only a float64 tensor can hold its result."""
    if input.dtype is not _dtype.float64:
        raise RuntimeError(
            f"the base given to float_power_ has dtype {type_name(input.dtype)} but the "
            "operation's result requires dtype Double"
        )
    return inplace(input, float_power, exponent)


# ---------------------------------------------------------------- complex views of real tensors


@op(method=True)
def conj(input: Tensor) -> Tensor:
    """The complex conjugate: a real tensor itself."""
    return check_tensor(input, "conj")


@op(method=True)
def conj_physical(input: Tensor) -> Tensor:
    """The conjugate, materialised: a real tensor itself."""
    return check_tensor(input, "conj_physical")


@op(method=True)
def conj_physical_(input: Tensor) -> Tensor:
    """In-place conjugate: nothing to change in a real tensor."""
    return check_tensor(input, "conj_physical_")


@op(method=True)
def resolve_conj(input: Tensor) -> Tensor:
    """Materialise a lazy conjugation: a real tensor has none."""
    return check_tensor(input, "resolve_conj")


@op(method=True)
def resolve_neg(input: Tensor) -> Tensor:
    """Materialise a lazy negation: a real tensor has none."""
    return check_tensor(input, "resolve_neg")


@op()
def imag(input: Tensor) -> Tensor:
    """The imaginary part, which PyTorch refuses for a real tensor."""
    check_tensor(input, "imag")
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


@op(function=False, method=property(imag), name="imag")
def _imag_property(input: Tensor) -> Tensor:
    """``Tensor.imag`` is a property in PyTorch (refused for a real tensor)."""
    return imag(input)
