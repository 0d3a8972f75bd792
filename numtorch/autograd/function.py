"""PyTorch's custom ``autograd.Function``: a user's op on tensors with its own backward.

::

    class MyReLU(numtorch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input

    y = MyReLU.apply(x)

``forward`` runs on the tensors themselves, with grad mode off (so what it does is not
recorded), or PyTorch 2's split form: ``forward(*args)`` without ``ctx`` and a
``setup_context(ctx, inputs, output)``. ``ctx`` is the graph node itself, an instance of the
class ``<Name>Backward`` made for each subclass, as in PyTorch. ``backward`` gets one tensor per
output (zeros for an output that got no gradient, unless ``ctx.set_materialize_grads(False)``;
None for a non-tensor output) and returns one gradient or None per argument of ``forward``;
the engine checks them as PyTorch does (count, type, shape: one that broadcasts is summed back,
another raises; dtype: cast to the input's).

numtorch's own ops are :class:`numtorch.autograd.graph.Primitive` nodes, the same thing on
arrays. Where numtorch differs from PyTorch: ``backward`` runs under ``no_grad`` (numtorch has
no double backward, so ``create_graph=True`` does not record it either); forward-mode AD
(``jvp``), ``vmap`` and ``save_for_forward`` are not supported; an output that is an input, or a
view of one, comes back as a new tensor sharing the input's storage and version counter, not
as a view that in-place ops write through to the input's history.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from numtorch.autograd import anomaly_mode
from numtorch.autograd.engine import fit_gradient
from numtorch.autograd.grad_mode import is_recording, no_grad
from numtorch.autograd.graph import (
    _FREED_MESSAGE,
    _NO_EDGE,
    Node,
    _edge,
    _modified_message,
    _NodeHooks,
    _sequence,
    set_grad_fn,
)
from numtorch.tensor import Tensor

__all__ = [
    "Function",
    "FunctionCtx",
    "BackwardCFunction",
    "InplaceFunction",
    "once_differentiable",
]

_INSTANTIATED = (
    "{} should not be instantiated. Methods on autograd functions are all static, so you should "
    "invoke them on the class itself. Instantiating an autograd function will raise an error in "
    "a future version of PyTorch."
)
_LEGACY = (
    "Legacy autograd function with non-static forward method is deprecated. Please use new-style "
    "autograd function with static forward method. (Example: "
    "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)"
)


class FunctionCtx:
    """What ``forward`` (or ``setup_context``) and ``backward`` receive as ``ctx``: a place for
    tensors to save and for the user's own attributes."""

    needs_input_grad: tuple
    materialize_grads = True
    _saved: tuple | None = ()
    _dirty: tuple = ()
    _non_differentiable: tuple = ()

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep ``tensors`` (or None) for backward, where ``saved_tensors`` returns them after
        checking that no in-place op changed one since."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward can only save variables, but argument {i} is of type "
                    f"{type(t).__name__}"
                )
        self._saved = tensors

    def mark_dirty(self, *args: Tensor) -> None:
        """Declare the inputs ``forward`` modified in place (and returns)."""
        self._dirty = args

    def mark_non_differentiable(self, *args: Tensor) -> None:
        """Declare outputs that get no gradient (indices, masks)."""
        self._non_differentiable = args

    def set_materialize_grads(self, value: bool) -> None:
        """Whether ``backward`` gets zeros (True, the default) or None for an output that got no
        gradient."""
        self.materialize_grads = bool(value)


class BackwardCFunction(FunctionCtx, Node):
    """The graph node of one call of a custom Function (the ``ctx`` of that call): its
    ``backward`` runs the class's ``backward`` on tensors."""

    _forward_cls: type[Function]
    _inputs: tuple = ()  # (shape, dtype) per argument of forward, None for a non-tensor
    _versions: tuple = ()  # (index into _saved, version cell, version, maker, output_nr)

    def name(self) -> str:
        return type(self).__name__

    @property
    def saved_tensors(self) -> tuple:
        """What ``save_for_backward`` kept, after checking no in-place op changed it since."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(_FREED_MESSAGE)
        for i, cell, expected, maker, nr in self._versions:
            if cell[0] != expected:
                array = saved[i]._data
                raise RuntimeError(_modified_message(array, maker, nr, cell[0], expected))
        return saved

    @property
    def saved_variables(self) -> tuple:
        warnings.warn("'saved_variables' is deprecated; use 'saved_tensors'", DeprecationWarning, 2)
        return self.saved_tensors

    def _run_backward(self, grad: Any, retain_graph: bool) -> tuple:
        """The class's ``backward`` on tensors, its result checked and returned as arrays.
        (Saved tensors freed by an earlier backward raise only if ``backward`` reads them.)"""
        grads = grad if self._n_outputs > 1 else [grad]
        if all(g is None for g in grads):
            return (None,) * len(self._next)
        backward = self._forward_cls._user_backward()
        with no_grad():
            result = backward(self, *[self._grad_tensor(i, g) for i, g in enumerate(grads)])
        if self._saved and not retain_graph:
            self._saved = None
            self._versions = ()
        return self._checked(result if isinstance(result, tuple) else (result,))

    def _grad_tensor(self, i: int, g: np.ndarray | None) -> Tensor | None:
        meta = self._outputs_meta[i]
        if meta is None:  # a non-tensor output
            return None
        if g is None:
            return Tensor._make(np.zeros(*meta)) if self.materialize_grads else None
        return Tensor._make(g)

    def _checked(self, grads: tuple) -> tuple:
        """PyTorch's checks on what ``backward`` returned: one gradient (or None) per argument
        of ``forward``, a tensor where the argument was one, of a shape that fits it."""
        n = len(self._inputs)
        if len(grads) != n and not (len(grads) > n and all(g is None for g in grads[n:])):
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients (expected "
                f"{n}, got {len(grads)})"
            )
        out = []
        for i, (g, meta, edge) in enumerate(zip(grads, self._inputs, self._next)):
            if g is None:
                out.append(None)
                continue
            if not isinstance(g, Tensor):
                raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
            if meta is None:
                raise RuntimeError(
                    f"function {self.name()} returned a gradient different than None at "
                    f"position {i + 1}, but the corresponding forward input was not a Variable"
                )
            if edge[0] is None:  # an input that needs no gradient: dropped, as PyTorch does
                out.append(None)
                continue
            array = g._data
            if array.shape != meta[0]:
                array = fit_gradient(array, meta[0], self, i)
            out.append(array if array.dtype == meta[1] else array.astype(meta[1]))
        return tuple(out)


def _overrides(cls: type, name: str) -> Callable | None:
    """The subclass's own ``name`` (staticmethod), or None where it is Function's."""
    found = inspect.getattr_static(cls, name)
    base = Function.__dict__[name]
    return None if found is base else found


class Function:
    """Subclass with static ``forward`` and ``backward`` and call ``apply`` (see the module
    docstring)."""

    _backward_cls: type[BackwardCFunction]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = f"{cls.__name__}Backward"
        # in the subclass's module: the engine never takes the arrays of a user's backward
        # as its own (it may keep them)
        namespace = {"_forward_cls": cls, "__module__": cls.__module__}
        cls._backward_cls = type(name, (BackwardCFunction,), namespace)
        cls._split_forward = _overrides(cls, "setup_context") is not None

    @classmethod
    def _user_backward(cls) -> Callable:
        """``backward``, or ``vjp`` (its other name) where the subclass wrote that one."""
        backward, vjp = _overrides(cls, "backward"), _overrides(cls, "vjp")
        if backward is not None and vjp is not None:
            raise RuntimeError(
                "Implementing both 'backward' and 'vjp' for a custom Function is not allowed. "
                "You should only implement one of them."
            )
        return cls.vjp if vjp is not None else cls.backward

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        warnings.warn(_INSTANTIATED.format(type(self)), DeprecationWarning, stacklevel=2)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(_LEGACY)

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> Any:
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
        )

    vjp = backward

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on ``args`` and, when one of them requires grad (and grad mode is
        on), record one graph node for its outputs."""
        ctx = cls._backward_cls()
        for a in args:  # before the node is numbered: its inputs' nodes must come first
            if isinstance(a, Tensor) and a._base is not None:
                a.grad_fn  # noqa: B018 - the property regenerates a stale view's history
        ctx.needs_input_grad = tuple([isinstance(a, Tensor) and a.requires_grad for a in args])
        with no_grad():
            if not cls._split_forward:
                output = cls.forward(ctx, *args, **kwargs)
            else:
                args, kwargs = _bind_defaults(cls.forward, args, kwargs)
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
        if not (True in ctx.needs_input_grad and is_recording()):
            return output
        if isinstance(output, tuple):
            return tuple(_record(ctx, args, output))
        return _record(ctx, args, (output,))[0] if isinstance(output, Tensor) else output


class InplaceFunction(Function):
    """PyTorch's legacy base of a Function with an ``inplace`` flag."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace


def once_differentiable(fn: Callable) -> Callable:
    """Mark a ``backward`` as not differentiable itself. numtorch runs every custom backward
    under ``no_grad`` (it has no double backward), so this only keeps PyTorch code running."""

    @functools.wraps(fn)
    def wrapper(ctx: Any, *args: Any) -> Any:
        with no_grad():
            return fn(ctx, *args)

    return wrapper


def _bind_defaults(forward: Callable, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    bound = inspect.signature(forward).bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.args, bound.kwargs


def _record(ctx: BackwardCFunction, args: tuple, outputs: tuple) -> list:
    """Make ``ctx`` the node of ``outputs`` (PyTorch's _wrap_outputs) and link it to the
    arguments' nodes; return the outputs the caller gets."""
    dirty = ctx._dirty
    for t in dirty:
        if not any(t is o for o in outputs):
            raise RuntimeError(
                "Some elements marked as dirty during the forward method were not returned as "
                "output. The inputs that are modified inplace must all be outputs of the Function."
            )
        if t._grad_fn is None and t._requires_grad:
            raise RuntimeError(
                "a leaf Variable that requires grad has been used in an in-place operation."
            )
    ctx._seq = next(_sequence)
    ctx._next = tuple([_edge(a) if isinstance(a, Tensor) else _NO_EDGE for a in args])
    ctx._inputs = tuple(
        [(a._data.shape, a._data.dtype) if isinstance(a, Tensor) else None for a in args]
    )
    results = [_output(ctx, args, o, i) for i, o in enumerate(outputs)]
    ctx._outputs_meta = tuple(
        [(o._data.shape, o._data.dtype) if isinstance(o, Tensor) else None for o in results]
    )
    ctx._out_shapes = tuple([() if m is None else m[0] for m in ctx._outputs_meta])
    if len(outputs) > 1:
        ctx._n_outputs = len(outputs)
        ctx._hooks = _NodeHooks()  # routes the node through the engine's slow path
    if ctx._saved:
        kept = [_saved(ctx, t) for t in ctx._saved]
        ctx._saved = tuple([t for t, _ in kept])
        ctx._versions = tuple(
            (i, t._version, t._version[0], maker, t._output_nr)
            for i, (t, maker) in enumerate(kept)
            if t is not None
        )
    if anomaly_mode._enabled:
        ctx._forward_stack = anomaly_mode._forward_stack()
    ctx._dirty = ctx._non_differentiable = ()  # the outputs must not keep their node alive
    return results


class _NodeName:
    """Names the node that made a saved output in the modified-tensor error, without the saved
    tensor holding the node (which holds it: a reference cycle)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def name(self) -> str:
        return self._name


def _saved(ctx: BackwardCFunction, t: Tensor | None) -> tuple:
    """A saved tensor as ``ctx`` keeps it, and the node that made it: an output (whose node
    is ``ctx``) as a tensor without history that shares its storage and version counter."""
    if t is None or t._grad_fn is not ctx:
        return t, None if t is None else t._grad_fn
    kept = Tensor._make(t._data)
    kept._version = t._version
    kept._output_nr = t._output_nr
    return kept, _NodeName(ctx.name())


def _output(ctx: BackwardCFunction, args: tuple, out: Any, i: int) -> Any:
    """Output ``i`` as the caller gets it: recorded with ``ctx`` as its node, unless marked
    non-differentiable."""
    if not isinstance(out, Tensor) or not _differentiable(out):
        return out
    if any(out is t for t in ctx._non_differentiable):
        return out
    if out._grad_fn is ctx:  # returned twice: PyTorch numbers it by its last place
        out._output_nr = i
        return out
    if any(out is t for t in ctx._dirty):
        return _dirty_output(ctx, out, i)
    if out._grad_fn is not None or out._requires_grad or _aliases_an_input(out, args):
        alias = Tensor._make(out._data, ctx)  # an input, or a view of one: a new tensor
        alias._version = out._version
        out = alias
    else:
        out._grad_fn = ctx
        out._requires_grad = True
    out._output_nr = i
    return out


def _differentiable(t: Tensor) -> bool:
    """Floating-point and complex outputs get a gradient; integer and bool ones never do."""
    return t._data.dtype.kind in "fc"


def _dirty_output(ctx: BackwardCFunction, out: Tensor, i: int) -> Tensor:
    """An input ``forward`` modified in place: it takes ``ctx`` as its history (PyTorch's
    rebase_history). A view's base records the write as any in-place op on a view does
    (``CopySlices``), and the view becomes a view of the new base."""
    if out._base is not None:
        result = Tensor._make(out._data, ctx)  # the values forward wrote, as ctx's output
        result._output_nr = i
        return out.copy_(result)  # writes nothing (same memory); records the view write
    out._version[0] += 1
    set_grad_fn(out, ctx)
    out._output_nr = i
    out._requires_grad = True
    return out


def _aliases_an_input(out: Tensor, args: tuple) -> bool:
    return any(isinstance(a, Tensor) and np.may_share_memory(out._data, a._data) for a in args)
