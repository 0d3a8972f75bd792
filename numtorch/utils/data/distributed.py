"""``DistributedSampler``: each rank of a distributed job visits its own share of a dataset."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized

import numpy as np

from numtorch import _namespace as _ops
from numtorch import distributed as dist
from numtorch.random import Generator
from numtorch.utils.data.sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    """Restrict a map-style dataset to one rank's share, as PyTorch's ``DistributedSampler``.

    Every rank builds the same index list (a permutation seeded with ``seed + epoch`` when
    ``shuffle``, else ``0..N-1``), makes its length a multiple of ``num_replicas`` — padding by
    repeating the list's head (``drop_last=False``) or dropping its tail (``drop_last=True``) —
    and keeps every ``num_replicas``-th entry from position ``rank``. So the ranks' shares are
    disjoint, equally long, and together cover the dataset.

    Note:
        With ``drop_last=False`` the padding repeats up to ``num_replicas - 1`` samples, so a
        metric averaged over every rank's share counts those samples twice and is slightly
        skewed. For exact evaluation, reduce per-sample values with
        ``numtorch.distributed.all_reduce_over_samples(values, sampler)``, which drops the
        padded entries (they are always the tail of a rank's share).

    The shuffle draws its permutation from numtorch's ``Generator`` (PCG64) and
    ``numtorch.randperm``, so for a given seed the order differs from PyTorch's (whose
    generator is Mersenne Twister); the padding, dropping and interleaving are PyTorch's.

    Args:
        dataset: the dataset (anything with ``len``), assumed the same on every rank.
        num_replicas: the number of ranks; by default the world size of the default group.
        rank: this process's rank; by default its rank in the default group.
        shuffle: permute the indices (reseeded each epoch by ``set_epoch``).
        seed: the shuffle's seed; must be the same on every rank.
        drop_last: drop the tail to make the dataset divisible by ``num_replicas`` instead of
            padding it.

    Call ``set_epoch(epoch)`` at the start of every epoch, before iterating, or every epoch
    visits the same order.
    """

    def __init__(
        self,
        dataset: Sized,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None:
            _check_available()
            num_replicas = dist.get_world_size()
        if rank is None:
            _check_available()
            rank = dist.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(
                f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]"
            )
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if self.drop_last and len(dataset) % num_replicas != 0:
            self.num_samples = math.ceil((len(dataset) - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(len(dataset) / num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def _indices(self) -> np.ndarray:
        """This rank's indices for the current epoch, as one int64 array."""
        n = len(self.dataset)
        if self.shuffle:
            g = Generator()
            g.manual_seed(self.seed + self.epoch)
            order = _ops.randperm(n, generator=g)._data.astype(np.int64, copy=False)
        else:
            order = np.arange(n, dtype=np.int64)
        if self.drop_last:
            order = order[: self.total_size]
        elif self.total_size > n:
            order = np.resize(order, self.total_size)  # repeats the list from its head
        return order[self.rank : self.total_size : self.num_replicas]

    def __iter__(self) -> Iterator[int]:
        return iter(self._indices().tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, which reseeds the shuffle (``seed + epoch``) so each epoch's order
        differs while staying the same on every rank."""
        self.epoch = epoch


def _check_available() -> None:
    if not dist.is_available():
        raise RuntimeError("Requires distributed package to be available")
