"""SyncBatchNorm across processes: batch statistics and their gradients over a process group.

PyTorch's ``torch.nn.modules._functions.SyncBatchNorm`` on NumPy and MPI. Forward: each rank
computes its per-channel mean and biased variance; an all-gather of (mean, var, count)
from every rank gives the global ones by Chan's parallel combination (count-weighted, so
ranks may hold different batch sizes, or none)::

    N = sum n_i,   mean = sum n_i m_i / N,   var = sum n_i (v_i + (m_i - mean)^2) / N

which avoids the cancellation of a sum-of-squares scheme. Running statistics move towards
``mean`` and the unbiased ``var * N / (N - 1)``. Backward: with ``xhat = (x - mean) * invstd``,

    dx = w * invstd * (g - sum(g) / N - xhat * sum(g * xhat) / N)

where the two sums run over the whole global batch: one all-reduce of the local per-channel
``sum(g)`` and ``sum(g * (x - mean))``. ``dweight`` and ``dbias`` stay local, as in PyTorch
(DistributedDataParallel averages them with the other gradients).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numtorch import distributed as dist
from numtorch.autograd.grad_mode import no_grad
from numtorch.autograd.graph import Primitive
from numtorch.tensor import Tensor

__all__: list[str] = []


def sync_group(process_group: Any, training: bool) -> tuple[Any, int] | None:
    """The group to synchronise over and its size, or None when the local BatchNorm does it:
    in eval mode, without an initialised process group, or with a single process."""
    if not training or not dist.is_initialized():
        return None
    world_size = dist.get_world_size(process_group)
    return (process_group, world_size) if world_size > 1 else None


def sync_batch_norm(module: Any, input: Tensor, group: Any, world_size: int) -> Tensor:
    """``module``'s (a SyncBatchNorm in training) forward with global batch statistics."""
    factor = 0.0 if module.momentum is None else module.momentum
    track = module.track_running_stats
    if track:
        with no_grad():
            module.num_batches_tracked.add_(1)
        if module.momentum is None:  # cumulative moving average
            factor = 1.0 / float(module.num_batches_tracked)
    return SyncBatchNormFunction.apply(
        input,
        module.weight,
        module.bias,
        module.running_mean if track else None,
        module.running_var if track else None,
        eps=module.eps,
        momentum=factor,
        process_group=group,
        world_size=world_size,
    )


def _channel_sum(a: np.ndarray) -> np.ndarray:
    """Per-channel (axis 1) sum over every other axis."""
    n, c = a.shape[:2]
    return a.reshape(n, c, -1).sum(axis=2).sum(axis=0) if a.size else np.zeros(c, a.dtype)


def _local_moments(x: np.ndarray) -> np.ndarray:
    """``[mean (C), biased var (C), count (1)]`` of this rank's batch, in float64 (a count
    stays exact whatever the input's dtype); zeros when empty."""
    channels = x.shape[1]
    count = x.size // channels
    if count == 0:
        return np.zeros(2 * channels + 1, np.float64)
    mean = _channel_sum(x) / count
    centred = x - mean.reshape((1, channels) + (1,) * (x.ndim - 2))
    var = _channel_sum(centred * centred) / count
    return np.concatenate([mean, var, [count]]).astype(np.float64)


def _global_moments(x: np.ndarray, group: Any, world_size: int) -> tuple:
    """Global per-channel mean, biased variance and element count over every rank."""
    local = Tensor._make(_local_moments(x))
    gathered = [Tensor._make(np.empty_like(local._data)) for _ in range(world_size)]
    dist.all_gather(gathered, local, group=group)
    rows = np.stack([t._data for t in gathered])
    channels = x.shape[1]
    means, variances, counts = rows[:, :channels], rows[:, channels:-1], rows[:, -1:]
    total = counts.sum()
    mean = (counts * means).sum(axis=0) / total
    var = (counts * (variances + (means - mean) ** 2)).sum(axis=0) / total
    return mean.astype(x.dtype), var.astype(x.dtype), int(round(float(total)))


class SyncBatchNormFunction(Primitive):
    """Batch normalisation with statistics over every rank of ``process_group``."""

    @staticmethod
    def forward(
        ctx: Primitive,
        x,
        weight,
        bias,
        running_mean=None,
        running_var=None,
        eps=1e-5,
        momentum=0.1,
        process_group=None,
        world_size=1,
    ) -> np.ndarray:
        mean, var, total = _global_moments(x, process_group, world_size)
        if running_mean is not None and total > 0:
            unbiased = var * total / max(total - 1, 1)
            for r, stat in ((running_mean, mean), (running_var, unbiased)):
                r *= 1 - momentum
                r += (momentum * stat).astype(r.dtype)
        invstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype)
        shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        ctx.shape, ctx.total, ctx.process_group = shape, total, process_group
        ctx.save_for_backward(x, weight, mean, invstd)
        out = (x - mean.reshape(shape)) * invstd.reshape(shape)
        if weight is not None:
            out *= weight.reshape(shape)
        if bias is not None:
            out += bias.reshape(shape)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x, weight, mean, invstd = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        shape = ctx.shape
        centred = x - mean.reshape(shape)
        sum_dy, sum_dy_xmu = _channel_sum(g), _channel_sum(g * centred)
        gw = sum_dy_xmu * invstd if need_w and weight is not None else None
        gb = sum_dy.copy() if need_b else None
        gx = None
        if need_x:
            both = Tensor._make(np.concatenate([sum_dy, sum_dy_xmu]))
            dist.all_reduce(both, group=ctx.process_group)
            sum_dy, sum_dy_xmu = np.split(both._data, 2)
            n = ctx.total
            scale = invstd if weight is None else invstd * weight
            gx = g - (sum_dy / n).reshape(shape)
            gx -= centred * (invstd * invstd * sum_dy_xmu / n).reshape(shape)
            gx *= scale.reshape(shape)
        return gx, gw, gb, None, None

    def name(self) -> str:
        return "SyncBatchNormBackward"
