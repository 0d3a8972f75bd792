"""Run under ``mpiexec -n K``: SyncBatchNorm on each rank's shard against BatchNorm on the
concatenated batch, computed on every rank (float64, to 1e-10): outputs, input gradients,
weight and bias gradients summed over ranks, running statistics -- with unequal shard sizes,
an empty shard, and inside DistributedDataParallel. Failures raise (and abort the job).
Prints ``syncbn checks passed`` on rank 0.
"""

from __future__ import annotations

import copy

import numpy as np

import numtorch as torch
import numtorch.distributed as dist
from numtorch import nn
from numtorch.nn.parallel import DistributedDataParallel as DDP

TOL = 1e-10


def assert_close(got: torch.Tensor, want: torch.Tensor, what: str) -> float:
    g, w = got.detach().numpy(), want.detach().numpy()
    if g.shape != w.shape:
        raise AssertionError(f"{what}: shape {g.shape} != {w.shape}")
    rel = float(np.max(np.abs(g - w), initial=0.0) / max(np.max(np.abs(w), initial=0.0), 1e-30))
    if rel > TOL:
        raise AssertionError(f"{what}: relative difference {rel:.3e} > {TOL:.0e}")
    return rel


def summed(t: torch.Tensor) -> torch.Tensor:
    out = t.detach().clone()
    dist.all_reduce(out)
    return out


BATCH_NORMS = {2: nn.BatchNorm1d, 3: nn.BatchNorm1d, 4: nn.BatchNorm2d, 5: nn.BatchNorm3d}


def layers(channels: int, ndim: int, **kwargs) -> tuple:
    """A BatchNorm and a SyncBatchNorm with the same (non-trivial) affine parameters."""
    bn = BATCH_NORMS[ndim](channels, dtype=torch.float64, **kwargs)
    sync = nn.SyncBatchNorm(channels, dtype=torch.float64, **kwargs)
    if bn.affine:
        with torch.no_grad():
            bn.weight.copy_(torch.linspace(0.5, 1.5, channels, dtype=torch.float64))
            bn.bias.copy_(torch.linspace(-1.0, 1.0, channels, dtype=torch.float64))
    sync.load_state_dict(bn.state_dict())
    return bn, sync


def check_layer(sizes: list[int], shape: tuple, seed: int, **kwargs) -> float:
    """Two training steps and one eval step; ``sizes[r]`` rows on rank r."""
    rank = dist.get_rank()
    bn, sync = layers(shape[0], 1 + len(shape), **kwargs)
    g = torch.Generator().manual_seed(seed)
    start, stop = sum(sizes[:rank]), sum(sizes[: rank + 1])
    worst = 0.0
    for step in range(2):
        full = torch.randn(sum(sizes), *shape, generator=g, dtype=torch.float64) * 3 + 1
        weights = torch.randn(sum(sizes), *shape, generator=g, dtype=torch.float64)
        x_full = full.clone().requires_grad_()
        x_mine = full[start:stop].clone().requires_grad_()
        want, got = bn(x_full), sync(x_mine)
        worst = max(worst, assert_close(got, want[start:stop], f"output {step}"))
        (want * weights).sum().backward()
        (got * weights[start:stop]).sum().backward()
        worst = max(worst, assert_close(x_mine.grad, x_full.grad[start:stop], "input grad"))
        if bn.affine:
            worst = max(worst, assert_close(summed(sync.weight.grad), bn.weight.grad, "dweight"))
            worst = max(worst, assert_close(summed(sync.bias.grad), bn.bias.grad, "dbias"))
    for key, value in bn.state_dict().items():
        worst = max(worst, assert_close(sync.state_dict()[key].double(), value.double(), key))
    bn.eval()
    sync.eval()
    x = torch.randn(3, *shape, generator=g, dtype=torch.float64)
    worst = max(worst, assert_close(sync(x), bn(x), "eval output"))
    return worst


def check_grad_fn_and_convert() -> None:
    sync = nn.SyncBatchNorm(2, dtype=torch.float64)
    out = sync(torch.randn(4, 2, dtype=torch.float64, requires_grad=True))
    if out.grad_fn.name() != "SyncBatchNormBackward":
        raise AssertionError(f"grad_fn {out.grad_fn.name()}")
    net = nn.SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(nn.BatchNorm2d(3)))
    if type(net[0]) is not nn.SyncBatchNorm:
        raise AssertionError("convert_sync_batchnorm did not convert")


def check_with_ddp() -> float:
    """A converted conv net in DDP, equal shards: SGD steps match one process on the whole
    batch with plain BatchNorm."""
    rank, k = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(0)
    plain = nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(48, 2)
    ).double()
    model = DDP(nn.SyncBatchNorm.convert_sync_batchnorm(copy.deepcopy(plain)))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    ref_opt = torch.optim.SGD(plain.parameters(), lr=0.1)
    g = torch.Generator().manual_seed(5)
    for _ in range(3):
        x = torch.randn(2 * k, 2, 4, 4, generator=g, dtype=torch.float64)
        y = torch.randn(2 * k, 2, generator=g, dtype=torch.float64)
        for net, o, xs, ys in (
            (model, opt, x[2 * rank : 2 * rank + 2], y[2 * rank : 2 * rank + 2]),
            (plain, ref_opt, x, y),
        ):
            o.zero_grad()
            nn.functional.mse_loss(net(xs), ys).backward()
            o.step()
    worst = 0.0
    for (name, got), want in zip(model.module.state_dict().items(), plain.state_dict().values()):
        worst = max(worst, assert_close(got.double(), want.double(), f"ddp {name}"))
    return worst


def main() -> None:
    dist.init_process_group("mpi")
    k = dist.get_world_size()
    unequal = [2 + (3 * r) % 5 for r in range(k)]
    worst = check_layer(unequal, (3,), seed=1)
    worst = max(worst, check_layer(unequal, (3, 4), seed=2, momentum=None))
    worst = max(worst, check_layer([4] * k, (2, 3, 3), seed=3, affine=False))
    worst = max(worst, check_layer([0] + unequal[1:], (3, 2), seed=4))  # rank 0 holds nothing
    check_grad_fn_and_convert()
    worst = max(worst, check_with_ddp())
    if dist.get_rank() == 0:
        print(f"syncbn checks passed: max relative difference {worst:.1e}", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
