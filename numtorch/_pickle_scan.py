"""The safety scan and copy budget shared by numtorch's restricted unpicklers (PyTorch's zip
checkpoints in ``numtorch._torch_zip``, CIFAR-10 batches in ``numtorch.datasets._safe_pickle``).

CPython's C unpickler is fast but trusts the pickle's numbers: it allocates what a length or
memo index claims before reading it (a 20-byte pickle can ask for gigabytes), and hashing or
freeing a value nested a million levels deep overflows the C stack. So before the C unpickler
sees a pickle, ``scan`` walks its opcodes -- reading each length against the bytes actually
present -- and simulates the unpickler's stack (with numba over the raw bytes at hundreds of
MB/s, or with ``pickletools.genops``: ``numtorch._kernels.pickle_scan``):

* memo indices must be the small sequential ones picklers write (``PUT n`` with ``n`` at most
  the memo's size), and every ``GET`` must name a stored index;
* no value may nest deeper than ``max_depth``;
* ``BUILD`` (which sets an object's state) may not target a global, so a pickle can't rebind
  the attributes of an allow-listed class, function or constant for later loads;
* the memory the unpickler will allocate, *estimated* per opcode (an int or float ~40 bytes
  with its stack slot, a str 64 + up to 6 per byte while it is read and decoded, a container
  ~72, a memo entry 16, a call building a tensor 384, ...:
  ``numtorch._kernels.pickle_scan._COSTS``), may not pass ``max_bytes``. A pickle's opcodes
  are a few bytes each while the objects they make are tens, so without it a valid 20 MB
  pickle of floats or memo references costs 8-11x its size.

The allow-listed callables that copy data draw on a per-load ``budget`` (``spend``): a memo
reference costs two bytes, so without it a small pickle could build gigabytes out of one
stored list or number.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from numtorch._kernels import pickle_scan as _kernel

__all__ = ["MAX_DEPTH", "NO_LIMIT", "PY_MAX_OPS", "budget", "scan", "scan_reference", "spend"]

MAX_DEPTH = 64
PY_MAX_OPS = _kernel.PY_MAX_OPS
NO_LIMIT = _kernel.NO_LIMIT


def scan(
    data: bytes,
    refused: type[Exception],
    max_depth: int = MAX_DEPTH,
    on_global: Callable[[str, str], object] | None = None,
    max_bytes: int = NO_LIMIT,
    latin1: bool = False,
) -> int:
    """Walk ``data``'s opcodes without building anything; raise ``refused`` (or the
    ``ValueError`` genops raises for damaged bytes) on anything the C unpickler must not see.
    ``on_global(module, name)`` vets each ``GLOBAL`` opcode as it comes (so a refused global is
    reported as such even when damaged bytes follow it, as the unpickler would). Returns the
    estimate of the memory unpickling allocates, refusing the pickle once it passes
    ``max_bytes``; ``latin1``: the unpickler decodes Python 2 strings as Latin-1 (a byte a
    character, so priced lower than the UTF-8 they are otherwise decoded from).

    Runs on numtorch's kernel path (``NUMTORCH_KERNELS``): a numba walker over the bytes, or
    ``scan_reference``; both give the same verdicts and messages, except that without numba a
    pickle of more than ``PY_MAX_OPS`` (2M) opcodes is refused before anything else is checked:
    the Python walk scans about a million opcodes a second, while counting them by their
    lengths (``numtorch._kernels.pickle_scan.count_ops``) takes well under a second."""
    return _kernel.scan(data, refused, max_depth, on_global, max_bytes, latin1)


def scan_reference(
    data: bytes,
    refused: type[Exception],
    max_depth: int = MAX_DEPTH,
    on_global: Callable[[str, str], object] | None = None,
    max_bytes: int = NO_LIMIT,
    latin1: bool = False,
) -> int:
    """``scan`` by ``pickletools.genops`` alone (the pure-Python path, and the reference)."""
    return _kernel.scan_reference(data, refused, max_depth, on_global, None, max_bytes, latin1)


_LEFT = threading.local()  # what the allow-listed callables may still copy in this thread's load


@contextlib.contextmanager
def budget(units: int) -> Iterator[None]:
    """Let the ``spend`` calls inside the block copy at most ``units`` bytes or items."""
    before = getattr(_LEFT, "left", None)
    _LEFT.left = units
    try:
        yield
    finally:
        _LEFT.left = before


def spend(units: int, refused: type[Exception]) -> None:
    """Draw ``units`` from the current budget; raise ``refused`` once it is spent (outside a
    ``budget`` block nothing is counted)."""
    left = getattr(_LEFT, "left", None)
    if left is None:
        return
    _LEFT.left = left - units
    if _LEFT.left < 0:
        raise refused("the pickle builds much more data than the file holds")
