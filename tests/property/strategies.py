"""Hypothesis strategies and the differential runner shared by the property tests.

An input is drawn as a shape, a dtype (float32 or float64), a seed for its values and a
*layout*: contiguous, transposed (a ``transpose(-1, -2)`` view of a leaf) or sliced (a
``[::2]`` view of a leaf twice as long). ``differential`` builds the same leaves on PyTorch and
numtorch, runs the same function on the views, and checks that either both raise exceptions of
the same type, or both succeed with equal values, dtypes and input gradients.
"""

from __future__ import annotations

import builtins
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st

import numtorch

LAYOUTS = ("contiguous", "transposed", "sliced")
DTYPES = (np.float32, np.float64)


@dataclass(frozen=True)
class Input:
    """One drawn tensor: ``values`` is what the function sees; ``layout`` how it is viewed."""

    values: np.ndarray
    layout: str = "contiguous"
    grad: bool = True

    def leaf_array(self) -> np.ndarray:
        if self.layout == "transposed":
            return np.ascontiguousarray(np.swapaxes(self.values, -1, -2))
        if self.layout == "sliced":
            return np.repeat(self.values, 2, axis=0)
        return self.values

    def view(self, leaf: Any) -> Any:
        if self.layout == "transposed":
            return leaf.transpose(-1, -2)
        if self.layout == "sliced":
            return leaf[::2]
        return leaf

    def __repr__(self) -> str:  # what a falsifying example prints
        return f"Input(shape={self.values.shape}, dtype={self.values.dtype}, {self.layout})"


def shapes(min_dims: int = 0, max_dims: int = 4, min_side: int = 0, max_side: int = 4) -> Any:
    """Shapes with small sides, size-0 and size-1 dimensions included."""
    return st.lists(st.integers(min_side, max_side), min_size=min_dims, max_size=max_dims).map(
        tuple
    )


def values(shape: tuple, dtype: Any, seed: int, kind: str = "normal") -> np.ndarray:
    """Seeded values: ``normal``; ``positive`` (for log/sqrt); ``spread`` (for rounding)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    if kind == "positive":
        x = np.abs(x) + 0.1
    elif kind == "spread":
        x = x * 3
    return np.asarray(x, dtype=dtype)


@st.composite
def inputs(
    draw: Callable,
    shape: Any = None,
    dtype: Any = None,
    kind: str = "normal",
    layouts: tuple = LAYOUTS,
) -> Input:
    """An ``Input`` of a drawn (or given) shape, dtype and layout."""
    shape = draw(shapes()) if shape is None else shape
    shape = draw(shape) if isinstance(shape, st.SearchStrategy) else tuple(shape)
    dtype = draw(st.sampled_from(DTYPES)) if dtype is None else dtype
    allowed = [
        lay
        for lay in layouts
        if lay == "contiguous"
        or (lay == "transposed" and len(shape) >= 2)
        or (lay == "sliced" and len(shape) >= 1)
    ]
    layout = draw(st.sampled_from(allowed))
    return Input(values(shape, dtype, draw(st.integers(0, 2**16)), kind), layout)


@st.composite
def broadcast_pair(draw: Callable, dtype: Any = None) -> tuple[Input, Input]:
    """Two inputs whose shapes broadcast (size-1 and missing dims), or sometimes do not."""
    shape = draw(shapes(0, 4, 0, 3))
    other = list(shape)
    for i in range(len(other)):
        other[i] = draw(st.sampled_from([other[i], 1, other[i], 2]))
    other = tuple(other[draw(st.integers(0, len(other))) :])
    dtype = draw(st.sampled_from(DTYPES)) if dtype is None else dtype
    first, second = (shape, other) if draw(st.booleans()) else (other, shape)
    return draw(inputs(st.just(first), dtype)), draw(inputs(st.just(second), dtype))


def exception_base(exc: BaseException) -> type:
    """The first built-in class in an exception's MRO (torch's own errors subclass these)."""
    for cls in type(exc).__mro__:
        if cls.__module__ == "builtins":
            return cls
    return Exception  # pragma: no cover


def _run(lib: Any, fn: Callable, items: tuple) -> tuple:
    leaves, views = [], []
    for item in items:
        if isinstance(item, Input):
            arr = item.leaf_array()
            grad = item.grad and arr.dtype.kind == "f"
            leaf = lib.tensor(arr, requires_grad=grad)
            leaves.append(leaf)
            views.append(item.view(leaf))
        else:
            leaves.append(None)
            views.append(item)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = fn(lib, *views)
        return out, leaves, None, {w.category for w in caught}
    except Exception as err:  # noqa: BLE001 - the type is the thing compared
        return None, leaves, err, set()


def _tensors(result: Any) -> list:
    items = result if isinstance(result, (tuple, list)) else [result]
    return [r for r in items if hasattr(r, "requires_grad")]


def tolerance(dtype: Any) -> tuple[float, float]:
    """(rtol, atol) sized for the dtype: float32 sums differ in the last bits by order."""
    return (2e-4, 2e-4) if np.dtype(dtype) == np.float32 else (1e-7, 1e-9)


def _compare(actual: Any, expected: Any, what: str, scale: float = 1.0) -> None:
    a = actual.detach().numpy() if hasattr(actual, "detach") else np.asarray(actual)
    e = expected.detach().numpy() if hasattr(expected, "detach") else np.asarray(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != torch's {e.shape}"
    assert a.dtype == e.dtype, f"{what}: dtype {a.dtype} != torch's {e.dtype}"
    rtol, atol = tolerance(e.dtype) if e.dtype.kind == "f" else (0, 0)
    np.testing.assert_allclose(
        a, e, rtol=rtol * scale, atol=atol * scale, equal_nan=True, err_msg=what
    )


def differential(fn: Callable, *items: Any, grad: bool = True, scale: float = 1.0) -> None:
    """``fn(lib, *views)`` on torch and numtorch: same exception type, or same values and grads.

    ``items`` are ``Input``s (made into tensors) or plain values passed through. ``scale``
    widens the tolerance for long accumulations (convolutions).
    """
    t_out, t_leaves, t_err, t_warn = _run(torch, fn, items)
    n_out, n_leaves, n_err, n_warn = _run(numtorch, fn, items)
    if t_err is not None:
        expected = exception_base(t_err)
        assert n_err is not None, f"torch raised {type(t_err).__name__}: {t_err}; numtorch did not"
        assert isinstance(n_err, expected), (
            f"torch raised {type(t_err).__name__}({t_err}); numtorch {type(n_err).__name__}({n_err})"
        )
        return
    if n_err is not None:
        raise AssertionError(f"torch succeeded; numtorch raised {n_err!r}") from n_err
    # Warnings are recorded but not compared: PyTorch warns some only once per process.
    t_outs, n_outs = _tensors(t_out), _tensors(n_out)
    assert len(t_outs) == len(n_outs), "different number of outputs"
    if not t_outs:
        assert n_out == t_out, f"{n_out!r} != torch's {t_out!r}"
    for i, (n, t) in enumerate(zip(n_outs, t_outs)):
        _compare(n, t, f"output {i}", scale)
    if grad:
        _compare_grads(t_outs, n_outs, t_leaves, n_leaves, scale)


def _compare_grads(t_outs: list, n_outs: list, t_leaves: list, n_leaves: list, scale: float):
    rng = np.random.default_rng(1)
    pairs = [
        (t, n, rng.standard_normal(tuple(t.shape)).astype(t.detach().numpy().dtype))
        for t, n in zip(t_outs, n_outs)
        if t.requires_grad and t.dtype.is_floating_point
    ]
    if not pairs:
        return
    torch.autograd.backward([p[0] for p in pairs], [torch.tensor(p[2]) for p in pairs])
    numtorch.autograd.backward([p[1] for p in pairs], [numtorch.tensor(p[2]) for p in pairs])
    for i, (t, n) in enumerate(zip(t_leaves, n_leaves)):
        if t is None or not t.requires_grad:
            continue
        if t.grad is None:
            assert n.grad is None or not np.any(n.grad.numpy()), f"input {i}: torch has no grad"
            continue
        assert n.grad is not None, f"input {i}: numtorch produced no gradient"
        _compare(n.grad, t.grad, f"grad of input {i}", scale)


def dims(ndim: int, allow_bad: bool = True) -> Any:
    """A dimension index for rank ``ndim``: negative ones included, sometimes out of range."""
    hi = builtins.max(ndim, 1)
    bad = 1 if allow_bad else 0
    return st.integers(-hi - bad, hi - 1 + bad)
