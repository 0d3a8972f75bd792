"""Fused margin-loss primitives, each PyTorch's one-kernel node: soft margin
(``SoftMarginLossBackward0``), multi-class margin (``MultiMarginLossBackward0``) and
multi-label margin (``MultilabelMarginLossBackward0``). Each reduces inside and saves what
PyTorch saves (input, target, weight), so a changed input is refused at backward as there.
"""

from __future__ import annotations

import numpy as np

from numtorch.autograd.graph import Primitive
from numtorch.ops.elementwise import stable_sigmoid
from numtorch.ops.loss import _reduce, _upstream


class SoftMarginLoss(Primitive):
    """``log(1 + exp(-t x))`` per element (computed without overflow), reduced; ``t`` (of
    ``x``'s shape) is not differentiated, as in PyTorch."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, t: np.ndarray, reduction: str) -> np.ndarray:
        z = -t * x
        ctx.reduction = reduction
        ctx.save_for_backward(x, t)
        loss = np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))
        return _reduce(loss.astype(x.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x, t = ctx.saved_tensors
        g = _upstream(g, x.shape, ctx.reduction)
        s = stable_sigmoid(-t * x)  # d/dz log(1 + exp(z)) at z = -t x
        return (g * -t * s).astype(x.dtype, copy=False), None, None


def _as_batch(x: np.ndarray) -> np.ndarray:
    """(N, C) view of a (N, C), (C,) or () input."""
    return x.reshape(1, -1) if x.ndim < 2 else x


def _frame_reduce(per_frame: np.ndarray, reduction: str, shape: tuple) -> np.ndarray:
    """Per-sample losses reduced; 'none' keeps the batch shape ``shape``."""
    if reduction == "none":
        return per_frame.reshape(shape)
    total = np.sum(per_frame, dtype=per_frame.dtype)
    if reduction == "sum":
        return np.asarray(total)
    return np.asarray(total / per_frame.dtype.type(per_frame.size))


def _frame_upstream(g: np.ndarray, reduction: str, n: int) -> np.ndarray:
    """The gradient reaching each sample's loss, as an (N, 1) column."""
    if reduction == "none":
        return g.reshape(n, 1)
    if reduction == "mean":
        g = g / g.dtype.type(n)
    return np.broadcast_to(g, (n, 1))


class MultiMarginLoss(Primitive):
    """``sum_{i != y} w_y max(0, margin - x_y + x_i)^p / C`` per sample (``p`` 1 or 2),
    reduced. ``x`` is (N, C), (C,) or (); ``target`` holds N in-range class indices."""

    @staticmethod
    def forward(
        ctx: Primitive, x, target, weight, p: int, margin: float, reduction: str, out_shape: tuple
    ) -> np.ndarray:
        xb = _as_batch(x)
        n, c = xb.shape
        y = target.reshape(-1).astype(np.int64)
        picked = np.take_along_axis(xb, y[:, None], 1)
        z = xb.dtype.type(margin) - picked + xb
        z[np.arange(n), y] = 0
        hinge = np.maximum(z, 0)
        h = hinge if p == 1 else hinge * hinge
        if weight is not None:
            h = h * weight[y][:, None]
        ctx.params = (p, reduction)
        ctx.save_for_backward(x, target, weight, z)
        per_frame = (np.sum(h, axis=1) / xb.dtype.type(c)).astype(x.dtype, copy=False)
        return _frame_reduce(per_frame, reduction, out_shape)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x, target, weight, z = ctx.saved_tensors
        p, reduction = ctx.params
        n, c = z.shape
        y = target.reshape(-1).astype(np.int64)
        d = (z > 0).astype(z.dtype) if p == 1 else 2 * np.maximum(z, 0)
        if weight is not None:
            d = d * weight[y][:, None]
        d = d * (_frame_upstream(g, reduction, n) / z.dtype.type(c))
        d[np.arange(n), y] = -np.sum(d, axis=1)
        return d.reshape(x.shape).astype(x.dtype, copy=False), None, None, None, None, None, None


def _is_target(target: np.ndarray, c: int) -> tuple:
    """Per sample: a (N, C) mask of the listed classes (up to the first -1), and a (N, C) mask
    of the list positions that are read."""
    n = target.shape[0]
    read = np.cumsum(target < 0, axis=1) == 0
    is_target = np.zeros((n, c), dtype=bool)
    rows = np.broadcast_to(np.arange(n)[:, None], target.shape)
    is_target[rows[read], target[read]] = True
    return is_target, read


class MultilabelMarginLoss(Primitive):
    """``sum_{j listed} sum_{i not listed} max(0, 1 - (x_j - x_i)) / C`` per sample, the listed
    classes being ``target``'s entries before its first -1; reduced."""

    @staticmethod
    def forward(ctx: Primitive, x, target, reduction: str, out_shape: tuple) -> np.ndarray:
        xb, tb = _as_batch(x), _as_batch(target).astype(np.int64)
        n, c = xb.shape
        is_target, read = _is_target(tb, c)
        safe = np.where(read, tb, 0)
        xj = np.take_along_axis(xb, safe, 1)  # (N, C): x at each listed class
        z = 1 - xj[:, :, None] + xb[:, None, :]  # (N, list position, class)
        active = (z > 0) & read[:, :, None] & ~is_target[:, None, :]
        per_frame = np.sum(np.where(active, z, 0), axis=(1, 2)) / xb.dtype.type(c)
        ctx.reduction = reduction
        ctx.save_for_backward(x, target, is_target, active, safe)
        return _frame_reduce(per_frame.astype(x.dtype, copy=False), reduction, out_shape)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x, _, _, active, safe = ctx.saved_tensors
        n, c = active.shape[0], active.shape[2]
        scale = _frame_upstream(g, ctx.reduction, n) / x.dtype.type(c)  # (N, 1)
        grad = np.sum(active, axis=1) * scale  # each active pair raises x_i
        counts = np.sum(active, axis=2) * scale  # and lowers x_j, once per listed position
        np.add.at(grad, (np.broadcast_to(np.arange(n)[:, None], safe.shape), safe), -counts)
        return grad.reshape(x.shape).astype(x.dtype, copy=False), None, None, None
