"""``torch.cpu.amp``: PyTorch's deprecated spellings of ``torch.amp`` for the CPU. Each warns as
PyTorch does, then behaves as ``torch.amp`` with ``"cpu"``."""

from __future__ import annotations

import warnings

from numtorch import _dtype, amp

__all__ = ["autocast", "GradScaler"]


def _deprecated(name: str) -> None:
    warnings.warn(
        f"`torch.cpu.amp.{name}(args...)` is deprecated. Please use "
        f"`torch.amp.{name}('cpu', args...)` instead.",
        FutureWarning,
        stacklevel=3,
    )


class autocast(amp.autocast):  # noqa: N801 - PyTorch's name
    def __init__(
        self,
        enabled: bool = True,
        dtype: _dtype.dtype = _dtype.bfloat16,
        cache_enabled: bool = True,
    ) -> None:
        _deprecated("autocast")
        super().__init__("cpu", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)


class GradScaler(amp.GradScaler):
    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        _deprecated("GradScaler")
        super().__init__("cpu", init_scale, growth_factor, backoff_factor, growth_interval, enabled)
