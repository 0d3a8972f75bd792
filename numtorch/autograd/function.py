"""``Function``: one differentiable primitive, forward and backward side by side on ndarrays.

A primitive is PyTorch's shape of a custom function, on arrays instead of tensors::

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            out = np.exp(x)
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, g):
            (out,) = ctx.saved_tensors
            return g * out

``ctx`` is the graph node itself. ``ctx.save_for_backward`` is the one way to keep an array
for backward: what it holds is what the version check reads (an array that is an input's or
the output's storage is checked against that tensor's version counter when backward runs) and
what is freed after backward. Everything else on ``ctx`` is small, immutable metadata (shapes,
axes, flags); tests run with ``STRICT`` on, which refuses an array kept any other way.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numtorch import _dtype
from numtorch.autograd import anomaly_mode, grad_mode
from numtorch.tensor import Tensor

__all__ = ["Function"]

# When true, recording a node checks that no array was kept outside ``save_for_backward``.
STRICT = False

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed when "
    "you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward."
)

_OUTPUT = object()  # in a version record: "this node's own result"

# Nodes created while an in-place op runs (see ``capture_nodes``), else None.
_captured: list | None = None


class Function:
    """A node of the autograd graph: subclasses write static ``forward`` and ``backward``.

    ``forward(ctx, *args, **kwargs)`` receives the arrays behind tensor arguments (other
    arguments as given) and returns an ndarray; ``backward(ctx, grad)`` returns one gradient
    (or None) per positional argument. ``ctx.needs_input_grad`` says which arguments need one.
    ``is_view`` (a class flag, or set on ``ctx`` by ``forward``) marks a result that shares
    memory with the first argument, so the two share a version counter.
    """

    is_view = False

    next_functions: tuple
    needs_input_grad: tuple
    _saved: tuple = ()
    _versions: tuple = ()

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run ``forward`` on tensors, recording a graph node when a gradient is needed."""
        ctx = cls()
        needs = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        ctx.needs_input_grad = needs
        arrays = [a._data if isinstance(a, Tensor) else a for a in args]
        with np.errstate(all="ignore"):  # inf and nan propagate silently, as in PyTorch
            out = cls.forward(ctx, *arrays, **kwargs)
        record = any(needs) and grad_mode.is_grad_enabled()
        result = Tensor._make(out, ctx if record else None)
        if ctx.is_view:
            result._version = args[0]._version
            result._base = args[0] if args[0]._base is None else args[0]._base
        if record:
            ctx._link(args, arrays, result)
        return result

    @staticmethod
    def forward(ctx: Function, *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Any:
        raise NotImplementedError

    def save_for_backward(self, *values: Any) -> None:
        """Keep ``values`` (arrays, or None) for backward; see the module docstring."""
        self._saved = values

    @property
    def saved_tensors(self) -> tuple:
        """What ``forward`` saved, after checking no saved input or output changed since."""
        if self._saved is None:
            raise RuntimeError(_FREED_MESSAGE)
        return self._saved

    def _link(self, args: tuple, arrays: list, result: Tensor) -> None:
        self.next_functions = tuple(_edge(a) if isinstance(a, Tensor) else None for a in args)
        if self._saved:
            self._versions = _version_records(self._saved, args, arrays, result)
        if _captured is not None:
            _captured.append(self)
        if anomaly_mode._enabled:
            self._forward_stack = anomaly_mode._forward_stack()
        if STRICT:
            _check_nothing_hidden(self)

    def name(self) -> str:
        """PyTorch's name for this node, e.g. ``AddBackward0``."""
        return self.__dict__.get("_name") or f"{type(self).__name__}Backward0"

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    def _run_backward(self, grad: np.ndarray, retain_graph: bool) -> tuple:
        """Check saved values are intact, run ``backward``, and free saved state if asked."""
        if self._saved is None:
            raise RuntimeError(_FREED_MESSAGE)
        self._check_versions()
        grads = type(self).backward(self, grad)
        if not isinstance(grads, tuple):
            grads = (grads,)
        if not retain_graph and self._saved:
            self._saved = None
            self._versions = ()
        return grads

    def _check_versions(self) -> None:
        for i, maker, cell, expected in self._versions:
            if cell[0] != expected:
                maker = self if maker is _OUTPUT else maker
                raise RuntimeError(_modified_message(self._saved[i], maker, cell[0], expected))

    def _privatise(self, storage: np.ndarray) -> None:
        """Replace saved arrays that share ``storage`` by copies: an in-place op is about to
        overwrite it, and backward needs the value from before (PyTorch's ``original_self``)."""
        if not self._saved:  # nothing saved, or already freed
            return
        shared = {
            i
            for i, s in enumerate(self._saved)
            if isinstance(s, np.ndarray) and np.may_share_memory(s, storage)
        }
        if shared:
            self._saved = tuple(s.copy() if i in shared else s for i, s in enumerate(self._saved))
            self._versions = tuple(v for v in self._versions if v[0] not in shared)


def _version_records(saved: tuple, args: tuple, arrays: list, result: Tensor) -> tuple:
    """``(index, maker, version cell, version now)`` for each saved array that is the storage
    of an input or of the output (or a view of an input's): what an in-place op can change.
    ``maker`` is the node that made that tensor, or ``_OUTPUT`` for the new node's own result
    (so a node never refers to itself or its output: no reference cycle to wait on the GC).
    """
    records = []
    for i, s in enumerate(saved):
        if not isinstance(s, np.ndarray):
            continue
        owner = result if s is result._data else None
        for a, arr in zip(args, arrays):
            if owner is None and isinstance(a, Tensor):
                if s is arr or (s.base is not None and np.may_share_memory(s, arr)):
                    owner = a
        if owner is not None:
            maker = _OUTPUT if owner is result else owner.grad_fn
            records.append((i, maker, owner._version, owner._version[0]))
    return tuple(records)


def _modified_message(
    array: np.ndarray, maker: Function | None, version: int, expected: int
) -> str:
    """PyTorch's message, naming the changed tensor and the op that made it."""
    dtype = _dtype.from_numpy_dtype(array.dtype)
    kind = f"torch.{_dtype.scalar_type_name(dtype)}Tensor {list(array.shape)}"
    made_by = "" if maker is None else f", which is output 0 of {_forward_name(maker)},"
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{kind}]{made_by} is at version {version}; expected version {expected} "
        "instead. Hint: enable anomaly detection to find the operation that failed to compute "
        "its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )


def _forward_name(node: Function) -> str:
    """``ExpBackward0`` -> ``Exp``: PyTorch names the op, not its backward node."""
    name = node.name()
    cut = name.rfind("Backward")
    return name[:cut] if cut > 0 else name


def _check_nothing_hidden(node: Function) -> None:
    for key, value in vars(node).items():
        if key != "_saved" and _holds_array(value):
            raise AssertionError(
                f"{type(node).__name__}.{key} keeps an array outside save_for_backward"
            )


def _holds_array(value: object) -> bool:
    if isinstance(value, np.ndarray):
        return True
    return isinstance(value, (tuple, list)) and any(isinstance(v, np.ndarray) for v in value)


def _edge(t: Tensor) -> Function | Tensor | None:
    """Where a gradient for tensor ``t`` goes: its node, itself (a leaf), or nowhere."""
    if t.grad_fn is not None:
        return t.grad_fn
    return t if t._requires_grad else None


class capture_nodes:
    """Collect every node recorded inside the block (in-place ops use it to protect what those
    nodes saved from the write that follows)."""

    def __enter__(self) -> list:
        global _captured
        self._outer, _captured = _captured, []
        return _captured

    def __exit__(self, *exc: object) -> None:
        global _captured
        inner, _captured = _captured, self._outer
        if self._outer is not None:
            self._outer.extend(inner)
