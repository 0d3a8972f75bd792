"""Switches for gradient recording: ``no_grad``, ``enable_grad``, ``set_grad_enabled``."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]

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
