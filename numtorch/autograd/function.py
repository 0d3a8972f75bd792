"""``Function``: one differentiable primitive, forward and backward side by side on ndarrays."""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from numtorch.autograd import anomaly_mode, grad_mode

__all__ = ["Function"]

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed when "
    "you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward."
)


class Function:
    """A node of the autograd graph: subclasses write ``forward`` and ``backward`` on ndarrays.

    ``forward(*args, **kwargs)`` receives the arrays behind tensor arguments (other arguments
    as given) and returns an ndarray; whatever it stores on ``self`` is saved for backward.
    ``backward(grad)`` returns one gradient (or None) per positional argument.

    Class flags tell the engine what backward reads, so an in-place change to a saved value
    raises PyTorch's error instead of giving a silently wrong gradient: ``saves_inputs`` (the
    tensor arguments), ``saves_output`` (the result). ``is_view`` marks a result that shares
    memory with the first argument, so the two share a version counter.
    """

    saves_inputs = False
    saves_output = False
    is_view = False

    next_functions: tuple
    needs_input_grad: tuple

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any):
        """Run ``forward`` on tensors, recording a graph node when a gradient is needed."""
        from numtorch.tensor import Tensor

        fn = cls()
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        record = grad_mode.is_grad_enabled() and any(needs)
        fn.needs_input_grad = needs
        with np.errstate(all="ignore"):  # inf and nan propagate silently, as in PyTorch
            out = fn.forward(*[a._data if isinstance(a, Tensor) else a for a in args], **kwargs)
        result = Tensor._make(out, fn if record else None)
        if fn.is_view:  # a class flag, or set per call by forward (reshape may copy)
            result._version = args[0]._version
            result._base = args[0] if args[0]._base is None else args[0]._base
        if record:
            fn._link(args, result)
            if anomaly_mode._enabled:
                fn._forward_stack = anomaly_mode._forward_stack()
        return result

    def _link(self, args: tuple, result) -> None:
        from numtorch.tensor import Tensor

        self.next_functions = tuple(_edge(a) if isinstance(a, Tensor) else None for a in args)
        read = self.saved_input_indices()
        self._versions = tuple(
            (args[i]._version, args[i]._version[0]) for i in read if isinstance(args[i], Tensor)
        )
        if self.saves_output:
            self._out_version = (result._version, result._version[0])

    def saved_input_indices(self) -> range | tuple:
        """Which arguments backward reads; an op that reads only some overrides this."""
        return range(len(self.needs_input_grad)) if self.saves_inputs else ()

    def forward(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> Any:
        raise NotImplementedError

    def name(self) -> str:
        """PyTorch's name for this node, e.g. ``AddBackward0``."""
        return self.__dict__.get("_name") or f"{type(self).__name__}Backward0"

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    def _run_backward(self, grad: np.ndarray, retain_graph: bool) -> tuple:
        """Check saved values are intact, run ``backward``, and free saved state if asked."""
        if getattr(self, "_freed", False):
            raise RuntimeError(_FREED_MESSAGE)
        self._check_versions()
        grads = self.backward(grad)
        if not isinstance(grads, tuple):
            grads = (grads,)
        if not retain_graph:
            self._free()
        return grads

    def _check_versions(self) -> None:
        checks = list(getattr(self, "_versions", ()))
        if self.saves_output:
            checks.append(self._out_version)
        for cell, expected in checks:
            if cell[0] != expected:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: it is an input or output of {self.name()}, is at "
                    f"version {cell[0]}; expected version {expected} instead. Hint: the "
                    "operation that failed was an in-place change to a value saved for backward."
                )

    def _free(self) -> None:
        """Drop saved arrays; a later backward through this node then raises PyTorch's error."""
        saved = [k for k, v in vars(self).items() if _holds_array(v)]
        for k in saved:
            delattr(self, k)
        if saved:
            self._freed = True


def _holds_array(value: object) -> bool:
    if isinstance(value, np.ndarray):
        return True
    return isinstance(value, (tuple, list)) and any(isinstance(v, np.ndarray) for v in value)


def _edge(t) -> Function | object | None:
    """Where a gradient for tensor ``t`` goes: its node, itself (a leaf), or nowhere."""
    if t.grad_fn is not None:
        return t.grad_fn
    return t if t.requires_grad else None


def retain(fn: Function, tensor) -> None:
    """Make the engine store the gradient flowing out of ``fn`` on ``tensor.grad``."""
    fn._retained = weakref.ref(tensor)
