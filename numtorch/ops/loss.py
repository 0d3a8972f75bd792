"""Fused loss primitives: negative log-likelihood (a gather forward, a scatter backward) and
the two binary cross-entropies, each computed in one stable pass over the elements."""

from __future__ import annotations

import numpy as np

from numtorch.autograd.function import Function
from numtorch.ops.elementwise import stable_sigmoid

_EPSILON = 1e-12  # PyTorch's floor on x(1 - x) in binary_cross_entropy's backward


class NllLoss(Function):
    """``-weight[t] * logp[n, t, ...]`` per element, reduced; ``ignore_index`` targets count zero.

    ``logp`` is (N, C, d1, ...) or (C,); ``target`` has its shape without the class axis and
    is checked in range beforehand. 'mean' divides by the summed weight of the kept targets
    (NaN when that is zero), exactly as PyTorch's ``nll_loss``.
    """

    @staticmethod
    def forward(
        ctx: Function, logp, target, weight, ignore_index: int, reduction: str
    ) -> np.ndarray:
        axis = 0 if logp.ndim == 1 else 1
        keep = target != ignore_index
        safe = np.where(keep, target, 0)
        w = keep if weight is None else np.where(keep, weight[safe], 0)
        wt, safe = w.astype(logp.dtype), np.expand_dims(safe, axis)
        ctx.axis, ctx.shape, ctx.reduction = axis, logp.shape, reduction
        ctx.save_for_backward(keep, wt, safe)
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
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        keep, wt, safe = ctx.saved_tensors
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


class BinaryCrossEntropyWithLogits(Function):
    """Unreduced ``w * ((1 - t) x - (1 + (pw - 1) t) log sigmoid(x))`` (PyTorch's formula).

    ``x`` and ``t`` have equal shapes; ``weight`` and ``pos_weight`` are constants (arrays
    broadcastable to them, or None) that PyTorch does not differentiate either.
    """

    @staticmethod
    def forward(ctx: Function, x, t, weight, pos_weight) -> np.ndarray:
        ls = _log_sigmoid(x)
        ctx.save_for_backward(x, t, weight, pos_weight, ls)
        lw = 1 if pos_weight is None else 1 + (pos_weight - 1) * t
        loss = (1 - t) * x - lw * ls
        return (loss if weight is None else loss * weight).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        x, t, w, pw, ls = ctx.saved_tensors
        gw = g if w is None else g * w
        gx = gt = None
        if ctx.needs_input_grad[0]:
            lw = 1 if pw is None else 1 + (pw - 1) * t
            gx = (gw * ((1 - t) - lw * stable_sigmoid(-x))).astype(x.dtype, copy=False)
        if ctx.needs_input_grad[1]:
            d = -x if pw is None else -x - (pw - 1) * ls
            gt = (gw * d).astype(t.dtype, copy=False)
        return gx, gt, None, None


class BinaryCrossEntropy(Function):
    """Unreduced ``-w (t log x + (1 - t) log(1 - x))`` with each log clamped at -100.

    The clamp (and the 1e-12 floor in the input gradient) are PyTorch's, so an input of
    exactly 0 or 1 gives a finite loss, as there.
    """

    @staticmethod
    def forward(ctx: Function, x, t, weight) -> np.ndarray:
        with np.errstate(divide="ignore"):
            log_x, log_1mx = np.maximum(np.log(x), -100), np.maximum(np.log1p(-x), -100)
        ctx.save_for_backward(x, t, weight)
        loss = -(t * log_x + (1 - t) * log_1mx)
        return (loss if weight is None else loss * weight).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        x, t, w = ctx.saved_tensors
        gw = g if w is None else g * w
        gx = gt = None
        if ctx.needs_input_grad[0]:
            gx = (gw * (x - t) / np.maximum((1 - x) * x, _EPSILON)).astype(x.dtype, copy=False)
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore"):  # -logit(x), unclamped as in PyTorch
                gt = (gw * -np.log(x / (1 - x))).astype(t.dtype, copy=False)
        return gx, gt, None
