"""Fused loss primitives, each PyTorch's node: negative log-likelihood (a gather forward, a
scatter backward), the two binary cross-entropies, and the regression losses (MSE, smooth L1,
Huber). Each reduces inside (so the loss is one node, as in PyTorch) and saves what PyTorch
saves (input, target, weights): the version check refuses exactly where PyTorch's does.
"""

from __future__ import annotations

import numpy as np

from numtorch.autograd.graph import Primitive
from numtorch.ops.elementwise import stable_sigmoid

_EPSILON = 1e-12  # PyTorch's floor on x(1 - x) in binary_cross_entropy's backward


def _reduce(loss: np.ndarray, reduction: str) -> np.ndarray:
    """``loss`` summed, averaged (NaN when empty) or as it is."""
    if reduction == "none":
        return loss
    total = np.sum(loss, dtype=loss.dtype)
    if reduction == "sum":
        return np.asarray(total)
    return np.asarray(total / loss.dtype.type(loss.size))


def _upstream(g: np.ndarray, shape: tuple, reduction: str) -> np.ndarray:
    """The gradient reaching each element of the unreduced loss."""
    if reduction == "none":
        return g
    if reduction == "mean":
        g = g / g.dtype.type(np.prod(shape, dtype=np.int64))
    return np.broadcast_to(g, shape)


class NllLoss(Primitive):
    """``-weight[t] * logp[n, t, ...]`` per element, reduced; ``ignore_index`` targets count zero.

    ``logp`` is (N, C, d1, ...) or (C,); ``target`` has its shape without the class axis and
    is checked in range beforehand. 'mean' divides by the summed weight of the kept targets
    (NaN when that is zero), exactly as PyTorch's ``nll_loss``. Like PyTorch it saves
    ``logp``, ``target`` and ``weight`` (backward reads only the last two).
    """

    @staticmethod
    def forward(
        ctx: Primitive, logp, target, weight, ignore_index: int, reduction: str
    ) -> np.ndarray:
        axis = 0 if logp.ndim == 1 else 1
        t = target.astype(np.int64, copy=False)
        keep = t != ignore_index
        safe = np.where(keep, t, 0)
        w = keep if weight is None else np.where(keep, weight[safe], 0)
        wt, safe = w.astype(logp.dtype), np.expand_dims(safe, axis)
        ctx.axis, ctx.shape, ctx.reduction = axis, logp.shape, reduction
        ctx.save_for_backward(logp, target, weight, keep, wt, safe)
        picked = np.take_along_axis(logp, safe, axis).squeeze(axis)
        with np.errstate(invalid="ignore"):
            losses = np.where(keep, -picked * wt, 0).astype(logp.dtype, copy=False)
        if reduction == "none":
            return losses
        total = np.sum(losses, dtype=logp.dtype)
        if reduction == "sum":
            return np.asarray(total)
        ctx.total_weight = np.sum(wt, dtype=logp.dtype)  # a NumPy scalar, not an array
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(total / ctx.total_weight)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        _, _, _, keep, wt, safe = ctx.saved_tensors
        if ctx.reduction == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):
                g = g / ctx.total_weight
        # ignored targets write nothing, so an all-ignored batch gives zero (not NaN) gradients
        with np.errstate(invalid="ignore"):
            picked = np.where(keep, -wt * g, 0).astype(wt.dtype, copy=False)
        out = np.zeros(ctx.shape, dtype=wt.dtype)
        np.put_along_axis(out, safe, np.expand_dims(picked, ctx.axis), ctx.axis)
        return out, None, None, None, None


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    """``log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|))``: no overflow for any x."""
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


class BinaryCrossEntropyWithLogits(Primitive):
    """``w * ((1 - t) x - (1 + (pw - 1) t) log sigmoid(x))`` (PyTorch's formula), reduced.

    ``x`` and ``t`` have equal shapes; ``weight`` and ``pos_weight`` broadcast to them (or are
    None) and are not differentiated, as in PyTorch; all four are saved, as there.
    """

    @staticmethod
    def forward(ctx: Primitive, x, t, weight, pos_weight, reduction: str) -> np.ndarray:
        ls = _log_sigmoid(x)
        ctx.reduction = reduction
        ctx.save_for_backward(x, t, weight, pos_weight, ls)
        lw = 1 if pos_weight is None else 1 + (pos_weight - 1) * t
        loss = (1 - t) * x - lw * ls
        loss = (loss if weight is None else loss * weight).astype(x.dtype, copy=False)
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x, t, w, pw, ls = ctx.saved_tensors
        g = _upstream(g, x.shape, ctx.reduction)
        gw = g if w is None else g * w
        gx = gt = None
        if ctx.needs_input_grad[0]:
            lw = 1 if pw is None else 1 + (pw - 1) * t
            gx = (gw * ((1 - t) - lw * stable_sigmoid(-x))).astype(x.dtype, copy=False)
        if ctx.needs_input_grad[1]:
            d = -x if pw is None else -x - (pw - 1) * ls
            gt = (gw * d).astype(t.dtype, copy=False)
        return gx, gt, None, None

    def name(self) -> str:
        return "BinaryCrossEntropyWithLogitsBackward0"


class BinaryCrossEntropy(Primitive):
    """``-w (t log x + (1 - t) log(1 - x))`` with each log clamped at -100, reduced.

    The clamp (and the 1e-12 floor in the input gradient) are PyTorch's, so an input of
    exactly 0 or 1 gives a finite loss, as there. ``weight`` broadcasts to ``x``.
    """

    @staticmethod
    def forward(ctx: Primitive, x, t, weight, reduction: str) -> np.ndarray:
        with np.errstate(divide="ignore"):
            log_x, log_1mx = np.maximum(np.log(x), -100), np.maximum(np.log1p(-x), -100)
        ctx.reduction = reduction
        ctx.save_for_backward(x, t, weight)
        loss = -(t * log_x + (1 - t) * log_1mx)
        loss = (loss if weight is None else loss * weight).astype(x.dtype, copy=False)
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x, t, w = ctx.saved_tensors
        g = _upstream(g, x.shape, ctx.reduction)
        gw = g if w is None else g * w
        gx = gt = None
        if ctx.needs_input_grad[0]:
            gx = (gw * (x - t) / np.maximum((1 - x) * x, _EPSILON)).astype(x.dtype, copy=False)
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore"):  # -logit(x), unclamped as in PyTorch
                gt = (gw * -np.log(x / (1 - x))).astype(t.dtype, copy=False)
        return gx, gt, None

    def name(self) -> str:
        return "BinaryCrossEntropyBackward0"


class _Regression(Primitive):
    """A loss of ``d = x - t`` (equal shapes), reduced; saves ``x`` and ``t`` as PyTorch does.
    Subclasses give the loss of ``d`` and its derivative."""

    @staticmethod
    def forward(ctx: Primitive, x, t, reduction: str, param: float = 0.0) -> np.ndarray:
        ctx.reduction, ctx.param = reduction, param
        ctx.save_for_backward(x, t)
        return _reduce(type(ctx).loss(x - t, x.dtype.type(param)), reduction)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x, t = ctx.saved_tensors
        gd = type(ctx).derivative(x - t, x.dtype.type(ctx.param))
        gd *= _upstream(g, x.shape, ctx.reduction)
        need_x, need_t = ctx.needs_input_grad
        return (gd if need_x else None), (np.negative(gd) if need_t else None)


class MseLoss(_Regression):
    """``d^2``."""

    @staticmethod
    def loss(d: np.ndarray, _: float) -> np.ndarray:
        return d * d

    @staticmethod
    def derivative(d: np.ndarray, _: float) -> np.ndarray:
        return d * d.dtype.type(2)


class SmoothL1Loss(_Regression):
    """``0.5 d^2 / beta`` where ``|d| < beta``, ``|d| - beta / 2`` elsewhere (``beta > 0``)."""

    @staticmethod
    def loss(d: np.ndarray, beta: float) -> np.ndarray:
        z = np.abs(d)
        return np.where(z < beta, z * z * (0.5 / beta), z - 0.5 * beta).astype(d.dtype)

    @staticmethod
    def derivative(d: np.ndarray, beta: float) -> np.ndarray:
        return np.clip(d / beta, -1, 1)


class HuberLoss(_Regression):
    """``0.5 d^2`` where ``|d| < delta``, ``delta (|d| - delta / 2)`` elsewhere."""

    @staticmethod
    def loss(d: np.ndarray, delta: float) -> np.ndarray:
        z = np.abs(d)
        return np.where(z < delta, z * z * 0.5, delta * (z - 0.5 * delta)).astype(d.dtype)

    @staticmethod
    def derivative(d: np.ndarray, delta: float) -> np.ndarray:
        return np.clip(d, -delta, delta)
