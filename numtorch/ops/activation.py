"""Activation primitives not in ``elementwise.py``: leaky ReLU, the ELU family, GELU, SiLU,
softplus and hardtanh.

Each saves what PyTorch saves, so the version check refuses exactly where PyTorch's does:
the input (``self``), or for the in-place forms of leaky ReLU and the ELU family the result
(``result=True``: the derivative is recovered from the output, as in PyTorch's ``elu_`` and
``leaky_relu_``). Backward recomputes the local derivative from that one array.
"""

from __future__ import annotations

import math

import numpy as np

from numtorch._kernels import parallel
from numtorch._kernels import special as _kspecial
from numtorch.autograd.function import Function
from numtorch.ops._erf import erf as _fdlibm_erf
from numtorch.ops.elementwise import stable_sigmoid

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _erf(x: np.ndarray) -> np.ndarray:
    """The error function of a float32 or float64 array, in its dtype (NumPy has none):
    fdlibm's erf vectorised (:func:`numtorch.ops._erf.erf`), within an ulp of ``math.erf``;
    float32 is computed in float64 and rounded once. (GELU calls
    :mod:`numtorch._kernels.special`, whose numba kernels are ``math.erf`` exactly.)"""
    return _fdlibm_erf(x).astype(x.dtype, copy=False)


_NEGATIVE_SLOPE_INPLACE = (
    "In-place {op} backward calculation is triggered with a negative slope which is not "
    "supported. This is caused by calling in-place forward function with a negative slope, "
    "please call out-of-place version instead.{tail}"
)
_LEAKY_TAIL = (
    " File an issue at https://github.com/pytorch/pytorch if you do require supporting "
    "in-place leakRelu backward calculation with negative slope"
)


def _grads(ctx: Function, gx: np.ndarray) -> tuple:
    return (gx,) + (None,) * (len(ctx.needs_input_grad) - 1)


class LeakyRelu(Function):
    """``x`` where positive, ``slope * x`` elsewhere; ``result=True`` saves the output (the
    in-place form), whose sign is the input's when ``slope >= 0``."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, slope: float, result: bool = False) -> np.ndarray:
        out = np.where(x > 0, x, x * x.dtype.type(slope))
        ctx.slope, ctx.result = slope, result
        ctx.save_for_backward(out if result else x)
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        (saved,) = ctx.saved_tensors
        if ctx.result and ctx.slope < 0:
            raise RuntimeError(_NEGATIVE_SLOPE_INPLACE.format(op="leakyReLu", tail=_LEAKY_TAIL))
        return _grads(ctx, np.where(saved > 0, g, g * g.dtype.type(ctx.slope)))

    def name(self) -> str:
        return "LeakyReluBackward1" if self.result else "LeakyReluBackward0"


class Elu(Function):
    """``scale * (x if x > 0 else alpha * (exp(x * input_scale) - 1))``: ELU, SELU, CELU.

    PyTorch's ``elu_backward``: from the input, ``scale * alpha * input_scale *
    exp(x * input_scale)`` where ``x <= 0`` (NaN takes the positive slope); from the result
    (``result=True``), ``input_scale * (out + scale * alpha)`` where ``out <= 0``.
    ``celu`` names the node ``CeluBackward``, as PyTorch does.
    """

    @staticmethod
    def forward(
        ctx: Function,
        x: np.ndarray,
        alpha: float,
        scale: float,
        input_scale: float,
        result: bool = False,
        celu: bool = False,
    ) -> np.ndarray:
        t = x.dtype.type
        negative = t(scale * alpha) * np.expm1(x * t(input_scale))  # (overflow: not picked)
        out = np.where(x > 0, x * t(scale), negative)
        ctx.coefficients, ctx.result, ctx.celu = (alpha, scale, input_scale), result, celu
        ctx.save_for_backward(out if result else x)
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        (saved,) = ctx.saved_tensors
        alpha, scale, input_scale = ctx.coefficients
        t = g.dtype.type
        if ctx.result:
            if alpha < 0:
                raise RuntimeError(_NEGATIVE_SLOPE_INPLACE.format(op="elu", tail=""))
            slope = t(input_scale) * (saved + t(scale * alpha))
        else:
            slope = t(scale * alpha * input_scale) * np.exp(np.minimum(saved, 0) * t(input_scale))
        return _grads(ctx, g * np.where(saved <= 0, slope, t(scale)))

    def name(self) -> str:
        return f"{'Celu' if self.celu else 'Elu'}Backward{1 if self.result else 0}"


def _gelu_derivative(x: np.ndarray, approximate: str) -> np.ndarray:
    t = x.dtype.type
    if approximate == "tanh":
        th = np.tanh(t(_SQRT_2_OVER_PI) * (x + t(0.044715) * (x * x * x)))
        d_inner = t(_SQRT_2_OVER_PI) * (1 + t(3 * 0.044715) * x * x)
        return t(0.5) * (1 + th) + t(0.5) * x * (1 - th * th) * d_inner
    return _kspecial.gelu_derivative_numpy(x)


class Gelu(Function):
    """``x * Phi(x)`` with Phi the normal CDF, exact or with the tanh approximation.
    Activation-sized float arrays are split over numtorch's threads (``parallel.pointwise``),
    bit for bit the one-call result."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, approximate: str) -> np.ndarray:
        t = x.dtype.type
        ctx.approximate = approximate
        ctx.save_for_backward(x)
        if x.dtype.kind == "f" and parallel.splits(x):
            return parallel.pointwise(_gelu_tanh if approximate == "tanh" else _gelu_erf, x)
        if approximate == "tanh":
            inner = t(_SQRT_2_OVER_PI) * (x + t(0.044715) * (x * x * x))
            return t(0.5) * x * (1 + np.tanh(inner))
        return _kspecial.gelu(x)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        (x,) = ctx.saved_tensors
        tanh = ctx.approximate == "tanh"
        if parallel.splits(g, x):
            return parallel.pointwise(_gelu_grad_tanh if tanh else _gelu_grad_erf, g, x), None
        if tanh:
            return g * _gelu_derivative(x, "tanh"), None
        return _kspecial.gelu_grad(g, x), None


def _gelu_tanh(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Gelu's tanh approximation of a float array into ``out`` (``Gelu.forward``'s
    expression)."""
    t = x.dtype.type
    inner = t(_SQRT_2_OVER_PI) * (x + t(0.044715) * (x * x * x))
    return np.multiply(t(0.5) * x, 1 + np.tanh(inner), out=out)


def _gelu_erf(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Exact Gelu of a float array into ``out`` (:func:`numtorch._kernels.special.gelu`: on the
    NumPy path ``Gelu.forward``'s expression, copied, as ``np.multiply(x, tmp, out=out)`` would
    not run as NumPy's ``tmp *= x``: a NaN's sign)."""
    return _kspecial.gelu(x, out=out)


def _gelu_grad_tanh(g: np.ndarray, x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Gelu's (tanh approximation) gradient into ``out``, copied (see :func:`_gelu_erf`)."""
    np.copyto(out, g * _gelu_derivative(x, "tanh"))
    return out


def _gelu_grad_erf(g: np.ndarray, x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Exact Gelu's gradient into ``out`` (:func:`numtorch._kernels.special.gelu_grad`;
    see :func:`_gelu_erf`)."""
    return _kspecial.gelu_grad(g, x, out=out)


class Silu(Function):
    """``x * sigmoid(x)`` (a.k.a. swish). Activation-sized float arrays are split over
    numtorch's threads (``parallel.pointwise``), bit for bit the one-call result."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        if x.dtype.kind == "f" and parallel.splits(x):
            return parallel.pointwise(_silu, x)
        return x * stable_sigmoid(x)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        if parallel.splits(g, x):
            return parallel.pointwise(_silu_grad, g, x)
        s = stable_sigmoid(x)
        return g * (s * (1 + x * (1 - s)))


def _silu(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``x * sigmoid(x)`` of a float array into ``out``, copied (see :func:`_gelu_erf`)."""
    np.copyto(out, x * stable_sigmoid(x))
    return out


def _silu_grad(g: np.ndarray, x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Silu's gradient ``g * (s * (1 + x * (1 - s)))``, ``s = sigmoid(x)``, into ``out``,
    copied (see :func:`_gelu_erf`)."""
    s = stable_sigmoid(x)
    np.copyto(out, g * (s * (1 + x * (1 - s))))
    return out


class Softplus(Function):
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, beta: float, threshold: float) -> np.ndarray:
        t = x.dtype.type
        bx = x * t(beta)
        ctx.beta, ctx.threshold = beta, threshold
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            soft = (np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))) / t(beta)
        return np.where(bx > threshold, x, soft).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        (x,) = ctx.saved_tensors
        bx = x * x.dtype.type(ctx.beta)
        return g * np.where(bx > ctx.threshold, 1, stable_sigmoid(bx)).astype(g.dtype), None, None


class Hardtanh(Function):
    """Clamp to ``[lo, hi]``; unlike ``clamp`` the gradient is 0 at the ends, as in PyTorch."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, lo: float, hi: float) -> np.ndarray:
        ctx.bounds = (lo, hi)
        ctx.save_for_backward(x)
        return np.clip(x, lo, hi).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        # NaN gets 0, as in PyTorch's vectorised kernel (its scalar tail passes the gradient)
        return np.where((x > lo) & (x < hi), g, 0).astype(g.dtype, copy=False), None, None
