"""Switches for gradient recording: ``no_grad``, ``enable_grad``, ``set_grad_enabled``,
``inference_mode``; and ``InferenceVersion``, the mark of an inference tensor."""

from __future__ import annotations

import functools
import inspect
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
    "InferenceVersion",
    "INFERENCE_INPLACE_MESSAGE",
    "INFERENCE_SAVED_MESSAGE",
    "watch_inference",
]

_state = threading.local()


def is_grad_enabled() -> bool:
    """Whether grad mode is on (per thread).

    ``no_grad``, ``enable_grad``, ``set_grad_enabled`` and ``inference_mode`` set it. Inside an
    ``inference_mode()`` block ``enable_grad()`` turns it on again, but autograd still records
    nothing there (:func:`is_recording`)."""
    return getattr(_state, "enabled", True)


def is_recording() -> bool:
    """Whether autograd records operations now (per thread).

    That is grad mode on and no ``inference_mode()`` block open: PyTorch's InferenceMode leaves
    autograd out whatever the grad mode, so ``enable_grad()`` inside one makes nothing require
    grad. What every op and autograd check in numtorch asks."""
    return getattr(_state, "records", True)


def _set(mode: bool) -> None:
    _state.enabled = mode
    _state.records = mode and not getattr(_state, "inference", False)


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
        return _decorate(func, lambda: _GradMode(mode))


def _decorate(func: Callable, mode: Callable[[], Any]) -> Callable:
    """``func`` run inside the context manager ``mode()`` makes; for a generator function,
    each time the generator runs (every ``next``, ``send``, ``throw`` and ``close``), as
    PyTorch's decorators do, so code between its ``yield`` s runs in that mode and the
    caller's code between them does not."""
    if inspect.isgeneratorfunction(func):

        @functools.wraps(func)
        def generator(*args: Any, **kwargs: Any) -> Any:
            gen = func(*args, **kwargs)
            try:
                with mode():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with mode():
                            gen.close()
                        raise
                    except BaseException as exc:
                        with mode():
                            response = gen.throw(exc)
                    else:
                        with mode():
                            response = gen.send(request)
            except StopIteration as stop:
                return stop.value

        return generator

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with mode():
            return func(*args, **kwargs)

    return wrapper


class _NoArgumentMode(_GradMode):
    """A mode without arguments, also a decorator without parentheses (``@no_grad``)."""

    def __new__(cls, orig_func: Callable | None = None) -> Any:
        if orig_func is not None:
            return cls()(orig_func)
        return super().__new__(cls)


class no_grad(_NoArgumentMode):
    """Disable gradient recording inside the block or decorated function."""

    def __init__(self, orig_func: Callable | None = None) -> None:
        super().__init__(False)


class enable_grad(_NoArgumentMode):
    """Enable gradient recording inside the block or decorated function."""

    def __init__(self, orig_func: Callable | None = None) -> None:
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


INFERENCE_INPLACE_MESSAGE = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a "
    "clone to get a normal tensor before doing inplace update.See "
    "https://github.com/pytorch/rfcs/pull/17 for more details."
)
INFERENCE_SAVED_MESSAGE = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in "
    "inference mode in computation tracked by autograd. To work around this, you can make a "
    "clone to get a normal tensor and use it in autograd, or use `torch.no_grad()` instead of "
    "`torch.inference_mode()`."
)


class InferenceVersion(list):
    """The version cell (``Tensor._version``) of an inference tensor and of its views.

    A tensor made inside ``inference_mode()`` is an *inference tensor*: its cell is one of
    these instead of a plain ``[0]``, and views share their base's cell, so the type alone
    says whether a tensor is one (``Tensor.is_inference``). Every in-place write bumps its
    tensor's version after writing, as PyTorch's does; bumping this cell outside inference
    mode raises PyTorch's error instead (after the write, as in PyTorch), and inside it records
    nothing (inference tensors have no version counter).
    """

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__((0,))

    def __setitem__(self, index: Any, value: Any) -> None:
        if not is_inference_mode_enabled():
            raise RuntimeError(INFERENCE_INPLACE_MESSAGE)


# ``inference_mode(True)`` blocks open in any thread, and who is told when the first opens and
# the last closes (``Tensor`` switches to a ``_make`` that marks inference tensors only then,
# so ops pay nothing for it outside inference mode).
_inference_blocks = 0
_inference_watchers: list[Callable[[bool], None]] = []
_inference_lock = threading.Lock()


def watch_inference(callback: Callable[[bool], None]) -> None:
    """Call ``callback(True)`` when an ``inference_mode()`` block opens while none is open (in
    any thread), and ``callback(False)`` when the last one closes."""
    _inference_watchers.append(callback)


def _count_inference(step: int) -> None:
    global _inference_blocks
    with _inference_lock:
        _inference_blocks += step
        if _inference_blocks == (1 if step > 0 else 0):
            for callback in _inference_watchers:
                callback(_inference_blocks > 0)


class inference_mode(_GradMode):
    """``no_grad`` that also makes every tensor created inside an *inference tensor*.

    An inference tensor (``Tensor.is_inference()``: made by any op or factory inside the
    block, or a view of one) works outside the block in ops that autograd does not record,
    but PyTorch's errors refuse saving one for backward, writing into one in place, and
    ``requires_grad_()`` on one, outside inference mode; ``clone()`` gives a normal tensor.
    A view made inside the block of a normal tensor stays normal. ``inference_mode(False)``
    turns it off and enables gradients. Like ``no_grad`` it is also a decorator, with or
    without the parentheses.
    """

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # ``@inference_mode`` without parentheses
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        super().__init__(not mode)
        self.inference = bool(mode)

    def __enter__(self) -> None:
        self._prev_inference = is_inference_mode_enabled()
        _state.inference = self.inference
        super().__enter__()  # grad mode, and whether autograd records under both
        if self.inference:
            _count_inference(1)

    def __exit__(self, *exc: object) -> None:
        if self.inference:
            _count_inference(-1)
        _state.inference = self._prev_inference
        super().__exit__(*exc)

    def __call__(self, func: Callable) -> Callable:
        mode = self.inference
        return _decorate(func, lambda: inference_mode(mode))
