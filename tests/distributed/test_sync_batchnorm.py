"""SyncBatchNorm across processes (workers/syncbn_checks.py under ``mpiexec``): each rank's
shard through SyncBatchNorm equals BatchNorm on the concatenated batch -- outputs, input
gradients, weight and bias gradients summed over ranks, running statistics -- to 1e-10 in
float64, with unequal and empty shards, and trained inside DistributedDataParallel. The
single-process behaviour is tested against PyTorch in tests/nn/test_syncbatchnorm.py."""

from __future__ import annotations

import pytest

import numtorch
from distributed.launch import WORKERS, run_mpi


def test_without_process_group_is_local_batch_norm() -> None:
    """No process group: training statistics are the local batch's (PyTorch's fallback)."""
    sync, bn = numtorch.nn.SyncBatchNorm(3), numtorch.nn.BatchNorm1d(3)
    x = numtorch.randn(5, 3, generator=numtorch.Generator().manual_seed(0))
    assert numtorch.equal(sync(x), bn(x))
    assert numtorch.equal(sync.running_var, bn.running_var)
    assert sync(x.requires_grad_()).grad_fn.name() == "NativeBatchNormBackward0"


@pytest.mark.slow
@pytest.mark.parametrize("n", [2, 4])
def test_sync_batch_norm_matches_full_batch(n: int) -> None:
    out = run_mpi(WORKERS / "syncbn_checks.py", n, timeout=60)
    assert "syncbn checks passed" in out.stdout, out.stdout
