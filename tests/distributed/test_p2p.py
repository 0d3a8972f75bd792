"""numtorch.distributed's point-to-point calls, all_to_all, monitored_barrier and helpers:
signatures, constants, exceptions and errors against PyTorch in process, and every call under
``mpiexec`` at 2 and 4 ranks (workers/p2p_all.py)."""

from __future__ import annotations

import inspect
import sys
from datetime import timedelta

import pytest
import torch
import torch.distributed as torch_dist

import numtorch
import numtorch.distributed as dist
from distributed.launch import WORKERS, run_mpi

NOT_INIT = (
    "Default process group has not been initialized, please make sure to call init_process_group."
)
SAME_SIGNATURE = [
    "send",
    "recv",
    "isend",
    "irecv",
    "batch_isend_irecv",
    "send_object_list",
    "recv_object_list",
    "all_to_all",
    "all_to_all_single",
    "monitored_barrier",
    "new_subgroups",
    "new_subgroups_by_enumeration",
    "get_node_local_rank",
    "get_pg_count",
    "is_backend_available",
    "is_ucc_available",
    "is_xccl_available",
]


@pytest.mark.parametrize("name", SAME_SIGNATURE)
def test_signature_matches_pytorch(name: str) -> None:
    ours = inspect.signature(getattr(dist, name)).parameters
    theirs = inspect.signature(getattr(torch_dist, name)).parameters
    assert list(ours) == list(theirs)
    assert [p.default for p in ours.values()] == [p.default for p in theirs.values()]


def test_p2pop_signature_matches_pytorch() -> None:
    ours = inspect.signature(dist.P2POp.__init__).parameters
    theirs = inspect.signature(torch_dist.P2POp.__init__).parameters
    assert list(ours) == list(theirs)
    assert [p.default for p in ours.values()] == [p.default for p in theirs.values()]


@pytest.mark.parametrize(
    "name",
    ["DistError", "DistBackendError", "DistNetworkError", "DistStoreError", "QueueEmptyError"],
)
def test_exception_hierarchy_matches_pytorch(name: str) -> None:
    ours = [c.__name__ for c in getattr(dist, name).__mro__]
    assert ours == [c.__name__ for c in getattr(torch_dist, name).__mro__]
    with pytest.raises(RuntimeError, match="boom"):
        raise getattr(dist, name)("boom")


def test_constants_match_pytorch() -> None:
    assert dist.default_pg_timeout == torch_dist.default_pg_timeout == timedelta(minutes=30)
    for name in ("UNDEFINED", "GLOO", "NCCL", "UCC", "MPI", "XCCL", "FAKE"):
        assert getattr(dist.Backend, name) == getattr(torch_dist.Backend, name)
    assert dist.Backend.backend_list == torch_dist.Backend.backend_list
    assert dist.get_pg_count() == 0


def test_backend_availability(monkeypatch: pytest.MonkeyPatch) -> None:
    assert dist.is_backend_available("mpi") and dist.is_backend_available("cpu:mpi")
    for name in ("gloo", "nccl", "ucc", "xccl", "fake", "cpu:gloo,cuda:nccl", "nonsense"):
        assert not dist.is_backend_available(name), name
    assert not (dist.is_ucc_available() or dist.is_xccl_available())
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    assert not dist.is_backend_available("mpi")


def test_node_local_rank(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_RANK", "3")
    assert dist.get_node_local_rank() == 3 == dist.get_node_local_rank(fallback_rank=1)
    monkeypatch.delenv("LOCAL_RANK")
    assert dist.get_node_local_rank(fallback_rank=5) == 5
    with pytest.raises(RuntimeError) as ours:
        dist.get_node_local_rank()
    with pytest.raises(RuntimeError) as theirs:
        torch_dist.get_node_local_rank()
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("size", [None, 0, -2])
def test_new_subgroups_size_errors_match_pytorch(size: int | None) -> None:
    with pytest.raises(ValueError) as ours:
        dist.new_subgroups(size)
    with pytest.raises(ValueError) as theirs:
        torch_dist.new_subgroups(size)
    assert str(ours.value) == str(theirs.value)


T = numtorch.zeros(2)


@pytest.mark.parametrize(
    "call",
    [
        lambda: dist.send(T, dst=1),
        lambda: dist.recv(T),
        lambda: dist.isend(T, 1),
        lambda: dist.irecv(T, src=0),
        lambda: dist.P2POp(dist.isend, T, 1),
        lambda: dist.send_object_list([1], dst=1),
        lambda: dist.recv_object_list([None], src=1),
        lambda: dist.all_to_all([T], [T]),
        lambda: dist.all_to_all_single(T, T),
        lambda: dist.monitored_barrier(),
        lambda: dist.new_subgroups(2),
        lambda: dist.new_subgroups_by_enumeration([[0]]),
    ],
)
def test_errors_before_init(call) -> None:
    assert not dist.is_initialized()
    with pytest.raises(ValueError) as err:
        call()
    assert str(err.value) == NOT_INIT


def _message(exc: type[BaseException], fn, *args) -> str:
    with pytest.raises(exc) as err:
        fn(*args)
    return str(err.value)


@pytest.mark.parametrize(
    ("exc", "ours", "theirs"),
    [
        (ValueError, lambda: dist.P2POp(dist.all_reduce, T, 0), lambda: torch_dist.P2POp(
            torch_dist.all_reduce, torch.zeros(2), 0)),
        (TypeError, lambda: dist.P2POp(dist.isend, [1.0], 0), lambda: torch_dist.P2POp(
            torch_dist.isend, [1.0], 0)),
        (ValueError, lambda: dist.batch_isend_irecv([1]), lambda: torch_dist.batch_isend_irecv(
            [1])),
        (IndexError, lambda: dist.batch_isend_irecv([]), lambda: torch_dist.batch_isend_irecv(
            [])),
        (ValueError, lambda: dist.send([1.0], 1), lambda: torch_dist.send([1.0], 1)),
        (TypeError, lambda: dist.irecv([1.0], 1), lambda: torch_dist.irecv([1.0], 1)),
        (TypeError, lambda: dist.all_to_all_single(T, [1.0]), lambda: torch_dist.all_to_all_single(
            torch.zeros(2), [1.0])),
        (TypeError, lambda: dist.all_to_all(1.0, [T]), lambda: torch_dist.all_to_all(
            1.0, [torch.zeros(2)])),
    ],
)  # fmt: skip
def test_argument_errors_before_any_group_match_pytorch(exc, ours, theirs) -> None:
    assert _message(exc, ours) == _message(exc, theirs)


def test_non_contiguous_tensor_raises_pytorch_mpi_message() -> None:
    with pytest.raises(RuntimeError, match="^input tensor has to be contiguous$"):
        dist.irecv(numtorch.zeros(3, 2).t(), src=0)


def _p2p_run(n: int) -> str:
    out = run_mpi(WORKERS / "p2p_all.py", n, timeout=90)
    for r in range(n):
        assert f"rank {r}/{n}: p2p ok" in out.stdout, out.stdout
    return out.stdout


@pytest.mark.slow
def test_p2p_two_ranks() -> None:
    out = _p2p_run(2)
    assert "rank 0/2: monitored_barrier raised after" in out
    assert "[Rank 0]: Rank 1 failed to pass monitoredBarrier in 1000 ms" in out
    assert "[Rank 1]: Rank 0 failed to pass monitoredBarrier in 500 ms" in out
    assert "rank 1/2: monitored_barrier skipped (missing [1])" in out


@pytest.mark.slow
def test_p2p_four_ranks() -> None:
    out = _p2p_run(4)
    for r in (0, 2):
        assert f"[Rank {r}]: Ranks 1, 3 failed to pass monitoredBarrier in 500 ms" in out, out
    for r in (0, 1, 2):
        assert f"[Rank {r}]: Rank 3 failed to pass monitoredBarrier in 1000 ms" in out, out
    assert "rank 3/4: monitored_barrier skipped (missing [1, 3])" in out
