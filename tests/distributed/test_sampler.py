"""``DistributedSampler`` against PyTorch's (explicit ``num_replicas``/``rank``, no process
group), and under ``mpiexec`` with the evaluation helper that drops its padding."""

from __future__ import annotations

import itertools

import pytest
from torch.utils.data.distributed import DistributedSampler as TorchDistributedSampler

import numtorch as torch
import numtorch.distributed as dist
from distributed.launch import WORKERS, run_mpi
from numtorch.utils.data.distributed import DistributedSampler

CASES = [
    (n, k, drop_last)
    for n, k, drop_last in itertools.product(
        (0, 1, 2, 3, 7, 10, 13), (1, 2, 3, 4, 5), (False, True)
    )
]


@pytest.mark.parametrize(("n", "k", "drop_last"), CASES)
def test_unshuffled_order_matches_torch(n: int, k: int, drop_last: bool) -> None:
    for rank in range(k):
        ours = DistributedSampler(range(n), k, rank, shuffle=False, drop_last=drop_last)
        theirs = TorchDistributedSampler(range(n), k, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs) == len(list(ours))
        assert (ours.num_samples, ours.total_size) == (theirs.num_samples, theirs.total_size)


@pytest.mark.parametrize(("n", "k", "drop_last"), CASES)
def test_shuffled_order_is_torchs_layout_of_our_permutation(
    n: int, k: int, drop_last: bool
) -> None:
    """numtorch's randperm (PCG64) differs from PyTorch's for one seed, so the shuffled order is
    checked as PyTorch's padding/dropping/interleaving applied to numtorch's permutation:
    PyTorch's unshuffled sampler gives the positions, the permutation maps them."""
    for rank, epoch in itertools.product(range(k), (0, 3)):
        ours = DistributedSampler(range(n), k, rank, seed=5, drop_last=drop_last)
        ours.set_epoch(epoch)
        g = torch.Generator()
        g.manual_seed(5 + epoch)
        perm = torch.randperm(n, generator=g).tolist()
        positions = TorchDistributedSampler(range(n), k, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == [perm[p] for p in positions]


def test_shuffle_covers_each_sample_once_and_reshuffles() -> None:
    n, k = 23, 4
    shares = [DistributedSampler(range(n), k, r, seed=1) for r in range(k)]
    orders = []
    for epoch in (0, 1):
        for s in shares:
            s.set_epoch(epoch)
        flat = [i for s in shares for i in s]
        assert sorted(set(flat)) == list(range(n)) and len(flat) == 24
        orders.append([list(s) for s in shares])
    assert orders[0] != orders[1]
    again = DistributedSampler(range(n), k, 0, seed=1)
    assert list(again) == orders[0][0]  # same seed and epoch: same order on every "rank"
    assert list(DistributedSampler(range(n), k, 0, seed=2)) != orders[0][0]


@pytest.mark.parametrize(("k", "rank"), [(2, 2), (2, -1), (1, 5)])
def test_invalid_rank(k: int, rank: int) -> None:
    with pytest.raises(ValueError) as ours:
        DistributedSampler(range(4), num_replicas=k, rank=rank)
    with pytest.raises(ValueError) as theirs:
        TorchDistributedSampler(range(4), num_replicas=k, rank=rank)
    assert str(ours.value) == str(theirs.value)
    assert str(ours.value) == f"Invalid rank {rank}, rank should be in the interval [0, {k - 1}]"


def test_defaults_need_a_process_group() -> None:
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedSampler(range(4))


@pytest.mark.parametrize(("n", "k"), [(10, 4), (3, 4), (8, 4), (11, 3)])
def test_real_sample_count_marks_the_padding(n: int, k: int) -> None:
    for drop_last in (False, True):
        samplers = [DistributedSampler(range(n), k, r, drop_last=drop_last) for r in range(k)]
        counts = [dist.real_sample_count(s) for s in samplers]
        assert sum(counts) == (n if not drop_last else samplers[0].total_size)
        if not drop_last:  # the real samples are each rank's head: together, all of 0..n-1
            real = sorted(i for s, c in zip(samplers, counts) for i in list(s)[:c])
            assert real == list(range(n))


def test_all_reduce_over_samples_checks_the_rows() -> None:
    sampler = DistributedSampler(range(10), 4, 0)
    with pytest.raises(ValueError, match=r"len\(sampler\) \(3\), got shape \[2\]"):
        dist.all_reduce_over_samples(torch.ones(2), sampler)
    with pytest.raises(TypeError, match="values must be a Tensor"):
        dist.all_reduce_over_samples([1.0, 2.0, 3.0], sampler)


def test_sampler_under_mpiexec_two_ranks() -> None:
    out = run_mpi(WORKERS / "sampler_cover.py", 2, timeout=60)
    assert out.stdout.count("sampler ok") == 2


@pytest.mark.slow
def test_sampler_under_mpiexec_four_ranks() -> None:
    out = run_mpi(WORKERS / "sampler_cover.py", 4, timeout=60)
    assert out.stdout.count("sampler ok") == 4
