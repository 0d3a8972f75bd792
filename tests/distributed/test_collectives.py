"""numtorch.distributed: the API before init (in process), and every collective, the object
collectives, sub-groups and a crashed rank under ``mpiexec`` (worker scripts in workers/)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

import numtorch as torch
import numtorch.distributed as dist
from distributed.launch import REPO, WORKERS, run_mpi

NOT_INIT = (
    "Default process group has not been initialized, please make sure to call init_process_group."
)


def test_import_numtorch_does_not_load_mpi() -> None:
    code = "import sys, numtorch, numtorch.distributed; print('mpi4py' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "call",
    [
        dist.get_rank,
        dist.get_world_size,
        dist.get_backend,
        dist.barrier,
        lambda: dist.all_reduce(torch.ones(2)),
        lambda: dist.broadcast(torch.ones(2), src=0),
        lambda: dist.all_gather_object([None], 1),
        lambda: dist.new_group([0]),
    ],
)
def test_errors_before_init(call) -> None:
    assert not dist.is_initialized() and dist.GroupMember.WORLD is None
    with pytest.raises(ValueError) as err:
        call()
    assert str(err.value) == NOT_INIT


def test_availability_and_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    assert dist.is_available() and dist.is_mpi_available()
    assert not dist.is_nccl_available() and not dist.is_gloo_available()
    for backend in ("gloo", "nccl", "cpu:gloo,cuda:nccl"):
        with pytest.raises(RuntimeError, match="numtorch.distributed runs on MPI"):
            dist.init_process_group(backend)
    assert not dist.is_initialized()
    with pytest.raises(AssertionError, match="Process group cannot be None"):
        dist.destroy_process_group()
    monkeypatch.delenv("TORCHELASTIC_RUN_ID", raising=False)
    assert not dist.is_torchelastic_launched()
    monkeypatch.setenv("TORCHELASTIC_RUN_ID", "job")
    assert dist.is_torchelastic_launched()
    assert dist.ReduceOp.SUM is dist.ReduceOp.RedOpType.SUM
    assert repr(dist.ReduceOp.AVG) == "<RedOpType.AVG: 1>"


def test_missing_mpi4py_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    assert not dist.is_available()
    with pytest.raises(RuntimeError, match=r"pip install 'numtorch\[mpi\]'"):
        dist.init_process_group()
    assert not dist.is_initialized()


def test_collectives_two_ranks() -> None:
    out = run_mpi(WORKERS / "collectives_all.py", 2, timeout=60)
    # mpiexec forwards each rank's output as it comes: lines of two ranks may run together
    for r in range(2):
        assert out.stdout.count(f"rank {r}/2: all collectives ok") == 1, out.stdout


@pytest.mark.slow
def test_collectives_four_ranks() -> None:
    out = run_mpi(WORKERS / "collectives_all.py", 4, timeout=60)
    for r in range(4):
        assert f"rank {r}/4: all collectives ok" in out.stdout


@pytest.mark.slow
def test_crashed_rank_ends_the_job() -> None:
    start = time.monotonic()
    out = run_mpi(WORKERS / "crash_rank.py", 3, timeout=40, check=False)
    assert out.returncode != 0, out
    assert time.monotonic() - start < 40
    assert "uncaught exception on rank 2" in out.stderr, out.stderr
    assert "ValueError: deliberate failure on rank 2" in out.stderr, out.stderr
    assert "passed the barrier" not in out.stdout


@pytest.mark.slow
def test_launcher_timeout_kills_every_rank(tmp_path) -> None:
    pids = tmp_path / "pids"
    with pytest.raises(pytest.fail.Exception, match="timed out after 4 s"):
        run_mpi(WORKERS / "crash_hang.py", 2, pids, timeout=4)
    started = [int(p) for p in pids.read_text().split()]
    assert len(started) == 2, started
    deadline = time.monotonic() + 5
    while any(map(_running, started)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(_running, started)), "a rank survived the launcher's timeout"


def _running(pid: int) -> bool:
    """Alive and not a zombie (a killed orphan may wait a while for its reaper)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
