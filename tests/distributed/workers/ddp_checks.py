"""Run under ``mpiexec -n K``: DistributedDataParallel against one process on the whole batch.

Every check raises on failure, which (through numtorch.distributed's excepthook) aborts the job
with a nonzero exit and the traceback, so the pytest case fails. Rank 0 computes the
single-process reference on the concatenated batch itself. Ranks seed differently on purpose:
equal results prove the broadcast at construction. Prints ``ddp checks passed`` on rank 0.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np

import numtorch as torch
import numtorch.distributed as dist
from numtorch import nn
from numtorch.nn.parallel import DistributedDataParallel as DDP

B = 3  # per-rank batch
STEPS = 3


def mlp(dtype: torch.dtype) -> nn.Module:
    return nn.Sequential(
        nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 3)
    ).to(dtype)


def batch(k: int, dtype: torch.dtype, seed: int = 7, per_rank: int = B) -> tuple:
    """The global batch, equal on every rank (its own generator)."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(k * per_rank, 5, generator=g, dtype=dtype), torch.randn(
        k * per_rank, 3, generator=g, dtype=dtype
    )


def shard(t: torch.Tensor, rank: int, per_rank: int = B) -> torch.Tensor:
    return t[rank * per_rank : (rank + 1) * per_rank]


def flat_params(module: nn.Module) -> np.ndarray:
    return np.concatenate([p.detach().numpy().ravel() for p in module.parameters()])


def assert_bitwise_equal_across_ranks(module: nn.Module, what: str) -> None:
    mine = torch.from_numpy(flat_params(module).copy())
    rows = [torch.empty_like(mine) for _ in range(dist.get_world_size())]
    dist.all_gather(rows, mine)
    for r, row in enumerate(rows):
        if not np.array_equal(row.numpy(), rows[0].numpy()):
            raise AssertionError(f"{what}: rank {r}'s weights differ from rank 0's")


def assert_close(got: np.ndarray, want: np.ndarray, rtol: float, what: str) -> float:
    """Max-norm relative difference of ``got`` from ``want``, at most ``rtol``."""
    rel = float(np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-30))
    if rel > rtol:
        raise AssertionError(f"{what}: relative difference {rel:.3e} > {rtol:.1e}")
    return rel


def sgd_step(model: nn.Module, opt: torch.optim.Optimizer, x, y) -> None:
    opt.zero_grad()
    nn.functional.mse_loss(model(x), y).backward()
    opt.step()


def check_equivalence(dtype: torch.dtype, rtol: float, bucket_cap_mb: float | None) -> float:
    """K ranks at batch B step like one process at batch K*B (mean loss), bitwise equal."""
    rank, k = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(100 + rank)
    local = mlp(dtype)
    reference = copy.deepcopy(local)  # rank 0's copy is the initial state DDP broadcasts
    ddp = DDP(local, bucket_cap_mb=bucket_cap_mb)
    if bucket_cap_mb is not None and len(ddp.reducer.buckets) < 3:
        raise AssertionError(f"expected several buckets, got {len(ddp.reducer.buckets)}")
    assert_bitwise_equal_across_ranks(ddp, "after construction")
    opt = torch.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    ref_opt = torch.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    worst = 0.0
    for step in range(STEPS):
        x, y = batch(k, dtype, seed=step)
        sgd_step(ddp, opt, shard(x, rank), shard(y, rank))
        assert_bitwise_equal_across_ranks(ddp, f"{dtype} step {step}")
        if rank == 0:
            sgd_step(reference, ref_opt, x, y)
            got, want = flat_params(ddp.module), flat_params(reference)
            worst = max(worst, assert_close(got, want, rtol, f"{dtype} step {step}"))
    return worst


class Probed(nn.Module):
    """An MLP that records which buckets were posted when backward reaches its hidden layer."""

    def __init__(self) -> None:
        super().__init__()
        self.l1, self.l2 = nn.Linear(5, 64).double(), nn.Linear(64, 3).double()
        self.seen: list = []
        self.reducer = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.l1(x)
        h.register_hook(self.probe)
        return self.l2(torch.tanh(h))

    def probe(self, grad: torch.Tensor) -> None:
        self.seen.append([b.work is not None for b in self.reducer.buckets])


def check_buckets_posted_during_backward() -> None:
    """With one bucket per layer, the last layer's all-reduce is posted before backward
    reaches the first layer (non-blocking, as soon as its gradients are ready)."""
    rank, k = dist.get_rank(), dist.get_world_size()
    model = Probed()
    ddp = DDP(model, bucket_cap_mb=64 * 8 / 2**20)  # the 5x64 weight fills one bucket
    model.reducer = ddp.reducer
    x, y = batch(k, torch.float64)
    nn.functional.mse_loss(ddp(shard(x, rank)), shard(y, rank)).backward()
    posted = model.seen[-1]
    if not (posted[0] and not posted[-1]):
        raise AssertionError(f"buckets posted when the hidden layer's grad arrived: {posted}")


def check_no_sync(dtype: torch.dtype) -> None:
    """Two local micro-batches under no_sync, a third synced: the full-batch step."""
    rank, k = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(200 + rank)
    ddp = DDP(mlp(dtype))
    reference = copy.deepcopy(ddp.module)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.2)
    xs, ys = batch(k, dtype, seed=11, per_rank=3 * B)
    mine_x, mine_y = shard(xs, rank, 3 * B), shard(ys, rank, 3 * B)
    with ddp.no_sync():
        for m in range(2):
            part = slice(m * B, (m + 1) * B)
            (nn.functional.mse_loss(ddp(mine_x[part]), mine_y[part]) / 3).backward()
    grads = torch.from_numpy(np.concatenate([p.grad.numpy().ravel() for p in ddp.parameters()]))
    rows = [torch.empty_like(grads) for _ in range(k)]
    dist.all_gather(rows, grads)
    if np.array_equal(rows[0].numpy(), rows[1].numpy()):
        raise AssertionError("no_sync communicated: the local gradients are equal on ranks 0, 1")
    part = slice(2 * B, 3 * B)
    (nn.functional.mse_loss(ddp(mine_x[part]), mine_y[part]) / 3).backward()
    opt.step()
    assert_bitwise_equal_across_ranks(ddp, "no_sync step")
    if rank == 0:
        ref_opt = torch.optim.SGD(reference.parameters(), lr=0.2)
        sgd_step(reference, ref_opt, xs, ys)
        tol = 1e-10 if dtype is torch.float64 else 1e-5
        assert_close(flat_params(ddp.module), flat_params(reference), tol, "no_sync")


class WithExtra(nn.Module):
    """``used`` always; ``extra`` only when asked; ``frozen`` never trains; ``never`` unused."""

    def __init__(self) -> None:
        super().__init__()
        self.used = nn.Linear(4, 2).double()
        self.extra = nn.Linear(4, 2).double()
        self.frozen = nn.Linear(4, 4).double().requires_grad_(False)
        self.never = nn.Linear(4, 2).double()

    def forward(self, x: torch.Tensor, use_extra: bool = False) -> torch.Tensor:
        x = self.frozen(x)
        out = self.used(x)
        return out + self.extra(x) if use_extra else out


def expect_unused_error(ddp: DDP, x: torch.Tensor) -> None:
    ddp(x).sum().backward()
    try:
        ddp(x)
    except RuntimeError as err:
        text = str(err)
        start = "Expected to have finished reduction in the prior iteration before starting a new"
        if not text.startswith(start) or "find_unused_parameters=True" not in text:
            raise AssertionError(f"unexpected message: {text!r}") from err
        if f"did not receive grad for rank {dist.get_rank()}: 2 3 4 5" not in text:
            raise AssertionError(f"unmarked parameter indices missing: {text!r}") from err
        return
    raise AssertionError("a parameter without gradient did not raise at the next forward")


def check_unused_parameters() -> None:
    """Unused parameters: PyTorch's error without the flag; with it, a parameter no rank used
    keeps grad None, one used on rank 0 only gets rank 0's gradient / K everywhere."""
    rank, k = dist.get_rank(), dist.get_world_size()
    x = torch.randn(3, 4, generator=torch.Generator().manual_seed(rank), dtype=torch.float64)
    expect_unused_error(DDP(WithExtra()), x)
    model = WithExtra()
    ddp = DDP(model, find_unused_parameters=True)
    plain = copy.deepcopy(model)
    ddp(x, use_extra=rank == 0).sum().backward()
    if model.never.weight.grad is not None or model.frozen.weight.grad is not None:
        raise AssertionError("a parameter unused on every rank (or frozen) got a gradient")
    plain(x, use_extra=True).sum().backward()
    want = plain.extra.weight.grad.numpy() / k if rank == 0 else np.zeros((2, 4))
    want_t = torch.from_numpy(want.copy())
    dist.broadcast(want_t, src=0)
    assert_close(model.extra.weight.grad.numpy(), want_t.numpy(), 1e-12, "partly used grad")
    ddp(x).sum().backward()  # the next iteration runs: the reduction finished
    if model.never.weight.grad is not None:
        raise AssertionError("an unused parameter got a gradient on the second iteration")


class Tied(nn.Module):
    """An encoder and decoder sharing one weight: reduced once, used twice."""

    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Linear(5, 3, bias=False).double()
        self.dec = nn.Linear(3, 5).double()
        self.dec.weight = nn.Parameter(self.enc.weight.detach().t().contiguous())
        self.head = nn.Linear(5, 3).double()
        self.head.weight = self.enc.weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.tanh(self.dec(torch.tanh(self.enc(x)))))


def check_tied_weights() -> None:
    rank, k = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(300 + rank)
    ddp = DDP(Tied())
    if len(ddp.reducer.params) != 4:
        raise AssertionError(f"tied weight reduced twice: {len(ddp.reducer.params)} params")
    reference = copy.deepcopy(ddp.module)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.3)
    for step in range(2):
        x, _ = batch(k, torch.float64, seed=40 + step)
        y = torch.zeros(k * B, 3, dtype=torch.float64)
        sgd_step(ddp, opt, shard(x, rank), shard(y, rank))
        if rank == 0:
            sgd_step(reference, torch.optim.SGD(reference.parameters(), lr=0.3), x, y)
    assert_bitwise_equal_across_ranks(ddp, "tied")
    if ddp.module.head.weight is not ddp.module.enc.weight:
        raise AssertionError("tie broken")
    if rank == 0:
        assert_close(flat_params(ddp.module), flat_params(reference), 1e-10, "tied")


class Scaled(nn.Module):
    """Multiplies by its buffer, so the output shows which value the forward saw."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 2).double()
        self.register_buffer("scale", torch.ones(2, dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin(x) * self.scale


def seen_scale(ddp: DDP, rank: int) -> float:
    ddp.module.scale.fill_(rank + 2.0)  # a rank-local change the next forward may overwrite
    version = ddp.module.scale._version
    ddp(torch.ones(1, 2, dtype=torch.float64))
    if ddp.module.scale._version != version:
        raise AssertionError("buffer sync moved the buffer's version counter")
    return float(ddp.module.scale[0])


def check_buffers_and_state_dict() -> None:
    """Buffers come from rank 0 at construction and before a forward that follows a synced
    one (not after a no_sync or no_grad forward, nor with forward_sync_buffers=False)."""
    rank = dist.get_rank()
    model = Scaled()
    model.scale.fill_(10.0 + rank)
    ddp = DDP(model)
    if float(model.scale[0]) != 10.0:
        raise AssertionError("buffers not broadcast at construction")
    if seen_scale(ddp, rank) != 2.0:
        raise AssertionError("buffers not broadcast before a forward")
    with ddp.no_sync():
        ddp(torch.ones(1, 2, dtype=torch.float64))
    if seen_scale(ddp, rank) != rank + 2.0:  # the previous forward did not sync
        raise AssertionError("buffers broadcast after a no_sync forward")
    if seen_scale(ddp, rank) != 2.0:
        raise AssertionError("buffers not broadcast after a synced forward")
    quiet = DDP(Scaled(), forward_sync_buffers=False)
    if seen_scale(quiet, rank) != rank + 2.0:
        raise AssertionError("forward_sync_buffers=False still broadcast")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        legacy = DDP(Scaled(), broadcast_buffers=False)
    if not any(issubclass(w.category, FutureWarning) for w in caught):
        raise AssertionError("broadcast_buffers gave no FutureWarning")
    if legacy.broadcast_buffers or seen_scale(legacy, rank) != rank + 2.0:
        raise AssertionError("broadcast_buffers=False still broadcast")
    keys = list(ddp.state_dict())
    if keys != ["module.scale", "module.lin.weight", "module.lin.bias"]:
        raise AssertionError(f"state_dict keys {keys}")


def check_same_model_required() -> None:
    """Rank 0 wraps one more parameter than the others: every rank raises PyTorch's error."""
    rank = dist.get_rank()
    model = nn.Linear(2, 2, bias=rank == 0).double()
    try:
        DDP(model)
    except RuntimeError as err:
        want = f"DDP expects same model across all ranks, but Rank {rank} has "
        if not str(err).startswith(want) or "has inconsistent" not in str(err):
            raise AssertionError(f"unexpected message: {err}") from err
        return
    raise AssertionError("different models were accepted")


def main() -> None:
    dist.init_process_group("mpi")
    f64 = check_equivalence(torch.float64, 1e-10, None)
    f64 = max(f64, check_equivalence(torch.float64, 1e-10, 100 / 2**20))  # ~100-byte buckets
    f32 = check_equivalence(torch.float32, 2e-5, 100 / 2**20)
    check_buckets_posted_during_backward()
    check_no_sync(torch.float64)
    check_unused_parameters()
    check_tied_weights()
    check_buffers_and_state_dict()
    check_same_model_required()
    if dist.get_rank() == 0:
        print(
            f"ddp checks passed: max relative difference from one process {f64:.1e} "
            f"(float64), {f32:.1e} (float32)",
            flush=True,
        )
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
