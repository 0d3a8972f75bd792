"""Element-wise primitives. Operands arrive with equal shapes, or as constants that NumPy
broadcasts; a tensor that needs a gradient is broadcast beforehand by ``Expand``."""

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


class Mul(Function):
    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        # each gradient reads only the other operand
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        return a * b

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        a, b = ctx.saved_tensors
        ga = g * b if ctx.needs_input_grad[0] else None
        gb = g * a if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        return a / b

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        a, b = ctx.saved_tensors
        ga = g / b if ctx.needs_input_grad[0] else None
        gb = -g * a / (b * b) if ctx.needs_input_grad[1] else None
        return ga, gb


class RoundedDiv(Function):
    """``a / b`` rounded toward zero (``mode='trunc'``) or down (``'floor'``): a step function,
    so its gradient is zero."""

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray, mode: str) -> np.ndarray:
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
        return (zero if ctx.needs_input_grad[0] else None), (
            zero if ctx.needs_input_grad[1] else None
        )


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


class Pow(Function):
    """``a ** b`` for two tensors (or a tensor and a constant)."""

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = a**b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        a, b, out = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = np.where(b == 0, 0.0, g * b * _pow(a, np.where(b == 0, 1, b - 1))).astype(a.dtype)
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = np.where((a == 0) & (b >= 0), 0.0, g * out * np.log(a)).astype(b.dtype)
        return ga, gb


class Exp(Function):
    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        out = np.exp(x)
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
            out = np.sqrt(x)
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
    """Clamp to ``[lo, hi]``; the gradient passes where the input lies inside, ends included."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, lo: float | None, hi: float | None) -> np.ndarray:
        inside = np.ones(x.shape, dtype=bool)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        ctx.save_for_backward(inside)
        return np.clip(x, lo, hi).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        (inside,) = ctx.saved_tensors
        return g * inside, None, None


def _shares(lose_a: np.ndarray, lose_b: np.ndarray, tie: np.ndarray, dt: np.dtype) -> tuple:
    """Each input's share of the gradient: half on ties, none where it lost, else all (so a
    nan, which neither wins nor loses, passes the whole gradient to both, as in PyTorch)."""
    share_a = np.where(tie, 0.5, np.where(lose_a, 0.0, 1.0)).astype(dt)
    share_b = np.where(tie, 0.5, np.where(lose_b, 0.0, 1.0)).astype(dt)
    return share_a, share_b


class Maximum(Function):
    """Element-wise maximum; on ties each input gets half the gradient, as in PyTorch."""

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(*_shares(a < b, a > b, a == b, g_dtype(a, b)))
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        share_a, share_b = ctx.saved_tensors
        return g * share_a, g * share_b


class Minimum(Function):
    """Element-wise minimum; on ties each input gets half the gradient, as in PyTorch."""

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(*_shares(a > b, a < b, a == b, g_dtype(a, b)))
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        share_a, share_b = ctx.saved_tensors
        return g * share_a, g * share_b


class Where(Function):
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
    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(~(x <= 0))  # nan passes the gradient, as in PyTorch
        return np.maximum(x, 0, dtype=x.dtype) if x.dtype.kind == "f" else np.maximum(x, 0)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
        (positive,) = ctx.saved_tensors
        return g * positive


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
        out = np.tanh(x)
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
        return "ToCopyBackward0"


def g_dtype(a: np.ndarray, b: np.ndarray) -> np.dtype:
    return np.result_type(a.dtype, b.dtype)


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
        return f"{self.kind}Backward{suffix}"


class Frac(Function):
    """``x - trunc(x)``: the gradient passes through unchanged."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        return x - np.trunc(x)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
        return g
