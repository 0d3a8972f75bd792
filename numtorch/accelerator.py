"""``torch.accelerator`` on a CPU build: there is no accelerator."""

from __future__ import annotations

from numtorch.tensor import device

__all__ = ["is_available", "current_accelerator", "device_count"]


def is_available() -> bool:
    return False


def current_accelerator(check_available: bool = False) -> device | None:
    """None: numtorch has only the CPU, which PyTorch does not count as an accelerator."""
    return None


def device_count() -> int:
    return 0
