"""DistributedDataParallel: its API and bucketing against PyTorch in process, and under
``mpiexec`` (workers/ddp_checks.py) K = 2 and 4 ranks against one process on the whole batch:
weights to 1e-10 (float64) and bitwise equal on every rank, no_sync accumulation, unused and
frozen parameters, tied weights, buffer broadcasts, buckets posted during backward."""

from __future__ import annotations

import inspect
import re

import pytest
import torch
import torch.distributed as torch_dist
from helpers import check_error

import numtorch
from distributed.launch import WORKERS, run_mpi
from numtorch.nn.parallel import DistributedDataParallel
from numtorch.nn.parallel._reducer import assign_buckets


def test_reachable_as_torch_nn_parallel() -> None:
    assert numtorch.nn.parallel.DistributedDataParallel is DistributedDataParallel
    assert numtorch.nn.parallel.DataParallel is numtorch.nn.DataParallel
    assert "DistributedDataParallel" in numtorch.nn.parallel.__all__


def test_signature_matches_pytorch() -> None:
    ours = inspect.signature(DistributedDataParallel.__init__).parameters
    theirs = inspect.signature(torch.nn.parallel.DistributedDataParallel.__init__).parameters
    assert list(ours) == list(theirs)
    assert [p.default for p in ours.values()] == [p.default for p in theirs.values()]


@pytest.mark.slow  # PyTorch's DDP loads torch._dynamo on first use (~2 s)
def test_needs_an_initialised_process_group() -> None:
    check_error(
        lambda lib: lib.nn.parallel.DistributedDataParallel(lib.nn.Linear(2, 2)),
        re.escape("Default process group has not been initialized, please make sure to call"),
        ValueError,
    )


SHAPES = [  # (numel, dtype) of a model's parameters, in order
    [(300, "float64"), (10, "float32"), (200_000, "float32"), (5, "float64")],
    [(40, "float32")] * 7,
    [(1, "float64")],
    [(70_000, "float32"), (300_000, "float32"), (5, "float32"), (10, "float64")],
]


@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("limits", [[2**20, 25 * 2**20], [160], [200, 400], [1]])
def test_bucket_assignment_matches_pytorch(shapes: list, limits: list) -> None:
    """Buckets group one dtype, close at their byte limit (the first limit first) and come in
    order of their first parameter: PyTorch's ``_compute_bucket_assignment_by_size``."""
    ours = [numtorch.nn.Parameter(numtorch.zeros(n, dtype=getattr(numtorch, d))) for n, d in shapes]
    theirs = [torch.zeros(n, dtype=getattr(torch, d)) for n, d in shapes]
    want, _ = torch_dist._compute_bucket_assignment_by_size(theirs, limits, [False] * len(theirs))
    assert assign_buckets(ours, limits) == want


def _ddp_run(n: int) -> str:
    out = run_mpi(WORKERS / "ddp_checks.py", n, timeout=60)
    assert "ddp checks passed" in out.stdout, out.stdout
    return out.stdout


@pytest.mark.slow
def test_ddp_two_ranks_match_one_process() -> None:
    _ddp_run(2)


@pytest.mark.slow
def test_ddp_four_ranks_match_one_process() -> None:
    _ddp_run(4)


@pytest.mark.parametrize("name", ["mixed_precision", "device_mesh", "param_to_hook_all_reduce"])
def test_unsupported_arguments_raise(name: str) -> None:
    with pytest.raises(NotImplementedError, match=f"{name} is not supported"):
        DistributedDataParallel(numtorch.nn.Linear(2, 2), **{name: object()})
