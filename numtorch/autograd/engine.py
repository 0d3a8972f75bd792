"""The backward sweep: topological order of graph nodes, then one reversed pass.

This is the only place gradients accumulate. The walk is iterative, so graph depth is not
limited by Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from numtorch.autograd import anomaly_mode
from numtorch.autograd.function import Function
from numtorch.autograd.grad_mode import no_grad
from numtorch.tensor import Tensor


def toposort(roots: Iterable[Function]) -> list[Function]:
    """Nodes reachable from ``roots``, each listed before every node it feeds into."""
    order: list[Function] = []
    seen: set[int] = set()
    for root in roots:
        if id(root) in seen:
            continue
        seen.add(id(root))
        stack = [(root, iter(root.next_functions))]
        while stack:
            node, children = stack[-1]
            for child in children:
                if isinstance(child, Function) and id(child) not in seen:
                    seen.add(id(child))
                    stack.append((child, iter(child.next_functions)))
                    break
            else:
                stack.pop()
                order.append(node)
    order.reverse()
    return order


def run_backward(
    roots: list[tuple[object, np.ndarray]],
    retain_graph: bool,
    capture: list | None = None,
) -> list[np.ndarray | None] | None:
    """Propagate ``roots`` (tensor, gradient) pairs back through the graph.

    Without ``capture``, leaf gradients accumulate into ``.grad``. With ``capture`` (a list of
    tensors), their gradients are returned instead and no ``.grad`` is touched.
    """
    grads: dict[int, np.ndarray] = {}
    captured: dict[int, np.ndarray] = {}
    wanted = _capture_keys(capture)
    nodes = []
    backward = _checked_backward if anomaly_mode._enabled else Function._run_backward
    for tensor, grad in roots:
        _deliver(_target(tensor), grad, grads, captured, wanted)
        if tensor.grad_fn is not None:
            nodes.append(tensor.grad_fn)
    with no_grad(), np.errstate(all="ignore"):
        for node in toposort(nodes):
            grad = grads.pop(id(node), None)
            if grad is None:
                continue
            _retain(node, grad)
            if id(node) in wanted:
                captured[id(node)] = grad
            in_grads = backward(node, grad, retain_graph)
            for edge, g in zip(node.next_functions, in_grads):
                if edge is not None and g is not None:
                    _deliver(edge, g, grads, captured, wanted)
    if capture is None:
        return None
    return [captured.get(k) for k in _keys(capture)]


def _checked_backward(node: Function, grad: np.ndarray, retain_graph: bool) -> tuple:
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


def _target(tensor) -> object:
    return tensor.grad_fn if tensor.grad_fn is not None else tensor


def _keys(capture: list) -> list[int]:
    return [id(_target(t)) for t in capture]


def _capture_keys(capture: list | None) -> set[int]:
    return set() if capture is None else set(_keys(capture))


def _deliver(edge, g: np.ndarray, grads: dict, captured: dict, wanted: set) -> None:
    key = id(edge)
    if isinstance(edge, Function):
        grads[key] = g if key not in grads else grads[key] + g
    elif key in wanted:
        captured[key] = g if key not in captured else captured[key] + g
    elif not wanted and edge.requires_grad:
        _accumulate(edge, g)


def _accumulate(leaf, g: np.ndarray) -> None:
    g = np.asarray(g, dtype=leaf._data.dtype)
    if g.shape != leaf._data.shape:
        g = np.broadcast_to(g, leaf._data.shape)
    if leaf.grad is None:
        leaf._grad = Tensor._make(np.array(g, copy=True))
    else:
        leaf.grad._data = leaf.grad._data + g
    for hook in getattr(leaf, "_post_accumulate_hooks", ()):
        hook(leaf)


def _retain(node: Function, grad: np.ndarray) -> None:
    ref = getattr(node, "_retained", None)
    tensor = ref() if ref is not None else None
    if tensor is not None:
        old = tensor.grad
        tensor._grad = Tensor._make(grad.copy() if old is None else old._data + grad)


def _seed_gradients(outputs: Sequence, grad_outputs: Sequence | None) -> list:
    """Pair each output with its starting gradient, refusing an implicit one for non-scalars."""
    pairs = []
    grad_outputs = [None] * len(outputs) if grad_outputs is None else list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = np.ones(out.shape, dtype=out._data.dtype)
        else:
            g = _grad_array(g, out, i)
        pairs.append((out, g))
    return pairs


def _grad_array(g: object, out, i: int) -> np.ndarray:
    arr = np.asarray(getattr(g, "_data", g), dtype=out._data.dtype)
    if arr.shape != out._data.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[{i}] has a shape of torch.Size({list(arr.shape)}) "
            f"and output[{i}] has a shape of torch.Size({list(out.shape)})."
        )
    return arr


def backward(
    tensors,
    grad_tensors=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs=None,
) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of every leaf that needs one
    (only of ``inputs`` when given)."""
    if create_graph:
        raise NotImplementedError("numtorch does not support higher-order gradients (create_graph)")
    tensors = [tensors] if not isinstance(tensors, (list, tuple)) else list(tensors)
    if grad_tensors is not None and not isinstance(grad_tensors, (list, tuple)):
        grad_tensors = [grad_tensors]
    seeds = _seed_gradients(tensors, grad_tensors)
    if inputs is None:
        run_backward(seeds, bool(retain_graph))
        return
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not inputs:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    for t, g in zip(inputs, run_backward(seeds, bool(retain_graph), inputs)):
        if g is not None:
            g = np.asarray(g, dtype=t._data.dtype)
            t._grad = Tensor._make(g.copy() if t.grad is None else t.grad._data + g)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple:
    """Gradients of ``outputs`` with respect to ``inputs``, returned rather than accumulated."""
    if create_graph:
        raise NotImplementedError("numtorch does not support higher-order gradients (create_graph)")
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if grad_outputs is not None and isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    found = run_backward(_seed_gradients(outputs, grad_outputs), bool(retain_graph), inputs)
    result = []
    for i, (t, g) in enumerate(zip(inputs, found)):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"The differentiated Tensor at index {i} appears to not have been used in the "
                "graph. Set allow_unused=True if this is the desired behavior."
            )
        result.append(None if g is None else Tensor._make(np.array(g, dtype=t._data.dtype)))
    return tuple(result)
