"""Tensor collectives on MPI: broadcast, all_reduce, reduce, all_gather, gather, scatter,
reduce_scatter, all_to_all — PyTorch's names, arguments and in-place contract.

Every collective works directly on the NumPy array a ``Tensor`` stores (``tensor._data``): no
copy, no pickling, no autograd record (as in PyTorch, a collective on a tensor that requires
grad changes its data and is invisible to backward). Tensors must be contiguous, as PyTorch's
MPI backend requires. Data movement sends the raw bytes, so any dtype works; reductions use
MPI's typed ops on every dtype numtorch has (float16/32/64, signed and unsigned ints,
bool).

``async_op=True`` posts MPI's non-blocking collective (``Iallreduce``, ``Ibcast``, ...) and
returns a ``Work``; results (and the division of ``ReduceOp.AVG``) are there after
``Work.wait()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from numtorch.distributed import _mpi
from numtorch.distributed.distributed_c10d import (
    ProcessGroup,
    ReduceOp,
    Work,
    _not_in_group,
    _resolve,
    _root,
)
from numtorch.tensor import Tensor

__all__ = [
    "all_gather",
    "all_gather_into_tensor",
    "all_gather_single",
    "all_reduce",
    "all_to_all",
    "all_to_all_single",
    "broadcast",
    "gather",
    "reduce",
    "reduce_scatter",
    "reduce_scatter_single",
    "reduce_scatter_tensor",
    "scatter",
]

_TORCH_NAMES = {"bool": "Bool", "int8": "Char", "int16": "Short", "int32": "Int"}
_TORCH_NAMES |= {"int64": "Long", "uint8": "Byte"}


# ---------------------------------------------------------------- checks and buffers
def _check_single_tensor(param: Any, name: str) -> np.ndarray:
    if not isinstance(param, Tensor):
        raise TypeError(
            f"Invalid function argument. Expected parameter `{name}` of type torch.Tensor\n"
            f"             but got {type(param)} instead."
        )
    if not param._data.flags.c_contiguous:
        raise RuntimeError("input tensor has to be contiguous")
    return param._data


def _check_tensor_list(param: Any, name: str) -> list[np.ndarray]:
    if not isinstance(param, list):
        raise TypeError(
            f"Invalid function argument. Expected parameter `{name}` of type "
            f"List[torch.Tensor]\n             but got {type(param)} instead."
        )
    if not all(isinstance(p, Tensor) for p in param):
        raise TypeError(
            f"Invalid function argument. Expected parameter `{name}` of type "
            f"List[torch.Tensor]\n             but got {type(param)} with elements of type "
            f"{[type(p) for p in param]}."
        )
    return [p._data for p in param]


def _check_list_matches(arrays: list[np.ndarray], like: np.ndarray, size: int, what: str) -> None:
    """An input/output list must hold one tensor per rank, each of ``like``'s shape and dtype."""
    if len(arrays) != size:
        raise RuntimeError(f"{what}: number of tensors in the list should equal the world size")
    for a in arrays:
        if a.shape != like.shape or a.dtype != like.dtype:
            raise RuntimeError("Tensors are not equal in size or data type")


def _bytes(array: np.ndarray) -> np.ndarray:
    """A contiguous array's bytes, for collectives that only move data (any dtype)."""
    return array.reshape(-1).view(np.uint8)


def _written(*tensors: Tensor) -> None:
    """Bump the version of tensors a collective wrote, so saved-for-backward checks see it."""
    for t in tensors:
        t._version[0] += 1


def _post(
    comm: Any, name: str, args: tuple, async_op: bool, finish: Callable[[], None] | None
) -> Work | None:
    """Run MPI collective ``name`` (blocking), or post ``I<name>`` and return its ``Work``."""
    if async_op:
        work = Work(getattr(comm, "I" + name[0].lower() + name[1:])(*args), finish)
        work._buffers = args  # keep staged buffers alive until the request completes
        return work
    getattr(comm, name)(*args)
    if finish is not None:
        finish()
    return None


# ---------------------------------------------------------------- reductions
def _mpi_op(op: Any, dtype: np.dtype, fn: str) -> Any:
    """MPI's op for ``op`` on ``dtype``, raising PyTorch's errors for combinations it rejects."""
    if not isinstance(op, ReduceOp.RedOpType):
        raise TypeError(f"{fn}(): op must be a torch.distributed.ReduceOp, got {op!r}")
    if op is ReduceOp.PREMUL_SUM:
        raise RuntimeError(f"{fn}(): ReduceOp.PREMUL_SUM is not supported on MPI")
    if op is ReduceOp.AVG and dtype.kind != "f":
        name = _TORCH_NAMES.get(dtype.name, dtype.name)
        raise RuntimeError(f"result type Float can't be cast to the desired output type {name}")
    if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and dtype.kind not in "iub":
        raise RuntimeError(f"Cannot use {op} with non-integral dtype")
    MPI = _mpi.mpi()
    if dtype.kind == "b":
        logical = {ReduceOp.BXOR: MPI.LXOR, ReduceOp.PRODUCT: MPI.LAND}
        logical |= {ReduceOp.MIN: MPI.LAND, ReduceOp.BAND: MPI.LAND}
        return logical.get(op, MPI.LOR)
    table = {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD}
    table |= {ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX, ReduceOp.BAND: MPI.BAND}
    table |= {ReduceOp.BOR: MPI.BOR, ReduceOp.BXOR: MPI.BXOR}
    return table[op]


def _epilogue(op: Any, buf: np.ndarray, size: int, *written: Tensor) -> Callable[[], None]:
    """After the MPI call: divide for AVG, bump the written tensors' versions."""

    def finish() -> None:
        if op is ReduceOp.AVG:
            np.divide(buf, size, out=buf)
        _written(*written)

    return finish


def all_reduce(
    tensor: Tensor,
    op: Any = ReduceOp.SUM,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Reduce ``tensor`` across all ranks of ``group``, in place, on every rank.

    ``ReduceOp.AVG`` is the sum divided by the group size (floating dtypes only, as in
    PyTorch, where an integer AVG raises).
    """
    array = _check_single_tensor(tensor, "tensor")
    if _not_in_group(group, "all_reduce"):
        return None
    pg = _resolve(group)
    mpi_op = _mpi_op(op, array.dtype, "all_reduce")
    finish = _epilogue(op, array, pg.size(), tensor)
    return _post(pg._comm, "Allreduce", (_mpi.mpi().IN_PLACE, array, mpi_op), async_op, finish)


def reduce(
    tensor: Tensor,
    dst: int | None = None,
    op: Any = ReduceOp.SUM,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_dst: int | None = None,
) -> Work | None:
    """Reduce ``tensor`` across ranks into ``dst``'s tensor (a global rank; default 0).

    Other ranks' tensors are left as they were.
    """
    array = _check_single_tensor(tensor, "tensor")
    if _not_in_group(group, "reduce"):
        return None
    pg = _resolve(group)
    root = _root(pg, dst, group_dst, "dst")
    mpi_op = _mpi_op(op, array.dtype, "reduce")
    if pg.rank() != root:
        return _post(pg._comm, "Reduce", (array, None, mpi_op, root), async_op, None)
    finish = _epilogue(op, array, pg.size(), tensor)
    args = (_mpi.mpi().IN_PLACE, array, mpi_op, root)
    return _post(pg._comm, "Reduce", args, async_op, finish)


def reduce_scatter_single(
    output: Tensor,
    input: Tensor,
    op: Any = ReduceOp.SUM,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Reduce ``input`` across ranks and give rank ``i`` the result's ``i``-th chunk.

    ``input`` holds world_size × ``output``'s elements; the chunk lands in ``output``.
    """
    out = _check_single_tensor(output, "output")
    inp = _check_single_tensor(input, "input")
    if _not_in_group(group, "reduce_scatter_tensor"):
        return None
    pg = _resolve(group)
    if inp.size != out.size * pg.size() or inp.dtype != out.dtype:
        raise ValueError(
            "input tensor must be the same type as the output tensor and its size must be "
            f"world_size ({pg.size()}) times the output size ({out.size}), got {inp.size}"
        )
    mpi_op = _mpi_op(op, out.dtype, "reduce_scatter")
    finish = _epilogue(op, out, pg.size(), output)
    return _post(pg._comm, "Reduce_scatter_block", (inp, out, mpi_op), async_op, finish)


def reduce_scatter_tensor(
    output: Tensor,
    input: Tensor,
    op: Any = ReduceOp.SUM,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Same as ``reduce_scatter_single`` (PyTorch's older name)."""
    return reduce_scatter_single(output, input, op, group, async_op)


def reduce_scatter(
    output: Tensor,
    input_list: list[Tensor],
    op: Any = ReduceOp.SUM,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Reduce ``input_list[i]`` across ranks into rank ``i``'s ``output``."""
    out = _check_single_tensor(output, "output")
    inputs = _check_tensor_list(input_list, "input_list")
    if _not_in_group(group, "reduce_scatter"):
        return None
    pg = _resolve(group)
    _check_list_matches(inputs, out, pg.size(), "reduce_scatter")
    stacked = Tensor._make(np.stack(inputs) if inputs else np.empty(0, out.dtype))
    return reduce_scatter_single(output, stacked, op, group, async_op)


# ---------------------------------------------------------------- data movement
def broadcast(
    tensor: Tensor,
    src: int | None = None,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_src: int | None = None,
) -> Work | None:
    """Copy ``src``'s tensor (a global rank; default 0) into ``tensor`` on every rank."""
    array = _check_single_tensor(tensor, "tensor")
    if _not_in_group(group, "broadcast"):
        return None
    pg = _resolve(group)
    root = _root(pg, src, group_src, "src")
    finish = None if pg.rank() == root else (lambda: _written(tensor))
    return _post(pg._comm, "Bcast", (_bytes(array), root), async_op, finish)


def _scatter_rows(staged: np.ndarray, outputs: list[Tensor]) -> Callable[[], None]:
    """An epilogue copying row ``i`` of ``staged`` into ``outputs[i]``."""

    def finish() -> None:
        for row, out in zip(staged, outputs):
            out._data[...] = row
        _written(*outputs)

    return finish


def all_gather(
    tensor_list: list[Tensor],
    tensor: Tensor,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Gather every rank's ``tensor`` into ``tensor_list`` on every rank.

    ``tensor_list`` holds one entry per rank, in rank order.
    """
    outputs = _check_tensor_list(tensor_list, "tensor_list")
    array = _check_single_tensor(tensor, "tensor")
    if _not_in_group(group, "all_gather"):
        return None
    pg = _resolve(group)
    _check_list_matches(outputs, array, pg.size(), "All gather")
    staged = np.empty((pg.size(), *array.shape), array.dtype)
    args = (_bytes(array), _bytes(staged))
    return _post(pg._comm, "Allgather", args, async_op, _scatter_rows(staged, tensor_list))


def all_gather_single(
    output_tensor: Tensor,
    input_tensor: Tensor,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Gather every rank's ``input_tensor`` into one ``output_tensor`` on every rank.

    Concatenated along the first dimension (or stacked: any shape with world_size × the
    input's elements).
    """
    out = _check_single_tensor(output_tensor, "output_tensor")
    inp = _check_single_tensor(input_tensor, "input_tensor")
    if _not_in_group(group, "all_gather_into_tensor"):
        return None
    pg = _resolve(group)
    if out.size != inp.size * pg.size() or out.dtype != inp.dtype:
        raise ValueError(
            "output tensor must be the same type as the input tensor and its size must be "
            f"world_size ({pg.size()}) times the input size ({inp.size}), got {out.size}"
        )
    if np.shares_memory(out, inp):  # MPI forbids aliased send and receive buffers
        inp = inp.copy()
    args = (_bytes(inp), _bytes(out))
    return _post(pg._comm, "Allgather", args, async_op, lambda: _written(output_tensor))


def all_gather_into_tensor(
    output_tensor: Tensor,
    input_tensor: Tensor,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Same as ``all_gather_single`` (PyTorch's older name)."""
    return all_gather_single(output_tensor, input_tensor, group, async_op)


def _check_root_list(me: int, root: int, items: list | None, name: str, where: str) -> None:
    """PyTorch's rule: the list is given on the root rank and only there."""
    if me == root:
        if not items:
            raise ValueError(f"Argument ``{name}`` must be specified on {where} rank.")
    elif items:
        raise ValueError(f"Argument ``{name}`` must NOT be specified on non-{where} ranks.")


def gather(
    tensor: Tensor,
    gather_list: list[Tensor] | None = None,
    dst: int | None = None,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_dst: int | None = None,
) -> Work | None:
    """Gather every rank's ``tensor`` into ``gather_list`` on ``dst``.

    ``dst`` is a global rank (default 0); ``gather_list`` is given on ``dst`` only.
    """
    array = _check_single_tensor(tensor, "tensor")
    outputs = [] if gather_list is None else _check_tensor_list(gather_list, "gather_list")
    if _not_in_group(group, "gather"):
        return None
    pg = _resolve(group)
    root = _root(pg, dst, group_dst, "dst")
    _check_root_list(pg.rank(), root, gather_list, "gather_list", "destination")
    if pg.rank() != root:
        return _post(pg._comm, "Gather", (_bytes(array), None, root), async_op, None)
    _check_list_matches(outputs, array, pg.size(), "Gather")
    staged = np.empty((pg.size(), *array.shape), array.dtype)
    args = (_bytes(array), _bytes(staged), root)
    return _post(pg._comm, "Gather", args, async_op, _scatter_rows(staged, gather_list))


def scatter(
    tensor: Tensor,
    scatter_list: list[Tensor] | None = None,
    src: int | None = None,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_src: int | None = None,
) -> Work | None:
    """Give rank ``i`` a copy of ``src``'s ``scatter_list[i]`` in its ``tensor``.

    ``src`` is a global rank (default 0); ``scatter_list`` is given on ``src`` only.
    """
    array = _check_single_tensor(tensor, "tensor")
    inputs = [] if scatter_list is None else _check_tensor_list(scatter_list, "scatter_list")
    if _not_in_group(group, "scatter"):
        return None
    pg = _resolve(group)
    root = _root(pg, src, group_src, "src")
    _check_root_list(pg.rank(), root, scatter_list, "scatter_list", "source")
    send = None
    if pg.rank() == root:
        _check_list_matches(inputs, array, pg.size(), "Scatter")
        send = _bytes(np.stack(inputs))
    args = (send, _bytes(array), root)
    return _post(pg._comm, "Scatter", args, async_op, lambda: _written(tensor))


# ---------------------------------------------------------------- all-to-all
def _check_same_dtype(arrays: list[np.ndarray], tensors: list[Tensor]) -> None:
    """PyTorch's ``_ensure_all_tensors_same_dtype`` (its message, missing space included)."""
    for a, t in zip(arrays[1:], tensors[1:]):
        if a.dtype != arrays[0].dtype:
            raise ValueError(
                "Invalid usage of tensors with different dtypesFound "
                f"{tensors[0].dtype} and  {t.dtype}"
            )


def _split_bytes(
    array: np.ndarray, splits: list[int] | None, size: int
) -> tuple[list[int], list[int]]:
    """Byte counts and displacements of ``array``'s dim-0 chunks, one per rank (equal chunks
    when ``splits`` is empty), after the checks PyTorch's ``checkSplitSizes`` makes."""
    if array.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    rows = array.shape[0]
    if not splits:
        if rows % size != 0:
            raise RuntimeError("Tensor's dim 0 does not divide equally across group size")
        splits = [rows // size] * size
    elif len(splits) != size:
        raise RuntimeError("Number of tensor splits not equal to group size")
    elif sum(splits) != rows:
        raise RuntimeError("Split sizes doesn't match total dim 0 size")
    row_bytes = int(np.prod(array.shape[1:], dtype=np.int64)) * array.itemsize
    counts = [int(n) * row_bytes for n in splits]
    return counts, _offsets(counts)


def all_to_all_single(
    output: Tensor,
    input: Tensor,
    output_split_sizes: list[int] | None = None,
    input_split_sizes: list[int] | None = None,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Split ``input`` along dim 0 among the ranks; gather what they send into ``output``.

    Chunk ``i`` goes to rank ``i``; ``output`` receives every rank's chunk for this one,
    concatenated in rank order.
    Without split sizes, dim 0 divides equally by the group size (and ``output`` has
    ``input``'s number of elements); with them, ``input_split_sizes[i]`` rows go to rank ``i``
    and ``output_split_sizes[j]`` rows come from rank ``j`` (MPI ``Alltoallv``).
    """
    if _not_in_group(group, "all_to_all_single"):
        return None
    out = _check_single_tensor(output, "output")
    inp = _check_single_tensor(input, "input")
    _check_same_dtype([out, inp], [output, input])
    pg = _resolve(group)
    if not output_split_sizes and not input_split_sizes and out.size != inp.size:
        raise RuntimeError("Tensors are not equal in size or data type")
    send_counts, send_displs = _split_bytes(inp, input_split_sizes, pg.size())
    recv_counts, recv_displs = _split_bytes(out, output_split_sizes, pg.size())
    if np.shares_memory(out, inp):  # MPI forbids aliased send and receive buffers
        inp = inp.copy()
    byte = _mpi.mpi().BYTE
    args = (
        [_bytes(inp), (send_counts, send_displs), byte],
        [_bytes(out), (recv_counts, recv_displs), byte],
    )
    return _post(pg._comm, "Alltoallv", args, async_op, lambda: _written(output))


def _unpack(staged: np.ndarray, outputs: list[Tensor]) -> Callable[[], None]:
    """An epilogue copying consecutive byte ranges of ``staged`` into ``outputs``."""

    def finish() -> None:
        offset = 0
        for out in outputs:
            a = out._data
            a[...] = staged[offset : offset + a.nbytes].view(a.dtype).reshape(a.shape)
            offset += a.nbytes
        _written(*outputs)

    return finish


def all_to_all(
    output_tensor_list: list[Tensor],
    input_tensor_list: list[Tensor],
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Send ``input_tensor_list[i]`` to rank ``i``, receive rank ``j``'s into output ``j``.

    The tensors may differ in size from rank to rank (``output_tensor_list[j]`` must have the
    size rank ``j`` sends); all share one dtype (MPI ``Alltoallv``).
    """
    if _not_in_group(group, "all_to_all"):
        return None
    outputs = _check_tensor_list(output_tensor_list, "output_tensor_list")
    inputs = _check_tensor_list(input_tensor_list, "input_tensor_list")
    _check_same_dtype(outputs + inputs, output_tensor_list + input_tensor_list)
    pg = _resolve(group)
    if len(inputs) != pg.size():
        raise RuntimeError("Number of input tensors are not equal to group size")
    if len(outputs) != pg.size():
        raise RuntimeError("Number of output tensors are not equal to group size")
    send = [_bytes(np.ascontiguousarray(a)) for a in inputs]
    send_counts = [a.size for a in send]
    recv_counts = [a.nbytes for a in outputs]
    staged = np.empty(sum(recv_counts), np.uint8)
    byte = _mpi.mpi().BYTE
    args = (
        [np.concatenate(send) if send else staged[:0], (send_counts, _offsets(send_counts)), byte],
        [staged, (recv_counts, _offsets(recv_counts)), byte],
    )
    return _post(pg._comm, "Alltoallv", args, async_op, _unpack(staged, output_tensor_list))


def _offsets(counts: list[int]) -> list[int]:
    """Displacements of consecutive blocks of ``counts`` bytes."""
    return [int(x) for x in np.cumsum([0, *counts[:-1]])]
