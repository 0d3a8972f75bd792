"""Exact distributed evaluation (a numtorch extension, not in PyTorch).

``DistributedSampler(drop_last=False)`` pads the index list by repeating its head so every
rank gets the same number of samples; averaging a metric over what the ranks saw therefore
counts a few samples twice. The padded entries are always the tail of each rank's list
(global position ``rank + i * num_replicas >= len(dataset)``), so each rank can drop them
before the reduction.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numtorch.distributed._collectives import all_reduce
from numtorch.distributed.distributed_c10d import ProcessGroup
from numtorch.tensor import Tensor

__all__ = ["all_reduce_over_samples", "real_sample_count"]


def real_sample_count(sampler: Any) -> int:
    """How many of this rank's ``len(sampler)`` indices are real samples, not padding.

    Args:
        sampler: a ``DistributedSampler``; the real samples are the first this many of its
            indices (all of them with ``drop_last=True``, which drops the tail instead).
    """
    if sampler.drop_last:
        return sampler.num_samples
    own = range(sampler.rank, len(sampler.dataset), sampler.num_replicas)
    return min(sampler.num_samples, len(own))


def all_reduce_over_samples(
    values: Tensor, sampler: Any, group: ProcessGroup | None = None
) -> tuple[Tensor, int]:
    """Sum per-sample metric values over exactly the dataset's samples, across all ranks.

    Args:
        values: this rank's per-sample values in the sampler's order, shape
            ``(len(sampler), *)`` (e.g. per-sample loss, or 1/0 for a correct prediction).
        sampler: the ``DistributedSampler`` that produced the order.
        group: the process group (the default one when None).

    Returns:
        ``(total, count)``: the sum over dim 0 of every rank's real rows (float64 for floating
        values, int64 for integer/bool values), identical on every rank, and how many samples
        it covers (``len(dataset)`` unless ``drop_last=True``). ``total / count`` is the exact
        dataset mean.
    """
    if not isinstance(values, Tensor):
        raise TypeError(f"values must be a Tensor, got {type(values).__name__}")
    if values.ndim == 0 or values.shape[0] != len(sampler):
        raise ValueError(
            f"values must have one row per sampled index: expected shape[0] == len(sampler) "
            f"({len(sampler)}), got shape {list(values.shape)}"
        )
    real = real_sample_count(sampler)
    data = values._data[:real]
    acc = np.float64 if data.dtype.kind == "f" else np.int64
    total = Tensor._make(np.ascontiguousarray(data.sum(axis=0, dtype=acc)))
    count = Tensor._make(np.array([real], dtype=np.int64))
    all_reduce(total, group=group)
    all_reduce(count, group=group)
    return total, int(count._data[0])
