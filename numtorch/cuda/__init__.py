"""``torch.cuda`` as PyTorch's CPU build has it: no device, seeding is a no-op, and anything
that needs a GPU raises ``AssertionError("Torch not compiled with CUDA enabled")``.

So the common device-agnostic lines run unchanged::

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.cuda.manual_seed_all(0)
"""

from __future__ import annotations

from typing import Any, NoReturn

from numtorch.cuda import amp

__all__ = [
    "amp",
    "is_available",
    "device_count",
    "is_initialized",
    "manual_seed",
    "manual_seed_all",
    "seed",
    "seed_all",
    "current_device",
    "synchronize",
    "empty_cache",
    "get_device_name",
    "init",
]


def _not_compiled() -> NoReturn:
    raise AssertionError("Torch not compiled with CUDA enabled")


def is_available() -> bool:
    """False: numtorch runs on the CPU only."""
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def manual_seed(seed: int) -> None:
    """A no-op without CUDA, as in PyTorch (it would seed the current GPU's generator)."""


def manual_seed_all(seed: int) -> None:
    """A no-op without CUDA, as in PyTorch (it would seed every GPU's generator)."""


def seed() -> None:
    """A no-op without CUDA, as in PyTorch."""


def seed_all() -> None:
    """A no-op without CUDA, as in PyTorch."""


def empty_cache() -> None:
    """A no-op without CUDA, as in PyTorch (there is no cache to free)."""


def init() -> None:
    _not_compiled()


def current_device() -> int:
    _not_compiled()


def synchronize(device: Any = None) -> None:
    _not_compiled()


def get_device_name(device: Any = None) -> str:
    _not_compiled()
