"""Shared test tools: run one lambda on PyTorch and on numtorch and compare.

``check_op(lambda lib, x, y: lib.add(x, y), (2, 3), (3,))`` builds the same random inputs for
both libraries, compares the outputs, then back-propagates the same random upstream gradient
and compares every input's gradient. ``check_gradcheck`` runs numtorch's float64 gradcheck.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import numtorch


def make_inputs(specs: tuple, dtype: Any = np.float32, seed: int = 0) -> list[np.ndarray]:
    """Arrays from specs: a shape tuple gives normal samples; an ndarray is used as it is
    (a floating one cast to ``dtype``, so one spec serves float32 parity and float64 gradcheck)."""
    rng = np.random.default_rng(seed)
    out = []
    for spec in specs:
        if isinstance(spec, np.ndarray):
            out.append(spec.astype(dtype) if spec.dtype.kind == "f" else spec)
        else:
            out.append(rng.standard_normal(spec).astype(dtype))
    return out


def _to_numpy(x: Any) -> Any:
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if isinstance(x, numtorch.Tensor):
        return x.detach().numpy()
    if isinstance(x, (tuple, list)):
        return type(x)(_to_numpy(v) for v in x)
    return x


def _outputs(result: Any) -> list:
    items = result if isinstance(result, (tuple, list)) else [result]
    return [r for r in items if hasattr(r, "requires_grad")]


def assert_close(actual: Any, expected: Any, rtol: float, atol: float, what: str) -> None:
    a, e = np.asarray(_to_numpy(actual)), np.asarray(_to_numpy(expected))
    assert a.shape == e.shape, f"{what}: shape {a.shape} != torch's {e.shape}"
    assert a.dtype == e.dtype, f"{what}: dtype {a.dtype} != torch's {e.dtype}"
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def check_op(
    fn: Callable,
    *specs: Any,
    dtype: Any = np.float32,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    grad: bool = True,
    seed: int = 0,
) -> None:
    """Same lambda on torch and numtorch: equal values, and equal gradients for every input."""
    arrays = make_inputs(specs, dtype, seed)
    diff = [a.dtype.kind == "f" and grad for a in arrays]
    tt = [torch.tensor(a, requires_grad=d) for a, d in zip(arrays, diff)]
    nt = [numtorch.tensor(a, requires_grad=d) for a, d in zip(arrays, diff)]
    t_out, n_out = fn(torch, *tt), fn(numtorch, *nt)
    t_outs, n_outs = _outputs(t_out), _outputs(n_out)
    assert len(t_outs) == len(n_outs)
    for i, (n, t) in enumerate(zip(n_outs, t_outs)):
        assert_close(n, t, rtol, atol, f"output {i}")
    if not grad:
        return
    rng = np.random.default_rng(seed + 1)
    t_back, n_back = [], []
    for n, t in zip(n_outs, t_outs):
        if t.requires_grad and t.dtype.is_floating_point:
            up = rng.standard_normal(tuple(t.shape)).astype(np.asarray(_to_numpy(t)).dtype)
            t_back.append((t, torch.tensor(up)))
            n_back.append((n, numtorch.tensor(up)))
    if not t_back:
        return
    torch.autograd.backward([p[0] for p in t_back], [p[1] for p in t_back])
    numtorch.autograd.backward([p[0] for p in n_back], [p[1] for p in n_back])
    for i, (n, t) in enumerate(zip(nt, tt)):
        if t.requires_grad:
            if t.grad is None:
                assert n.grad is None or not np.any(n.grad.numpy()), f"input {i}: torch has no grad"
                continue
            assert n.grad is not None, f"input {i}: numtorch produced no gradient"
            assert_close(n.grad, t.grad, rtol, atol, f"grad of input {i}")


def check_gradcheck(fn: Callable, *specs: Any, seed: int = 0, **kwargs: Any) -> None:
    """numtorch's float64 gradcheck of ``fn(numtorch, *inputs)``."""
    arrays = make_inputs(specs, np.float64, seed)
    inputs = [numtorch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    assert numtorch.autograd.gradcheck(lambda *xs: fn(numtorch, *xs), inputs, **kwargs)


def check_error(fn: Callable, match: str, exc: type | None = None) -> None:
    """``fn(lib)`` raises the same exception type on torch and numtorch, both matching ``match``.

    ``match`` is a regular expression (``pytest.raises`` style) that torch's own message must
    satisfy too, so the test pins numtorch to PyTorch's wording rather than to itself.
    """
    import re

    import pytest

    with pytest.raises(Exception) as t_info:
        fn(torch)
    expected = exc or t_info.type
    assert issubclass(t_info.type, expected), f"torch raised {t_info.type.__name__}"
    assert re.search(match, str(t_info.value)), f"torch's message: {t_info.value}"
    with pytest.raises(expected, match=match):
        fn(numtorch)


def check_same(fn: Callable, *, rtol: float = 1e-6, atol: float = 1e-7) -> None:
    """``fn(lib)`` gives equal values (same shape and dtype) on torch and numtorch."""
    _same(fn(numtorch), fn(torch), rtol, atol)


def _same(n_out: Any, t_out: Any, rtol: float, atol: float) -> None:
    if isinstance(t_out, torch.Tensor):
        assert isinstance(n_out, numtorch.Tensor), f"{n_out!r} is not a Tensor"
        assert_close(n_out, t_out, rtol, atol, "value")
        assert str(n_out.dtype) == str(t_out.dtype)
    elif isinstance(t_out, (tuple, list)) and not isinstance(t_out, torch.Size):
        assert len(n_out) == len(t_out)
        for n, t in zip(n_out, t_out):
            _same(n, t, rtol, atol)
        if hasattr(t_out, "_fields"):  # torch.return_types: same field names
            assert n_out._fields == t_out._fields
    elif isinstance(t_out, (bool, int, float, str, type(None))):
        assert n_out == t_out and type(n_out) is type(t_out), f"{n_out!r} != torch's {t_out!r}"
    else:  # torch.Size, torch.dtype, ...: compare what the user sees
        assert repr(n_out) == repr(t_out), f"{n_out!r} != torch's {t_out!r}"


def check_saved_versions(fn: Callable, *specs: Any, dtype: Any = np.float64, seed: int = 0) -> list:
    """PyTorch's version checks, per op: for each floating input and for each output, run
    ``fn(lib, *inputs)`` on both libraries, change that one tensor in place (``add_(0.5)``
    under no_grad) after the forward, then back-propagate the same upstream gradient. Where
    PyTorch refuses ("modified by an inplace operation") numtorch must refuse too; where
    PyTorch computes gradients numtorch must compute the same ones (never a gradient at the
    changed value). Returns the list of ``(what was changed, "refused" | "same gradient")``.
    """
    arrays = make_inputs(specs, dtype, seed)
    floating = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    n_outputs = len(_outputs(fn(torch, *_leaves(torch, arrays))))
    targets = [("input", i) for i in floating] + [("output", k) for k in range(n_outputs)]
    return [_check_one_change(fn, arrays, target, seed) for target in targets]


def _leaves(lib: Any, arrays: list) -> list:
    return [lib.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]


def _run_and_change(lib: Any, fn: Callable, arrays: list, target: tuple, seed: int) -> tuple:
    leaves = _leaves(lib, arrays)
    outs = [o for o in _outputs(fn(lib, *leaves)) if o.requires_grad]
    kind, k = target
    changed = leaves[k] if kind == "input" else outs[k] if k < len(outs) else None
    if changed is not None:
        with lib.no_grad():
            changed.add_(0.5)
    rng = np.random.default_rng(seed + 1)
    ups = [lib.tensor(rng.standard_normal(tuple(o.shape)).astype(dtype_of(o))) for o in outs]
    try:
        lib.autograd.backward(outs, ups)
    except RuntimeError as err:
        if "modified by an inplace operation" not in str(err):
            raise
        return "refused", leaves
    return "same gradient", leaves


def dtype_of(t: Any) -> np.dtype:
    return np.asarray(_to_numpy(t)).dtype


def _check_one_change(fn: Callable, arrays: list, target: tuple, seed: int) -> tuple:
    t_result, t_leaves = _run_and_change(torch, fn, arrays, target, seed)
    n_result, n_leaves = _run_and_change(numtorch, fn, arrays, target, seed)
    what = f"{target[0]} {target[1]} changed in place"
    assert n_result == t_result, f"{what}: torch {t_result}, numtorch {n_result}"
    if t_result == "same gradient":
        for i, (n, t) in enumerate(zip(n_leaves, t_leaves)):
            if t.grad is not None:
                assert n.grad is not None, f"{what}: no gradient for input {i}"
                assert_close(n.grad, t.grad, 1e-6, 1e-7, f"{what}: gradient of input {i}")
    return what, t_result


def snippet_outcome(lib: Any, snippet: str) -> tuple:
    """(exception type, message) or ("ok", result shape) of the expression ``snippet`` run
    with ``torch``, ``F`` and ``nn`` bound to ``lib``'s (a tuple result: its first item's)."""
    names = {"torch": lib, "F": lib.nn.functional, "nn": lib.nn}
    try:
        out = eval(snippet, names)  # noqa: S307 - the snippets are the tests' own
    except Exception as error:  # noqa: BLE001 - the error is what is under test
        return type(error).__name__, str(error)
    return "ok", tuple((out[0] if isinstance(out, tuple) else out).shape)


def _same_record(mine: object, theirs: object, path: str = "result") -> None:
    if isinstance(theirs, torch.Tensor):
        assert isinstance(mine, numtorch.Tensor), f"{path}: {mine!r}"
        assert tuple(mine.shape) == tuple(theirs.shape), path
        assert mine.dtype.name == str(theirs.dtype).replace("torch.", ""), path
        np.testing.assert_allclose(
            mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-5, atol=1e-6, err_msg=path
        )
    elif isinstance(theirs, (list, tuple)):
        assert isinstance(mine, type(theirs)) and len(mine) == len(theirs), f"{path}: {mine!r}"
        for i, (m, t) in enumerate(zip(mine, theirs)):
            _same_record(m, t, f"{path}[{i}]")
    elif isinstance(theirs, dict):
        assert isinstance(mine, dict) and list(mine) == list(theirs), path
        for k in theirs:
            _same_record(mine[k], theirs[k], f"{path}[{k!r}]")
    else:
        assert mine == theirs, f"{path}: {mine!r} != {theirs!r}"


def parity(fn: Callable) -> object:
    """``fn(lib)`` on numtorch and on torch gives the same record; returns numtorch's."""
    mine = fn(numtorch)
    _same_record(mine, fn(torch))
    return mine


def peak_extra_bytes(fn: Callable[[], object]) -> int:
    """Bytes ``fn`` allocates at its peak beyond what it started with (NumPy reports its
    buffers to ``tracemalloc``): how an in-place op is shown to make no full-size temporary."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
