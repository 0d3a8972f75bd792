"""Batch, layer and group normalisation as fused primitives with closed-form backwards.

Statistics are per channel (axis 1) over every other axis; M is the count per channel.
Training: ``xhat = (x - mean) / sqrt(var + eps)`` with the biased batch variance, and

    dx = w / (M * sqrt(var + eps)) * (M * g - sum(g) - xhat * sum(g * xhat))

Evaluation uses the running statistics, so the layer is the affine map ``x * scale + shift``.
Like PyTorch's ``native_batch_norm`` the node saves the input, the weight, the running
statistics and the batch's mean and inverse standard deviation; backward rebuilds ``xhat``
from the input (so an in-place change to any of them before backward is refused, as there).
"""

from __future__ import annotations

import numpy as np

from numtorch.autograd.graph import Primitive

__all__ = ["BatchNorm", "LayerNorm", "GroupNorm"]


def _channel_sum(a: np.ndarray) -> np.ndarray:
    """Sum over all axes but 1, via a contiguous inner reduction (pairwise, so float32 sums
    of large batches stay accurate)."""
    n, c = a.shape[:2]
    return a.reshape(n, c, a[:1, :1].size).sum(axis=2).sum(axis=0)


class BatchNorm(Primitive):
    """``y = (x - mean) / sqrt(var + eps) * weight + bias`` per channel.

    In training the batch statistics are used and the running statistics, when given, are
    updated in place with ``momentum`` (the variance with Bessel's correction, as PyTorch
    does; as there, the update does not count as an in-place change of the buffers).
    """

    @staticmethod
    def forward(
        ctx: Primitive,
        x,
        weight,
        bias,
        running_mean=None,
        running_var=None,
        training=True,
        momentum=0.1,
        eps=1e-5,
    ) -> np.ndarray:
        shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        count = x.size // x.shape[1] if x.shape[1] else 0
        ctx.training, ctx.shape, ctx.count = training, shape, count
        if training:
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = _channel_sum(x) / count
                xhat = x - mean.reshape(shape)
                var = _channel_sum(xhat * xhat) / count
            if running_mean is not None and count > 0:
                _update(
                    (running_mean, running_var), mean, var * count / max(count - 1, 1), momentum
                )
        else:  # the statistics as they are now: backward must not see a later update
            mean, var = running_mean.copy(), running_var
            xhat = x - mean.reshape(shape)
        invstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype)
        xhat *= invstd.reshape(shape)
        ctx.save_for_backward(x, weight, running_mean, running_var, mean, invstd)
        out = xhat if weight is None else np.multiply(xhat, weight.reshape(shape), out=xhat)
        if bias is not None:
            out += bias.reshape(shape)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x, weight, _, _, mean, invstd = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        shape, train = ctx.shape, ctx.training
        gb = _channel_sum(g) if need_b or (need_x and train) else None
        centred = gw = None
        if need_w or (need_x and train):
            centred = x - mean.reshape(shape)
            gw = _channel_sum(g * centred) * invstd  # sum(g * xhat)
        gx = None
        if need_x:
            scale = invstd if weight is None else invstd * weight
            if train:  # scale * (g - sum(g) / M - xhat * sum(g * xhat) / M)
                m = ctx.count
                gx = g - (gb / m).reshape(shape)
                gx *= scale.reshape(shape)
                centred *= (-scale * invstd * gw / m).reshape(shape)
                gx += centred
            else:
                gx = g * scale.reshape(shape)
        return gx, gw if need_w else None, gb if need_b else None, None, None

    def name(self) -> str:
        return "NativeBatchNormBackward0"


def _update(running: tuple, mean: np.ndarray, var: np.ndarray, momentum: float) -> None:
    """``r = (1 - momentum) * r + momentum * batch_stat``, in place."""
    for r, stat in zip(running, (mean, var)):
        r *= 1 - momentum
        r += (momentum * stat).astype(r.dtype)


def _count(x: np.ndarray, axes: tuple) -> int:
    """How many elements each mean over ``axes`` averages; 1 when there are none, so the means
    of an empty input are sums of nothing (0), without NumPy's empty-slice warning."""
    return max(int(np.prod([x.shape[a] for a in axes])), 1)


def _normalized_grad(
    dxhat: np.ndarray, xhat: np.ndarray, rstd: np.ndarray, axes: tuple
) -> np.ndarray:
    """The input gradient of ``xhat = (x - mean(x)) * rstd`` over ``axes`` (M elements):
    ``rstd / M * (M * dxhat - sum(dxhat) - xhat * sum(dxhat * xhat))``."""
    m = _count(xhat, axes)
    mean_d = dxhat.sum(axis=axes, keepdims=True) / m
    mean_dx = (dxhat * xhat).sum(axis=axes, keepdims=True) / m
    return (dxhat - mean_d - xhat * mean_dx) * rstd


def _moments(x: np.ndarray, axes: tuple, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """Mean and ``1 / sqrt(biased var + eps)`` over ``axes``, kept as size-1 dimensions."""
    m = _count(x, axes)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = x.sum(axis=axes, keepdims=True) / m
        centred = x - mean
        var = (centred * centred).sum(axis=axes, keepdims=True) / m
        rstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype)
    return mean.astype(x.dtype, copy=False), rstd


class LayerNorm(Primitive):
    """``y = (x - mean) / sqrt(var + eps) * weight + bias`` over the last ``k`` dimensions
    (PyTorch's ``native_layer_norm``: it saves the input, the mean and rstd, weight and bias)."""

    @staticmethod
    def forward(ctx: Primitive, x, weight, bias, k=1, eps=1e-5) -> np.ndarray:
        axes = tuple(range(x.ndim - k, x.ndim))
        mean, rstd = _moments(x, axes, eps)
        ctx.axes = axes
        ctx.save_for_backward(x, weight, bias, mean, rstd)
        out = (x - mean) * rstd
        if weight is not None:
            out *= weight
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x, weight, _, mean, rstd = ctx.saved_tensors
        axes = ctx.axes
        batch_axes = tuple(range(x.ndim - len(axes)))
        xhat = (x - mean) * rstd
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx = gw = gb = None
        if need_x:
            gx = _normalized_grad(g if weight is None else g * weight, xhat, rstd, axes)
        if need_w:
            gw = (g * xhat).sum(axis=batch_axes)
        if need_b:
            gb = g.sum(axis=batch_axes)
        return gx, gw, gb

    def name(self) -> str:
        return "NativeLayerNormBackward0"


class GroupNorm(Primitive):
    """Normalise each of ``groups`` channel groups of each sample of ``x`` (N, C, *), then
    scale and shift per channel (PyTorch's ``native_group_norm``)."""

    @staticmethod
    def forward(ctx: Primitive, x, weight, bias, groups=1, eps=1e-5) -> np.ndarray:
        n, c = x.shape[:2]
        grouped = x.reshape(n, groups, -1)
        mean, rstd = _moments(grouped, (2,), eps)
        ctx.groups = groups
        ctx.save_for_backward(x, weight, bias, mean, rstd)
        out = ((grouped - mean) * rstd).reshape(x.shape)
        per_channel = (1, c) + (1,) * (x.ndim - 2)
        if weight is not None:
            out *= weight.reshape(per_channel)
        if bias is not None:
            out += bias.reshape(per_channel)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x, weight, _, mean, rstd = ctx.saved_tensors
        n, c = x.shape[:2]
        per_channel = (1, c) + (1,) * (x.ndim - 2)
        xhat = ((x.reshape(n, ctx.groups, -1) - mean) * rstd).reshape(x.shape)
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        other_axes = (0, *range(2, x.ndim))
        gx = gw = gb = None
        if need_x:
            dxhat = g if weight is None else g * weight.reshape(per_channel)
            grouped = _normalized_grad(
                dxhat.reshape(n, ctx.groups, -1), xhat.reshape(n, ctx.groups, -1), rstd, (2,)
            )
            gx = grouped.reshape(x.shape)
        if need_w:
            gw = (g * xhat).sum(axis=other_axes)
        if need_b:
            gb = g.sum(axis=other_axes)
        return gx, gw, gb

    def name(self) -> str:
        return "NativeGroupNormBackward0"
