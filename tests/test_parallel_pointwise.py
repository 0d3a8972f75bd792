"""Pointwise work on activation-sized arrays runs in flat chunks on numtorch's threads
(``numtorch._kernels.parallel.pointwise``: relu forward and backward, ``Add``, the engine's
sum of two contributions to one gradient): bit for bit the one-call NumPy result at any thread
count, NaN, infinities and signed zeros included."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
from numtorch._kernels import parallel as kpar

SHAPE = (8, 16, 64, 131)  # 4.3 MB in float32: split, in chunks that do not divide it evenly


def _special(shape, dtype, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    flat = x.reshape(-1)
    flat[::97] = np.nan
    flat[1::89] = -0.0
    flat[2::83] = np.inf
    flat[3::79] = -np.inf
    return x


def _run(x_np, r_np, g_np, lib):
    x = lib.tensor(x_np, requires_grad=True)
    r = lib.tensor(r_np, requires_grad=True)
    h = lib.relu(x)
    y = lib.relu(h + r) + h  # h's gradient: two contributions, summed by the engine
    y.backward(lib.tensor(g_np))
    return [t.numpy() for t in (y.detach(), x.grad, r.grad)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_relu_add_and_gradient_sums_equal_one_numpy_call(dtype, threads, monkeypatch):
    x_np, r_np = _special(SHAPE, dtype), _special(SHAPE, dtype, seed=1)
    g_np = np.random.default_rng(2).standard_normal(SHAPE).astype(dtype)
    assert kpar.splits(x_np, r_np)
    monkeypatch.setattr(kpar, "_POINTWISE_BYTES", 1 << 62)  # the one-call reference
    reference = _run(x_np, r_np, g_np, numtorch)
    monkeypatch.setattr(kpar, "_POINTWISE_BYTES", 4 * 2**20)
    monkeypatch.setitem(kpar._state, "threads", threads)
    split = _run(x_np, r_np, g_np, numtorch)
    for got, one_call, expected in zip(split, reference, _run(x_np, r_np, g_np, torch)):
        assert got.tobytes() == one_call.tobytes()  # bit for bit, signed zeros included
        np.testing.assert_array_equal(got, expected)  # PyTorch's values


def test_pointwise_equals_one_call_at_every_thread_count(monkeypatch):
    a, b = _special(SHAPE, np.float32), _special(SHAPE, np.float32, seed=1)
    for threads in (1, 2, 5):
        monkeypatch.setitem(kpar._state, "threads", threads)
        np.testing.assert_array_equal(kpar.pointwise(np.add, a, b), a + b)


def test_what_splits():
    big = np.ones((2048, 1024), np.float32)
    assert kpar.splits(big) and kpar.splits(big, big + 1)
    assert not kpar.splits(np.ones((4, 5), np.float32))  # small: one call
    assert not kpar.splits(np.asfortranarray(big))  # not C-contiguous
    assert not kpar.splits(big, big[:1024])  # shapes differ (broadcasting)
    assert not kpar.splits(big, big.astype(np.float64))  # dtypes differ (promotion)
    assert not kpar.splits(big, 2.0)  # a scalar operand


def test_split_ops_run_under_the_caller_s_error_state(monkeypatch):
    """The pool's threads take the caller's NumPy error state: a split relu backward with an
    infinite gradient and a split ``inf + -inf`` warn no more than one call does (autograd
    runs them silenced); without the caller's state they warned (errors under pytest)."""
    monkeypatch.setitem(kpar._state, "threads", 2)
    x = numtorch.tensor(_special(SHAPE, np.float32), requires_grad=True)
    g = np.full(SHAPE, np.inf, np.float32)
    numtorch.relu(x).backward(numtorch.tensor(g))  # inf * 0 where relu's result is 0
    a = np.full(SHAPE, np.inf, np.float32)
    s = numtorch.tensor(a) + numtorch.tensor(-a)
    assert np.isnan(s.numpy()).all()
    with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
        kpar.pointwise(np.add, a, -a)  # the caller's "raise" holds on every thread
