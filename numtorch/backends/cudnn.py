"""``torch.backends.cudnn`` on a CPU build: unavailable; ``benchmark``, ``deterministic``,
``enabled`` and ``allow_tf32`` are plain attributes a program may set (nothing reads them)."""

from __future__ import annotations

__all__ = ["is_available", "version", "enabled", "benchmark", "deterministic", "allow_tf32"]

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """False: numtorch has no cuDNN."""
    return False


def version() -> None:
    """None: no cuDNN is loaded."""
    return None
