"""``torch.cpu``: the device numtorch runs on, with PyTorch's queries (always available, one
device, nothing to synchronise) and its deprecated ``torch.cpu.amp``."""

from __future__ import annotations

from typing import Any

from numtorch.cpu import amp

__all__ = ["amp", "is_available", "is_initialized", "device_count", "current_device", "synchronize"]


def is_available() -> bool:
    """True: the CPU is always there."""
    return True


def is_initialized() -> bool:
    """True: the CPU needs no initialisation."""
    return True


def device_count() -> int:
    """1: PyTorch counts the CPU as one device."""
    return 1


def current_device() -> str:
    """``"cpu"``, as PyTorch's ``torch.cpu.current_device()``."""
    return "cpu"


def synchronize(device: Any = None) -> None:
    """Nothing to wait for: every op has finished when it returns."""
