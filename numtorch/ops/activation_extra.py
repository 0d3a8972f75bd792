"""More activation primitives: the hard and shrink families, threshold, Mish, log-sigmoid,
PReLU, RReLU and GLU.

Each is one node with PyTorch's name (``HardswishBackward0``, ``PreluKernelBackward0``, ...)
and saves the input, as PyTorch's kernels do; the in-place forms (``inplace=True``) are named
``...Backward1`` where PyTorch names them so, and still differentiate at the original input
(numtorch's in-place machinery hands the node a private copy of it; in-place threshold, which
computes straight into the input, keeps the bool mask its backward needs instead).
"""

from __future__ import annotations

import numpy as np

from numtorch.autograd.graph import Primitive
from numtorch.ops import destination
from numtorch.ops.activation import Scratch, blend_into, blocked_gradient, each_block, masked_grad
from numtorch.ops.elementwise import stable_sigmoid


def _grads(ctx: Primitive, gx: np.ndarray) -> tuple:
    """``gx`` for the input, None for every other argument."""
    return (gx,) + (None,) * (len(ctx.needs_input_grad) - 1)


def _cast(a: np.ndarray, like: np.ndarray) -> np.ndarray:
    return a.astype(like.dtype, copy=False)


class Hardswish(Primitive):
    """``x * relu6(x + 3) / 6``; slope ``x / 3 + 1/2`` inside (-3, 3), 0 at and below -3, 1 at
    and above 3 (PyTorch's choice at the kinks)."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        t = x.dtype.type
        ctx.save_for_backward(x)
        return _cast(x * np.clip(x + t(3), 0, 6) / t(6), x)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        t = x.dtype.type
        slope = np.where(x <= -3, t(0), np.where(x < 3, x / t(3) + t(0.5), t(1)))
        return _cast(g * slope, g)


class Hardsigmoid(Primitive):
    """``relu6(x + 3) / 6``; slope 1/6 strictly inside (-3, 3), 0 elsewhere."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        t = x.dtype.type
        ctx.save_for_backward(x)
        return _cast(np.clip(x + t(3), 0, 6) / t(6), x)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        sixth = g.dtype.type(np.float32(1 / 6))  # PyTorch's kernel rounds 1/6 to float32
        return _cast(np.where((x > -3) & (x < 3), g * sixth, 0), g)


class Hardshrink(Primitive):
    """``x`` where ``|x| > lambd``, else 0; the gradient passes where the value does."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, lambd: float) -> np.ndarray:
        ctx.lambd = lambd
        ctx.save_for_backward(x)
        return _cast(np.where((x >= -lambd) & (x <= lambd), 0, x), x)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (x,) = ctx.saved_tensors
        lam = ctx.lambd
        return _cast(np.where((x >= -lam) & (x <= lam), 0, g), g), None


class Softshrink(Primitive):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, 0 between."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, lambd: float) -> np.ndarray:
        t = x.dtype.type
        ctx.lambd = lambd
        ctx.save_for_backward(x)
        lam = t(lambd)
        out = np.where(x > lam, x - lam, np.where(x < -lam, x + lam, t(0)))
        return _cast(np.where(np.isnan(x), x, out), x)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (x,) = ctx.saved_tensors
        lam = ctx.lambd
        return _cast(np.where((x >= -lam) & (x <= lam), 0, g), g), None


class Threshold(Primitive):
    """``value`` where ``x <= threshold``, else ``x`` (NaN stays, and passes the gradient, as
    in PyTorch); ``inplace`` names the node as PyTorch's ``threshold_``.

    The in-place form, offered the input's memory (:mod:`numtorch.ops.destination`), writes
    ``value`` straight into it and keeps only the mask ``x <= threshold`` (a bool array, all
    backward reads of the input): PyTorch's ``threshold_`` saves a copy of the original input,
    so, as there, a later in-place change of the result does not fail backward.
    """

    @staticmethod
    def forward(
        ctx: Primitive, x: np.ndarray, threshold: float, value: float, inplace: bool = False
    ) -> np.ndarray:
        ctx.threshold, ctx.inplace = threshold, inplace
        into = destination.take(x)
        if into is not None:
            below = np.empty(x.shape, bool)
            fill = np.asarray(x.dtype.type(value))
            if x.dtype.itemsize in (1, 2, 4, 8):
                scratch = Scratch(x)
                each_block(
                    lambda b, m: _threshold_into(b, m, scratch, threshold, fill), into, below
                )
            else:
                np.less_equal(x, threshold, out=below)
                np.copyto(into, fill, where=below)
            ctx.save_for_backward(below)
            return into
        ctx.save_for_backward(x)
        return _cast(np.where(x <= threshold, x.dtype.type(value), x), x)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (saved,) = ctx.saved_tensors
        if saved.dtype == bool:  # the in-place form's mask
            gx = blocked_gradient(masked_grad, g, saved, False)
            if gx is not None:
                return _grads(ctx, gx)
        below = saved if saved.dtype == bool else saved <= ctx.threshold
        return _grads(ctx, _cast(np.where(below, 0, g), g))

    def name(self) -> str:
        return "ThresholdBackward1" if self.inplace else "ThresholdBackward0"


def _threshold_into(
    x: np.ndarray, below: np.ndarray, scratch: Scratch, threshold: float, fill: np.ndarray
) -> None:
    """``Threshold.forward``'s ``where(x <= threshold, fill, x)`` computed into the block
    ``x`` (a bitwise blend: the same bits), and the mask ``x <= threshold`` into ``below``."""
    np.less_equal(x, threshold, out=below)
    keep = scratch.bits(x.size)
    np.subtract(below, 1, out=keep, dtype=keep.dtype)  # -1 (all bits) where not below
    blend_into(x, fill, keep)


def _softplus(x: np.ndarray) -> np.ndarray:
    """``log(1 + exp(x))`` without overflow."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


class Mish(Primitive):
    """``x * tanh(softplus(x))`` (Misra 2019)."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return _cast(x * np.tanh(_softplus(x)), x)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        th = np.tanh(_softplus(x))
        return _cast(g * (th + x * stable_sigmoid(x) * (1 - th * th)), g)


class LogSigmoid(Primitive):
    """``log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|))``; derivative ``sigmoid(-x)``."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return _cast(np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x))), x)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        return _cast(g * stable_sigmoid(-x), g)


def _channel_shape(x: np.ndarray, w: np.ndarray) -> tuple:
    """The shape that broadcasts PReLU's weight along ``x``'s channel axis (axis 1)."""
    if w.size == 1 or x.ndim < 2:
        return ()
    return (1, w.size) + (1,) * (x.ndim - 2)


class PreluKernel(Primitive):
    """``x`` where positive, ``w * x`` elsewhere, ``w`` one value or one per channel (axis 1).

    Both the input and the weight get a gradient; the weight's sums over every other axis.
    """

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        wb = w.reshape(_channel_shape(x, w))
        ctx.save_for_backward(x, w)
        return _cast(np.where(x > 0, x, wb * x), x)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x, w = ctx.saved_tensors
        wb = w.reshape(_channel_shape(x, w))
        gx = gw = None
        if ctx.needs_input_grad[0]:
            gx = _cast(np.where(x > 0, g, wb * g), g)
        if ctx.needs_input_grad[1]:
            per = np.where(x > 0, 0, x * g)
            if w.size == 1 or x.ndim < 2:
                gw = np.sum(per, dtype=w.dtype).reshape(w.shape)
            else:
                axes = tuple(a for a in range(x.ndim) if a != 1)
                gw = np.sum(per, axis=axes, dtype=w.dtype).reshape(w.shape)
        return gx, gw


class RreluWithNoise(Primitive):
    """Randomised leaky ReLU: ``x * noise`` where ``x <= 0`` (``noise`` drawn by the caller
    from U(lower, upper)), ``x`` elsewhere; in evaluation the slope is fixed at
    ``(lower + upper) / 2`` and ``noise`` is None. ``inplace`` names the node as PyTorch's
    ``rrelu_``."""

    @staticmethod
    def forward(
        ctx: Primitive, x: np.ndarray, noise: np.ndarray | None, slope: float, inplace: bool
    ) -> np.ndarray:
        ctx.slope, ctx.inplace = slope, inplace
        if noise is None:
            ctx.save_for_backward(x, None)
            return _cast(np.where(x > 0, x, x * x.dtype.type(slope)), x)
        slopes = _cast(np.where(x <= 0, noise, 1), x)
        ctx.save_for_backward(x, slopes)
        return _cast(x * slopes, x)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x, slopes = ctx.saved_tensors
        if slopes is None:
            return _grads(ctx, _cast(np.where(x > 0, g, g * g.dtype.type(ctx.slope)), g))
        return _grads(ctx, _cast(g * slopes, g))

    def name(self) -> str:
        return "RreluWithNoiseBackward1" if self.inplace else "RreluWithNoiseBackward0"


class Glu(Primitive):
    """``a * sigmoid(b)``, ``a`` and ``b`` the two halves of ``x`` along ``dim``."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, dim: int) -> np.ndarray:
        a, b = np.split(x, 2, axis=dim)
        ctx.dim = dim
        ctx.save_for_backward(x)
        return _cast(a * stable_sigmoid(b), x)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (x,) = ctx.saved_tensors
        a, b = np.split(x, 2, axis=ctx.dim)
        s = stable_sigmoid(b)
        ga, gb = g * s, g * a * s * (1 - s)
        return _cast(np.concatenate([ga, gb], axis=ctx.dim), g), None
