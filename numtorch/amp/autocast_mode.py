"""``torch.autocast``: the mixed-precision context, which numtorch accepts and turns off.

PyTorch's autocast runs chosen ops in bfloat16 or float16 inside the block. numtorch has no
bfloat16 (NumPy has none) and NumPy's float16 arithmetic is emulated and slow, so an enabled
autocast warns once and disables itself, as PyTorch's CPU build does for ``"cuda"`` ("CUDA is
not available ... Disabling autocast."): training scripts written for mixed precision run, in
the tensors' own dtypes. ``enabled=False``, the usual way such scripts run on a CPU, is silent.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

from numtorch import _dtype
from numtorch.tensor import device

__all__ = [
    "autocast",
    "custom_fwd",
    "custom_bwd",
    "is_autocast_available",
    "is_autocast_enabled",
    "get_autocast_dtype",
]

# PyTorch's default autocast dtypes, kept so ``get_autocast_dtype`` answers as it does
_DTYPES = {"cpu": _dtype.bfloat16, "meta": None}
_CPU_DISABLED = (
    "numtorch runs without autocast: it has no bfloat16 and no fast float16 arithmetic, so ops "
    "inside this autocast block keep their tensors' dtypes (float32 stays float32). Disabling "
    "autocast."
)


def is_autocast_available(device_type: str) -> bool:
    """Whether ``autocast(device_type)`` can be entered (it then turns itself off): every
    device type but ``"meta"``; an unknown one raises PyTorch's device-string error."""
    return device(device_type).type != "meta"


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """False: numtorch never autocasts (see the module docstring)."""
    return False


def get_autocast_dtype(device_type: str) -> _dtype.dtype:
    """The dtype PyTorch's autocast would use on ``device_type``."""
    found = _DTYPES.get(device(device_type).type, _dtype.float16)
    if found is None:
        raise RuntimeError("unsupported scalarType")
    return found


class autocast:  # noqa: N801 - PyTorch's name
    """A context manager (and decorator) for mixed precision, always off in numtorch.

    Enabled, it warns and disables itself (see the module docstring)."""

    def __init__(
        self,
        device_type: str,
        dtype: _dtype.dtype | None = None,
        enabled: bool = True,
        cache_enabled: bool | None = None,
    ) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = device_type
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self._cache_enabled = True if cache_enabled is None else cache_enabled
        if enabled and device_type == "cpu":
            warnings.warn(_CPU_DISABLED, stacklevel=2)
        elif enabled:  # PyTorch's words for CUDA on a CPU build
            name = "CUDA" if device_type == "cuda" else device_type
            warnings.warn(
                f"{name} is not available or torch_xla is imported. Disabling autocast.",
                stacklevel=2,
            )
        self._enabled = False

    def __enter__(self) -> autocast:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __call__(self, func: Callable) -> Callable:
        @functools.wraps(func)
        def decorated(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return decorated


def custom_fwd(
    fwd: Callable | None = None, *, device_type: str, cast_inputs: _dtype.dtype | None = None
) -> Callable:
    """Decorate a custom Function's ``forward`` for autocast; with autocast always off in
    numtorch it runs ``forward`` as it is."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    return fwd


def custom_bwd(bwd: Callable | None = None, *, device_type: str) -> Callable:
    """Decorate a custom Function's ``backward`` to run under the forward's autocast state
    (off, in numtorch)."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd
