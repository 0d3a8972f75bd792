"""``monitored_barrier``: a barrier that names the ranks that did not reach it in time.

PyTorch implements it on Gloo only; here it runs on MPI with the protocol Gloo uses, over the
group's private duplicate communicator (so it never meets user messages): every other rank
sends rank 0 an "arrived" message and waits for rank 0's verdict; rank 0 polls its
non-blocking receives until all arrived or the timeout passed, cancels the receives still
pending, and sends every rank that arrived the list of who did. All ranks that reached the
barrier then return, or all raise the same ``RuntimeError`` naming the missing ranks. A rank
that skipped the barrier is left with no pending message, so it can go on (and exit) cleanly.
Messages left over when rank 0 itself missed a barrier are recognised and dropped later (the
arrival carries the time its sender gives up, the verdict the call number it answers).
"""

from __future__ import annotations

import time
import warnings
from datetime import timedelta
from typing import Any

import numpy as np

from numtorch.distributed import _mpi
from numtorch.distributed.distributed_c10d import (
    ProcessGroup,
    _not_in_group,
    _resolve,
    default_pg_timeout,
)

__all__ = ["monitored_barrier"]

_ARRIVED, _VERDICT = 1, 2  # tags on the private communicator


def monitored_barrier(
    group: ProcessGroup | None = None,
    timeout: timedelta | None = None,
    wait_all_ranks: bool = False,
) -> None:
    """Block until every rank of ``group`` arrives; name the late ones after ``timeout``.

    Raises ``RuntimeError`` naming the ranks (of ``group``) that did not arrive in time.

    Args:
        group: the process group (the default one when None).
        timeout: how long rank 0 waits for the others (``default_pg_timeout``, 30 minutes,
            when None; a float is taken as seconds, with PyTorch's warning). The other ranks
            wait up to twice as long for rank 0's verdict, and if rank 0 never answers they
            raise naming rank 0.
        wait_all_ranks: name every missing rank (``"Ranks 2, 3 failed to pass ..."``) instead
            of the first one (``"Rank 2 failed to pass monitoredBarrier in 1000 ms"``).

    Every rank that reached the barrier raises the same error (rank 0 first, the others as
    soon as its verdict arrives); a rank that never called it is not disturbed.
    """
    if _not_in_group(group, "monitored_barrier"):
        return
    pg = _resolve(group)
    timeout = _check_timeout(timeout)
    seconds = timeout.total_seconds()
    ms = int(timeout / timedelta(milliseconds=1))
    pg._monitor_calls += 1
    if pg.rank() == 0:
        missing = _collect(pg._monitor_comm, pg.size(), seconds)
    else:
        missing = _report(pg._monitor_comm, pg.size(), pg._monitor_calls, 2 * seconds)
    if missing:
        raise RuntimeError(_failure(pg.rank(), missing, ms, wait_all_ranks))


def _check_timeout(timeout: Any) -> timedelta:
    if timeout is None:
        return default_pg_timeout
    if isinstance(timeout, float):
        warnings.warn(
            "Please specify timeout arg as a timedelta. "
            f"Converting current value of {timeout} assuming it represents seconds",
            stacklevel=3,
        )
        timeout = timedelta(seconds=timeout)
    if not isinstance(timeout, timedelta):
        raise TypeError(
            f"Expected timeout argument to be of type datetime.timedelta, got {timeout}"
        )
    return timeout


def _failure(me: int, missing: list[int], ms: int, wait_all_ranks: bool) -> str:
    """Gloo's message: the first missing rank, or all of them with ``wait_all_ranks``."""
    who = f"Ranks {', '.join(map(str, missing))}" if wait_all_ranks else f"Rank {missing[0]}"
    return f"[Rank {me}]: {who} failed to pass monitoredBarrier in {ms} ms"


def _poll(requests: list[Any], deadline: float) -> bool:
    """Test ``requests`` (which drives MPI's progress) until all completed or ``deadline``."""
    MPI = _mpi.mpi()
    delay = 1e-4
    while not MPI.Request.Testall(requests):
        if time.monotonic() >= deadline:
            return False
        time.sleep(delay)
        delay = min(2 * delay, 0.01)
    return True


def _cancelled(request: Any) -> bool:
    """Cancel a receive that may still be pending; False when its message arrived after all."""
    MPI = _mpi.mpi()
    if request.Test():
        return False
    request.Cancel()
    status = MPI.Status()
    request.Wait(status)
    return status.Is_cancelled()


def _collect(comm: Any, size: int, seconds: float) -> list[int]:
    """Rank 0: take every rank's arrival until the deadline, send the verdict, and return the
    ranks that did not arrive.

    An arrival message is ``(call number, wall-clock time its sender gives up)``; one whose
    sender already gave up is left over from an earlier barrier that rank 0 missed, and is
    dropped (the receive is posted again).
    """
    MPI = _mpi.mpi()
    deadline = time.monotonic() + seconds
    buffers = {r: np.zeros(2) for r in range(1, size)}
    pending = {r: comm.Irecv(buffers[r], source=r, tag=_ARRIVED) for r in range(1, size)}
    accepted: dict[int, float] = {}
    delay = 1e-4
    while pending and time.monotonic() < deadline:
        for r in [r for r, request in pending.items() if request.Test()]:
            if time.time() < buffers[r][1]:
                accepted[r] = buffers[r][0]
                del pending[r]
            else:
                pending[r] = comm.Irecv(buffers[r], source=r, tag=_ARRIVED)
        time.sleep(delay if pending else 0)
        delay = min(2 * delay, 0.01)
    for r, request in pending.items():
        if not _cancelled(request) and time.time() < buffers[r][1]:
            accepted[r] = buffers[r][0]
    arrived = np.array([1.0] + [float(r in accepted) for r in range(1, size)])
    verdicts = {r: np.concatenate([[call], arrived]) for r, call in accepted.items()}
    MPI.Request.Waitall([comm.Isend(v, dest=r, tag=_VERDICT) for r, v in verdicts.items()])
    return [r for r in range(size) if not arrived[r]]


def _report(comm: Any, size: int, call: int, seconds: float) -> list[int]:
    """Another rank: tell rank 0 this one arrived, wait for its verdict, and return the ranks
    it found missing (``[0]`` when rank 0 did not answer in time).

    A verdict for another call number is a late answer to an earlier barrier this rank gave
    up on, and is skipped.
    """
    deadline = time.monotonic() + seconds
    message = np.array([call, time.time() + seconds], np.float64)
    sent = comm.Isend(message, dest=0, tag=_ARRIVED)
    verdict = np.zeros(size + 1)
    while True:
        received = comm.Irecv(verdict, source=0, tag=_VERDICT)
        if not _poll([received], deadline) and _cancelled(received):
            sent.Test()  # a few bytes go eagerly: the send has completed locally
            return [0]
        if verdict[0] == call:
            break
    sent.Wait()  # rank 0 took it before answering
    return [r for r in range(size) if not verdict[1 + r]]
