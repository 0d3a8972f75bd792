"""Run under ``mpiexec -n K``: every collective, checked against NumPy's computation of what
each rank contributed. Any failed check raises, which (through numtorch's excepthook) aborts
the job with a nonzero exit, so the pytest case sees the traceback."""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np
from _expect import expect

import numtorch as torch
import numtorch.distributed as dist
from numtorch.distributed import ReduceOp

DTYPES = (torch.float32, torch.float64, torch.int64)


def contribution(rank: int, dtype: torch.dtype, shape: tuple = (2, 3)) -> np.ndarray:
    """What ``rank`` puts in: distinct per rank, exact in every dtype, nonzero."""
    base = np.arange(int(np.prod(shape))).reshape(shape) % 5 + 1
    return (base * (rank + 1) + rank).astype(dtype.numpy if hasattr(dtype, "numpy") else dtype)


def mine(rank: int, dtype: torch.dtype) -> torch.Tensor:
    return torch.from_numpy(contribution(rank, dtype).copy())


def all_contributions(k: int, dtype: torch.dtype) -> np.ndarray:
    return np.stack([contribution(r, dtype) for r in range(k)])


def check(got: torch.Tensor, want: np.ndarray, what: str) -> None:
    g = got.numpy()
    if g.dtype != want.dtype or g.shape != want.shape or not np.allclose(g, want, rtol=1e-6):
        raise AssertionError(f"{what}: got {g!r}, want {want!r}")


def check_init() -> tuple[int, int]:
    expect(ValueError, "Default process group has not been initialized", dist.get_rank)
    expect(RuntimeError, "runs on MPI", dist.init_process_group, "gloo")
    expect(ValueError, "world_size=99", dist.init_process_group, world_size=99)
    os.environ["RANK"] = "99"
    expect(ValueError, "environment variable RANK=99", dist.init_process_group)
    del os.environ["RANK"]
    dist.init_process_group(backend="mpi")
    expect(ValueError, "initialize the default process group twice", dist.init_process_group)
    rank, k = dist.get_rank(), dist.get_world_size()
    assert rank == int(os.environ["PMI_RANK"]) and k == int(os.environ["PMI_SIZE"]), (rank, k)
    assert dist.is_initialized() and dist.get_backend() == "mpi"
    assert dist.GroupMember.WORLD is not None and dist.get_world_size(dist.group.WORLD) == k
    return rank, k


def check_all_reduce(rank: int, k: int) -> None:
    ops = {ReduceOp.SUM: np.sum, ReduceOp.MAX: np.max, ReduceOp.MIN: np.min}
    ops[ReduceOp.PRODUCT] = np.prod
    for dtype in DTYPES:
        every = all_contributions(k, dtype)
        for op, fn in ops.items():
            t = mine(rank, dtype)
            assert dist.all_reduce(t, op=op) is None
            check(t, fn(every, axis=0).astype(every.dtype), f"all_reduce {op} {dtype}")
    for dtype in (torch.float32, torch.float64):
        t = mine(rank, dtype)
        dist.all_reduce(t, op=ReduceOp.AVG)
        check(t, all_contributions(k, dtype).mean(axis=0).astype(t.numpy().dtype), "AVG")
    every = all_contributions(k, torch.int64)
    bitwise = {ReduceOp.BAND: np.bitwise_and, ReduceOp.BOR: np.bitwise_or}
    bitwise[ReduceOp.BXOR] = np.bitwise_xor
    for op, fn in bitwise.items():
        t = mine(rank, torch.int64)
        dist.all_reduce(t, op=op)
        check(t, fn.reduce(every, axis=0), f"all_reduce {op}")
    expect(RuntimeError, "desired output type Long", dist.all_reduce, mine(rank, torch.int64),
           op=ReduceOp.AVG)  # fmt: skip
    expect(RuntimeError, "non-integral", dist.all_reduce, mine(rank, torch.float32),
           op=ReduceOp.BAND)  # fmt: skip
    flags = torch.tensor([rank == 0, True])
    dist.all_reduce(flags, op=ReduceOp.MIN)
    assert flags.tolist() == [k == 1, True], flags


def check_async(rank: int, k: int) -> None:
    every = all_contributions(k, torch.float32)
    t = mine(rank, torch.float32)
    work = dist.all_reduce(t, op=ReduceOp.AVG, async_op=True)
    assert work.wait() is True and work.is_completed()
    check(t, every.mean(axis=0).astype(np.float32), "async AVG")
    t = mine(rank, torch.float64)
    work = dist.broadcast(t, src=k - 1, async_op=True)
    work.wait()
    check(t, contribution(k - 1, torch.float64), "async broadcast")
    outs = [torch.zeros(2, 3, dtype=torch.int64) for _ in range(k)]
    dist.all_gather(outs, mine(rank, torch.int64), async_op=True).wait()
    check(torch.stack(outs), all_contributions(k, torch.int64), "async all_gather")
    out = torch.zeros(2, 3)
    ins = torch.from_numpy(np.ascontiguousarray(every.reshape(k * 2, 3) * (rank + 1)))
    work = dist.reduce_scatter_tensor(out, ins, async_op=True)
    while not work.is_completed():
        pass
    want = (every.reshape(k * 2, 3) * sum(range(1, k + 1))).reshape(k, 2, 3)[rank]
    check(out, want.astype(np.float32), "async reduce_scatter_tensor")
    dist.barrier(async_op=True).wait()


def check_rooted(rank: int, k: int) -> None:
    for dtype in DTYPES:
        every = all_contributions(k, dtype)
        t = mine(rank, dtype)
        dist.broadcast(t, src=k - 1)
        check(t, every[k - 1], f"broadcast {dtype}")
        t = mine(rank, dtype)
        dist.reduce(t, dst=k - 1)
        check(t, every.sum(axis=0) if rank == k - 1 else every[rank], f"reduce {dtype}")
    every = all_contributions(k, torch.float32)
    gathered = [torch.zeros(2, 3) for _ in range(k)] if rank == 0 else None
    dist.gather(mine(rank, torch.float32), gathered, dst=0)
    if rank == 0:
        check(torch.stack(gathered), every, "gather")
    chunks = [torch.from_numpy(every[r] * 10) for r in range(k)] if rank == k - 1 else None
    got = torch.zeros(2, 3)
    dist.scatter(got, chunks, src=k - 1)
    check(got, every[rank] * 10, "scatter")
    expect(ValueError, "must be specified on destination", dist.gather, got, None, dst=rank)
    expect(ValueError, "Invalid src rank", dist.broadcast, got, src=k)


def check_gather_scatter(rank: int, k: int) -> None:
    every = all_contributions(k, torch.float64)
    outs = [torch.zeros(2, 3, dtype=torch.float64) for _ in range(k)]
    dist.all_gather(outs, mine(rank, torch.float64))
    check(torch.stack(outs), every, "all_gather")
    flat = torch.zeros(k * 2, 3, dtype=torch.float64)
    dist.all_gather_into_tensor(flat, mine(rank, torch.float64))
    check(flat, every.reshape(k * 2, 3), "all_gather_into_tensor")
    inputs = [torch.from_numpy(every[r] * (rank + 1)) for r in range(k)]
    out = torch.zeros(2, 3, dtype=torch.float64)
    dist.reduce_scatter(out, inputs, op=ReduceOp.MAX)
    check(out, every[rank] * k, "reduce_scatter MAX")
    expect(RuntimeError, "contiguous", dist.all_reduce, torch.ones(3, 4).t())
    expect(RuntimeError, "number of tensors", dist.all_gather, outs[:1] * (k + 1), outs[0])
    expect(TypeError, "torch.Tensor", dist.all_reduce, np.ones(3))


def check_objects(rank: int, k: int) -> None:
    objs = [None] * k
    dist.all_gather_object(objs, {"rank": rank, "name": f"r{rank}"})
    assert objs == [{"rank": r, "name": f"r{r}"} for r in range(k)], objs
    items = ["a", 1, {"rank": rank}] if rank == k - 1 else [None, None, None]
    dist.broadcast_object_list(items, src=k - 1)
    assert items == ["a", 1, {"rank": k - 1}], items
    gathered = [None] * k if rank == 0 else None
    dist.gather_object((rank, "x" * rank), gathered, dst=0)
    if rank == 0:
        assert gathered == [(r, "x" * r) for r in range(k)], gathered
    out = [None]
    dist.scatter_object_list(out, [r * r for r in range(k)] if rank == 0 else None, src=0)
    assert out == [rank * rank], out


def check_autograd(rank: int, k: int) -> None:
    w = torch.ones(3, requires_grad=True)
    dist.all_reduce(w)
    assert w.requires_grad and w.grad_fn is None and w.tolist() == [float(k)] * 3
    y = (w * w).sum()
    y.backward()
    assert w.grad.tolist() == [2.0 * k] * 3


def check_new_group(rank: int, k: int) -> None:
    members = [0, k - 1]
    sub = dist.new_group(members)
    if rank not in members:
        assert sub == dist.GroupMember.NON_GROUP_MEMBER and dist.get_rank(sub) == -1
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            assert dist.all_reduce(torch.ones(1), group=sub) is None
        assert "does not belong to the given group" in str(seen[0].message)
        return
    assert dist.get_world_size(sub) == 2 and dist.get_rank(sub) == members.index(rank)
    t = mine(rank, torch.float32)
    dist.all_reduce(t, group=sub)
    check(t, contribution(0, torch.float32) + contribution(k - 1, torch.float32), "subgroup")
    t = mine(rank, torch.float32)
    dist.broadcast(t, src=k - 1, group=sub)  # src is a global rank, as in PyTorch
    check(t, contribution(k - 1, torch.float32), "subgroup broadcast")
    dist.destroy_process_group(sub)


def main() -> None:
    rank, k = check_init()
    for fn in (check_all_reduce, check_async, check_rooted, check_gather_scatter):
        fn(rank, k)
    for fn in (check_objects, check_autograd, check_new_group):
        fn(rank, k)
    dist.barrier()
    dist.destroy_process_group()
    assert not dist.is_initialized() and sys.excepthook is sys.__excepthook__
    print(f"rank {rank}/{k}: all collectives ok", flush=True)


if __name__ == "__main__":
    main()
