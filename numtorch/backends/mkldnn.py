"""``torch.backends.mkldnn``: numtorch has no oneDNN, so it is not available; ``enabled`` is a
plain attribute a program may set (nothing reads it)."""

from __future__ import annotations

__all__ = ["is_available", "enabled"]

enabled = True


def is_available() -> bool:
    """False: numtorch does not use oneDNN (MKL-DNN)."""
    return False
