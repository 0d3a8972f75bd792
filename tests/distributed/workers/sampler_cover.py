"""Run under ``mpiexec -n K``: ``DistributedSampler`` (ranks and sizes from the process group)
covers the dataset exactly once plus PyTorch's padding, and ``all_reduce_over_samples`` gives
the exact dataset sum where the naive per-rank sum counts the padding twice."""

from __future__ import annotations

from collections import Counter

import numpy as np

import numtorch as torch
import numtorch.distributed as dist
from numtorch.utils.data import DataLoader, TensorDataset
from numtorch.utils.data.distributed import DistributedSampler


def gathered_order(sampler: DistributedSampler, k: int) -> list[int]:
    """The global index list the ranks' shares interleave from (rank r holds r, r+k, ...)."""
    shares = [None] * k
    dist.all_gather_object(shares, list(sampler))
    assert all(len(s) == len(sampler) for s in shares), shares
    return [shares[p % k][p // k] for p in range(len(sampler) * k)]


def check_cover(order: list[int], n: int, k: int, drop_last: bool) -> None:
    counts = Counter(order)
    if drop_last:
        assert len(order) == n - n % k and max(counts.values(), default=1) == 1, order
        assert set(order) <= set(range(n)), order
        return
    assert set(order) == set(range(n)) and len(order) == -(-n // k) * k, order
    head = order[:n]
    assert sorted(head) == list(range(n)), order  # each sample once, then the padding
    padding = order[n:]
    assert padding == (head * k)[: len(padding)], order  # repeats the head, as PyTorch


def per_sample(sampler: DistributedSampler, values: torch.Tensor) -> torch.Tensor:
    """Per-sample metric rows in the sampler's order, computed batch by batch."""
    loader = DataLoader(TensorDataset(values), batch_size=3, sampler=sampler)
    batches = [batch for (batch,) in loader]
    return torch.cat(batches) if batches else values[:0]


def check_evaluation(sampler: DistributedSampler, order: list[int], n: int, rank: int) -> None:
    f = np.arange(n, dtype=np.float64) ** 2 + 1
    rows = torch.from_numpy(np.stack([f, -f], axis=1))
    total, count = dist.all_reduce_over_samples(per_sample(sampler, rows), sampler)
    kept = sorted(set(order))
    want = f[kept].sum()
    assert count == (len(order) if sampler.drop_last else n), (count, n)
    assert total.tolist() == [want, -want], (total, want)
    assert dist.real_sample_count(sampler) <= len(sampler)
    correct = torch.from_numpy(np.arange(n) % 3 == 0)
    hits, count = dist.all_reduce_over_samples(per_sample(sampler, correct), sampler)
    assert hits.dtype == torch.int64 and hits.item() == sum(1 for i in kept if i % 3 == 0)
    naive = torch.tensor(float(f[list(sampler)].sum()), dtype=torch.float64)
    dist.all_reduce(naive)
    padded = len(order) > n
    assert (naive.item() != want) == padded, (naive, want, rank)


def main() -> None:
    dist.init_process_group()
    rank, k = dist.get_rank(), dist.get_world_size()
    for n in (10, 11, 13, k - 1, 1):
        for drop_last in (False, True):
            for shuffle in (True, False):
                sampler = DistributedSampler(range(n), shuffle=shuffle, seed=7, drop_last=drop_last)
                assert sampler.rank == rank and sampler.num_replicas == k
                order = gathered_order(sampler, k)
                check_cover(order, n, k, drop_last)
                if not shuffle:
                    head = min(n, len(order))
                    assert list(sampler) == order[rank::k] and order[:head] == list(range(head))
                sampler.set_epoch(1)
                reshuffled = gathered_order(sampler, k)
                check_cover(reshuffled, n, k, drop_last)
                if not shuffle or n >= 10:  # a short permutation may repeat by chance
                    assert (reshuffled != order) == shuffle, (order, reshuffled)
                check_evaluation(sampler, reshuffled, n, rank)
    dist.destroy_process_group()
    print(f"rank {rank}/{k}: sampler ok", flush=True)


if __name__ == "__main__":
    main()
