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

from numtorch._kernels import parallel
from numtorch._kernels import pointwise as _kpoint
from numtorch._kernels import special as _kspecial
from numtorch.autograd.graph import Primitive
from numtorch.ops import _where, destination


class Add(Primitive):
    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return parallel.pointwise(np.add, a, b) if parallel.splits(a, b) else a + b

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        return g, g


class Sub(Primitive):
    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a - b

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        return g, -g if ctx.needs_input_grad[1] else None


class _CastsOperands(Primitive):
    """A primitive that takes operands of mixed dtypes with ``dt`` and casts them itself."""

    casts_operands = True
    dt: np.dtype | None = None  # set by ``_promote`` when the operands' dtypes differ
    types: tuple = ()


def _promote(ctx: Primitive, a: np.ndarray, b: np.ndarray, dt: np.dtype) -> tuple:
    """``a`` and ``b`` cast to ``dt``; remembers what to cast the gradients back to."""
    ctx.dt, ctx.types = dt, (a.dtype, b.dtype)
    return a.astype(dt, copy=False), b.astype(dt, copy=False)


def _promoted(ctx: Primitive, saved: tuple) -> tuple:
    """Kept operands in the dtype the forward computed in."""
    return tuple(None if x is None else x.astype(ctx.dt, copy=False) for x in saved)


def _demote(ctx: Primitive, grads: tuple) -> tuple:
    """Each gradient in its operand's dtype."""
    return tuple(None if g is None else g.astype(t, copy=False) for g, t in zip(grads, ctx.types))


class Mul(_CastsOperands):
    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray, dt=None) -> np.ndarray:
        # each gradient reads only the other operand
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        if dt is not None:
            a, b = _promote(ctx, a, b, dt)
        return a * b

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        a, b = ctx.saved_tensors if ctx.dt is None else _promoted(ctx, ctx.saved_tensors)
        ga = g * b if ctx.needs_input_grad[0] else None
        gb = g * a if ctx.needs_input_grad[1] else None
        grads = (ga, gb)
        return grads if ctx.dt is None else _demote(ctx, grads)


class Div(_CastsOperands):
    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray, dt=None) -> np.ndarray:
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        if dt is not None:
            a, b = _promote(ctx, a, b, dt)
        return a / b

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        a, b = ctx.saved_tensors if ctx.dt is None else _promoted(ctx, ctx.saved_tensors)
        ga = g / b if ctx.needs_input_grad[0] else None
        gb = -g * a / (b * b) if ctx.needs_input_grad[1] else None
        grads = (ga, gb)
        return grads if ctx.dt is None else _demote(ctx, grads)


class RoundedDiv(_CastsOperands):
    """``a / b`` rounded toward zero (``mode='trunc'``) or down (``'floor'``): a step function,
    so its gradient is zero."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray, mode: str, dt=None) -> np.ndarray:
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
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
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
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray, dt=None) -> np.ndarray:
        if ctx.needs_input_grad[1]:
            ctx.save_for_backward(a, b)
        if dt is not None:
            a, b = _promote(ctx, a, b, dt)
        return np.asarray(np.remainder(a, b))

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        gb = None
        if ctx.needs_input_grad[1]:
            a, b = ctx.saved_tensors if ctx.dt is None else _promoted(ctx, ctx.saved_tensors)
            gb = (-g * np.floor(a / b)).astype(g.dtype, copy=False)
        grads = (g if ctx.needs_input_grad[0] else None, gb)
        return grads if ctx.dt is None else _demote(ctx, grads)


class Neg(Primitive):
    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        return -x

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        return -g


def _pow(a: np.ndarray, e: np.ndarray) -> np.ndarray:
    """``a ** e`` as PyTorch's kernel computes a constant exponent: -0.5 is ``1 / sqrt(a)``
    (so ``-inf ** -0.5`` is NaN, not C's 0), and for floating ``a`` 3 is ``a * a * a`` and -2
    ``1 / (a * a)``: PyTorch's bits, and NumPy's ``power`` for those runs ~75x slower (193 ms
    on 4M float32 values, the whole cost of a tanh GELU)."""
    if np.size(e) == 1 and np.all(e == -0.5):
        with np.errstate(divide="ignore", invalid="ignore"):
            return 1 / np.sqrt(a)
    if np.ndim(e) == 0 and a.dtype.kind == "f" and e in (3, -2):
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            return a * a * a if e == 3 else 1 / (a * a)
    return a**e


class Pow(_CastsOperands):
    """``a ** b`` for two tensors (or a tensor and a constant). Only the exponent's gradient
    reads the result, so only then is it kept (PyTorch's ``PowBackward0/1/2``)."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray, dt=None) -> np.ndarray:
        kept = (a, b)
        if dt is not None:
            a, b = _promote(ctx, a, b, dt)
        out = np.asarray(_pow(a, b))
        ctx.save_for_backward(*kept, out if ctx.needs_input_grad[1] else None)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
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


class Exp(Primitive):
    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        out = np.asarray(np.exp(x))  # an ndarray even when 0-d: the output's own storage
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        return g * out


def _erf(x: np.ndarray) -> np.ndarray:
    """The error function of a real array as float64 (empty and 0-d arrays included):
    ``math.erf``'s (glibc's) on the numba path, fdlibm's vectorised within an ulp of it on the
    NumPy path (:func:`numtorch._kernels.special.erf`)."""
    return _kspecial.erf(np.asarray(x, dtype=np.float64))


class Erf(Primitive):
    """The error function; its derivative is ``2 / sqrt(pi) * exp(-x**2)``. float32 and
    float64 are computed in float64 and rounded once to their dtype; activation-sized arrays
    are split over numtorch's threads (``parallel.pointwise``), bit for bit the one-call
    result (each element is computed on its own)."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        if x.dtype in (np.float32, np.float64):
            if parallel.splits(x):
                return parallel.pointwise(_kspecial.erf, x)
            return _kspecial.erf(x)
        return np.asarray(_erf(x), dtype=x.dtype)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        return (g * (2 / math.sqrt(math.pi)) * np.exp(-x * x)).astype(g.dtype, copy=False)


class Log(Primitive):
    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return g / x


class Sqrt(Primitive):
    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            out = np.asarray(np.sqrt(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return g / (2 * out)


class StdSqrt(Sqrt):
    """The square root that ends ``std``: where the deviation is 0 PyTorch's gradient is 0
    (not ``g / 0``), since every input there sits at the mean."""

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(out == 0, 0, g / (2 * out)).astype(g.dtype)


class Rsqrt(Primitive):
    """``1 / sqrt(x)``; the gradient ``-g * out**3 / 2`` reads the result, not x."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.asarray(1 / np.sqrt(x)).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        return (-0.5 * g * out * out * out).astype(g.dtype, copy=False)


class Reciprocal(Primitive):
    """``1 / x``; the gradient ``-g * out**2`` reads the result, not x (so ``2 / x``, which
    PyTorch computes as ``reciprocal(x) * 2``, survives a later change to x)."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            out = np.asarray(np.reciprocal(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        return -g * (out * out)


class Abs(Primitive):
    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        return g * ((x > 0).astype(g.dtype) - (x < 0).astype(g.dtype))  # sgn(nan) is 0


class Clamp(Primitive):
    """Clamp to the constants ``[lo, hi]``; the gradient passes where the input lies inside,
    ends included. Backward reads the input (PyTorch's ``ClampBackward1`` keeps it)."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, lo: float | None, hi: float | None) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return np.asarray(np.clip(x, lo, hi)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
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


class ClampTensor(Primitive):
    """Clamp to tensor bounds ``lo`` and/or ``hi`` (None for a missing one), as PyTorch's
    ``clamp.Tensor``: the input's gradient passes where ``lo <= x <= hi``; a bound's where x
    lies beyond it (``lo``'s only while ``lo < hi``; ``hi``'s also where ``hi < lo``, since
    ``hi`` wins then)."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, lo, hi) -> np.ndarray:
        ctx.save_for_backward(x, lo, hi)
        out = x if lo is None else np.maximum(x, lo)
        return np.asarray(out if hi is None else np.minimum(out, hi))

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
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
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray, dt=None) -> np.ndarray:
        ctx.save_for_backward(a, b)
        if dt is not None:
            a, b = _promote(ctx, a, b, dt)
        return np.asarray(type(ctx).pick(a, b))

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        a, b = ctx.saved_tensors if ctx.dt is None else _promoted(ctx, ctx.saved_tensors)
        a_loses, b_loses = (a < b, a > b) if type(ctx).pick is np.maximum else (a > b, a < b)
        share_a, share_b = _shares(a_loses, b_loses, a == b, g.dtype)
        grads = (g * share_a, g * share_b)
        return grads if ctx.dt is None else _demote(ctx, grads)


class Maximum(_Extremum):
    pick = np.maximum


class Minimum(_Extremum):
    pick = np.minimum


class Where(Primitive):
    """``a`` where ``cond`` holds, else ``b``. ``cond`` may be the condition tensor itself (it
    broadcasts against the gradient), so a change to it is refused, as in PyTorch."""

    @staticmethod
    def forward(ctx: Primitive, cond: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(cond)
        return _where.where(cond, a, b)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (cond,) = ctx.saved_tensors
        zero = np.zeros((), dtype=g.dtype)
        ga = _where.where(cond, g, zero) if ctx.needs_input_grad[1] else None
        gb = _where.where(cond, zero, g) if ctx.needs_input_grad[2] else None
        return None, ga, gb


class Relu(Primitive):
    """``max(x, 0)``. Backward reads the result (PyTorch's ``ReluBackward0`` keeps it), so no
    mask is made in forward: the result is kept alive by the next layer anyway. Activation-
    sized arrays are split over numtorch's threads (``parallel.pointwise``)."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        if x.dtype.kind != "f":
            out = np.asarray(np.maximum(x, 0))
        else:
            into = destination.take(x)  # relu_: x's own memory
            if parallel.splits(x):
                out = parallel.pointwise(_relu, x, out=into)
            elif into is not None:
                out = np.maximum(x, 0, out=into)
            else:
                out = np.asarray(np.maximum(x, 0, dtype=x.dtype))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        # out is 0, positive or nan, so ``out != 0`` is PyTorch's ``out > 0 or nan`` in one
        # comparison: nan passes the gradient, as in PyTorch
        if parallel.splits(g, out):
            return parallel.pointwise(_kpoint.relu_grad, g, out)
        return _kpoint.relu_grad(g, out)


def _relu(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``max(x, 0)`` into ``out``."""
    return np.maximum(x, 0, out=out)


def stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-x))`` taking exp of non-positive numbers only: no overflow for any x.
    The one copy numtorch has (activations and the logit losses use it too)."""
    e = np.exp(-np.abs(x))
    return _where.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


class Sigmoid(Primitive):
    """``1 / (1 + exp(-x))``; backward reads the result. Activation-sized float arrays are
    split over numtorch's threads (``parallel.pointwise``), bit for bit the one-call result."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        if x.dtype.kind == "f" and parallel.splits(x):
            out = parallel.pointwise(_sigmoid, x)
        else:
            out = _kspecial.sigmoid(x)
            out = stable_sigmoid(x) if out is None else out
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        if parallel.splits(g, out):
            return parallel.pointwise(_sigmoid_grad, g, out)
        return g * out * (1 - out)


def _sigmoid(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """:func:`stable_sigmoid` of a float array into ``out``: the same operations (``1 + e``
    computed once, the same bits), the choice a blend into ``e / (1 + e)``; float32 by the
    numba kernel where it serves (:func:`numtorch._kernels.special.sigmoid`)."""
    if _kspecial.sigmoid(x, out=out) is not None:
        return out
    e = np.exp(-np.abs(x))
    d = 1 + e
    np.divide(e, d, out=out)
    return _where.where(x >= 0, np.divide(1, d, out=d), out, out=out)


def _sigmoid_grad(g: np.ndarray, result: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Sigmoid's gradient ``g * s * (1 - s)`` from its ``result`` ``s`` into ``out``."""
    return np.multiply(g * result, 1 - result, out=out)


class Tanh(Primitive):
    """``tanh(x)``; backward reads the result. Activation-sized arrays are split over
    numtorch's threads (``parallel.pointwise``), bit for bit the one-call result."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        if x.dtype.kind == "f" and parallel.splits(x):
            out = parallel.pointwise(np.tanh, x)
        else:
            out = np.asarray(np.tanh(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        if parallel.splits(g, out):
            return parallel.pointwise(_tanh_grad, g, out)
        return g * (1 - out * out)


def _tanh_grad(g: np.ndarray, result: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Tanh's gradient ``g * (1 - t * t)`` from its ``result`` ``t`` into ``out``: copied,
    as ``np.multiply(g, tmp, out=out)`` it would not run as NumPy's ``tmp *= g`` (a NaN's
    sign)."""
    np.copyto(out, g * (1 - result * result))
    return out


class Cast(Primitive):
    """Change dtype; the gradient is cast back to the source dtype."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, np_dtype: np.dtype) -> np.ndarray:
        ctx.src = x.dtype
        return x.astype(np_dtype)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        return g.astype(ctx.src), None

    def name(self) -> str:
        return self.__dict__.get("_name") or "ToCopyBackward0"


class Clone(Primitive):
    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        return x.copy()

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        return g


class Step(Primitive):
    """A piecewise-constant map (floor, ceil, round, trunc, sign): its gradient is zero
    almost everywhere, which is what PyTorch returns (not an error, not ``None``)."""

    _FNS = {"Floor": np.floor, "Ceil": np.ceil, "Trunc": np.trunc, "Sign": np.sign}

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, kind: str, decimals: int = 0) -> np.ndarray:
        ctx.kind, ctx.decimals = kind, decimals
        if kind == "Round":
            return np.round(x, decimals)
        out = Step._FNS[kind](x)
        if kind == "Sign" and x.dtype.kind == "f":
            out = np.where(np.isnan(x), 0, out).astype(x.dtype)  # PyTorch's sign(nan) is 0
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        return np.zeros_like(g), None, None

    def name(self) -> str:
        suffix = 1 if self.kind == "Round" and self.decimals else 0
        return self.__dict__.get("_name") or f"{self.kind}Backward{suffix}"


class Frac(Primitive):
    """``x - trunc(x)``: the gradient passes through unchanged."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        return x - np.trunc(x)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        return g
