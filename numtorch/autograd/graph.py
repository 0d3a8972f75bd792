"""Graph nodes (PyTorch's ``torch.autograd.graph.Node``): ``Primitive`` (one of numtorch's own
differentiable ops), ``AccumulateGrad``, and their hooks.

A primitive has the shape of PyTorch's custom ``autograd.Function``, on arrays instead of
tensors (``numtorch.autograd.function.Function``, the tensor-level class users subclass, is
built on the same nodes)::

    class Exp(Primitive):
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

A node's edges (``_next``) are ``(node, output_nr)`` pairs, one per positional argument: the
node that made a non-leaf argument; ``(leaf, -1)`` for a leaf that requires grad (the graph
holds leaves, as PyTorch's does through their ``AccumulateGrad``; -1 tells the engine it is
one); ``(None, 0)`` otherwise. ``next_functions`` shows them as PyTorch does, a leaf as its
``AccumulateGrad``. Hooks live in ``_hooks``, which stays None on every node nobody hooked
(and that has one output): the engine's fast path.

Inference tensors (made inside ``inference_mode()``; see ``grad_mode.InferenceVersion``) are
marked here too: ``Tensor._make`` is swapped for a marking one only while an inference block is
open, and recording a node that saves one raises PyTorch's error.
"""

from __future__ import annotations

import itertools
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from numtorch import _dtype
from numtorch.autograd import anomaly_mode
from numtorch.autograd.grad_mode import (
    INFERENCE_INPLACE_MESSAGE,
    INFERENCE_SAVED_MESSAGE,
    InferenceVersion,
    is_grad_enabled,
    is_inference_mode_enabled,
    is_recording,
    watch_inference,
)
from numtorch.tensor import Tensor

__all__ = ["Primitive", "Node", "AccumulateGrad", "RemovableHandle"]

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

# Edges to nothing. ``_NO_EDGE`` stands for a non-tensor argument (a shape, an axis, a flag),
# which ``next_functions`` leaves out as PyTorch does; ``_NO_GRAD`` for a tensor (or array)
# argument that needs no gradient, shown as ``(None, 0)``. Two objects, equal values.
_NO_EDGE = (None, 0)
_NO_GRAD = tuple([None, 0])

# PyTorch's sequence_nr: the order nodes were created in, which is the order backward runs them.
_sequence = itertools.count()


class RemovableHandle:
    """What registering a hook returns: ``remove()`` unregisters it (PyTorch's
    ``torch.utils.hooks.RemovableHandle``, also importable from ``numtorch.utils.hooks``).

    Args:
        hooks_dict: the dict the hook is filed in, under ``self.id``.
        extra_dict: a dict, or a list of dicts, whose ``self.id`` entry goes with it.

    Example:
        >>> import numtorch as torch
        >>> x = torch.ones(2, requires_grad=True)
        >>> with x.register_hook(lambda g: g * 2):
        ...     (x * 3).sum().backward()
        >>> x.grad
        tensor([6., 6.])
    """

    id: int
    next_id: int = 0

    def __init__(self, hooks_dict: Any, *, extra_dict: Any = None) -> None:
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        extras = [extra_dict] if isinstance(extra_dict, dict) else extra_dict or []
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras)

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            hooks = ref()
            if hooks is not None:
                hooks.pop(self.id, None)

    def __getstate__(self) -> tuple:
        return (self.hooks_dict_ref(), self.id, tuple(ref() for ref in self.extra_dict_ref))

    def __setstate__(self, state: tuple) -> None:
        hooks = OrderedDict() if state[0] is None else state[0]
        self.hooks_dict_ref = weakref.ref(hooks)
        self.id = state[1]
        RemovableHandle.next_id = max(RemovableHandle.next_id, self.id + 1)
        extras = state[2] if len(state) > 2 and state[2] is not None else ()
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras if d is not None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class _NodeHooks:
    """Everything hooked on one node; created the first time something is."""

    __slots__ = ("tensor", "retains", "pre", "post")

    def __init__(self) -> None:
        self.tensor: list = []  # (output_nr, hooks dict, shape, dtype) of a tensor it made
        self.retains: dict = {}  # output_nr -> weakref to the tensor that retains its grad
        self.pre: OrderedDict = OrderedDict()  # hook(grad_outputs)
        self.post: OrderedDict = OrderedDict()  # hook(grad_inputs, grad_outputs)


class Node:
    """A node of the autograd graph, with PyTorch's ``torch.autograd.graph.Node`` API:
    ``name()``, ``next_functions``, ``metadata``, ``register_hook``, ``register_prehook``."""

    _next: tuple = ()
    _seq: float = -1
    _hooks: _NodeHooks | None = None
    _n_outputs: int = 1
    # The shape of each output when the node was made: the gradient the engine hands the node
    # for output ``i`` is checked against ``_out_shapes[i]`` (an unrecorded in-place op may
    # have changed the tensor's shape since: PyTorch's validate_outputs).
    _out_shapes: tuple = ()
    is_view = False  # whether the node's (first) output shares memory with its first input
    # The positions of the arguments PyTorch's node lists in ``next_functions``; None: every
    # tensor or array argument. A primitive sets it where an array argument is not one of
    # PyTorch's inputs (a mask, an index, a target).
    graph_args: tuple[int, ...] | None = None

    def name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self) -> tuple:
        """``(node, input_nr)`` for each input, as PyTorch: a leaf's node is its
        ``AccumulateGrad``; ``(None, 0)`` for an input that needs no gradient."""
        shown = self.graph_args
        edges = (
            [e for e in self._next if e is not _NO_EDGE]
            if shown is None
            else [self._next[i] for i in shown]
        )
        return tuple([(accumulator(e[0]), 0) if e[1] < 0 else e for e in edges])

    @property
    def metadata(self) -> dict:
        """A dict for the user's own annotations, kept with the node."""
        found = self.__dict__.get("_metadata")
        if found is None:
            found = self.__dict__["_metadata"] = {}
        return found

    def register_hook(self, fn: Callable) -> RemovableHandle:
        """Call ``fn(grad_inputs, grad_outputs)`` after this node's backward; a tuple it
        returns replaces ``grad_inputs``."""
        return _add_hook(self._hook_state().post, fn)

    def register_prehook(self, fn: Callable) -> RemovableHandle:
        """Call ``fn(grad_outputs)`` before this node's backward; a tuple it returns replaces
        ``grad_outputs``."""
        return _add_hook(self._hook_state().pre, fn)

    def _hook_state(self) -> _NodeHooks:
        if self._hooks is None:
            self._hooks = _NodeHooks()
        return self._hooks

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"


class AccumulateGrad(Node):
    """The node that adds a leaf's gradient into its ``.grad``: what ``next_functions`` shows
    for a leaf. One per leaf, made when first asked for; ``variable`` is the leaf."""

    def __init__(self, leaf: Tensor) -> None:
        self._leaf = weakref.ref(leaf)  # the leaf holds its node: no reference cycle

    @property
    def variable(self) -> Tensor | None:
        return self._leaf()

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"


def accumulator(leaf: Tensor) -> AccumulateGrad:
    """The leaf's ``AccumulateGrad`` node, made on first use."""
    node = leaf._grad_accumulator
    if node is None:
        node = leaf._grad_accumulator = AccumulateGrad(leaf)
    return node


def _add_hook(hooks: OrderedDict, fn: Callable) -> RemovableHandle:
    handle = RemovableHandle(hooks)
    hooks[handle.id] = fn
    return handle


class Primitive(Node):
    """A node of the autograd graph for one of numtorch's ops: subclasses write static
    ``forward`` and ``backward`` on ndarrays.

    ``forward(ctx, *args, **kwargs)`` receives the arrays behind tensor arguments (other
    arguments as given) and returns an ndarray, or a tuple of them for several outputs;
    ``backward(ctx, *grads)`` receives one gradient per output and returns one gradient (or
    None) per positional argument. ``ctx.needs_input_grad`` says which arguments need one.
    ``is_view`` (a class flag, or set on ``ctx`` by ``forward``) marks a result that shares
    memory with the first argument, so the two share a version counter.
    """

    is_view = False

    needs_input_grad: tuple
    _saved: tuple = ()
    _versions: tuple = ()

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on tensors, recording a graph node when a gradient is needed."""
        ctx = cls()
        for a in args:
            if isinstance(a, Tensor) and a._base is not None:
                a.grad_fn  # noqa: B018 - the property regenerates a stale view's history
        needs = tuple([isinstance(a, Tensor) and a._requires_grad for a in args])
        ctx.needs_input_grad = needs
        arrays = [a._data if isinstance(a, Tensor) else a for a in args]
        with np.errstate(all="ignore"):  # inf and nan propagate silently, as in PyTorch
            out = cls.forward(ctx, *arrays, **kwargs)
        record = True in needs and is_recording()
        if type(out) is tuple:
            return ctx._outputs(out, args, arrays, record)
        result = Tensor._make(out, ctx if record else None)
        if ctx.is_view:
            base = args[0]
            result._version = base._version
            result._base = base if base._base is None else base._base
            if not record and (base._requires_grad or "_no_grad_view" in base.__dict__):
                # PyTorch's CreationMeta::NO_GRAD_MODE: an in-place write with grad mode on
                # is refused (``check_leaf_inplace``); a view of such a view made with grad
                # mode on is named by its op in the message
                result._no_grad_view = _forward_name(ctx) if is_grad_enabled() else True
        if record:
            ctx._link(args, arrays, result)
        return result

    @staticmethod
    def forward(ctx: Primitive, *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Primitive, *grads: np.ndarray) -> Any:
        raise NotImplementedError

    def save_for_backward(self, *values: Any) -> None:
        """Keep ``values`` (arrays, or None) for backward; see the module docstring."""
        self._saved = values

    def mark_non_differentiable(self, *outputs: np.ndarray) -> None:
        """Declare outputs (of a several-output ``forward``) that get no gradient."""
        self._non_differentiable = outputs

    @property
    def saved_tensors(self) -> tuple:
        """What ``forward`` saved, after checking no saved input or output changed since."""
        if self._saved is None:
            raise RuntimeError(_FREED_MESSAGE)
        return self._saved

    def _outputs(self, outs: tuple, args: tuple, arrays: list, record: bool) -> tuple:
        """Wrap the arrays of a several-output ``forward``; output ``i`` has ``output_nr`` i."""
        skip = self.__dict__.pop("_non_differentiable", ())
        results = []
        for i, out in enumerate(outs):
            differentiable = record and not any(out is s for s in skip)
            t = Tensor._make(out, self if differentiable else None)
            if i:
                t._output_nr = i
            results.append(t)
        if record:
            self._n_outputs = len(outs)
            self._shapes = tuple((o.shape, o.dtype) for o in outs)
            self._hooks = _NodeHooks()  # routes the node through the engine's slow path
            self._link(args, arrays, tuple(results))
        return tuple(results)

    def _link(self, args: tuple, arrays: list, outputs: Tensor | tuple) -> None:
        self._seq = next(_sequence)
        if type(outputs) is tuple:
            self._out_shapes = tuple([o._data.shape for o in outputs])
        else:
            self._out_shapes = (outputs._data.shape,)
        self._next = tuple([_edge(a) if isinstance(a, Tensor) else _no_edge(a) for a in args])
        if self._saved:
            outputs = outputs if type(outputs) is tuple else (outputs,)
            self._versions = _version_records(self._saved, args, arrays, outputs)
        if _captured is not None:
            _captured.append(self)
        if anomaly_mode._enabled:
            self._forward_stack = anomaly_mode._forward_stack()
        if STRICT:
            _check_nothing_hidden(self)

    def name(self) -> str:
        """PyTorch's name for this node, e.g. ``AddBackward0``."""
        return self.__dict__.get("_name") or f"{type(self).__name__}Backward0"

    def _run_backward(self, grad: Any, retain_graph: bool) -> tuple:
        """Check saved values are intact, run ``backward`` (``grad``: the output's gradient,
        or a list of them for several outputs), and free saved state unless retained."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(_FREED_MESSAGE)
        if self._versions:
            self._check_versions()
        if grad is None:
            grads = (None,) * len(self._next)
        elif self._n_outputs == 1:
            grads = type(self).backward(self, grad)
        else:
            grads = self._backward_many(grad)
        if not isinstance(grads, tuple):
            grads = (grads,)
        if saved and not retain_graph:
            self._saved = None
            self._versions = ()
        return grads

    def _backward_many(self, grads: list) -> Any:
        """A several-output backward gets zeros for outputs that got no gradient (PyTorch's
        materialized grads)."""
        if all(g is None for g in grads):
            return (None,) * len(self._next)
        full = [np.zeros(s, d) if g is None else g for g, (s, d) in zip(grads, self._shapes)]
        return type(self).backward(self, *full)

    def _check_versions(self) -> None:
        for i, maker, nr, cell, expected in self._versions:
            if cell[0] != expected:
                maker = self if maker is _OUTPUT else maker
                raise RuntimeError(_modified_message(self._saved[i], maker, nr, cell[0], expected))

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


def _no_edge(a: object) -> tuple:
    """The edge of a non-tensor argument: an array is a tensor that needs no gradient."""
    return _NO_GRAD if isinstance(a, np.ndarray) else _NO_EDGE


def _edge(a: Tensor) -> tuple:
    """Where the gradient for tensor argument ``a`` goes (see the module docstring)."""
    if a._grad_fn is not None:
        return (a._grad_fn, a._output_nr)
    return (a, -1) if a._requires_grad else _NO_GRAD


def _version_records(saved: tuple, args: tuple, arrays: list, outputs: tuple) -> tuple:
    """``(index, maker, output_nr, version cell, version now)`` for each saved array that is
    the storage of an input or of an output (or a view of an input's): what an in-place op can
    change. ``maker`` is the node that made that tensor, or ``_OUTPUT`` for the new node's own
    results (so a node never refers to itself or its outputs: no reference cycle to wait on
    the GC).
    """
    records = []
    for i, s in enumerate(saved):
        if not isinstance(s, np.ndarray):
            continue
        owner, maker = None, _OUTPUT
        for o in outputs:
            if s is o._data:
                owner = o
        if owner is None:
            for a, arr in zip(args, arrays):
                if isinstance(a, Tensor) and (
                    s is arr or (s.base is not None and np.may_share_memory(s, arr))
                ):
                    owner, maker = a, a._grad_fn
                    break
        if owner is not None:
            if type(owner._version) is InferenceVersion:
                _refuse_inference(owner, args)
            records.append((i, maker, owner._output_nr, owner._version, owner._version[0]))
    return tuple(records)


def _refuse_inference(owner: Tensor, args: tuple) -> None:
    """PyTorch's error for saving an inference tensor for backward. In an in-place op on one
    (the first argument of a node recorded while the op runs), PyTorch's check of the write
    comes first, so its message does. Nothing is refused inside inference mode (where nothing
    is recorded, so this is not reached: kept as a guard)."""
    if is_inference_mode_enabled():
        return
    if _captured is not None and owner is args[0]:
        raise RuntimeError(INFERENCE_INPLACE_MESSAGE)
    raise RuntimeError(INFERENCE_SAVED_MESSAGE)


def _modified_message(
    array: np.ndarray, maker: Primitive | None, nr: int, version: int, expected: int
) -> str:
    """PyTorch's message, naming the changed tensor and the op that made it."""
    dtype = _dtype.from_numpy_dtype(array.dtype)
    kind = f"torch.{_dtype.scalar_type_name(dtype)}Tensor {list(array.shape)}"
    made_by = "" if maker is None else f", which is output {nr} of {_forward_name(maker)},"
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{kind}]{made_by} is at version {version}; expected version {expected} "
        "instead. Hint: enable anomaly detection to find the operation that failed to compute "
        "its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )


def _forward_name(node: Primitive) -> str:
    """``ExpBackward0`` -> ``Exp``: PyTorch names the op, not its backward node."""
    name = node.name()
    cut = name.rfind("Backward")
    return name[:cut] if cut > 0 else name


def _check_nothing_hidden(node: Primitive) -> None:
    for key, value in vars(node).items():
        if key != "_saved" and _holds_array(value):
            raise AssertionError(
                f"{type(node).__name__}.{key} keeps an array outside save_for_backward"
            )


def _holds_array(value: object) -> bool:
    if isinstance(value, np.ndarray):
        return True
    return isinstance(value, (tuple, list)) and any(isinstance(v, np.ndarray) for v in value)


# ---------------------------------------------------------------- tensor hooks


def register_tensor_hook(t: Tensor, hook: Callable) -> RemovableHandle:
    """``Tensor.register_hook``: ``hook(grad)`` runs once per backward on the total gradient of
    ``t``; a tensor it returns replaces that gradient."""
    if not t._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    hooks = t._backward_hooks
    if hooks is None:
        hooks = t._backward_hooks = OrderedDict()
        if t._grad_fn is not None:  # a leaf's hooks are read from the leaf itself
            entry = (t._output_nr, hooks, t._data.shape, t._data.dtype)
            t._grad_fn._hook_state().tensor.append(entry)
    return _add_hook(hooks, hook)


def register_post_accumulate_grad_hook(t: Tensor, hook: Callable) -> RemovableHandle:
    """``Tensor.register_post_accumulate_grad_hook``: ``hook(t)`` after ``t.grad`` is updated."""
    if not t._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if t._grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    if t._post_accumulate_grad_hooks is None:
        t._post_accumulate_grad_hooks = OrderedDict()
    return _add_hook(t._post_accumulate_grad_hooks, hook)


def retain_grad(t: Tensor) -> None:
    """``Tensor.retain_grad``: keep a non-leaf's gradient in ``.grad`` (a leaf keeps it anyway)."""
    if not t._requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if t._grad_fn is not None:
        t._grad_fn._hook_state().retains[t._output_nr] = weakref.ref(t)


def retains_grad(t: Tensor) -> bool:
    hooks = None if t._grad_fn is None else t._grad_fn._hooks
    ref = None if hooks is None else hooks.retains.get(t._output_nr)
    return ref is not None and ref() is t


def set_grad_fn(t: Tensor, node: Node | None) -> None:
    """``t.grad_fn = node`` (an in-place op gave ``t`` new history), as PyTorch's
    rebase_history: hooks already registered stay with the old node, new ones go to the new
    node, and ``retain_grad`` follows the tensor."""
    old = t._grad_fn
    if old is node:
        return
    retained = retains_grad(t)
    if retained:
        del old._hooks.retains[t._output_nr]
    t._grad_fn = node
    if t._output_nr:
        t._output_nr = 0
    if t._backward_hooks is not None:
        t._backward_hooks = None
    if retained and node is not None:
        retain_grad(t)


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


# ---------------------------------------------------------------- inference tensors

_plain_make = Tensor.__dict__["_make"]


def _make_inference(cls: type, array: np.ndarray, grad_fn: Primitive | None = None) -> Tensor:
    """``Tensor._make`` while an ``inference_mode()`` block is open in some thread: a tensor
    made in this thread's block is an inference tensor (its version cell says so)."""
    t = _plain_make.__func__(cls, array, grad_fn)
    if is_inference_mode_enabled():
        t._version = InferenceVersion()
    return t


def _track_inference(active: bool) -> None:
    """Swap ``Tensor._make`` (see ``grad_mode.watch_inference``): ops outside inference mode
    never check it."""
    Tensor._make = classmethod(_make_inference) if active else _plain_make  # type: ignore


watch_inference(_track_inference)


def check_inference_grad(t: Tensor) -> None:
    """PyTorch's refusal of ``requires_grad=True`` on an inference tensor outside the mode."""
    if type(t._version) is InferenceVersion and not is_inference_mode_enabled():
        raise RuntimeError(
            "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed."
        )
