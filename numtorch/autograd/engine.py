"""The backward pass: the graph's nodes in PyTorch's order, then one sweep.

PyTorch's engine runs, of the nodes whose gradients are complete, the one created last, and
accumulates a leaf's gradient as soon as its last contribution arrives. Visiting the nodes by
decreasing creation number (``_seq``) and each leaf right after its last consumer is that same
order, so hooks fire in PyTorch's order, each once, on the total gradient. The graph walk is
iterative: depth is not limited by Python's recursion limit. This is the only place gradients
accumulate.
"""

from __future__ import annotations

import math
import operator
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from numtorch._checks import SELF_OVERLAP_MESSAGE, broadcast_shapes
from numtorch._kernels import parallel
from numtorch.autograd import anomaly_mode, grad_mode
from numtorch.autograd.graph import Node
from numtorch.ops.movement import sum_to_shape
from numtorch.tensor import Tensor

__all__ = ["backward", "grad", "Variable"]

_BY_SEQ = operator.attrgetter("_seq")

# The callbacks queued by each backward pass running now, innermost last.
_final_callbacks: list[list[Callable[[], None]]] = []
# For each backward pass running now, innermost last: whether it was asked for the gradients
# of given ``inputs`` (``autograd.grad``, ``backward(inputs=...)``), which a reentrant
# checkpoint cannot serve (see ``_is_checkpoint_valid``).
_with_inputs: list[bool] = []


def _is_checkpoint_valid() -> bool:
    """PyTorch's ``torch.autograd._is_checkpoint_valid``: False inside a backward pass that
    computes the gradients of given inputs only."""
    return not (_with_inputs and _with_inputs[-1])


class _ExecutionEngine:
    """``Variable._execution_engine``: PyTorch's handle on the autograd engine."""

    def queue_callback(self, callback: Callable[[], None]) -> None:
        """Run ``callback()`` once, when the backward pass running now has finished.

        Only from inside a backward pass (a hook): data-parallel training queues the gradient
        all-reduce this way, after every parameter's gradient is complete. Callbacks run in the
        order queued, under ``no_grad``, and may queue more.
        """
        if not _final_callbacks:
            raise RuntimeError("Final callbacks can only be installed during backward pass.")
        _final_callbacks[-1].append(callback)


class _VariableMeta(type):
    def __instancecheck__(cls, other: object) -> bool:
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """PyTorch's legacy ``Variable``: every tensor is one, and ``Variable(t)`` is a new leaf
    sharing ``t``'s storage. ``Variable._execution_engine.queue_callback`` is its live part."""

    _execution_engine = _ExecutionEngine()

    def __new__(cls, data: Tensor, requires_grad: bool = False) -> Tensor:  # type: ignore[misc]
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)


class _GraphRoot(Node):
    """Where a backward pass starts: its edges are the roots, its output their gradients."""

    _seq = math.inf

    def __init__(self, edges: tuple, seeds: list) -> None:
        self._next = edges
        self._seeds = seeds

    def _run_backward(self, grad: object, retain_graph: bool) -> list:
        return self._seeds


def _edge(t: Tensor) -> tuple:
    fn = t.grad_fn  # the property: a stale view's history is regenerated first
    return (fn, t._output_nr) if fn is not None else (t, -1)


def _plan(root: Node) -> tuple[list, dict]:
    """The nodes reachable from ``root`` by decreasing ``_seq``, and for each leaf reached, the
    number of edges into it."""
    nodes = [root]
    seen = {id(root)}
    leaves: dict[int, int] = {}
    stack = [root]
    while stack:
        for child, nr in stack.pop()._next:
            if child is None:
                continue
            key = id(child)
            if nr < 0:
                leaves[key] = leaves.get(key, 0) + 1
            elif key not in seen:
                seen.add(key)
                nodes.append(child)
                stack.append(child)
    nodes.sort(key=_BY_SEQ, reverse=True)
    return nodes, leaves


def _prune(order: list, targets: set, accumulate: bool) -> tuple[list, dict, set]:
    """Keep the nodes whose gradient reaches a target (and the targets). A target that leads
    to no other one is only captured (``autograd.grad``), or run (``backward(inputs=...)``)."""
    reach = set(targets)
    kept, only_capture = [], set()
    for node in reversed(order):  # a node's inputs were made before it
        key = id(node)
        if any(child is not None and id(child) in reach for child, _ in node._next):
            reach.add(key)
        elif key in targets:
            if not accumulate:
                only_capture.add(key)
        else:
            continue
        kept.append(node)
    kept.reverse()
    leaves: dict[int, int] = {}
    for node in kept:
        if id(node) not in only_capture:
            for child, nr in node._next:
                if nr < 0 and id(child) in targets:
                    leaves[id(child)] = leaves.get(id(child), 0) + 1
    if not accumulate:
        only_capture.update(leaves)
    return kept, leaves, only_capture


class _GraphTask:
    """One backward pass: the gradients in flight, what ``autograd.grad`` captures, and the
    callbacks queued for its end."""

    __slots__ = ("retain_graph", "grads", "later", "capture", "only_capture", "captured")

    def __init__(self, retain_graph: bool) -> None:
        self.retain_graph = retain_graph
        self.grads: dict[int, Any] = {}
        self.later: dict[tuple[int, int], np.ndarray] = {}  # outputs 1, 2, ... of a node
        self.capture: dict[int, list] = {}  # id -> [(output_nr, index in inputs)]

    def select(self, inputs: Sequence[Tensor], order: list, accumulate: bool) -> tuple:
        """Only what leads to ``inputs``: capture their gradients (``autograd.grad``), or
        accumulate only theirs (``backward(inputs=...)``)."""
        edges = [_edge(t) for t in inputs]
        self.captured = [None] * len(inputs)
        if not accumulate:
            for index, (child, nr) in enumerate(edges):
                self.capture.setdefault(id(child), []).append((max(nr, 0), index))
        order, leaves, self.only_capture = _prune(order, {id(c) for c, _ in edges}, accumulate)
        return order, leaves

    def run(self, order: list, leaves: dict) -> None:
        grads, later, capture, retain = self.grads, self.later, self.capture, self.retain_graph
        owned: dict[int, bool] = {}  # leaf id -> its gradient so far is the engine's own array
        checked = anomaly_mode._enabled
        for node in order:
            key = id(node)
            grad = grads.pop(key, None)
            hooks = node._hooks
            if hooks is not None or capture:
                grad = self._before(node, key, grad)
                if grad is _SKIP:
                    continue
            if checked and node._seq != math.inf:
                in_grads = _checked_backward(node, grad, retain)
            else:
                in_grads = node._run_backward(grad, retain)
            shown = hooks is not None and bool(hooks.post)  # the user's hooks saw in_grads
            if shown:
                in_grads = _after(node, in_grads, grad)
            for (child, nr), g in zip(node._next, in_grads):
                if child is None:
                    continue
                key = id(child)
                if g is not None:
                    if nr >= 0 and g.shape != child._out_shapes[nr]:
                        g = fit_gradient(g, child._out_shapes[nr], node, _edge_index(node, child))
                    if nr > 0:
                        old = later.get((key, nr))
                        later[key, nr] = g if old is None else _sum(old, g)
                    else:
                        old = grads.get(key)
                        grads[key] = g if old is None else _sum(old, g)
                        if nr < 0:
                            owned[key] = old is not None or (
                                not shown and _fresh(node, g, grad, in_grads)
                            )
                if nr < 0 and key in leaves:
                    left = leaves[key] - 1
                    if left:
                        leaves[key] = left
                    else:
                        self._leaf(child, grads.pop(key, None), owned.pop(key, False))

    def _before(self, node: Node, key: int, grad: Any) -> Any:
        """The slow path: a node with several outputs, hooks, or a gradient to capture."""
        several = node._n_outputs > 1
        if several:
            grad = [grad] + [self.later.pop((key, i), None) for i in range(1, node._n_outputs)]
        if key in self.capture:
            grads = grad if several else [grad]
            if key in self.only_capture:
                if node._hooks is not None:
                    grads = _tensor_pre_hooks(node, grads)
                self._record(key, grads)
                return _SKIP
            self._record(key, grads)  # with the node to run, its hooks run with it (PyTorch)
        return grad if node._hooks is None else _pre_hooks(node, grad)

    def _record(self, key: int, grads: list) -> None:
        for nr, index in self.capture[key]:
            self.captured[index] = grads[nr]

    def _leaf(self, leaf: Tensor, grad: np.ndarray | None, owned: bool = False) -> None:
        """What PyTorch's AccumulateGrad does: the leaf's hooks, then ``.grad += grad``
        (``owned``: nothing else holds ``grad``, so it may become ``.grad`` as it is)."""
        if leaf.__dict__ or self.capture:  # hooks, an AccumulateGrad node, or autograd.grad
            self._hooked_leaf(leaf, grad)
        elif grad is not None:
            _accumulate(leaf, grad, owned)

    def _hooked_leaf(self, leaf: Tensor, grad: np.ndarray | None) -> None:
        hooks = leaf._backward_hooks
        if hooks:
            grad = _call_tensor_hooks(hooks, grad, leaf._data.shape, leaf._data.dtype)
        key = id(leaf)
        if key in self.capture:
            self._record(key, [grad])
            if key in self.only_capture:
                return
        node = leaf._grad_accumulator
        node_hooks = None if node is None else node._hooks
        if node_hooks is not None and node_hooks.pre:
            (grad,) = _node_prehooks(node_hooks.pre, [grad])
        if grad is not None:
            _accumulate(leaf, grad)
        post = leaf._post_accumulate_grad_hooks
        if post:
            for hook in list(post.values()):
                hook(leaf)
        if node_hooks is not None and node_hooks.post:
            _node_posthooks(node_hooks.post, (), [grad])


def _run_callbacks(callbacks: list) -> None:
    i = 0
    while i < len(callbacks):  # a callback may queue another
        callbacks[i]()
        i += 1


_SKIP = object()  # a node only captured (``autograd.grad``), not run


def _pre_hooks(node: Node, grad: Any) -> Any:
    """The hooks that run before a node's backward: its tensors' hooks and ``retain_grad``,
    then the node's pre-hooks."""
    several = node._n_outputs > 1
    grads = _tensor_pre_hooks(node, grad if several else [grad])
    if node._hooks.pre:
        grads = _node_prehooks(node._hooks.pre, grads)
    return grads if several else grads[0]


def _tensor_pre_hooks(node: Node, grads: list) -> list:
    grads = list(grads)
    for nr, hooks, shape, dtype in node._hooks.tensor:
        if hooks:
            grads[nr] = _call_tensor_hooks(hooks, grads[nr], shape, dtype)
    for nr, ref in list(node._hooks.retains.items()):
        t = ref()
        if t is not None and grads[nr] is not None:
            _retain(t, grads[nr])
    return grads


def _after(node: Node, in_grads: tuple, grad: Any) -> tuple:
    grads = grad if node._n_outputs > 1 else [grad]
    return _node_posthooks(node._hooks.post, in_grads, grads)


def _call_tensor_hooks(hooks: dict, grad: np.ndarray | None, shape: tuple, dtype: Any) -> Any:
    """Run ``Tensor.register_hook`` hooks in order; each may return a replacement."""
    if grad is not None and grad.dtype != dtype:
        grad = grad.astype(dtype)
    for hook in list(hooks.values()):
        result = hook(_wrap(grad))
        if result is not None:
            grad = _checked(grad, result, hook)._data
    return grad


def _node_prehooks(hooks: dict, grads: list) -> list:
    for hook in list(hooks.values()):
        result = hook(tuple(_wrap(g) for g in grads))
        if result is not None:
            grads = _checked_tuple(grads, result, hook)
    return grads


def _node_posthooks(hooks: dict, in_grads: tuple, grads: list) -> tuple:
    outputs = tuple(_wrap(g) for g in grads)
    for hook in list(hooks.values()):
        result = hook(tuple(_wrap(g) for g in in_grads), outputs)
        if result is not None:
            in_grads = tuple(_checked_tuple(list(in_grads), result, hook))
    return in_grads


def _wrap(g: np.ndarray | None) -> Tensor | None:
    return None if g is None else Tensor._make(g)


def _hook_name(hook: object) -> str:
    return getattr(hook, "__name__", "<unknown>")


def _checked(grad: np.ndarray | None, result: object, hook: object) -> Tensor:
    """PyTorch's checks on a value a hook returned in place of ``grad``."""
    if grad is None:
        raise RuntimeError("can't replace a None gradient with a non-None value")
    if not isinstance(result, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
    if result._data.dtype != grad.dtype:
        raise RuntimeError(
            f"hook '{_hook_name(hook)}' has changed the type of value (was "
            f"{Tensor._make(grad).type()} got {result.type()})"
        )
    if result._data.shape != grad.shape:
        raise RuntimeError(f"hook '{_hook_name(hook)}' has changed the size of value")
    return result


def _checked_tuple(grads: list, result: object, hook: object) -> list:
    if not isinstance(result, tuple):
        raise TypeError(f"expected tuple, but hook returned '{type(result).__name__}'")
    if len(result) != len(grads):
        raise RuntimeError(
            f"hook '{_hook_name(hook)}' has returned an incorrect number of values (got "
            f"{len(result)}, but expected {len(grads)})"
        )
    return [None if r is None else _checked(g, r, hook)._data for g, r in zip(grads, result)]


def _checked_backward(node: Node, grad: Any, retain_graph: bool) -> tuple:
    """Anomaly mode: raise at the first node whose backward returns NaN, naming it and the
    forward call that created it."""
    try:
        grads = node._run_backward(grad, retain_graph)
        if anomaly_mode._check_nan:
            anomaly_mode._check_nan_grads(node, grads)
    except Exception as err:
        anomaly_mode._annotate(err, node)
        raise
    return grads


def _sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Two contributions to one gradient, activation-sized ones on numtorch's threads."""
    return parallel.pointwise(np.add, a, b) if parallel.splits(a, b) else a + b


def _broadcast_to_leaf(g: np.ndarray, shape: tuple) -> np.ndarray:
    """``g`` broadcast to a leaf's shape, as PyTorch's AccumulateGrad does, with its errors."""
    wider = broadcast_shapes(shape, g.shape)  # PyTorch's error for a mismatch
    if wider != tuple(shape):
        raise RuntimeError(
            f"output with shape {list(shape)} doesn't match the broadcast shape {list(wider)}"
        )
    return np.broadcast_to(g, shape)


def fit_gradient(g: np.ndarray, shape: tuple, node: Node, index: int) -> np.ndarray:
    """PyTorch's validate_outputs for a gradient ``g`` that ``node`` returned for its input
    ``index``, whose shape was ``shape``: summed down to ``shape`` where ``shape`` broadcasts
    to ``g``'s (an unrecorded in-place op such as ``unsqueeze_`` under ``no_grad`` changed a
    tensor's shape after the graph recorded it), else PyTorch's error."""
    if _expands_to(shape, g.shape):
        return sum_to_shape(g, shape)
    raise RuntimeError(
        f"Function {node.name()} returned an invalid gradient at index {index} - got "
        f"{list(g.shape)} but expected shape compatible with {list(shape)}"
    )


def _edge_index(node: Node, child: Node) -> int:
    """Which of ``node``'s inputs ``child`` is (by identity: edges may hold tensors)."""
    return next(i for i, (c, _) in enumerate(node._next) if c is child)


def _expands_to(shape: tuple, target: tuple) -> bool:
    """Whether ``shape`` broadcasts to ``target`` (PyTorch's is_expandable_to)."""
    if len(shape) > len(target):
        return False
    return all(n in (1, m) for n, m in zip(reversed(shape), reversed(target)))


def _accumulate(leaf: Tensor, g: np.ndarray, owned: bool = False) -> None:
    """``leaf.grad += g``. A first gradient is copied unless ``owned`` (PyTorch's
    AccumulateGrad likewise steals a gradient nobody else references): a leaf's ``.grad``
    must never share memory with another tensor, since optimizers and users update it in
    place."""
    data = leaf._data
    if g.dtype != data.dtype:
        g, owned = g.astype(data.dtype), True
    if g.shape != data.shape:  # the leaf's shape changed unrecorded (``b.data = ...``)
        g, owned = _broadcast_to_leaf(g, data.shape), False
    if leaf._grad is None:
        leaf._grad = Tensor._make(g if owned else g.copy())
    else:
        grad = leaf._grad
        total = grad._data
        if any(n > 1 and st == 0 for n, st in zip(total.shape, total.strides)):
            raise RuntimeError(SELF_OVERLAP_MESSAGE)  # an expanded .grad: PyTorch refuses it
        if total.flags.writeable and total.shape == g.shape and total.dtype == g.dtype:
            np.add(total, g, out=total)  # in place, as PyTorch's: views of .grad see the sum
        else:  # np.asarray: the sum of two 0-d arrays is a NumPy scalar, not an array
            grad._data = np.asarray(total + g)
        grad._version[0] += 1  # a graph that saved .grad must see the change


# Which node classes are numtorch's own primitives (their backward returns arrays it made);
# a user's ``autograd.Function`` may return arrays it keeps.
_BUILTIN: dict[type, bool] = {}


def _fresh(node: Node, g: Any, grad: Any, in_grads: tuple) -> bool:
    """Whether ``g``, one of ``node``'s input gradients ``in_grads``, is an array nobody else
    holds: made by one of numtorch's own primitives, not a view, not the node's incoming
    ``grad`` passed through (``a + b``), and given to no other input."""
    cls = type(node)
    builtin = _BUILTIN.get(cls)
    if builtin is None:
        builtin = _BUILTIN[cls] = cls.__module__.startswith("numtorch.") and cls is not _GraphRoot
    if not builtin or not isinstance(g, np.ndarray) or g.base is not None:
        return False
    if not (g.flags.c_contiguous and g.flags.writeable):
        return False
    incoming = grad if isinstance(grad, list) else (grad,)
    if any(g is x for x in incoming):
        return False
    return sum(g is x for x in in_grads) == 1


def _retain(t: Tensor, grad: np.ndarray) -> None:
    grad = np.asarray(grad, dtype=t._data.dtype)
    old = t._grad
    t._grad = Tensor._make(grad.copy() if old is None else old._data + grad)


def run_backward(
    roots: Sequence[Tensor],
    seeds: list,
    retain_graph: bool,
    inputs: Sequence[Tensor] | None = None,
    accumulate: bool = True,
) -> list | None:
    """Propagate ``seeds`` (one gradient array per root) back through the graph.

    With ``accumulate``, leaf gradients go into ``.grad`` (of ``inputs`` only, when given).
    Without, nothing is accumulated and the gradients of ``inputs`` are returned.
    """
    order, leaves = _plan(_GraphRoot(tuple([_edge(t) for t in roots]), seeds))
    task = _GraphTask(retain_graph)
    if inputs is not None:
        order, leaves = task.select(inputs, order, accumulate)
    callbacks: list[Callable[[], None]] = []
    _final_callbacks.append(callbacks)
    _with_inputs.append(inputs is not None)
    enabled = grad_mode.is_grad_enabled()
    grad_mode._set(False)  # hooks and callbacks run without recording, as in PyTorch
    try:
        with np.errstate(all="ignore"):
            task.run(order, leaves)
            _run_callbacks(callbacks)
    finally:
        grad_mode._set(enabled)
        _final_callbacks.pop()
        _with_inputs.pop()
    return None if accumulate else task.captured


# ---------------------------------------------------------------- the public functions


def _as_tuple(tensors: Any, length: int) -> tuple:
    if tensors is None:
        return (None,) * length
    return (tensors,) if isinstance(tensors, Tensor) else tuple(tensors)


def _make_grads(outputs: tuple, grads: tuple) -> list:
    """The starting gradient of each output, with PyTorch's checks and messages."""
    seeds = []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        data = out._data
        if g is None:
            if not out._requires_grad:
                seeds.append(None)
            elif data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            else:
                seeds.append(np.array(1, data.dtype) if not data.ndim else np.ones_like(data))
        elif isinstance(g, Tensor):
            if g._data.shape != data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                    f"output[{i}] has a shape of {out.shape}."
                )
            seeds.append(np.asarray(g._data, dtype=data.dtype))
        else:
            raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
    if len(grads) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grads)} gradients")
    for i, out in enumerate(outputs):
        if not out._requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
    return seeds


def _as_inputs(inputs: Any, caller: str) -> tuple:
    if isinstance(inputs, Tensor):
        return (inputs,)
    if type(inputs) is dict:
        return tuple(inputs.values())
    if isinstance(inputs, Mapping):
        raise TypeError(
            f"`inputs` argument to `{caller}` must be a dict, not {type(inputs).__name__}. "
            "Other Mapping types are not supported."
        )
    inputs = tuple(inputs)
    if not inputs:
        raise RuntimeError(f"`inputs` argument to `{caller}` cannot be empty.")
    return inputs


def _no_create_graph() -> None:
    raise NotImplementedError("numtorch does not support higher-order gradients (create_graph)")


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    grad_variables: Tensor | Sequence[Tensor | None] | None = None,
    inputs: Tensor | Sequence[Tensor] | dict[str, Tensor] | None = None,
) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of every leaf that needs one.

    Args:
        tensors: the tensors to differentiate (the roots).
        grad_tensors: the gradient of each root; None for a scalar root (a gradient of one).
        retain_graph: keep the graph's saved values for another backward pass.
        create_graph: not supported (higher-order gradients); raises NotImplementedError.
        grad_variables: deprecated name of ``grad_tensors``.
        inputs: accumulate only into these tensors' ``.grad`` (non-leaves included: they are
            made to retain their gradient, as in PyTorch).
    """
    if create_graph:
        _no_create_graph()
    if grad_variables is not None:
        warnings.warn(
            "`grad_variables` is deprecated. Use `grad_tensors` instead.",
            FutureWarning,
            stacklevel=2,
        )
        if grad_tensors is not None:
            raise RuntimeError(
                "`grad_tensors` and `grad_variables` (deprecated) arguments both passed to "
                "`backward()`. Please only use `grad_tensors`."
            )
        grad_tensors = grad_variables
    tensors = (tensors,) if isinstance(tensors, Tensor) else tuple(tensors)
    if inputs is not None:
        inputs = _as_inputs(inputs, "backward()")
    seeds = _make_grads(tensors, _as_tuple(grad_tensors, len(tensors)))
    if inputs is not None:
        for t in inputs:
            t.retain_grad()
    run_backward(tensors, seeds, bool(retain_graph), inputs, accumulate=True)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor] | dict[str, Tensor],
    grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple | dict:
    """The gradients of ``outputs`` with respect to ``inputs``, returned (no ``.grad`` changes).

    Args:
        outputs: the tensors to differentiate.
        inputs: the tensors to differentiate with respect to; a dict gives a dict back.
        grad_outputs: the gradient of each output (None: one, for a scalar output).
        retain_graph: keep the graph's saved values for another backward pass.
        create_graph: not supported (higher-order gradients); raises NotImplementedError.
        only_inputs: deprecated and ignored, as in PyTorch.
        allow_unused: return None for an input the outputs do not depend on, instead of
            raising. Defaults to ``materialize_grads``.
        is_grads_batched: not supported; raises NotImplementedError.
        materialize_grads: return zeros instead of None for unused inputs.
    """
    if create_graph:
        _no_create_graph()
    if is_grads_batched:
        raise NotImplementedError("numtorch does not support is_grads_batched=True")
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, "
            "but got: allow_unused=False."
        )
    allow_unused = materialize_grads if allow_unused is None else allow_unused
    keys = list(inputs) if type(inputs) is dict else None
    inputs = _as_inputs(inputs, "grad()")
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    if not only_inputs:
        warnings.warn(
            "only_inputs argument is deprecated and is ignored now (defaults to True). To "
            "accumulate gradient for other parts of the graph, please use "
            "torch.autograd.backward.",
            FutureWarning,
            stacklevel=2,
        )
    seeds = _make_grads(outputs, _as_tuple(grad_outputs, len(outputs)))
    if not all(t.requires_grad for t in inputs):
        raise RuntimeError("One of the differentiated Tensors does not require grad")
    found = run_backward(outputs, seeds, bool(retain_graph), inputs, accumulate=False)
    result = []
    for i, (t, g) in enumerate(zip(inputs, found)):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"The differentiated Tensor at index {i} appears to not have been used in the "
                "graph. Set allow_unused=True if this is the desired behavior."
            )
        if g is None and materialize_grads:
            g = np.zeros(t.shape, t._data.dtype)
        result.append(None if g is None else Tensor._make(np.array(g, dtype=t._data.dtype)))
    return dict(zip(keys, result)) if keys is not None else tuple(result)
