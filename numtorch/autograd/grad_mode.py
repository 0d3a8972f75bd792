"""Switches for gradient recording: ``no_grad``, ``enable_grad``, ``set_grad_enabled``,
``inference_mode``."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

__all__ = [
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "inference_mode",
    "is_inference_mode_enabled",
]

_state = threading.local()


def is_grad_enabled() -> bool:
    """Whether operations are currently recorded for backward (per thread)."""
    return getattr(_state, "enabled", True)


def _set(mode: bool) -> None:
    _state.enabled = mode


class _GradMode:
    """A context manager that is also a decorator; restores the previous mode on exit."""

    def __init__(self, mode: bool) -> None:
        self.mode = mode

    def __enter__(self) -> None:
        self._prev = is_grad_enabled()
        _set(self.mode)

    def __exit__(self, *exc: object) -> None:
        _set(self._prev)

    def __call__(self, func: Callable) -> Callable:
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _GradMode(mode):
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Disable gradient recording inside the block or decorated function."""

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(_GradMode):
    """Enable gradient recording inside the block or decorated function."""

    def __init__(self) -> None:
        super().__init__(True)


class set_grad_enabled(_GradMode):
    """Turn gradient recording on or off: at once when called, restored on leaving a block."""

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(
                f"set_grad_enabled(): argument 'mode' must be bool, not {type(mode).__name__}"
            )
        super().__init__(mode)
        self._prev = is_grad_enabled()
        _set(mode)

    def __enter__(self) -> None:
        _set(self.mode)

    def __call__(self, func: Callable) -> Callable:
        _set(self._prev)  # as a decorator, change nothing until the function runs
        return super().__call__(func)


def is_inference_mode_enabled() -> bool:
    """Whether an ``inference_mode()`` block is active (per thread)."""
    return getattr(_state, "inference", False)


class inference_mode(_GradMode):
    """``no_grad`` that also reports itself through ``is_inference_mode_enabled()``.

    PyTorch's inference mode additionally skips version counters and view tracking for speed;
    numtorch's ``no_grad`` costs nothing extra, so the two differ only in that flag (tensors
    made inside may be used in autograd afterwards, where PyTorch refuses them).
    ``inference_mode(False)`` turns it off and enables gradients. Like ``no_grad`` it is also
    a decorator, with or without the parentheses.
    """

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # ``@inference_mode`` without parentheses
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        super().__init__(not mode)
        self.inference = bool(mode)

    def __enter__(self) -> None:
        super().__enter__()
        self._prev_inference = is_inference_mode_enabled()
        _state.inference = self.inference

    def __exit__(self, *exc: object) -> None:
        _state.inference = self._prev_inference
        super().__exit__(*exc)

    def __call__(self, func: Callable) -> Callable:
        mode = self.inference

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(mode):
                return func(*args, **kwargs)

        return wrapper
