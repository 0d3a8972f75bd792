"""Element-wise maths beyond arithmetic: trigonometric and hyperbolic functions, exponential
and logarithm variants, the error functions, ``sgn``, ``nan_to_num``, and the binary maps
(``atan2``, ``hypot``, ``logaddexp``, ``xlogy``, ``lerp``, ``fmod``). Each saves what PyTorch's
backward saves (``_OfInput``: the input; ``_OfResult``: the result)."""

from __future__ import annotations

import math

import numpy as np

from numtorch.autograd.graph import Primitive
from numtorch.ops.elementwise import _erf

# ---------------------------------------------------------------- unary maps (PyTorch's
# derivatives.yaml formulas, so inf and nan come out where PyTorch's do at domain edges)

_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_erfc = np.frompyfunc(math.erfc, 1, 1)


def _rsqrt(v: np.ndarray) -> np.ndarray:
    return 1 / np.sqrt(v)


class _OfInput(Primitive):
    """``f(x)`` whose derivative ``df(x)`` reads the input (PyTorch's node keeps ``self``)."""

    @staticmethod
    def f(x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def df(x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        with np.errstate(all="ignore"):
            return np.asarray(type(ctx).f(x), dtype=x.dtype)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        with np.errstate(all="ignore"):
            return np.asarray(g * type(ctx).df(x), dtype=g.dtype)


class _OfResult(Primitive):
    """``f(x)`` whose derivative ``df(out)`` reads the result (PyTorch keeps ``result``)."""

    @staticmethod
    def f(x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def df(out: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            out = np.asarray(type(ctx).f(x), dtype=x.dtype)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        with np.errstate(all="ignore"):
            return np.asarray(g * type(ctx).df(out), dtype=g.dtype)


class Sin(_OfInput):
    f, df = staticmethod(np.sin), staticmethod(np.cos)


class Cos(_OfInput):
    f = staticmethod(np.cos)
    df = staticmethod(lambda x: -np.sin(x))


class Tan(_OfResult):
    f = staticmethod(np.tan)
    df = staticmethod(lambda out: 1 + out * out)


class Asin(_OfInput):
    f = staticmethod(np.arcsin)
    df = staticmethod(lambda x: _rsqrt(-x * x + 1))


class Acos(_OfInput):
    f = staticmethod(np.arccos)
    df = staticmethod(lambda x: -_rsqrt(-x * x + 1))


class Atan(_OfInput):
    f = staticmethod(np.arctan)
    df = staticmethod(lambda x: 1 / (x * x + 1))


class Sinh(_OfInput):
    f, df = staticmethod(np.sinh), staticmethod(np.cosh)


class Cosh(_OfInput):
    f, df = staticmethod(np.cosh), staticmethod(np.sinh)


class Asinh(_OfInput):
    f = staticmethod(np.arcsinh)
    df = staticmethod(lambda x: _rsqrt(x * x + 1))


class Acosh(_OfInput):
    f = staticmethod(np.arccosh)
    df = staticmethod(lambda x: _rsqrt(x * x - 1))


class Atanh(_OfInput):
    f = staticmethod(np.arctanh)
    df = staticmethod(lambda x: 1 / (1 - x * x))


def _inplace_without_derivative(base: type) -> type:
    """``base``'s map for PyTorch's in-place ``asinh_``, ``acosh_`` and ``atanh_``, which have
    no derivative: the node (``AsinhBackward1``, ...) raises PyTorch's error in backward."""
    op = base.__name__.lower()

    class Inplace(Primitive):
        @staticmethod
        def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
            with np.errstate(all="ignore"):
                return np.asarray(base.f(x), dtype=x.dtype)

        @staticmethod
        def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
            raise NotImplementedError(
                f"the derivative for 'inplace version of {op}' is not implemented."
            )

        def name(self) -> str:
            return self.__dict__.get("_name") or f"{base.__name__}Backward1"

    Inplace.__name__ = Inplace.__qualname__ = f"{base.__name__}Inplace"
    return Inplace


AsinhInplace = _inplace_without_derivative(Asinh)
AcoshInplace = _inplace_without_derivative(Acosh)
AtanhInplace = _inplace_without_derivative(Atanh)


class Expm1(_OfResult):
    f = staticmethod(np.expm1)
    df = staticmethod(lambda out: out + 1)


class Exp2(_OfResult):
    f = staticmethod(np.exp2)
    df = staticmethod(lambda out: out * _LN2)


class Log1p(_OfInput):
    f = staticmethod(np.log1p)
    df = staticmethod(lambda x: 1 / (x + 1))

    def name(self) -> str:
        return self.__dict__.get("_name") or "Log1PBackward0"


class Log2(_OfInput):
    f = staticmethod(np.log2)
    df = staticmethod(lambda x: 1 / (x * _LN2))


class Log10(_OfInput):
    f = staticmethod(np.log10)
    df = staticmethod(lambda x: 1 / (x * _LN10))


class Erfc(_OfInput):
    f = staticmethod(lambda x: np.asarray(_erfc(x) if x.size else x, dtype=np.float64))
    df = staticmethod(lambda x: -_TWO_OVER_SQRT_PI * np.exp(-x * x))


def erfinv(y: np.ndarray) -> np.ndarray:
    """The inverse error function to float64 rounding: Giles' single-precision approximation
    ("Approximating the erfinv function", 2010), then Halley steps (cubic convergence). Each step measures the
    residual as ``erf(x) - y`` where ``|y| <= 0.5`` and as ``erfc(|x|) - (1 - |y|)`` beyond
    (``1 - |y|`` is exact there), so no accuracy is lost to cancellation near +-1."""
    y64 = np.asarray(y, dtype=np.float64)
    a = np.abs(y64)
    with np.errstate(all="ignore"):
        w = -np.log((1 - a) * (1 + a))
        ws = w - 2.5
        p = 2.81022636e-08
        for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                  -0.00417768164, 0.246640727, 1.50140941):  # fmt: skip
            p = p * ws + c
        wl = np.sqrt(w) - 3.0
        q = -0.000200214257
        for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
                  0.00943887047, 1.00167406, 2.83297682):  # fmt: skip
            q = q * wl + c
        x = np.where(w < 5.0, p, q) * a  # erfinv(|y|) >= 0
        near_one = a > 0.5
        for _ in range(12):  # two or three steps; a few more far in the tail, where w > 25
            finite = np.isfinite(x) & (a < 1)
            xs = np.where(finite, x, 0.0)
            r = np.where(
                near_one,
                (1 - a) - np.asarray(_erfc(xs) if xs.size else xs, dtype=np.float64),
                np.asarray(_erf(xs) if xs.size else xs, dtype=np.float64) - a,
            )
            dx = r / (_TWO_OVER_SQRT_PI * np.exp(-xs * xs))
            step = np.where(finite, dx / (1 + xs * dx), 0.0)
            x = x - step
            if not np.any(np.abs(step) > 1e-16 * np.abs(x)):
                break
        x = np.where(a == 1, np.inf, np.where(a > 1, np.nan, x))
        return np.asarray(np.copysign(x, y64), dtype=np.asarray(y).dtype)


class Erfinv(_OfInput):
    f = staticmethod(erfinv)
    df = staticmethod(lambda x: (0.5 * math.sqrt(math.pi)) * np.exp(np.square(erfinv(x))))


class Sgn(Primitive):
    """``sgn(x)`` of a real tensor: its gradient is zero, but PyTorch's node keeps the input
    and the result (its formula serves complex numbers too)."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        out = np.asarray(np.where(np.isnan(x), 0, np.sign(x)), dtype=x.dtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        return np.zeros_like(g)


class NanToNum(Primitive):
    """Replace nan, +inf and -inf by finite numbers; the gradient passes where ``x`` is
    finite (PyTorch's ``grad * isfinite(self)``)."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, nan: float, posinf, neginf) -> np.ndarray:
        ctx.save_for_backward(x)
        info = np.finfo(x.dtype)
        posinf = info.max if posinf is None else posinf
        neginf = info.min if neginf is None else neginf
        out = np.where(np.isnan(x), nan, np.where(x == np.inf, posinf, x))
        return np.asarray(np.where(x == -np.inf, neginf, out), dtype=x.dtype)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (x,) = ctx.saved_tensors
        return np.where(np.isfinite(x), g, np.zeros((), g.dtype)), None, None, None


# ---------------------------------------------------------------- binary maps


class Atan2(Primitive):
    """``arctan2(a, b)``; both gradients read both operands (0 at the origin)."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return np.asarray(np.arctan2(a, b))

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        a, b = ctx.saved_tensors
        with np.errstate(all="ignore"):
            recip = 1 / (a * a + b * b)
            recip = np.where(np.isinf(recip), 0, recip)  # PyTorch's gradient at the origin is 0
            ga = g * b * recip if ctx.needs_input_grad[0] else None
            gb = g * -a * recip if ctx.needs_input_grad[1] else None
        return ga, gb


class Hypot(Primitive):
    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.asarray(np.hypot(a, b))
        need_a, need_b = ctx.needs_input_grad  # each gradient reads its own operand
        ctx.save_for_backward(a if need_a else None, b if need_b else None, out)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        a, b, out = ctx.saved_tensors
        with np.errstate(all="ignore"):
            ga = g * a / out if ctx.needs_input_grad[0] else None
            gb = g * b / out if ctx.needs_input_grad[1] else None
        return ga, gb


class Logaddexp(Primitive):
    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        with np.errstate(all="ignore"):
            return np.asarray(np.logaddexp(a, b))

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        a, b = ctx.saved_tensors
        with np.errstate(all="ignore"):
            ga = g / (1 + np.exp(b - a)) if ctx.needs_input_grad[0] else None
            gb = g / (1 + np.exp(a - b)) if ctx.needs_input_grad[1] else None
        return ga, gb


def _xlogy(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a * log(b)``, 0 where ``a == 0`` (unless ``b`` is nan), as PyTorch's ``xlogy``."""
    with np.errstate(all="ignore"):
        out = np.where((a == 0) & ~np.isnan(b), 0, a * np.log(b))
    return np.asarray(out, dtype=np.result_type(a, b))


class Xlogy(Primitive):
    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return _xlogy(a, b)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        a, b = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = np.where((a == 0) & (b <= 0), 0, _xlogy(g, b)).astype(g.dtype, copy=False)
        if ctx.needs_input_grad[1]:
            with np.errstate(all="ignore"):
                gb = np.asarray(g * a / b, dtype=g.dtype)
        return ga, gb


def _lerp(a: np.ndarray, b: np.ndarray, w) -> np.ndarray:
    """PyTorch's lerp kernel: exact at both ends."""
    return np.where(np.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


class Lerp(Primitive):
    """``lerp`` with a number weight: PyTorch's ``LerpBackward0`` keeps only the number."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray, weight: float) -> np.ndarray:
        ctx.weight = weight
        return np.asarray(_lerp(a, b, weight), dtype=np.result_type(a, b))

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        w = ctx.weight
        ga = g * (1 - w) if ctx.needs_input_grad[0] else None
        gb = g * w if ctx.needs_input_grad[1] else None
        return ga, gb, None


class LerpTensor(Primitive):
    """``lerp`` with a tensor weight (``LerpBackward1``): the weight's gradient reads both
    ends, so they are kept only when it is needed; the weight is always kept, as PyTorch's."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
        ends = (a, b) if ctx.needs_input_grad[2] else (None, None)
        ctx.save_for_backward(*ends, w)
        return np.asarray(_lerp(a, b, w), dtype=np.result_type(a, b, w))

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        a, b, w = ctx.saved_tensors
        need_a, need_b, need_w = ctx.needs_input_grad
        return (
            g * (1 - w) if need_a else None,
            g * w if need_b else None,
            g * (b - a) if need_w else None,
        )

    def name(self) -> str:
        return self.__dict__.get("_name") or "LerpBackward1"


class Fmod(Primitive):
    """C's ``fmod`` (the sign of the dividend) for floats. ``b``'s gradient is
    ``-g * trunc(a / b)``; with a number divisor nothing is kept (``FmodBackward0``)."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if ctx.needs_input_grad[1]:
            ctx.save_for_backward(a, b)
        with np.errstate(all="ignore"):
            return np.asarray(np.fmod(a, b))

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        gb = None
        if ctx.needs_input_grad[1]:
            a, b = ctx.saved_tensors
            with np.errstate(all="ignore"):
                gb = np.asarray(-g * np.trunc(a / b), dtype=g.dtype)
        return (g if ctx.needs_input_grad[0] else None), gb
