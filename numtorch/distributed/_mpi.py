"""The one door to mpi4py: imported lazily, so ``import numtorch`` never loads MPI.

Also the crash handler: an uncaught exception on one rank would otherwise leave the others
blocked in their next collective forever; the hook prints the traceback tagged with the rank
and aborts the whole MPI job.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from types import ModuleType, TracebackType
from typing import Any

_INSTALL_HINT = "pip install 'numtorch[mpi]'"


def is_available() -> bool:
    """Whether mpi4py can be imported (checked without importing it)."""
    return importlib.util.find_spec("mpi4py") is not None


def mpi() -> ModuleType:
    """Return ``mpi4py.MPI``, importing (and so initialising MPI) on first use."""
    try:
        from mpi4py import MPI
    except ImportError as err:
        raise RuntimeError(
            "numtorch.distributed runs on MPI through mpi4py, which is not installed: "
            f"{_INSTALL_HINT}"
        ) from err
    return MPI


_previous_hook: Any = None


def _abort_on_exception(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    """``sys.excepthook`` while a process group is up: report, then take every rank down."""
    MPI = mpi()
    rank = MPI.COMM_WORLD.Get_rank()
    text = "".join(traceback.format_exception(kind, value, tb))
    sys.stderr.write(f"numtorch.distributed: uncaught exception on rank {rank}:\n{text}")
    sys.stderr.write(f"numtorch.distributed: rank {rank} aborts the MPI job (exit code 1)\n")
    sys.stderr.flush()
    sys.stdout.flush()
    MPI.COMM_WORLD.Abort(1)


def install_excepthook() -> None:
    """Route uncaught exceptions through ``_abort_on_exception`` (idempotent)."""
    global _previous_hook
    if sys.excepthook is not _abort_on_exception:
        _previous_hook = sys.excepthook
        sys.excepthook = _abort_on_exception


def restore_excepthook() -> None:
    """Undo ``install_excepthook`` (at ``destroy_process_group``)."""
    global _previous_hook
    if sys.excepthook is _abort_on_exception:
        sys.excepthook = _previous_hook or sys.__excepthook__
    _previous_hook = None
