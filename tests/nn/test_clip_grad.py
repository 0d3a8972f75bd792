"""Gradient clipping against PyTorch: values, return value, in-place semantics and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import numtorch
from tests.helpers import assert_close

INF, NAN = math.inf, math.nan
NORMS = [2.0, 1.0, INF, -INF, 0.0, 0.5, 3.0, -1.0, "2"]


def _params(lib, grads: list, dtypes: list | None = None) -> list:
    """One parameter per gradient array (None: a parameter without a gradient)."""
    out = []
    for i, g in enumerate(grads):
        dt = np.float32 if dtypes is None else dtypes[i]
        shape = (3,) if g is None else np.shape(g)
        p = lib.nn.Parameter(lib.zeros(shape, dtype=getattr(lib, np.dtype(dt).name)))
        if g is not None:
            p.grad = lib.tensor(np.asarray(g, dtype=dt))
        out.append(p)
    return out


def _grads(seed: int = 0, scale: float = 1.0) -> list:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) * scale for s in [(3, 4), (5,), (2, 2, 2)]] + [None]


def _compare(fn, grads, dtypes=None, rtol=1e-6):
    """Run ``fn(lib, params)`` on both libraries; compare the result and every gradient."""
    tp, np_ = _params(torch, grads, dtypes), _params(numtorch, grads, dtypes)
    t_out, n_out = fn(torch, tp), fn(numtorch, np_)
    if t_out is None:
        assert n_out is None
    else:
        assert_close(n_out, t_out, rtol, 1e-7, "total norm")
        assert str(n_out.dtype) == str(t_out.dtype)
    for i, (t, n) in enumerate(zip(tp, np_)):
        assert (t.grad is None) == (n.grad is None)
        if t.grad is not None:
            assert_close(n.grad, t.grad, rtol, 1e-7, f"grad {i}")


@pytest.mark.parametrize("norm_type", NORMS)
@pytest.mark.parametrize("max_norm", [0.1, 1.0, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    _compare(lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps, max_norm, norm_type), _grads())


@pytest.mark.parametrize("dtypes", [[np.float64] * 4, [np.float32, np.float64, np.float32, None]])
def test_clip_grad_norm_dtypes_promote_like_torch(dtypes):
    _compare(lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps, 0.5), _grads(1), dtypes)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, INF, -INF, 0.0])
@pytest.mark.parametrize("bad", [NAN, INF, -INF])
def test_nonfinite_gradients_like_torch(norm_type, bad):
    grads = _grads(2)
    grads[1][2] = bad
    _compare(lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps, 1.0, norm_type), grads)


@pytest.mark.parametrize("bad", [NAN, INF])
def test_error_if_nonfinite(bad):
    grads = _grads(3)
    grads[0][1, 1] = bad
    ps = _params(numtorch, grads)
    before = [p.grad.numpy().copy() for p in ps if p.grad is not None]
    with pytest.raises(RuntimeError, match=r"total norm of order 2.0 for gradients .*non-finite"):
        numtorch.nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    after = [p.grad.numpy() for p in ps if p.grad is not None]
    assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(before, after))


def test_finite_norm_passes_error_check():
    _compare(
        lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True), _grads(4)
    )


def test_clips_in_place_and_returns_norm_before_clipping():
    w = numtorch.nn.Parameter(numtorch.zeros(2))
    w.grad = numtorch.tensor([3.0, 4.0])
    g, version = w.grad, w.grad._version[0]
    total = numtorch.nn.utils.clip_grad_norm_(w, 1.0)  # a single tensor is accepted
    assert total.item() == pytest.approx(5.0) and total.ndim == 0 and not total.requires_grad
    assert w.grad is g and g._version[0] == version + 1
    assert np.allclose(g.numpy(), [0.6, 0.8], atol=1e-6)


def test_no_clipping_below_max_norm_is_exact():
    w = numtorch.nn.Parameter(numtorch.zeros(2))
    w.grad = numtorch.tensor([0.3, 0.4])
    numtorch.nn.utils.clip_grad_norm_([w], 1.0)
    assert w.grad.numpy().tolist() == np.float32([0.3, 0.4]).tolist()


@pytest.mark.parametrize("lib", [torch, numtorch], ids=["torch", "numtorch"])
def test_no_gradients_returns_float32_zero(lib):
    ps = _params(lib, [None, None])
    total = lib.nn.utils.clip_grad_norm_(ps, 1.0)
    assert total.item() == 0.0 and str(total.dtype).endswith("float32")
    assert lib.nn.utils.clip_grad_norm_([], 1.0).item() == 0.0


@pytest.mark.parametrize("lib", [torch, numtorch], ids=["torch", "numtorch"])
def test_empty_generator_warns(lib):
    with pytest.warns(UserWarning, match="`parameters` is an empty generator"):
        lib.nn.utils.clip_grad_norm_((p for p in []), 1.0)


@pytest.mark.parametrize("lib", [torch, numtorch], ids=["torch", "numtorch"])
def test_generator_of_parameters_is_not_exhausted_early(lib):
    ps = _params(lib, [np.array([3.0, 4.0])])
    lib.nn.utils.clip_grad_norm_((p for p in ps), 1.0)
    assert np.allclose(ps[0].grad.detach().numpy(), [0.6, 0.8], atol=1e-6)


def test_deprecated_alias_warns_and_clips():
    with pytest.warns(FutureWarning, match="clip_grad_norm` is now deprecated"):
        _compare(lambda lib, ps: lib.nn.utils.clip_grad_norm(ps, 0.5), _grads(5))


@pytest.mark.parametrize(
    "args, exc, match",
    [
        (("x",), ValueError, "could not convert string to float"),
        ((None,), TypeError, "float"),
        ((1.0, "fro"), ValueError, "could not convert string to float"),
    ],
)
def test_bad_arguments_like_torch(args, exc, match):
    for lib in (torch, numtorch):
        with pytest.raises(exc, match=match):
            lib.nn.utils.clip_grad_norm_(_params(lib, [np.ones(2)]), *args)


@pytest.mark.parametrize("norm_type", [INF, -INF, -1.0])
def test_norm_without_identity_on_empty_grad_raises(norm_type):
    for lib in (torch, numtorch):
        with pytest.raises(RuntimeError, match="norm on an empty tensor because the operation"):
            lib.nn.utils.clip_grad_norm_(_params(lib, [np.ones(0)]), 1.0, norm_type)


@pytest.mark.parametrize("norm_type", [0.0, 1.0, 2.0])
def test_empty_grad_with_identity_norm(norm_type):
    _compare(lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps, 1.0, norm_type), [np.ones(0)])


def test_non_tensor_parameter_raises_attribute_error():
    for lib in (torch, numtorch):
        with pytest.raises(AttributeError, match="'float' object has no attribute 'grad'"):
            lib.nn.utils.clip_grad_norm_([1.0], 1.0)


@pytest.mark.parametrize("norm_type", [2.0, INF, 1.0])
def test_get_total_norm_and_clip_grads_with_norm(norm_type):
    def fn(lib, ps):
        grads = [p.grad for p in ps if p.grad is not None]
        total = lib.nn.utils.get_total_norm(grads, norm_type)
        lib.nn.utils.clip_grads_with_norm_(ps, 0.3, total)
        return total

    _compare(fn, _grads(6))


@pytest.mark.parametrize("clip_value", [0.5, 1.0, 0.0, -1.0, INF, "0.25"])
def test_clip_grad_value_matches_torch(clip_value):
    grads = _grads(7, scale=2.0)
    grads[0][0, :3] = [NAN, INF, -INF]
    _compare(lambda lib, ps: lib.nn.utils.clip_grad_value_(ps, clip_value), grads)


def test_clip_grad_value_float64_and_single_tensor():
    _compare(lambda lib, ps: lib.nn.utils.clip_grad_value_(ps[0], 0.1), _grads(8), [np.float64] * 4)


def test_clip_grad_value_in_place():
    w = numtorch.nn.Parameter(numtorch.zeros(3))
    w.grad = numtorch.tensor([-2.0, 0.5, 2.0])
    g = w.grad
    assert numtorch.nn.utils.clip_grad_value_([w], 1.0) is None
    assert w.grad is g and g.numpy().tolist() == [-1.0, 0.5, 1.0]


@pytest.mark.parametrize("bad, exc", [(None, TypeError), ("x", ValueError)])
def test_clip_grad_value_bad_value(bad, exc):
    for lib in (torch, numtorch):
        with pytest.raises(exc, match="float"):
            lib.nn.utils.clip_grad_value_(_params(lib, [np.ones(2)]), bad)


def test_clip_grad_norm_records_no_graph():
    w = numtorch.nn.Parameter(numtorch.zeros(2))
    w.grad = numtorch.tensor([3.0, 4.0], requires_grad=True)
    total = numtorch.nn.utils.clip_grad_norm_([w], 1.0)
    assert total.grad_fn is None
