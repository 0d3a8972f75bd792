"""Primitives of the special functions and the newer pointwise maps: the gamma family, the
Bessel ``i0``, the incomplete gamma functions, ``sinc``, ``logit``, angle conversions,
``copysign``, ``fmax``/``fmin``, ``ldexp``, ``logaddexp2``, ``nextafter``, ``frexp``,
``hardshrink`` and ``threshold``. Each backward is PyTorch's formula (``derivatives.yaml``);
the numerics live in ``special_numerics``."""

from __future__ import annotations

import math

import numpy as np

from numtorch.autograd.graph import Primitive
from numtorch.ops import special_numerics as sn
from numtorch.ops.elementwise_math import _OfInput

_LN2 = math.log(2.0)


class Lgamma(_OfInput):
    f = staticmethod(sn.lgamma)
    df = staticmethod(sn.digamma)


class Digamma(_OfInput):
    f = staticmethod(sn.digamma)
    df = staticmethod(sn.trigamma)


class I0(_OfInput):
    f = staticmethod(sn.i0)
    df = staticmethod(sn.i1)


class Deg2Rad(_OfInput):
    f = staticmethod(lambda x: x * (math.pi / 180))
    df = staticmethod(lambda x: np.full_like(x, math.pi / 180))

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        return np.asarray(type(ctx).f(x), dtype=x.dtype)  # nothing to keep: a constant slope

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        return np.asarray(g * type(ctx).df(g), dtype=g.dtype)


class Rad2Deg(Deg2Rad):
    f = staticmethod(lambda x: x * (180 / math.pi))
    df = staticmethod(lambda x: np.full_like(x, 180 / math.pi))


def _sinc(x: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        px = np.pi * x
        return np.where(x == 0, 1.0, np.sin(px) / px)


def _dsinc(x: np.ndarray) -> np.ndarray:
    """PyTorch's ``(pi x cos(pi x) - sin(pi x)) / (pi x**2)``, 0 at 0."""
    px = np.pi * x
    return np.where(x == 0, 0.0, (px * np.cos(px) - np.sin(px)) / (np.pi * x * x))


class Sinc(_OfInput):
    f, df = staticmethod(_sinc), staticmethod(_dsinc)


class Angle(Primitive):
    """The argument of a real number: pi below 0, else 0 (nan stays nan); a zero gradient."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)  # unused by a real gradient, but PyTorch's node keeps it
        out = np.where(np.isnan(x), x, np.where(x < 0, np.pi, 0.0))
        return np.asarray(out, dtype=x.dtype)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        return np.zeros_like(g)


class Polygamma(Primitive):
    """``polygamma(n, x)``; its gradient is ``polygamma(n + 1, x)``."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, n: int) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.n = n
        return np.asarray(sn.polygamma(n, x), dtype=x.dtype)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (x,) = ctx.saved_tensors
        return np.asarray(g * sn.polygamma(ctx.n + 1, x), dtype=g.dtype), None


def _mvlgamma_args(x: np.ndarray, p: int) -> np.ndarray:
    """``x - i / 2`` for ``i`` in ``p - 1, ..., 0``, on a new last axis (PyTorch's order)."""
    return np.asarray(x, np.float64)[..., None] + np.arange(-(p - 1) / 2, 0.5, 0.5)


class Mvlgamma(Primitive):
    """The multivariate log-gamma function of dimension ``p``."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, p: int) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.p = p
        out = sn.lgamma(_mvlgamma_args(x, p)).sum(-1) + p * (p - 1) / 4 * math.log(math.pi)
        return np.asarray(out, dtype=x.dtype)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (x,) = ctx.saved_tensors
        slope = sn.digamma(_mvlgamma_args(x, ctx.p)).sum(-1)
        return np.asarray(g * slope, dtype=g.dtype), None


class Logit(Primitive):
    """``log(x / (1 - x))``, ``x`` first clamped to ``[eps, 1 - eps]`` when ``eps`` is given;
    the gradient is 0 outside that range (nan outside ``[0, 1]`` without ``eps``)."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, eps: float | None) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.eps = eps
        z = x if eps is None else np.clip(x, eps, 1 - eps)
        return np.asarray(np.log(z / (1 - z)), dtype=x.dtype)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (x,) = ctx.saved_tensors
        eps = ctx.eps
        slope = g / (x * (1 - x))
        if eps is None:
            out = np.where((x < 0) | (x > 1), np.nan, slope)
        else:
            out = np.where((x < eps) | (x > 1 - eps), 0.0, slope)
        return np.asarray(out, dtype=g.dtype), None


class Hardshrink(Primitive):
    """``x`` where ``|x| > lambd``, else 0; the gradient passes where ``x`` does."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, lambd: float) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.lambd = lambd
        return np.where((x >= -lambd) & (x <= lambd), np.zeros((), x.dtype), x)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (x,) = ctx.saved_tensors
        lambd = ctx.lambd
        return np.where((x >= -lambd) & (x <= lambd), np.zeros((), g.dtype), g), None


class Threshold(Primitive):
    """``value`` where ``x <= threshold``, else ``x``; the gradient passes where ``x`` does."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, threshold: float, value: float) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.threshold = threshold
        return np.where(x <= threshold, np.asarray(value).astype(x.dtype), x)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (x,) = ctx.saved_tensors
        return np.where(x <= ctx.threshold, np.zeros((), g.dtype), g), None, None


class Frexp(Primitive):
    """``(mantissa, exponent)`` with ``x = mantissa * 2**exponent``; the mantissa's gradient
    is ``g / 2**exponent``, the exponent (int32) has none."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> tuple:
        mantissa, exponent = np.frexp(x)
        exponent = np.asarray(exponent, dtype=np.int32)
        ctx.save_for_backward(exponent)
        ctx.mark_non_differentiable(exponent)
        return np.asarray(mantissa), exponent

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray, g_exponent: np.ndarray | None) -> np.ndarray:
        (exponent,) = ctx.saved_tensors
        return np.asarray(g / np.exp2(exponent.astype(g.dtype)), dtype=g.dtype)


class NotImplementedNode(Primitive):
    """The node PyTorch records for an op without a derivative (``floor_divide``,
    ``heaviside``): the forward is done; backward raises PyTorch's error."""

    @staticmethod
    def forward(ctx: Primitive, *inputs: np.ndarray, value: np.ndarray, op: str) -> np.ndarray:
        ctx.op = op
        return value

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        raise RuntimeError(f"derivative for aten::{ctx.op} is not implemented")

    def name(self) -> str:
        return self.__dict__.get("_name") or "torch::autograd::NotImplemented"


# ---------------------------------------------------------------- binary maps


class Copysign(Primitive):
    """``|a|`` with ``b``'s sign. ``a``'s gradient is ``g * result / a`` (0 where ``a`` is 0);
    ``b`` gets a zero gradient."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.asarray(np.copysign(a, b))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        a, out = ctx.saved_tensors
        ga = np.where(a == 0, np.zeros((), g.dtype), g * (out / np.where(a == 0, 1, a)))
        gb = np.zeros_like(g) if ctx.needs_input_grad[1] else None
        return np.asarray(ga, dtype=g.dtype), gb


class _Fextremum(Primitive):
    """``fmax``/``fmin``: the larger/smaller operand, ignoring nan. The gradient goes to ``a``
    where it was picked (ties included) or ``b`` is nan, else to ``b``."""

    pick = staticmethod(np.fmax)

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return np.asarray(type(ctx).pick(a, b))

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        a, b = ctx.saved_tensors
        wins = (a >= b) if type(ctx).pick is np.fmax else (a <= b)
        to_a = wins | np.isnan(b)
        zero = np.zeros((), g.dtype)
        ga = np.where(to_a, g, zero) if ctx.needs_input_grad[0] else None
        gb = np.where(to_a, zero, g) if ctx.needs_input_grad[1] else None
        return ga, gb


class Fmax(_Fextremum):
    pick = staticmethod(np.fmax)


class Fmin(_Fextremum):
    pick = staticmethod(np.fmin)


class Ldexp(Primitive):
    """``a * 2**b``: ``a``'s gradient ``g * 2**b``, ``b``'s ``g * result * ln 2`` (PyTorch's
    node keeps ``b`` and the result). PyTorch computes ``a``'s scale for an integer exponent in
    integers, so it is 0 where ``b < 0``."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray, int_exponent: bool) -> np.ndarray:
        out = np.asarray(a * np.exp2(b))
        ctx.save_for_backward(b, out)
        ctx.int_exponent = int_exponent
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        b, out = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            scale = np.exp2(b)
            ga = g * (np.where(b < 0, 0, scale) if ctx.int_exponent else scale)
        if ctx.needs_input_grad[1]:
            gb = g * out * _LN2
        return ga, gb, None


class Logaddexp2(Primitive):
    """``log2(2**a + 2**b)`` without overflow."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return np.asarray(np.logaddexp2(a, b))

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        a, b = ctx.saved_tensors
        ga = g / (1 + np.exp2(b - a)) if ctx.needs_input_grad[0] else None
        gb = g / (1 + np.exp2(a - b)) if ctx.needs_input_grad[1] else None
        return ga, gb


class Nextafter(Primitive):
    """The next representable number after ``a`` towards ``b``: PyTorch passes ``a``'s
    gradient through where ``a != b`` (0 where they are equal) and gives ``b`` a zero one."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return np.asarray(np.nextafter(a, b))

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        a, b = ctx.saved_tensors
        ga = np.where(a == b, np.zeros((), g.dtype), g) if ctx.needs_input_grad[0] else None
        gb = np.zeros_like(g) if ctx.needs_input_grad[1] else None
        return ga, gb


def _igamma_slope(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``d/dx P(a, x) = exp((a - 1) log x - x - lgamma(a))``."""
    return np.exp((a - 1) * np.log(x) - x - sn.lgamma(a))


class Igamma(Primitive):
    """The regularised lower incomplete gamma ``P(a, x)``: ``x``'s gradient is the density;
    ``a``'s is not implemented in PyTorch (its node raises in backward)."""

    sign = 1.0
    f = staticmethod(sn.igamma)

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, x)
        return np.asarray(type(ctx).f(a, x), dtype=np.result_type(a, x))

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        if ctx.needs_input_grad[0]:
            name = type(ctx).__name__.lower()
            raise NotImplementedError(f"the derivative for '{name}: input' is not implemented.")
        a, x = ctx.saved_tensors
        slope = type(ctx).sign * _igamma_slope(a, x)
        return None, np.asarray(g * slope, dtype=g.dtype)


class Igammac(Igamma):
    sign = -1.0
    f = staticmethod(sn.igammac)


# ---------------------------------------------------------------- torch.special's own primitives


class _Special(_OfInput):
    """A ``torch.special`` map: PyTorch names its node ``Special<Name>Backward0``."""

    node = ""

    def name(self) -> str:
        return self.__dict__.get("_name") or f"Special{type(self).node}Backward0"


class _SpecialOfBoth(_Special):
    """A ``torch.special`` map whose derivative ``df(x, out)`` reads the input and the result
    (PyTorch's node keeps both)."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            out = np.asarray(type(ctx).f(x), dtype=x.dtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        x, out = ctx.saved_tensors
        with np.errstate(all="ignore"):
            return np.asarray(g * type(ctx).df(x, out), dtype=g.dtype)


class _SpecialOfResult(_Special):
    """A ``torch.special`` map whose derivative ``df(out)`` reads only the result."""

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


def _di1(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``i1'(x) = i0(x) - i1(x) / x`` (1/2 at 0)."""
    return np.where(x == 0, 0.5, sn.i0(x) - out / x)


def _di1e(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``i1e'(x) = i0e(x) - i1e(x) (sign(x) + 1 / x)`` (1/2 at 0)."""
    return np.where(x == 0, 0.5, sn.i0e(x) - out * (np.sign(x) + 1 / x))


class I1(_SpecialOfBoth):
    node = "I1"
    f, df = staticmethod(sn.i1), staticmethod(_di1)


class I0e(_SpecialOfBoth):
    node = "I0E"
    f = staticmethod(sn.i0e)
    df = staticmethod(lambda x, out: sn.i1e(x) - np.sign(x) * out)


class I1e(_SpecialOfBoth):
    node = "I1E"
    f, df = staticmethod(sn.i1e), staticmethod(_di1e)


def _entr(x: np.ndarray) -> np.ndarray:
    """``-x log x``: 0 at 0, -inf below (nan stays nan)."""
    with np.errstate(all="ignore"):
        out = np.where(x > 0, -x * np.log(x), np.where(x == 0, 0.0, -np.inf))
        return np.where(np.isnan(x), x, out)


class Entr(_Special):
    node = "Entr"
    f = staticmethod(_entr)
    df = staticmethod(lambda x: -(1 + np.log(x)))


class Erfcx(_SpecialOfBoth):
    node = "Erfcx"
    f = staticmethod(sn.erfcx)
    df = staticmethod(lambda x, out: 2 * x * out - 2 / math.sqrt(math.pi))


class LogNdtr(_SpecialOfBoth):
    node = "LogNdtr"
    f = staticmethod(sn.log_ndtr)
    df = staticmethod(lambda x, out: np.exp(-(out + x * x / 2)) / math.sqrt(2 * math.pi))


class Ndtri(_SpecialOfResult):
    node = "Ndtri"
    f = staticmethod(sn.ndtri)
    df = staticmethod(lambda out: math.sqrt(2 * math.pi) * np.exp(np.square(out) / 2))


def _xlog1py(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a * log1p(b)``, 0 where ``a == 0`` (unless ``b`` is nan)."""
    with np.errstate(all="ignore"):
        out = np.where((a == 0) & ~np.isnan(b), 0, a * np.log1p(b))
    return np.asarray(out, dtype=np.result_type(a, b))


class Xlog1py(Primitive):
    """``a * log1p(b)``: ``a``'s gradient ``xlog1py(g, b)`` (0 where ``a == 0`` and
    ``b <= -1``), ``b``'s ``g * a / (b + 1)``."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return _xlog1py(a, b)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        a, b = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = np.where((a == 0) & (b <= -1), 0, _xlog1py(g, b)).astype(g.dtype, copy=False)
        if ctx.needs_input_grad[1]:
            with np.errstate(all="ignore"):
                gb = np.asarray(g * a / (b + 1), dtype=g.dtype)
        return ga, gb

    def name(self) -> str:
        return self.__dict__.get("_name") or "SpecialXlog1PyBackward0"


class Zeta(Primitive):
    """Hurwitz's ``zeta(s, q)``: ``q``'s gradient is ``-s zeta(s + 1, q)``; ``s``'s is not
    implemented in PyTorch (its node raises in backward)."""

    @staticmethod
    def forward(ctx: Primitive, s: np.ndarray, q: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(s, q)
        return np.asarray(sn.zeta(s, q), dtype=np.result_type(s, q))

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        if ctx.needs_input_grad[0]:
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")
        s, q = ctx.saved_tensors
        return None, np.asarray(g * -s * sn.zeta(s + 1, q), dtype=g.dtype)

    def name(self) -> str:
        return self.__dict__.get("_name") or "SpecialZetaBackward0"
