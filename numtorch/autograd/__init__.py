"""Reverse-mode automatic differentiation: ``backward``, ``grad``, grad modes, ``gradcheck``,
anomaly detection."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from numtorch.autograd.anomaly_mode import (
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_anomaly_enabled,
    set_detect_anomaly,
)
from numtorch.autograd.engine import run_backward
from numtorch.autograd.function import Function
from numtorch.autograd.gradcheck import gradcheck
from numtorch.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

__all__ = [
    "Function",
    "backward",
    "grad",
    "gradcheck",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "is_anomaly_check_nan_enabled",
    "set_anomaly_enabled",
]


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
    from numtorch.tensor import Tensor

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
    from numtorch.tensor import Tensor

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
