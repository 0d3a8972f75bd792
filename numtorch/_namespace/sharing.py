"""Shared memory for tensors (``Tensor.share_memory_``, ``Tensor.is_shared``): what
``numtorch.multiprocessing`` and ``Module.share_memory`` build on.

A shared tensor's array lives in a :class:`SharedSegment`: an anonymous memory file
(``memfd_create`` on Linux, an unlinked temporary file elsewhere) mapped ``MAP_SHARED``. A
process forked after ``share_memory_`` sees the same pages; a spawned process, or one that
receives the tensor through a ``multiprocessing.Queue``, gets a duplicate of the file
descriptor (PyTorch's ``file_descriptor`` sharing strategy) and maps the same pages. Nothing
has a name, so nothing is left behind in ``/dev/shm`` when the processes end.

Unlike PyTorch, whose ``share_memory_`` moves the storage (and so every view of it), numtorch
moves the one tensor's array: views taken *before* ``share_memory_`` keep the old array.
"""

from __future__ import annotations

import mmap
import os
import tempfile
import weakref
from multiprocessing import reduction

import numpy as np

from numtorch._namespace._declare import op
from numtorch.tensor import Tensor

__all__ = ["SharedSegment", "share_memory_", "is_shared", "shared_array", "reduce_tensor"]


class SharedSegment(mmap.mmap):
    """A ``MAP_SHARED`` mapping of an anonymous file; ``fd`` is kept open so the mapping can be
    handed to another process (closed when the segment is garbage collected)."""

    fd: int


def _anonymous_file(nbytes: int) -> int:
    """A file descriptor of ``nbytes`` zero bytes with no name in any file system."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("numtorch", 0)
    else:  # pragma: no cover - macOS and other systems without memfd
        handle = tempfile.TemporaryFile()
        fd = os.dup(handle.fileno())
        handle.close()
    os.ftruncate(fd, nbytes)
    return fd


def _map(fd: int, nbytes: int) -> SharedSegment:
    segment = SharedSegment(fd, nbytes)
    segment.fd = fd
    weakref.finalize(segment, os.close, fd)
    return segment


def shared_array(shape: tuple, dtype: np.dtype) -> np.ndarray:
    """A C-contiguous array of ``shape`` and ``dtype`` in a new shared segment."""
    nbytes = max(int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize, 1)
    segment = _map(_anonymous_file(nbytes), nbytes)
    return np.ndarray(shape, dtype, buffer=segment)


def _segment_of(array: np.ndarray) -> SharedSegment | None:
    base = array
    while isinstance(base, np.ndarray):
        base = base.base
    return base if isinstance(base, SharedSegment) else None


@op(function=False, method=True)
def share_memory_(input: Tensor) -> Tensor:
    """Move ``input``'s values into shared memory (for other processes).

    A no-op if they already are there; processes started afterwards, or that receive ``input``
    through a queue, share them."""
    if _segment_of(input._data) is None:
        array = shared_array(input._data.shape, input._data.dtype)
        array[...] = input._data
        input._data = array
    return input


@op(function=False, method=True)
def is_shared(input: Tensor) -> bool:
    """Whether ``input``'s values live in shared memory."""
    return _segment_of(input._data) is not None


def reduce_tensor(tensor: Tensor) -> tuple:
    """Pickle ``tensor`` for another process (``multiprocessing``'s ``ForkingPickler``): its
    values move to shared memory first, as PyTorch's ``reduce_tensor`` does, and the receiver
    maps the same pages through a duplicated file descriptor. ``requires_grad`` travels;
    ``.grad`` and the history do not (PyTorch refuses non-leaf tensors that require grad)."""
    if tensor.requires_grad and not tensor.is_leaf:
        raise RuntimeError(
            "Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd "
            "does not support crossing process boundaries.  If you just want to transfer the "
            "data, call detach() on the tensor before serializing (e.g., putting it on the queue)."
        )
    share_memory_(tensor)
    array = tensor._data
    segment = _segment_of(array)
    start = np.frombuffer(segment, np.uint8, count=1).ctypes.data
    offset = array.__array_interface__["data"][0] - start
    layout = (len(segment), offset, array.shape, array.strides, array.dtype.str)
    return _rebuild_tensor, (
        type(tensor),
        reduction.DupFd(segment.fd),
        layout,
        tensor.requires_grad,
    )


def _rebuild_tensor(cls: type, dup: object, layout: tuple, requires_grad: bool) -> Tensor:
    """Map the sender's segment and wrap the same bytes (module-level so pickle finds it)."""
    nbytes, offset, shape, strides, dtype = layout
    segment = _map(dup.detach(), nbytes)
    array = np.ndarray(shape, np.dtype(dtype), buffer=segment, offset=offset, strides=strides)
    tensor = Tensor._make(array)
    if cls is not Tensor:
        return cls(tensor, requires_grad)
    return tensor.requires_grad_(requires_grad) if requires_grad else tensor


reduction.ForkingPickler.register(Tensor, reduce_tensor)
