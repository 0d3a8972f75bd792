"""Element-wise primitives. Operands arrive with equal shapes, or as constants that NumPy
broadcasts; a tensor that needs a gradient is broadcast beforehand by ``Expand``.

Primitives that keep their operands (``casts_operands``) also take operands of mixed dtypes
with ``dt``, the promoted dtype, and cast them themselves, as PyTorch's kernels do: what they
keep is then the operand as given (a later change to it is refused, as in PyTorch), and each
gradient comes back in its operand's dtype.
"""

from __future__ import annotations

import math

import numpy as np

from numtorch.autograd.function import Function


class Add(Function):
    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        return g, g


class Sub(Function):
    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a - b

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        return g, -g if ctx.needs_input_grad[1] else None


class _CastsOperands(Function):
    """A primitive that takes operands of mixed dtypes with ``dt`` and casts them itself."""

    casts_operands = True
    dt: np.dtype | None = None  # set by ``_promote`` when the operands' dtypes differ
    types: tuple = ()


def _promote(ctx: Function, a: np.ndarray, b: np.ndarray, dt: np.dtype) -> tuple:
    """``a`` and ``b`` cast to ``dt``; remembers what to cast the gradients back to."""
    ctx.dt, ctx.types = dt, (a.dtype, b.dtype)
    return a.astype(dt, copy=False), b.astype(dt, copy=False)


def _promoted(ctx: Function, saved: tuple) -> tuple:
    """Kept operands in the dtype the forward computed in."""
    return tuple(None if x is None else x.astype(ctx.dt, copy=False) for x in saved)


def _demote(ctx: Function, grads: tuple) -> tuple:
    """Each gradient in its operand's dtype."""
    return tuple(None if g is None else g.astype(t, copy=False) for g, t in zip(grads, ctx.types))


class Mul(_CastsOperands):
    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray, dt=None) -> np.ndarray:
        # each gradient reads only the other operand
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        if dt is not None:
            a, b = _promote(ctx, a, b, dt)
        return a * b

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        a, b = ctx.saved_tensors if ctx.dt is None else _promoted(ctx, ctx.saved_tensors)
        ga = g * b if ctx.needs_input_grad[0] else None
        gb = g * a if ctx.needs_input_grad[1] else None
        grads = (ga, gb)
        return grads if ctx.dt is None else _demote(ctx, grads)


class Div(_CastsOperands):
    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray, dt=None) -> np.ndarray:
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        if dt is not None:
            a, b = _promote(ctx, a, b, dt)
        return a / b

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        a, b = ctx.saved_tensors if ctx.dt is None else _promoted(ctx, ctx.saved_tensors)
        ga = g / b if ctx.needs_input_grad[0] else None
        gb = -g * a / (b * b) if ctx.needs_input_grad[1] else None
        grads = (ga, gb)
        return grads if ctx.dt is None else _demote(ctx, grads)


class RoundedDiv(_CastsOperands):
    """``a / b`` rounded toward zero (``mode='trunc'``) or down (``'floor'``): a step function,
    so its gradient is zero."""

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray, mode: str, dt=None) -> np.ndarray:
        # PyTorch's DivBackward2 keeps the operands Div keeps, though its gradient is 0
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        if dt is not None:
            a, b = _promote(ctx, a, b, dt)
        dtype = np.result_type(a, b)
        if dtype.kind == "f":
            q = np.floor(a / b) if mode == "floor" else np.trunc(a / b)
        else:
            q = a // b
            if mode == "trunc":  # floor rounds away from zero when the signs differ
                q = q + ((a % b != 0) & ((a < 0) != (b < 0)))
        return np.asarray(q, dtype=dtype)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        zero = np.zeros_like(g)
        need_a, need_b = ctx.needs_input_grad
        grads = (zero if need_a else None, zero if need_b else None)
        return grads if ctx.dt is None else _demote(ctx, grads)

    def name(self) -> str:
        return self.__dict__.get("_name") or "DivBackward2"


class Remainder(_CastsOperands):
    """``a - floor(a / b) * b`` (Python's ``%``, the sign of the divisor) for floats.

    The gradient is ``g`` for ``a`` and ``-g * floor(a / b)`` for ``b``: only ``b``'s reads the
    operands, so only then are they kept (PyTorch's ``RemainderBackward``).
    """

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray, dt=None) -> np.ndarray:
        if ctx.needs_input_grad[1]:
            ctx.save_for_backward(a, b)
        if dt is not None:
            a, b = _promote(ctx, a, b, dt)
        return np.asarray(np.remainder(a, b))

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        gb = None
        if ctx.needs_input_grad[1]:
            a, b = ctx.saved_tensors if ctx.dt is None else _promoted(ctx, ctx.saved_tensors)
            gb = (-g * np.floor(a / b)).astype(g.dtype, copy=False)
        grads = (g if ctx.needs_input_grad[0] else None, gb)
        return grads if ctx.dt is None else _demote(ctx, grads)


class Neg(Function):
    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        return -x

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
        return -g


def _pow(a: np.ndarray, e: np.ndarray) -> np.ndarray:
    """``a ** e`` where a scalar ``e`` of -0.5 is ``1 / sqrt(a)``, as PyTorch's kernel computes
    it (so ``-inf ** -0.5`` is NaN, not C's 0)."""
    if np.size(e) == 1 and np.all(e == -0.5):
        with np.errstate(divide="ignore", invalid="ignore"):
            return 1 / np.sqrt(a)
    return a**e


class Pow(_CastsOperands):
    """``a ** b`` for two tensors (or a tensor and a constant). Only the exponent's gradient
    reads the result, so only then is it kept (PyTorch's ``PowBackward0/1/2``)."""

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray, dt=None) -> np.ndarray:
        kept = (a, b)
        if dt is not None:
            a, b = _promote(ctx, a, b, dt)
        out = np.asarray(a**b)
        ctx.save_for_backward(*kept, out if ctx.needs_input_grad[1] else None)
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        a, b, out = ctx.saved_tensors
        if ctx.dt is not None:
            a, b = _promoted(ctx, (a, b))
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = np.where(b == 0, 0.0, g * b * _pow(a, np.where(b == 0, 1, b - 1))).astype(a.dtype)
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = np.where((a == 0) & (b >= 0), 0.0, g * out * np.log(a)).astype(b.dtype)
        grads = (ga, gb)
        return grads if ctx.dt is None else _demote(ctx, grads)


class Exp(Function):
    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        out = np.asarray(np.exp(x))  # an ndarray even when 0-d: the output's own storage
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        return g * out


_erf = np.frompyfunc(math.erf, 1, 1)  # exact to float64 rounding; a kernel can replace it


class Erf(Function):
    """The error function; its derivative is ``2 / sqrt(pi) * exp(-x**2)``."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.asarray(_erf(x), dtype=x.dtype)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        return (g * (2 / math.sqrt(math.pi)) * np.exp(-x * x)).astype(g.dtype, copy=False)


class Log(Function):
    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return g / x


class Sqrt(Function):
    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            out = np.asarray(np.sqrt(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return g / (2 * out)


class StdSqrt(Sqrt):
    """The square root that ends ``std``: where the deviation is 0 PyTorch's gradient is 0
    (not ``g / 0``), since every input there sits at the mean."""

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(out == 0, 0, g / (2 * out)).astype(g.dtype)


class Rsqrt(Function):
    """``1 / sqrt(x)``; the gradient ``-g * out**3 / 2`` reads the result, not x."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.asarray(1 / np.sqrt(x)).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        return (-0.5 * g * out * out * out).astype(g.dtype, copy=False)


class Reciprocal(Function):
    """``1 / x``; the gradient ``-g * out**2`` reads the result, not x (so ``2 / x``, which
    PyTorch computes as ``reciprocal(x) * 2``, survives a later change to x)."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            out = np.asarray(np.reciprocal(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        return -g * (out * out)


class Abs(Function):
    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        return g * ((x > 0).astype(g.dtype) - (x < 0).astype(g.dtype))  # sgn(nan) is 0


class Clamp(Function):
    """Clamp to the constants ``[lo, hi]``; the gradient passes where the input lies inside,
    ends included. Backward reads the input (PyTorch's ``ClampBackward1`` keeps it)."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, lo: float | None, hi: float | None) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return np.asarray(np.clip(x, lo, hi)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        (x,) = ctx.saved_tensors
        if ctx.lo is None:
            inside = x <= ctx.hi
        else:
            inside = x >= ctx.lo
            if ctx.hi is not None:
                inside &= x <= ctx.hi
        return g * inside, None, None

    def name(self) -> str:
        return self.__dict__.get("_name") or "ClampBackward1"


class ClampTensor(Function):
    """Clamp to tensor bounds ``lo`` and/or ``hi`` (None for a missing one), as PyTorch's
    ``clamp.Tensor``: the input's gradient passes where ``lo <= x <= hi``; a bound's where x
    lies beyond it (``lo``'s only while ``lo < hi``; ``hi``'s also where ``hi < lo``, since
    ``hi`` wins then)."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, lo, hi) -> np.ndarray:
        ctx.save_for_backward(x, lo, hi)
        out = x if lo is None else np.maximum(x, lo)
        return np.asarray(out if hi is None else np.minimum(out, hi))

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        x, lo, hi = ctx.saved_tensors
        zero = np.zeros((), g.dtype)
        inside = np.ones(x.shape, dtype=bool) if lo is None else x >= lo
        if hi is not None:
            inside &= x <= hi
        need_x, need_lo, need_hi = ctx.needs_input_grad
        g_lo = g_hi = None
        if need_lo:
            below = x < lo if hi is None else (x < lo) & (lo < hi)
            g_lo = np.where(below, g, zero)
        if need_hi:
            above = x > hi if lo is None else (x > hi) | (hi < lo)
            g_hi = np.where(above, g, zero)
        return (np.where(inside, g, zero) if need_x else None), g_lo, g_hi

    def name(self) -> str:
        return self.__dict__.get("_name") or "ClampBackward0"


def _shares(lose_a: np.ndarray, lose_b: np.ndarray, tie: np.ndarray, dt: np.dtype) -> tuple:
    """Each input's share of the gradient: half on ties, none where it lost, else all (so a
    nan, which neither wins nor loses, passes the whole gradient to both, as in PyTorch)."""
    share_a = np.where(tie, 0.5, np.where(lose_a, 0.0, 1.0)).astype(dt)
    share_b = np.where(tie, 0.5, np.where(lose_b, 0.0, 1.0)).astype(dt)
    return share_a, share_b


class _Extremum(_CastsOperands):
    """Element-wise maximum (``pick = np.maximum``) or minimum; on ties each input gets half
    the gradient, as in PyTorch, whose node keeps both inputs (the shares are worked out in
    backward)."""

    pick = np.maximum

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray, dt=None) -> np.ndarray:
        ctx.save_for_backward(a, b)
        if dt is not None:
            a, b = _promote(ctx, a, b, dt)
        return np.asarray(type(ctx).pick(a, b))

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        a, b = ctx.saved_tensors if ctx.dt is None else _promoted(ctx, ctx.saved_tensors)
        a_loses, b_loses = (a < b, a > b) if type(ctx).pick is np.maximum else (a > b, a < b)
        share_a, share_b = _shares(a_loses, b_loses, a == b, g.dtype)
        grads = (g * share_a, g * share_b)
        return grads if ctx.dt is None else _demote(ctx, grads)


class Maximum(_Extremum):
    pick = np.maximum


class Minimum(_Extremum):
    pick = np.minimum


class Where(Function):
    """``a`` where ``cond`` holds, else ``b``. ``cond`` may be the condition tensor itself (it
    broadcasts against the gradient), so a change to it is refused, as in PyTorch."""

    @staticmethod
    def forward(ctx: Function, cond: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        (cond,) = ctx.saved_tensors
        zero = np.zeros((), dtype=g.dtype)
        ga = np.where(cond, g, zero) if ctx.needs_input_grad[1] else None
        gb = np.where(cond, zero, g) if ctx.needs_input_grad[2] else None
        return None, ga, gb


class Relu(Function):
    """``max(x, 0)``. Backward reads the result (PyTorch's ``ReluBackward0`` keeps it), so no
    mask is made in forward: the result is kept alive by the next layer anyway."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        out = np.maximum(x, 0, dtype=x.dtype) if x.dtype.kind == "f" else np.maximum(x, 0)
        out = np.asarray(out)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        return g * ~(out <= 0)  # nan passes the gradient, as in PyTorch


def stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-x))`` taking exp of non-positive numbers only: no overflow for any x.
    The one copy numtorch has (activations and the logit losses use it too)."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


class Sigmoid(Function):
    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        out = stable_sigmoid(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        return g * out * (1 - out)


class Tanh(Function):
    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        out = np.asarray(np.tanh(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        return g * (1 - out * out)


class Cast(Function):
    """Change dtype; the gradient is cast back to the source dtype."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, np_dtype: np.dtype) -> np.ndarray:
        ctx.src = x.dtype
        return x.astype(np_dtype)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        return g.astype(ctx.src), None

    def name(self) -> str:
        return self.__dict__.get("_name") or "ToCopyBackward0"


class Clone(Function):
    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        return x.copy()

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
        return g


class Step(Function):
    """A piecewise-constant map (floor, ceil, round, trunc, sign): its gradient is zero
    almost everywhere, which is what PyTorch returns (not an error, not ``None``)."""

    _FNS = {"Floor": np.floor, "Ceil": np.ceil, "Trunc": np.trunc, "Sign": np.sign}

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, kind: str, decimals: int = 0) -> np.ndarray:
        ctx.kind, ctx.decimals = kind, decimals
        if kind == "Round":
            return np.round(x, decimals)
        out = Step._FNS[kind](x)
        if kind == "Sign" and x.dtype.kind == "f":
            out = np.where(np.isnan(x), 0, out).astype(x.dtype)  # PyTorch's sign(nan) is 0
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        return np.zeros_like(g), None, None

    def name(self) -> str:
        suffix = 1 if self.kind == "Round" and self.decimals else 0
        return self.__dict__.get("_name") or f"{self.kind}Backward{suffix}"


class Frac(Function):
    """``x - trunc(x)``: the gradient passes through unchanged."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        return x - np.trunc(x)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
        return g


# ---------------------------------------------------------------- unary maps (PyTorch's
# derivatives.yaml formulas, so inf and nan come out where PyTorch's do at domain edges)

_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_erfc = np.frompyfunc(math.erfc, 1, 1)


def _rsqrt(v: np.ndarray) -> np.ndarray:
    return 1 / np.sqrt(v)


class _OfInput(Function):
    """``f(x)`` whose derivative ``df(x)`` reads the input (PyTorch's node keeps ``self``)."""

    @staticmethod
    def f(x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def df(x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        with np.errstate(all="ignore"):
            return np.asarray(type(ctx).f(x), dtype=x.dtype)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        with np.errstate(all="ignore"):
            return np.asarray(g * type(ctx).df(x), dtype=g.dtype)


class _OfResult(Function):
    """``f(x)`` whose derivative ``df(out)`` reads the result (PyTorch keeps ``result``)."""

    @staticmethod
    def f(x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def df(out: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            out = np.asarray(type(ctx).f(x), dtype=x.dtype)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
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

    class Inplace(Function):
        @staticmethod
        def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
            with np.errstate(all="ignore"):
                return np.asarray(base.f(x), dtype=x.dtype)

        @staticmethod
        def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
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


class Sgn(Function):
    """``sgn(x)`` of a real tensor: its gradient is zero, but PyTorch's node keeps the input
    and the result (its formula serves complex numbers too)."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        out = np.asarray(np.where(np.isnan(x), 0, np.sign(x)), dtype=x.dtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
        return np.zeros_like(g)


class NanToNum(Function):
    """Replace nan, +inf and -inf by finite numbers; the gradient passes where ``x`` is
    finite (PyTorch's ``grad * isfinite(self)``)."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, nan: float, posinf, neginf) -> np.ndarray:
        ctx.save_for_backward(x)
        info = np.finfo(x.dtype)
        posinf = info.max if posinf is None else posinf
        neginf = info.min if neginf is None else neginf
        out = np.where(np.isnan(x), nan, np.where(x == np.inf, posinf, x))
        return np.asarray(np.where(x == -np.inf, neginf, out), dtype=x.dtype)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        (x,) = ctx.saved_tensors
        return np.where(np.isfinite(x), g, np.zeros((), g.dtype)), None, None, None


# ---------------------------------------------------------------- binary maps


class Atan2(Function):
    """``arctan2(a, b)``; both gradients read both operands (0 at the origin)."""

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return np.asarray(np.arctan2(a, b))

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        a, b = ctx.saved_tensors
        with np.errstate(all="ignore"):
            recip = 1 / (a * a + b * b)
            recip = np.where(np.isinf(recip), 0, recip)  # PyTorch's gradient at the origin is 0
            ga = g * b * recip if ctx.needs_input_grad[0] else None
            gb = g * -a * recip if ctx.needs_input_grad[1] else None
        return ga, gb


class Hypot(Function):
    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.asarray(np.hypot(a, b))
        need_a, need_b = ctx.needs_input_grad  # each gradient reads its own operand
        ctx.save_for_backward(a if need_a else None, b if need_b else None, out)
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        a, b, out = ctx.saved_tensors
        with np.errstate(all="ignore"):
            ga = g * a / out if ctx.needs_input_grad[0] else None
            gb = g * b / out if ctx.needs_input_grad[1] else None
        return ga, gb


class Logaddexp(Function):
    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        with np.errstate(all="ignore"):
            return np.asarray(np.logaddexp(a, b))

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
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


class Xlogy(Function):
    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return _xlogy(a, b)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
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


class Lerp(Function):
    """``lerp`` with a number weight: PyTorch's ``LerpBackward0`` keeps only the number."""

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray, weight: float) -> np.ndarray:
        ctx.weight = weight
        return np.asarray(_lerp(a, b, weight), dtype=np.result_type(a, b))

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        w = ctx.weight
        ga = g * (1 - w) if ctx.needs_input_grad[0] else None
        gb = g * w if ctx.needs_input_grad[1] else None
        return ga, gb, None


class LerpTensor(Function):
    """``lerp`` with a tensor weight (``LerpBackward1``): the weight's gradient reads both
    ends, so they are kept only when it is needed; the weight is always kept, as PyTorch's."""

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
        ends = (a, b) if ctx.needs_input_grad[2] else (None, None)
        ctx.save_for_backward(*ends, w)
        return np.asarray(_lerp(a, b, w), dtype=np.result_type(a, b, w))

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        a, b, w = ctx.saved_tensors
        need_a, need_b, need_w = ctx.needs_input_grad
        return (
            g * (1 - w) if need_a else None,
            g * w if need_b else None,
            g * (b - a) if need_w else None,
        )

    def name(self) -> str:
        return self.__dict__.get("_name") or "LerpBackward1"


class Fmod(Function):
    """C's ``fmod`` (the sign of the dividend) for floats. ``b``'s gradient is
    ``-g * trunc(a / b)``; with a number divisor nothing is kept (``FmodBackward0``)."""

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if ctx.needs_input_grad[1]:
            ctx.save_for_backward(a, b)
        with np.errstate(all="ignore"):
            return np.asarray(np.fmod(a, b))

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        gb = None
        if ctx.needs_input_grad[1]:
            a, b = ctx.saved_tensors
            with np.errstate(all="ignore"):
                gb = np.asarray(-g * np.trunc(a / b), dtype=g.dtype)
        return (g if ctx.needs_input_grad[0] else None), gb
