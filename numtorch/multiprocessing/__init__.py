"""``numtorch.multiprocessing``: Python's :mod:`multiprocessing` with tensors shared, not copied.

As ``torch.multiprocessing``, it is the standard module (``Process``, ``Queue``, ``Pool``,
``get_context``, ``set_start_method``, ...) plus :func:`spawn`/:func:`start_processes`. A tensor
sent to another process (a ``Process`` argument under the ``spawn``/``forkserver`` start
methods, or a ``Queue`` item) moves to shared memory and the receiver maps the same pages, so
``model.share_memory()`` followed by several training processes updates one set of weights
(Hogwild). Under ``fork`` the children inherit the mapping directly. The reducers are
registered by ``numtorch._namespace.sharing`` (Tensor) and ``numtorch.nn.parameter``
(Parameter) when numtorch is imported.

As with PyTorch, a process that sends a tensor through a queue must stay alive until the
receiver has taken it (the receiver duplicates the sender's file descriptor).

Sharing strategy: numtorch shares by file descriptor only (an anonymous memory file per
tensor; PyTorch's default on Linux), so ``"file_system"`` is refused.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing import *  # noqa: F403

from numtorch.multiprocessing.spawn import (
    ProcessContext,
    ProcessException,
    ProcessExitedException,
    ProcessRaisedException,
    SpawnContext,
    spawn,
    start_processes,
)

__all__ = [
    "set_sharing_strategy",
    "get_sharing_strategy",
    "get_all_sharing_strategies",
    *("ProcessContext", "ProcessExitedException"),
    *("ProcessRaisedException", "SpawnContext", "spawn", "start_processes"),
    *multiprocessing.__all__,
]

_STRATEGIES = {"file_descriptor"}


def get_all_sharing_strategies() -> set[str]:
    """The sharing strategies numtorch supports: ``{"file_descriptor"}``."""
    return set(_STRATEGIES)


def get_sharing_strategy() -> str:
    """The strategy for sharing CPU tensors: always ``"file_descriptor"``."""
    return "file_descriptor"


def set_sharing_strategy(new_strategy: str) -> None:
    """Accept ``"file_descriptor"`` (the only strategy numtorch has); refuse any other."""
    if new_strategy not in _STRATEGIES:
        raise AssertionError(
            f"sharing strategy {new_strategy!r} is not supported: numtorch shares tensors "
            "through file descriptors only ('file_descriptor')"
        )
