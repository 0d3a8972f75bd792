"""Process groups on MPI: ``init_process_group``, ranks and sizes, ``new_group``, ``Work``.

The shape is ``torch.distributed.distributed_c10d``'s; the transport is one mpi4py
communicator per group. ``init_process_group`` adopts ``MPI.COMM_WORLD`` (ranks and size
come from the ``mpiexec`` launch, not from a store), so ``backend`` is ``"mpi"`` only.
"""

from __future__ import annotations

import enum
import os
import warnings
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from numtorch.distributed import _mpi

__all__ = [
    "Backend",
    "DistBackendError",
    "DistError",
    "DistNetworkError",
    "DistStoreError",
    "GroupMember",
    "ProcessGroup",
    "QueueEmptyError",
    "ReduceOp",
    "Work",
    "barrier",
    "default_pg_timeout",
    "destroy_process_group",
    "get_backend",
    "get_global_rank",
    "get_group_rank",
    "get_node_local_rank",
    "get_pg_count",
    "get_process_group_ranks",
    "get_rank",
    "get_world_size",
    "group",
    "init_process_group",
    "is_available",
    "is_backend_available",
    "is_gloo_available",
    "is_initialized",
    "is_mpi_available",
    "is_nccl_available",
    "is_torchelastic_launched",
    "is_ucc_available",
    "is_xccl_available",
    "new_group",
    "new_subgroups",
    "new_subgroups_by_enumeration",
]

_NOT_INITIALIZED = (
    "Default process group has not been initialized, please make sure to call init_process_group."
)

default_pg_timeout: timedelta = timedelta(minutes=30)
"""PyTorch's default process-group timeout (30 minutes); ``monitored_barrier`` uses it."""


class DistError(RuntimeError):
    """The base of torch.distributed's errors (a ``RuntimeError``)."""


class DistBackendError(DistError):
    """An error raised by a backend (in PyTorch: NCCL, Gloo, MPI)."""


class DistNetworkError(DistError):
    """A network error (in PyTorch: a failed connection to a peer or the store)."""


class DistStoreError(DistError):
    """An error of the key-value store that PyTorch's rendezvous uses (numtorch has none)."""


class QueueEmptyError(DistStoreError):
    """A store queue was empty (PyTorch's store API; kept for the hierarchy)."""


class Backend(str):
    """A backend name, as in PyTorch (a ``str``); numtorch implements ``"mpi"`` only."""

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    UCC = "ucc"
    MPI = "mpi"
    XCCL = "xccl"
    FAKE = "fake"

    backend_list = [UNDEFINED, GLOO, NCCL, XCCL, UCC, MPI, FAKE]

    def __new__(cls, name: str) -> Backend:
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, got {name!r}")
        return super().__new__(cls, name.lower())


class ReduceOp:
    """The reduction a collective applies.

    ``ReduceOp.SUM``, ``AVG``, ``PRODUCT``, ``MIN``, ``MAX``, ``BAND``, ``BOR``, ``BXOR``
    (members of ``ReduceOp.RedOpType``, as in PyTorch). ``PREMUL_SUM`` exists for name parity
    but is not supported.
    """

    class RedOpType(enum.Enum):
        """The reduction ops, as PyTorch's ``ReduceOp.RedOpType`` enumerates them."""

        SUM = 0
        AVG = 1
        PRODUCT = 2
        MIN = 3
        MAX = 4
        BAND = 5
        BOR = 6
        BXOR = 7
        PREMUL_SUM = 8

    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR
    PREMUL_SUM = RedOpType.PREMUL_SUM


class ProcessGroup:
    """A set of ranks and the MPI communicator that connects them.

    ``ranks`` lists the global ranks in group-rank order; ``comm`` is the mpi4py communicator
    (ranks outside the group hold ``GroupMember.NON_GROUP_MEMBER`` instead). Constructing one is
    collective over ``comm``: it duplicates it into a private communicator for
    ``monitored_barrier``, whose messages so never meet the user's point-to-point traffic.
    """

    def __init__(self, comm: Any, ranks: list[int], group_name: str = "0") -> None:
        self.group_name = group_name  # PyTorch's: "0" for the default group, then "1", ...
        self._comm = comm
        self._monitor_comm = comm.Dup()
        self._monitor_calls = 0  # monitored_barrier calls on this rank
        self._ranks = list(ranks)
        self._group_rank = {g: i for i, g in enumerate(self._ranks)}

    def _free(self, own_comm: bool) -> None:
        """Free the communicators this group created (``comm`` too when ``own_comm``)."""
        self._monitor_comm.Free()
        if own_comm:
            self._comm.Free()

    def rank(self) -> int:
        """This process's rank in the group."""
        return self._comm.Get_rank()

    def size(self) -> int:
        """The number of processes in the group."""
        return len(self._ranks)

    def name(self) -> str:
        """The backend's name: ``"MPI"``."""
        return "MPI"

    def __repr__(self) -> str:
        return f"ProcessGroup(backend='mpi', ranks={self._ranks})"


class _WorldMeta(type):
    """Make ``GroupMember.WORLD`` read the live default group, as PyTorch's metaclass does."""

    @property
    def WORLD(cls) -> ProcessGroup | None:  # noqa: N802 (PyTorch's name)
        return _state.default_pg


class GroupMember(metaclass=_WorldMeta):
    """The group constants: ``WORLD`` and ``NON_GROUP_MEMBER``.

    ``GroupMember.WORLD`` is the default group (``None`` before init);
    ``GroupMember.NON_GROUP_MEMBER`` is what ``new_group`` returns on ranks outside it.
    """

    NON_GROUP_MEMBER = -100


class group(metaclass=_WorldMeta):  # noqa: N801 (PyTorch's name)
    """Alias of ``GroupMember`` for ``group.WORLD``."""


class _State:
    default_pg: ProcessGroup | None = None
    groups: list[ProcessGroup] = []
    group_count: int = 0
    node_local_rank: int | None = None


_state = _State()


class Work:
    """The handle an ``async_op=True`` collective returns.

    ``wait()`` blocks until the MPI request completes, runs the collective's epilogue (the
    division of ``AVG``, the copy into an output list) once, and returns True. For an
    ``irecv``, ``_source_rank()`` then gives the sender's rank in the group (PyTorch's name).
    """

    def __init__(self, request: Any = None, finish: Callable[[], None] | None = None) -> None:
        self._request = request
        self._finish = finish
        self._status = None if request is None else _mpi.mpi().Status()
        self._done = request is None
        if self._done:
            self._run_finish()

    def _run_finish(self) -> None:
        finish, self._finish = self._finish, None
        if finish is not None:
            finish()

    def wait(self, timeout: timedelta | None = None) -> bool:
        """Block until the operation completes, run its epilogue once, return True."""
        if not self._done:
            self._request.Wait(self._status)
            self._done = True
            self._run_finish()
        return True

    def is_completed(self) -> bool:
        """Whether the operation has completed (without blocking)."""
        if not self._done and self._request.Test(self._status):
            self._done = True
            self._run_finish()
        return self._done

    def is_success(self) -> bool:
        """Whether the operation completed (MPI reports failures by aborting)."""
        return self.is_completed()

    def synchronize(self) -> None:
        """Same as ``wait()`` on CPU."""
        self.wait()

    def exception(self) -> None:
        """Always None: an MPI error aborts the job instead."""
        return None

    def _source_rank(self) -> int:
        """The group rank that sent what a completed receive got (waits for it first)."""
        self.wait()
        if self._status is None:
            raise RuntimeError("_source_rank() is only defined for a receive's Work")
        return self._status.Get_source()


def is_available() -> bool:
    """Whether numtorch.distributed can run: True iff mpi4py is importable."""
    return _mpi.is_available()


def is_mpi_available() -> bool:
    """Whether the MPI backend is available (mpi4py importable)."""
    return _mpi.is_available()


def is_gloo_available() -> bool:
    """Always False: numtorch runs on MPI."""
    return False


def is_nccl_available() -> bool:
    """Always False: numtorch runs on MPI."""
    return False


def is_ucc_available() -> bool:
    """Always False: numtorch runs on MPI."""
    return False


def is_xccl_available() -> bool:
    """Always False: numtorch runs on MPI."""
    return False


def is_backend_available(backend: str) -> bool:
    """Whether ``backend`` can be used: only ``"mpi"`` (or ``"cpu:mpi"``), iff mpi4py is there.

    PyTorch's composite strings (``"cpu:gloo,cuda:nccl"``) are available when every backend
    they name is; numtorch has no third-party backend registry, so any other name is False.
    """
    names = [part.split(":")[-1].strip() for part in backend.lower().split(",")]
    return all(name == Backend.MPI for name in names) and _mpi.is_available()


def is_initialized() -> bool:
    """Whether ``init_process_group`` has been called (and not destroyed since)."""
    return _state.default_pg is not None


def is_torchelastic_launched() -> bool:
    """Whether this process was started by torchelastic (``TORCHELASTIC_RUN_ID`` is set)."""
    return os.getenv("TORCHELASTIC_RUN_ID") is not None


def _check_backend(backend: str | None) -> Backend:
    if backend is None:
        return Backend(Backend.MPI)
    if not isinstance(backend, str):
        raise ValueError(f"Backend constructor parameter must be string-ish, got {backend!r}")
    name = backend.lower()
    if name in ("cpu:mpi", "mpi"):
        return Backend(Backend.MPI)
    raise RuntimeError(
        f"numtorch.distributed runs on MPI: backend={backend!r} is not available, use "
        "backend='mpi' (or None) and launch with mpiexec"
    )


def _check_launch(world_size: int, rank: int, mpi_size: int, mpi_rank: int) -> None:
    """Given (argument or environment) ``world_size``/``rank`` must agree with the MPI launch."""
    for name, given, actual in (("world_size", world_size, mpi_size), ("rank", rank, mpi_rank)):
        if given != -1 and given != actual:
            raise ValueError(
                f"init_process_group(): {name}={given} does not match the MPI launch "
                f"({name} {actual} under mpiexec)"
            )
    for var, actual in (("WORLD_SIZE", mpi_size), ("RANK", mpi_rank)):
        value = os.environ.get(var)
        if value is not None and value.strip() != str(actual):
            raise ValueError(
                f"init_process_group(): environment variable {var}={value} does not match the "
                f"MPI launch ({var.lower()} {actual} under mpiexec)"
            )


def init_process_group(
    backend: str | None = None,
    init_method: str | None = None,
    timeout: timedelta | None = None,
    world_size: int = -1,
    rank: int = -1,
    store: Any = None,
    group_name: str = "",
    pg_options: Any = None,
    device_id: Any = None,
) -> None:
    """Join the job ``mpiexec`` started: the default group is ``MPI.COMM_WORLD``.

    Args:
        backend: ``"mpi"`` or None; ``"gloo"``/``"nccl"`` raise (numtorch runs on MPI).
        init_method, store, group_name, pg_options, device_id: accepted for PyTorch's
            signature; MPI's launcher already connected the ranks, so they are unused.
        timeout: unused (MPI collectives have no timeout; a crashed rank aborts the job).
        world_size, rank: if given (or set as ``WORLD_SIZE``/``RANK`` in the environment),
            they must match the MPI launch, else ``ValueError``.

    Also installs a ``sys.excepthook`` that prints an uncaught exception with its rank and
    calls ``MPI.COMM_WORLD.Abort(1)``, so one failing rank ends the job instead of leaving the
    others waiting in a collective.
    """
    if _state.default_pg is not None:
        raise ValueError("trying to initialize the default process group twice!")
    _check_backend(backend)
    if timeout is not None and not isinstance(timeout, timedelta):
        raise TypeError(f"Expected timeout argument to be of typedatetime.timedelta got {timeout}")
    MPI = _mpi.mpi()
    comm = MPI.COMM_WORLD
    _check_launch(world_size, rank, comm.Get_size(), comm.Get_rank())
    _state.default_pg = ProcessGroup(comm, list(range(comm.Get_size())))
    _state.group_count = 1
    node = comm.Split_type(MPI.COMM_TYPE_SHARED)  # the ranks sharing this node's memory
    _state.node_local_rank = node.Get_rank()
    node.Free()
    _mpi.install_excepthook()


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Free a group's communicator; with None (or ``WORLD``) free every group and deinit."""
    if group == GroupMember.NON_GROUP_MEMBER:
        return
    if _state.default_pg is None:
        raise AssertionError("Process group cannot be None")
    if group is None or group is _state.default_pg:
        for pg in _state.groups:
            pg._free(own_comm=True)
        _state.default_pg._free(own_comm=False)  # COMM_WORLD itself stays MPI's
        _state.groups = []
        _state.default_pg = None
        _state.group_count = 0
        _state.node_local_rank = None
        _mpi.restore_excepthook()
        return
    if group not in _state.groups:
        raise ValueError("Invalid process group specified")
    _state.groups.remove(group)
    group._free(own_comm=True)


def _default_group() -> ProcessGroup:
    if _state.default_pg is None:
        raise ValueError(_NOT_INITIALIZED)
    return _state.default_pg


def _resolve(group: ProcessGroup | None) -> ProcessGroup:
    """The group a collective runs on: the default one for None/``WORLD``."""
    if group is None or group is _state.default_pg:
        return _default_group()
    _default_group()
    if not isinstance(group, ProcessGroup):
        raise TypeError(f"group must be a ProcessGroup, got {type(group).__name__}")
    return group


def _not_in_group(group: Any, op_name: str) -> bool:
    """Warn as PyTorch does when this rank is outside ``group``; True means skip the op."""
    if group is None or group != GroupMember.NON_GROUP_MEMBER:
        return False
    global_rank = -1 if _state.default_pg is None else _state.default_pg.rank()
    warnings.warn(
        f"Running {op_name} on global rank {global_rank} which does not belong to the given group.",
        stacklevel=3,
    )
    return True


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in ``group`` (the default group when None); -1 outside it."""
    if group is not None and group == GroupMember.NON_GROUP_MEMBER:
        return -1
    return _resolve(group).rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    """The number of processes in ``group`` (the default group when None); -1 outside it."""
    if group is not None and group == GroupMember.NON_GROUP_MEMBER:
        return -1
    return _resolve(group).size()


def get_backend(group: ProcessGroup | None = None) -> Backend:
    """The backend of ``group``: always ``"mpi"``."""
    if group is not None and group == GroupMember.NON_GROUP_MEMBER:
        raise ValueError("Invalid process group specified")
    _resolve(group)
    return Backend(Backend.MPI)


def get_process_group_ranks(group: ProcessGroup | None) -> list[int]:
    """The global ranks of ``group``, in group-rank order."""
    return list(_resolve(group)._ranks)


def get_group_rank(group: ProcessGroup, global_rank: int) -> int:
    """Translate a global rank into ``group``'s rank (identity on the default group)."""
    pg = _resolve(group)
    if pg is _state.default_pg:
        return global_rank
    if global_rank not in pg._group_rank:
        raise ValueError(f"Global rank {global_rank} is not part of group {pg}")
    return pg._group_rank[global_rank]


def get_global_rank(group: ProcessGroup, group_rank: int) -> int:
    """Translate ``group``'s rank into a global rank (identity on the default group)."""
    pg = _resolve(group)
    if pg is _state.default_pg:
        return group_rank
    if not 0 <= group_rank < pg.size():
        raise ValueError(f"Group rank {group_rank} is not part of group {pg}")
    return pg._ranks[group_rank]


def _root(pg: ProcessGroup, rank: int | None, group_rank: int | None, name: str) -> int:
    """The root's rank in ``pg`` from a global ``src``/``dst`` or a ``group_src``/``group_dst``.

    As in PyTorch, ``src``/``dst`` are global ranks whatever the group; neither given means
    global rank 0.
    """
    if rank is not None and group_rank is not None:
        raise ValueError(f"Can't specify both {name} and group_{name}")
    if group_rank is None:
        group_rank = get_group_rank(pg, 0 if rank is None else rank)
    if isinstance(group_rank, bool) or not isinstance(group_rank, int):
        raise TypeError(f"{name} must be an int, got {type(group_rank).__name__}")
    if not 0 <= group_rank < pg.size():
        raise ValueError(f"Invalid {name} rank: {group_rank} (group size {pg.size()})")
    return group_rank


def new_group(
    ranks: list[int] | None = None,
    timeout: timedelta | None = None,
    backend: str | None = None,
    pg_options: Any = None,
    use_local_synchronization: bool = False,
    group_desc: str | None = None,
    device_id: Any = None,
    sort_ranks: bool = True,
) -> ProcessGroup | int:
    """Create a group of ``ranks`` (all ranks when None) as an MPI sub-communicator.

    Collective, as in PyTorch: every rank of the default group must call it with the same
    ``ranks``. Ranks outside get ``GroupMember.NON_GROUP_MEMBER``.
    """
    world = _default_group()
    _check_backend(backend)
    members = list(range(world.size())) if ranks is None else list(ranks)
    if sort_ranks:
        members = sorted(members)
    for r in members:
        if isinstance(r, bool) or not isinstance(r, int) or not 0 <= r < world.size():
            raise ValueError(
                f"new_group(): ranks must be global ranks in [0, {world.size() - 1}], got {r!r}"
            )
    if len(set(members)) != len(members):
        raise ValueError(f"new_group(): ranks must be distinct, got {members}")
    me = world.rank()
    MPI = _mpi.mpi()
    color = 0 if me in members else MPI.UNDEFINED
    comm = world._comm.Split(color, members.index(me) if me in members else 0)
    name = str(_state.group_count)
    _state.group_count += 1  # on every rank, members or not, as PyTorch counts
    if comm == MPI.COMM_NULL:
        return GroupMember.NON_GROUP_MEMBER
    pg = ProcessGroup(comm, members, name)
    _state.groups.append(pg)
    return pg


def new_subgroups(
    group_size: int | None = None,
    group: ProcessGroup | None = None,
    timeout: timedelta | None = None,
    backend: str | None = None,
    pg_options: Any = None,
    group_desc: str | None = None,
) -> tuple[ProcessGroup | int | None, list[ProcessGroup | int]]:
    """Split ``group``'s ranks into consecutive subgroups of ``group_size`` ranks each.

    Collective over the default group. Returns ``(cur_subgroup, subgroups)``: the subgroup
    holding this rank and every subgroup (``GroupMember.NON_GROUP_MEMBER`` for those this rank
    is not in). ``group_size=None`` means one subgroup per machine's CUDA devices in PyTorch, so
    it raises here as it does in PyTorch without CUDA.
    """
    if group_size is None:
        raise ValueError(
            "Default group size only takes effect when CUDA is available."
            "If your subgroup using a backend that does not depend on CUDA,"
            "please pass in 'group_size' correctly."
        )
    if group_size <= 0:
        raise ValueError(f"The arg 'group_size' ({group_size}) must be positive")
    world_size = get_world_size(group=group)
    if world_size < group_size:
        raise ValueError(
            f"The arg 'group_size' ({group_size}) must not exceed the world size ({world_size})"
        )
    if world_size % group_size != 0:
        raise ValueError(f"The world size ({world_size}) must be divisible by '{group_size=}'")
    ranks = get_process_group_ranks(group)
    chunks = [ranks[i : i + group_size] for i in range(0, len(ranks), group_size)]
    return new_subgroups_by_enumeration(chunks, timeout, backend, pg_options, group_desc)


def new_subgroups_by_enumeration(
    ranks_per_subgroup_list: list[list[int]],
    timeout: timedelta | None = None,
    backend: str | None = None,
    pg_options: Any = None,
    group_desc: str | None = None,
) -> tuple[ProcessGroup | int | None, list[ProcessGroup | int]]:
    """Create one subgroup per list of global ranks (no overlap; a rank may be in none).

    Collective over the default group. Returns ``(cur_subgroup, subgroups)`` as
    ``new_subgroups`` does; ``cur_subgroup`` is None on a rank in no subgroup.
    """
    if ranks_per_subgroup_list is None or len(ranks_per_subgroup_list) == 0:
        raise ValueError("The arg 'ranks_per_subgroup_list' cannot be empty")
    subgroups: list[ProcessGroup | int] = []
    cur_subgroup: ProcessGroup | int | None = None
    seen: dict[int, list[int]] = {}
    me = get_rank()
    for ranks in ranks_per_subgroup_list:
        subgroup = new_group(ranks, timeout, backend, pg_options, group_desc=group_desc)
        subgroups.append(subgroup)
        for rank in ranks:
            if rank in seen:
                raise ValueError(
                    f"Rank {rank} has appeared in both subgroup {seen[rank]} and {ranks}"
                )
            seen[rank] = ranks
            if rank == me:
                cur_subgroup = subgroup
    return cur_subgroup, subgroups


def get_pg_count() -> int:
    """How many process groups were created: 1 after init, +1 per ``new_group`` (0 before)."""
    return _state.group_count


def get_node_local_rank(fallback_rank: int | None = None) -> int:
    """This process's rank among the processes on its machine.

    In order: the ``LOCAL_RANK`` environment variable (set by torchrun); once the process group
    is up, the rank in MPI's shared-memory split of the job (``COMM_TYPE_SHARED``, computed at
    ``init_process_group``); ``fallback_rank``; else PyTorch's ``RuntimeError``.
    """
    if "LOCAL_RANK" in os.environ:
        return int(os.environ["LOCAL_RANK"])
    if _state.node_local_rank is not None:
        return _state.node_local_rank
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError(
        "LOCAL_RANK is not in the environment. Consider passing fallback_rank to allow "
        "`get_node_local_rank` to work, assuming you are not running in a multi-device context "
        "and want the code to run locally instead."
    )


def barrier(
    group: ProcessGroup | None = None,
    async_op: bool = False,
    device_ids: list[int] | None = None,
    timeout: timedelta | None = None,
) -> Work | None:
    """Block until every rank of ``group`` reaches the barrier."""
    if _not_in_group(group, "barrier"):
        return None
    comm = _resolve(group)._comm
    if async_op:
        return Work(comm.Ibarrier())
    comm.Barrier()
    return None


def _mpi_comm(group: ProcessGroup | None = None) -> Any:
    """The mpi4py communicator behind ``group`` (the default group when None).

    Private, for numtorch's own layers (DistributedDataParallel, SyncBatchNorm) that need an
    MPI call the public API does not cover.
    """
    return _resolve(group)._comm
