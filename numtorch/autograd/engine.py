"""The backward sweep: topological order of graph nodes, then one reversed pass.

This is the only place gradients accumulate. The walk is iterative, so graph depth is not
limited by Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from numtorch.autograd import anomaly_mode
from numtorch.autograd.function import Function
from numtorch.autograd.grad_mode import no_grad


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
    from numtorch.tensor import Tensor

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
        from numtorch.tensor import Tensor

        old = tensor.grad
        tensor._grad = Tensor._make(grad.copy() if old is None else old._data + grad)
