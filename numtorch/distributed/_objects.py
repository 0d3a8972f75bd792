"""Collectives on picklable Python objects: ``all_gather_object``, ``broadcast_object_list``,
``gather_object``, ``scatter_object_list``.

mpi4py's lower-case calls pickle for us (PyTorch pickles into a byte tensor and sends that).
As in PyTorch, unpickling runs arbitrary code: only exchange objects between trusted ranks.
"""

from __future__ import annotations

from typing import Any

from numtorch.distributed._collectives import _check_root_list
from numtorch.distributed.distributed_c10d import ProcessGroup, _not_in_group, _resolve, _root

__all__ = ["all_gather_object", "broadcast_object_list", "gather_object", "scatter_object_list"]


def all_gather_object(object_list: list[Any], obj: Any, group: ProcessGroup | None = None) -> None:
    """Fill ``object_list`` (one slot per rank) with every rank's ``obj``, on every rank."""
    if _not_in_group(group, "all_gather_object"):
        return
    gathered = _resolve(group)._comm.allgather(obj)
    for i, item in enumerate(gathered):
        object_list[i] = item


def broadcast_object_list(
    object_list: list[Any],
    src: int | None = None,
    group: ProcessGroup | None = None,
    device: Any = None,
    group_src: int | None = None,
) -> None:
    """Replace ``object_list``'s items with ``src``'s (a global rank; default 0), in place.

    Every rank passes a list of the same length.
    """
    if _not_in_group(group, "broadcast_object_list"):
        return
    pg = _resolve(group)
    root = _root(pg, src, group_src, "src")
    sent = list(object_list) if pg.rank() == root else None
    received = pg._comm.bcast(sent, root=root)
    for i in range(len(object_list)):
        object_list[i] = received[i]


def gather_object(
    obj: Any,
    object_gather_list: list[Any] | None = None,
    dst: int | None = None,
    group: ProcessGroup | None = None,
    group_dst: int | None = None,
) -> None:
    """Gather every rank's ``obj`` into ``object_gather_list`` on ``dst`` (given there only)."""
    if _not_in_group(group, "gather_object"):
        return
    pg = _resolve(group)
    root = _root(pg, dst, group_dst, "dst")
    _check_root_list(pg.rank(), root, object_gather_list, "gather_list", "destination")
    gathered = pg._comm.gather(obj, root=root)
    if pg.rank() == root:
        for i, item in enumerate(gathered):
            object_gather_list[i] = item


def scatter_object_list(
    scatter_object_output_list: list[Any],
    scatter_object_input_list: list[Any] | None = None,
    src: int | None = None,
    group: ProcessGroup | None = None,
    group_src: int | None = None,
) -> None:
    """Put ``src``'s ``scatter_object_input_list[i]`` into rank ``i``'s output list.

    It lands in ``scatter_object_output_list[0]``; the input list is given on ``src``.
    """
    if _not_in_group(group, "scatter_object_list"):
        return
    pg = _resolve(group)
    root = _root(pg, src, group_src, "src")
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError(
            "Expected argument scatter_object_output_list to be a list of size at least 1."
        )
    if pg.rank() == root and scatter_object_input_list is None:
        raise ValueError("source rank must provide non-None scatter_object_input_list")
    sent = list(scatter_object_input_list) if pg.rank() == root else None
    scatter_object_output_list[0] = pg._comm.scatter(sent, root=root)
