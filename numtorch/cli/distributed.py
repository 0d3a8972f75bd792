"""``numtorch train --distributed``: the ranks of an ``mpiexec -n K`` launch training one model.

Every rank runs the whole trainer on the same data, seed and plan; what differs is the work:

* **Batches.** ``--batch-size`` stays the global batch. Every rank draws the same global batch
  from the loader's shared shuffle generator (so the data order is identical at every K) and
  trains on its contiguous share of it: ``n // K`` samples, one more on the first
  ``n % K`` ranks (uneven shares are fine). Each rank's loss is its samples' summed loss times
  ``K / n``; ``DistributedDataParallel`` averages the gradients over the K ranks, so the
  gradient is exactly the global batch's mean. A global batch smaller than K (``--batch-size``
  below K, or a short last batch) would leave a rank without samples: that is refused with
  one line before training.
* **Evaluation** (validation, test) splits the samples into K contiguous shares and sums the
  loss and hits over the ranks: exactly the real samples, none padded or counted twice.
* **Randomness.** Dropout masks are drawn per rank: each epoch every rank draws one seed from
  the shared default generator (the same draw everywhere), trains the epoch on a generator
  seeded from it and its rank, then returns to the shared state. The checkpoint therefore
  holds the global state only, and resumes at any K. With Dropout2d p > 0, runs at different
  K agree in distribution, not bitwise; with p = 0 they agree to float32 rounding.
* **Output.** Rank 0 alone prints, writes the run folder and holds its lock; the other ranks'
  stdout and progress go to ``os.devnull`` (their errors still reach stderr, with the rank).
* **Failures.** Setup (arguments, data, model, the run folder) ends in an agreement step: if
  any rank failed, every rank exits with that one-line error, none waits in a collective.
  After that, a one-line error on any rank (e.g. rank 0 cannot write a checkpoint) is printed
  with its rank and aborts the whole MPI job; an uncaught exception aborts it through
  ``numtorch.distributed``'s excepthook.

With one rank (``--distributed`` without ``mpiexec``, or ``mpiexec -n 1``) the trainer runs
exactly as without the flag.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO, TypeVar

import numpy as np

import numtorch
from numtorch import distributed as dist
from numtorch import nn
from numtorch.cli import runfolder
from numtorch.cli.config import RunFailed, UsageError

__all__ = [
    "SINGLE",
    "AgreedError",
    "World",
    "available_cores",
    "check_batches",
    "convert_batchnorm",
    "default_threads",
    "start",
    "weights_digest",
]

T = TypeVar("T")
_INSTALL = "pip install 'numtorch[mpi]'"
_RANK_MIX = 0x9E3779B97F4A7C15  # spreads the per-rank dropout seeds apart
# Seconds a failing rank waits, after printing its error, before it aborts the job.
_ABORT_GRACE_S = 0.5


class AgreedError(UsageError):
    """A setup error every rank knows about (after the agreement step): rank 0 prints it, the
    others exit with its code silently."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class World:
    """This process's place in the job: ``rank`` of ``size`` (one rank without --distributed)."""

    rank: int = 0
    size: int = 1
    quiet: TextIO | None = field(default=None, repr=False)  # os.devnull on silent ranks
    joined: bool = False  # this process is in a process group (until ``finish``)
    local_size: int = 1  # the ranks on this machine, which share its cores

    @property
    def parallel(self) -> bool:
        """Whether more than one rank trains (only then do collectives run)."""
        return self.size > 1

    @property
    def is_writer(self) -> bool:
        """Whether this rank prints and writes the run folder (rank 0)."""
        return self.rank == 0

    def share(self, n: int) -> slice:
        """This rank's contiguous share of ``n`` items: ``n // size``, one more on the first
        ``n % size`` ranks (NumPy's ``array_split``).

        Example:
            >>> [World(r, 3).share(8) for r in range(3)]
            [slice(0, 3, None), slice(3, 6, None), slice(6, 8, None)]
        """
        base, extra = divmod(n, self.size)
        start = self.rank * base + min(self.rank, extra)
        return slice(start, start + base + (self.rank < extra))

    def sum(self, values: list[float]) -> list[float]:
        """The element-wise sum of ``values`` over the ranks (float64; as is with one rank)."""
        if not self.parallel:
            return values
        total = numtorch.tensor(values, dtype=numtorch.float64)
        dist.all_reduce(total)
        return total.tolist()

    def agree(self, step: Callable[[], T], name_rank: bool = True) -> T:
        """Run ``step`` on every rank; if it raised a ``UsageError`` on any rank, raise it on
        every rank (as ``AgreedError``), so that no rank goes on to wait in a collective for
        one that has stopped. The message names the rank when only some failed (and
        ``name_rank``: False for a step only rank 0 does)."""
        if not self.parallel:
            return step()
        try:
            result, failure = step(), None
        except UsageError as err:
            result, failure = None, (str(err), err.exit_code)
        failures: list[Any] = [None] * self.size
        dist.all_gather_object(failures, failure)
        failed = [(r, f) for r, f in enumerate(failures) if f is not None]
        if failed:
            rank, (message, code) = failed[0]
            if name_rank and len(failed) < self.size:  # not every rank: say which one
                message = f"on rank {rank}: {message}"
            raise AgreedError(message, code)
        return result

    def broadcast(self, value: T) -> T:
        """Rank 0's ``value`` on every rank."""
        if not self.parallel:
            return value
        box = [value]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def check_same_weights(self, model: nn.Module) -> None:
        """Fail if the ranks' weights differ (DDP keeps them bitwise equal; a difference is a
        bug, and continuing would save one rank's view of a run that no longer exists)."""
        if not self.parallel:
            return
        digests: list[Any] = [None] * self.size
        dist.all_gather_object(digests, weights_digest(model))
        if len(set(digests)) != 1:
            raise RunFailed(f"the ranks' weights differ after a step (digests {digests})")

    def wrap(self, model: nn.Module) -> nn.Module:
        """The module the training steps call: ``DistributedDataParallel`` over ``model`` on
        several ranks (``model`` itself with one)."""
        if not self.parallel:
            return model
        return nn.parallel.DistributedDataParallel(model)

    @contextlib.contextmanager
    def rank_rng(self) -> Iterator[None]:
        """Draw this rank's Dropout masks for the block from a generator seeded by one draw of
        the shared default generator and the rank; leave the shared state as after that draw
        (the same on every rank, and what the checkpoint saves)."""
        if not self.parallel:
            yield
            return
        seed = int(numtorch.randint(0, 2**62, (1,)).item())
        shared = numtorch.get_rng_state()
        numtorch.manual_seed((seed + (self.rank + 1) * _RANK_MIX) % 2**64)
        try:
            yield
        finally:
            numtorch.set_rng_state(shared)

    def finish(self) -> None:
        """Leave the process group once every rank has trained: rank 0's report then runs the
        model alone (a SyncBatchNorm forward outside a group is local)."""
        if self.joined:
            dist.barrier()
            dist.destroy_process_group()
            self.joined = False

    def abort(self, err: UsageError) -> None:
        """Print ``err`` as the trainer's one line, tagged with the rank, and end every rank."""
        print(f"numtorch train: error (rank {self.rank}): {err}", file=sys.stderr, flush=True)
        sys.stdout.flush()
        # mpiexec forwards each rank's output through a pipe; Abort ends the job at once, and
        # on a loaded machine the line was seen lost before mpiexec had read it
        time.sleep(_ABORT_GRACE_S)
        dist._mpi_comm().Abort(err.exit_code)
        os._exit(err.exit_code)  # MPICH's Abort may return once the job is told to end


SINGLE = World()


def weights_digest(model: nn.Module) -> str:
    """A SHA-256 of the model's parameters and buffers (names, dtypes and bytes)."""
    digest = hashlib.sha256()
    for name, value in model.state_dict().items():
        array = np.ascontiguousarray(value.numpy())
        digest.update(f"{name}:{array.dtype}:{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def available_cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - macOS, Windows


def start(enabled: bool) -> World:
    """Join the ``mpiexec`` job when ``--distributed`` is given (one rank without ``mpiexec``).

    On several ranks: rank 0 keeps stdout, the others write it (and their progress) to
    ``os.devnull``; the crash seam learns the rank.
    """
    if not enabled:
        return SINGLE
    if not dist.is_available():
        raise UsageError(
            f"--distributed runs on MPI through mpi4py, which is not installed: {_INSTALL}"
        )
    if not dist.is_initialized():
        try:
            dist.init_process_group("mpi")
        except (RuntimeError, ImportError) as err:
            raise UsageError(f"--distributed cannot start MPI: {err}") from None
    world = World(dist.get_rank(), dist.get_world_size(), joined=True)
    world.local_size = _ranks_on_this_machine(world)
    runfolder.set_rank(world.rank)
    if not world.is_writer:
        world.quiet = open(os.devnull, "w")  # noqa: SIM115 - held for the process's life
        sys.stdout = world.quiet
    return world


def _ranks_on_this_machine(world: World) -> int:
    """How many ranks run on this machine (by host name): they share its cores."""
    if not world.parallel:
        return 1
    hosts: list[Any] = [None] * world.size
    dist.all_gather_object(hosts, platform.node())
    return hosts.count(hosts[world.rank])


def default_threads(world: World) -> int:
    """Threads per rank when --threads is not given: this machine's cores shared out among
    the ranks running on it."""
    return max(1, available_cores() // world.local_size)


def check_batches(n_train: int, batch_size: int, world: World) -> None:
    """Refuse a plan with a global batch smaller than the ranks: a rank would get no sample."""
    if not world.parallel:
        return
    if batch_size < world.size:
        raise UsageError(
            f"--batch-size {batch_size} is the global batch: it must be at least the "
            f"{world.size} ranks (each trains on its share of every batch)"
        )
    last = n_train % batch_size
    if 0 < last < world.size:
        raise UsageError(
            f"the last batch of each epoch holds {last} of the {n_train} training samples, "
            f"fewer than the {world.size} ranks: choose a --batch-size that leaves no such "
            "remainder, or another number of ranks"
        )


def convert_batchnorm(model: nn.Module, world: World) -> nn.Module:
    """On several ranks, BatchNorm layers become ``SyncBatchNorm``: statistics of the global
    batch, as one process computes them (the state_dict keys stay the same)."""
    if not world.parallel:
        return model
    return nn.SyncBatchNorm.convert_sync_batchnorm(model)
