"""Point-to-point: ``send``/``recv``, ``isend``/``irecv``, ``P2POp`` + ``batch_isend_irecv``,
``send_object_list``/``recv_object_list`` — PyTorch's names, arguments and errors, on MPI.

Tensors move in place: the bytes of the sender's NumPy array land in the receiver's array,
which must have the same number of bytes (shape and dtype are the caller's contract, as in
PyTorch). Both must be contiguous. ``dst``/``src`` are global ranks whatever the group;
``group_dst``/``group_src`` are ranks within it. Messages between a pair of ranks with the same
``tag`` arrive in the order they were sent (MPI's ordering guarantee).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from numtorch.distributed import _mpi
from numtorch.distributed._collectives import _bytes, _check_single_tensor, _written
from numtorch.distributed.distributed_c10d import (
    ProcessGroup,
    Work,
    _not_in_group,
    _resolve,
    get_global_rank,
    get_group_rank,
    get_rank,
)
from numtorch.tensor import Tensor

__all__ = [
    "P2POp",
    "batch_isend_irecv",
    "irecv",
    "isend",
    "recv",
    "recv_object_list",
    "send",
    "send_object_list",
]


def _group_rank(pg: ProcessGroup, global_rank: int | None, group_rank: int | None) -> int:
    """PyTorch's ``_canonicalize_group_rank``: exactly one of the two, as a rank of ``pg``."""
    if group_rank is not None:
        if global_rank is not None:
            raise ValueError("Can't specify both group_rank and global_rank")
    elif global_rank is None:
        raise ValueError("Must specify global_rank or group_rank")
    else:
        group_rank = get_group_rank(pg, global_rank)
    if isinstance(group_rank, bool) or not isinstance(group_rank, int):
        raise TypeError(f"peer rank must be an int, got {type(group_rank).__name__}")
    if not 0 <= group_rank < pg.size():
        raise ValueError(f"Invalid peer rank: {group_rank} (group size {pg.size()})")
    return group_rank


def _check_not_self_rank(pg: ProcessGroup, rank: int, rank_type: str) -> None:
    if pg.rank() == rank:
        raise ValueError(
            f"Invalid {rank_type} rank: {rank_type} rank should not be the same as "
            "the rank of the current process."
        )


def _check_tag(tag: int) -> None:
    if isinstance(tag, bool) or not isinstance(tag, int):
        raise TypeError(f"tag must be an int, got {type(tag).__name__}")
    if tag < 0:
        raise RuntimeError("Tag must be nonnegative")
    if tag > _mpi.mpi().COMM_WORLD.Get_attr(_mpi.mpi().TAG_UB):
        raise RuntimeError(f"Tag {tag} is above MPI's largest tag (MPI_TAG_UB)")


def isend(
    tensor: Tensor,
    dst: int | None = None,
    group: ProcessGroup | None = None,
    tag: int = 0,
    group_dst: int | None = None,
) -> Work | None:
    """Start sending ``tensor`` to ``dst`` and return a ``Work``; ``wait()`` before changing it.

    Unlike ``send``, sending to this process itself is allowed (matched by an ``irecv``).
    Returns None on a rank outside ``group``.
    """
    if _not_in_group(group, "isend"):
        return None
    pg = _resolve(group)  # PyTorch's order: the group and peer, then the tensor
    peer = _group_rank(pg, dst, group_dst)
    array = _check_single_tensor(tensor, "tensor")
    _check_tag(tag)
    work = Work(pg._comm.Isend(_bytes(array), dest=peer, tag=tag))
    work._buffers = array  # keep the array alive until the request completes
    return work


def irecv(
    tensor: Tensor,
    src: int | None = None,
    group: ProcessGroup | None = None,
    tag: int = 0,
    group_src: int | None = None,
) -> Work | None:
    """Start receiving into ``tensor`` from ``src`` and return a ``Work``.

    Any rank may send when ``src`` and ``group_src`` are None; the data is there after
    ``wait()``. Returns None on a rank outside ``group``.
    """
    array = _check_single_tensor(tensor, "tensor")
    if _not_in_group(group, "irecv"):
        return None
    pg = _resolve(group)
    if src is None and group_src is None:
        peer = _mpi.mpi().ANY_SOURCE
    else:
        peer = _group_rank(pg, src, group_src)
    _check_tag(tag)
    request = pg._comm.Irecv(_bytes(array), source=peer, tag=tag)
    work = Work(request, lambda: _written(tensor))
    work._buffers = array
    return work


def send(
    tensor: Tensor,
    dst: int | None = None,
    group: ProcessGroup | None = None,
    tag: int = 0,
    group_dst: int | None = None,
) -> None:
    """Send ``tensor`` to ``dst`` (a global rank) and return once it has left this process.

    Sending to this process itself raises ``ValueError`` (PyTorch's check; use ``isend``).
    """
    if _not_in_group(group, "send"):
        return
    pg = _resolve(group)
    peer = _group_rank(pg, dst, group_dst)
    _check_not_self_rank(pg, peer, "destination")
    work = isend(tensor, group=pg, tag=tag, group_dst=peer)
    if work is not None:
        work.wait()


def recv(
    tensor: Tensor,
    src: int | None = None,
    group: ProcessGroup | None = None,
    tag: int = 0,
    group_src: int | None = None,
) -> int:
    """Receive into ``tensor`` from ``src`` (any rank when None); return the sender's rank.

    The sender's global rank, or -1 on a rank outside ``group``.
    A blocking receive from this process itself raises ``ValueError`` (it could never
    complete; PyTorch checks the sender the same way after an any-source receive).
    """
    _check_single_tensor(tensor, "tensor")
    if _not_in_group(group, "recv"):
        return -1
    pg = _resolve(group)
    if src is not None or group_src is not None:
        _check_not_self_rank(pg, _group_rank(pg, src, group_src), "source")
    work = irecv(tensor, src=src, group=pg, tag=tag, group_src=group_src)
    if work is None:
        return -1
    work.wait()
    if src is not None:
        return src
    if group_src is None:
        group_src = work._source_rank()
        _check_not_self_rank(pg, group_src, "source")
    return get_global_rank(pg, group_src)


class P2POp:
    """One send or receive for ``batch_isend_irecv``: ``op`` is ``isend`` or ``irecv``.

    Args:
        op: ``numtorch.distributed.isend`` or ``numtorch.distributed.irecv``.
        tensor: the tensor to send, or to receive into.
        peer: the other side's global rank (or give ``group_peer``, its rank in ``group``).
        group: the process group (the default one when None).
        tag: matches a send with a receive.
        group_peer: the other side's rank in ``group``.
    """

    def __new__(cls, op: Callable, tensor: Tensor, *args: Any, **kwargs: Any) -> P2POp:
        if op is not isend and op is not irecv:
            raise ValueError(
                "Invalid ``op``. Expected ``op`` to be of type ``torch.distributed.isend`` or "
                "``torch.distributed.irecv``."
            )
        if not isinstance(tensor, Tensor):
            raise TypeError(
                "Invalid function argument. Expected parameter `tensor` of type torch.Tensor\n"
                f"             but got {type(tensor)} instead."
            )
        return object.__new__(cls)

    def __init__(
        self,
        op: Callable,
        tensor: Tensor,
        peer: int | None = None,
        group: ProcessGroup | None = None,
        tag: int = 0,
        group_peer: int | None = None,
    ) -> None:
        self.op = op
        self.tensor = tensor
        self.group = _resolve(group)
        self.group_peer = _group_rank(self.group, peer, group_peer)
        self.peer = get_global_rank(self.group, self.group_peer)
        self.tag = tag

    def __repr__(self) -> str:
        me = get_rank(self.group)
        src, dst = (me, self.group_peer) if self.op is isend else (self.group_peer, me)
        return (
            f"P2POp({self.op.__name__} pg={self.group.group_name}, group_src={src}, "
            f"group_dst={dst},  {self.tensor.shape}, {self.tensor.dtype})"
        )


def batch_isend_irecv(p2p_op_list: list[P2POp]) -> list[Work]:
    """Start every send and receive of ``p2p_op_list`` and return their ``Work`` handles.

    The order of sends and receives in the list does not matter (all are posted non-blocking
    before anyone waits, so a ring exchange cannot deadlock); several messages between the
    same two ranks in one direction are matched in list order. All ops must use one group.
    """
    if not isinstance(p2p_op_list, list) or not all(isinstance(p, P2POp) for p in p2p_op_list):
        raise ValueError(
            "Invalid ``p2p_op_list``. Each op is expected to to be of type "
            "``torch.distributed.P2POp``."
        )
    group = p2p_op_list[0].group  # an empty list raises IndexError, as in PyTorch
    if not all(p.group is group for p in p2p_op_list):
        raise ValueError("All ops need to use the same group.")
    works = []
    for p in p2p_op_list:
        key = "group_dst" if p.op is isend else "group_src"
        works.append(p.op(p.tensor, group=group, tag=p.tag, **{key: p.group_peer}))
    return works


def send_object_list(
    object_list: list[Any],
    dst: int | None = None,
    group: ProcessGroup | None = None,
    device: Any = None,
    group_dst: int | None = None,
    use_batch: bool = False,
) -> None:
    """Send the picklable objects of ``object_list`` to ``dst``.

    ``dst`` calls ``recv_object_list`` with a list of the same length.
    ``device`` and ``use_batch`` are accepted for PyTorch's signature (the objects travel as
    one pickled MPI message). Unpickling runs arbitrary code: only talk to trusted ranks.
    """
    if _not_in_group(group, "send_object_list"):
        return
    pg = _resolve(group)
    peer = _group_rank(pg, dst, group_dst)
    _check_not_self_rank(pg, peer, "destination")
    pg._comm.send(list(object_list), dest=peer, tag=0)


def recv_object_list(
    object_list: list[Any],
    src: int | None = None,
    group: ProcessGroup | None = None,
    device: Any = None,
    group_src: int | None = None,
    use_batch: bool = False,
) -> int:
    """Receive ``send_object_list``'s objects from ``src`` into ``object_list``, in place.

    Returns the sender's global rank (-1 on a rank outside ``group``).
    As in PyTorch 2.13's code (its docstring says otherwise), one of ``src``/``group_src`` is
    required: with neither it raises ``ValueError("Must specify global_rank or group_rank")``.
    """
    if _not_in_group(group, "recv_object_list"):
        return -1
    pg = _resolve(group)
    peer = _group_rank(pg, src, group_src)
    _check_not_self_rank(pg, peer, "source")
    received = pg._comm.recv(source=peer, tag=0)
    if len(received) != len(object_list):
        raise ValueError(
            f"recv_object_list(): rank {get_global_rank(pg, peer)} sent {len(received)} "
            f"objects, but object_list has {len(object_list)} slots"
        )
    object_list[:] = received
    return get_global_rank(pg, peer)
