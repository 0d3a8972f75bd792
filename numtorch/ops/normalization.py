"""Batch normalisation as one fused primitive with its closed-form backward.

Statistics are per channel (axis 1) over every other axis; M is the count per channel.
Training: ``xhat = (x - mean) / sqrt(var + eps)`` with the biased batch variance, and

    dx = w / (M * sqrt(var + eps)) * (M * g - sum(g) - xhat * sum(g * xhat))

Evaluation uses the running statistics, so the layer is the affine map ``x * scale + shift``.
"""

from __future__ import annotations

import numpy as np

from numtorch.autograd.function import Function

__all__ = ["BatchNorm"]


def _channel_sum(a: np.ndarray) -> np.ndarray:
    """Sum over all axes but 1, via a contiguous inner reduction (pairwise, so float32 sums
    of large batches stay accurate)."""
    n, c = a.shape[:2]
    return a.reshape(n, c, a[:1, :1].size).sum(axis=2).sum(axis=0)


class BatchNorm(Function):
    """``y = (x - mean) / sqrt(var + eps) * weight + bias`` per channel.

    In training the batch statistics are used and, when ``running`` holds the
    (running_mean, running_var) arrays, these are updated in place with ``momentum``
    (the variance with Bessel's correction, as PyTorch does).
    """

    @staticmethod
    def forward(
        ctx: Function, x, weight, bias, running=None, training=True, momentum=0.1, eps=1e-5
    ) -> np.ndarray:
        shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        count = x.size // x.shape[1] if x.shape[1] else 0
        ctx.training, ctx.shape = training, shape
        if training:
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = _channel_sum(x) / count
                xhat = x - mean.reshape(shape)
                var = _channel_sum(xhat * xhat) / count
            if running is not None and count > 0:
                _update(running, mean, var * count / max(count - 1, 1), momentum)
        else:
            mean, var = running
            xhat = x - mean.reshape(shape)
        invstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype)
        xhat *= invstd.reshape(shape)
        ctx.count = count
        kept = xhat if training or ctx.needs_input_grad[1] else None
        ctx.save_for_backward(weight, kept, invstd)  # weight: the caller's array, version-checked
        out = xhat * weight.reshape(shape) if weight is not None else xhat.copy()
        if bias is not None:
            out += bias.reshape(shape)
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        weight, xhat, invstd = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gb = _channel_sum(g) if need_b or (need_x and ctx.training) else None
        gw = _channel_sum(g * xhat) if need_w or (need_x and ctx.training) else None
        gx = None
        if need_x:
            scale = invstd if weight is None else invstd * weight
            scale = scale.reshape(ctx.shape)
            if ctx.training:
                m = ctx.count
                gx = g - gb.reshape(ctx.shape) / m - xhat * (gw.reshape(ctx.shape) / m)
                gx *= scale
            else:
                gx = g * scale
        return gx, gw if need_w else None, gb if need_b else None


def _update(running: tuple, mean: np.ndarray, var: np.ndarray, momentum: float) -> None:
    """``r = (1 - momentum) * r + momentum * batch_stat``, in place."""
    for r, stat in zip(running, (mean, var)):
        r *= 1 - momentum
        r += (momentum * stat).astype(r.dtype)
