"""Activation primitives not in ``elementwise.py``: leaky ReLU, the ELU family, GELU, SiLU,
softplus and hardtanh.

Each forward computes the local derivative it needs as a fresh array (only when a gradient
will be asked for), so backward never reads the input: the in-place forms (``elu_``,
``hardtanh_``, ...) overwrite the input without breaking backward.
"""

from __future__ import annotations

import math

import numpy as np

from numtorch.autograd.function import Function
from numtorch.autograd.grad_mode import is_grad_enabled
from numtorch.ops.elementwise import stable_sigmoid

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _erf(x: np.ndarray) -> np.ndarray:
    """The error function to ~1e-15 (NumPy has none): a positive-term series for |x| < 2,
    the continued fraction of erfc beyond (Abramowitz & Stegun 7.1.6 and 7.1.14)."""
    # float64 needs 30 series terms and 60 fraction levels; float32's precision, 18 and 24
    series, fraction = (30, 60) if x.dtype == np.float64 else (18, 24)
    a = np.abs(x).astype(np.float64)
    out = np.empty_like(a)
    small = a < 2.0
    z = a[small]
    z2 = z * z
    s = np.ones_like(z)
    for n in range(series, -1, -1):  # erf = 2/sqrt(pi) e^{-z^2} sum 2^n z^{2n+1} / (2n+1)!!
        s = 1 + z2 * s * (2.0 / (2 * n + 3))
    out[small] = (2 / math.sqrt(math.pi)) * np.exp(-z2) * z * s
    z = np.minimum(a[~small], 7.0)  # erf(7) is 1 in float64
    f = z.copy()
    for k in range(fraction, 0, -1):  # erfc = e^{-z^2} / (sqrt(pi) (z + 1/2/(z + 1/(z + 3/2/...))))
        f = z + (k / 2) / f
    out[~small] = 1 - np.exp(-z * z) / (math.sqrt(math.pi) * f)
    return (np.sign(x) * out).astype(x.dtype, copy=False)


def _wants_grad(ctx: Function) -> bool:
    return bool(ctx.needs_input_grad[0]) and is_grad_enabled()


class _Pointwise(Function):
    """A unary op whose backward multiplies by a derivative ``forward`` saved."""

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        (derivative,) = ctx.saved_tensors
        return (g * derivative,) + (None,) * (len(ctx.needs_input_grad) - 1)


class LeakyRelu(_Pointwise):
    @staticmethod
    def forward(ctx: Function, x: np.ndarray, slope: float) -> np.ndarray:
        positive = x > 0
        if _wants_grad(ctx):
            ctx.save_for_backward(np.where(positive, 1, slope).astype(x.dtype))
        return np.where(positive, x, x * x.dtype.type(slope))


class Elu(_Pointwise):
    """``scale * (x if x > 0 else alpha * (exp(x * input_scale) - 1))``: ELU, SELU, CELU."""

    @staticmethod
    def forward(
        ctx: Function, x: np.ndarray, alpha: float, scale: float, input_scale: float
    ) -> np.ndarray:
        t = x.dtype.type
        negative = t(scale * alpha) * np.exp(np.minimum(x, 0) * t(input_scale))
        if _wants_grad(ctx):  # PyTorch tests x <= 0: 0 takes the negative slope, NaN the positive
            ctx.save_for_backward(np.where(x <= 0, negative * t(input_scale), t(scale)))
        return np.where(x > 0, x * t(scale), negative - t(scale * alpha))


class Gelu(_Pointwise):
    """``x * Phi(x)`` with Phi the normal CDF, exact or with the tanh approximation."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, approximate: str) -> np.ndarray:
        t = x.dtype.type
        if approximate == "tanh":
            inner = t(_SQRT_2_OVER_PI) * (x + t(0.044715) * x**3)
            th = np.tanh(inner)
            if _wants_grad(ctx):
                d_inner = t(_SQRT_2_OVER_PI) * (1 + t(3 * 0.044715) * x * x)
                ctx.save_for_backward(t(0.5) * (1 + th) + t(0.5) * x * (1 - th * th) * d_inner)
            return t(0.5) * x * (1 + th)
        cdf = t(0.5) * (1 + _erf(x * t(_INV_SQRT_2)))
        if _wants_grad(ctx):
            ctx.save_for_backward(cdf + x * t(_INV_SQRT_2PI) * np.exp(t(-0.5) * x * x))
        return x * cdf


class Silu(_Pointwise):
    """``x * sigmoid(x)`` (a.k.a. swish)."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        s = stable_sigmoid(x)
        if _wants_grad(ctx):
            ctx.save_for_backward(s * (1 + x * (1 - s)))
        return x * s


class Softplus(_Pointwise):
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, beta: float, threshold: float) -> np.ndarray:
        t = x.dtype.type
        bx = x * t(beta)
        linear = bx > threshold
        if _wants_grad(ctx):
            ctx.save_for_backward(np.where(linear, t(1), stable_sigmoid(bx)))
        with np.errstate(divide="ignore", invalid="ignore"):
            soft = (np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))) / t(beta)
        return np.where(linear, x, soft).astype(x.dtype, copy=False)


class Hardtanh(_Pointwise):
    """Clamp to ``[lo, hi]``; unlike ``clamp`` the gradient is 0 at the ends, as in PyTorch."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, lo: float, hi: float) -> np.ndarray:
        if _wants_grad(ctx):
            ctx.save_for_backward(((x > lo) & (x < hi)).astype(x.dtype))
        return np.clip(x, lo, hi).astype(x.dtype, copy=False)
