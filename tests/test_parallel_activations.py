"""Sigmoid, tanh, GELU (both modes) and SiLU on activation-sized arrays run in flat chunks on
numtorch's threads (``numtorch._kernels.parallel.pointwise``, over
``numtorch._kernels.parallel.for_planes``), forward and backward: bit for bit the one-call
NumPy result at any thread count, NaNs of either sign, infinities and signed zeros included,
and PyTorch's values."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
from numtorch._kernels import parallel as kpar

# just over 4 MiB (split), in chunks that do not divide it evenly
SHAPES = {np.float32: (8, 16, 64, 131), np.float64: (4, 16, 64, 131)}
OPS = {
    "sigmoid": lambda lib, x: lib.sigmoid(x),
    "tanh": lambda lib, x: lib.tanh(x),
    "gelu": lambda lib, x: lib.nn.functional.gelu(x),
    "gelu_tanh": lambda lib, x: lib.nn.functional.gelu(x, approximate="tanh"),
    "silu": lambda lib, x: lib.nn.functional.silu(x),
}
# tests/nn/test_activation.py's parity tolerances
TOLERANCES = {np.float32: {"rtol": 1e-5, "atol": 1e-6}, np.float64: {"rtol": 1e-12, "atol": 1e-12}}


def _special(shape, dtype, seed=0, scale=3, at=0):
    """Normal values with NaNs of both signs, infinities and zeros of both signs from ``at``
    on, and NaNs among the last elements."""
    x = (scale * np.random.default_rng(seed).standard_normal(shape)).astype(dtype)
    flat = x.reshape(-1)
    flat[at::97] = np.nan
    flat[at + 5 :: 101] = -np.nan  # NaNs of both signs: NumPy's loops pick one by position
    flat[at + 1 :: 89] = -0.0
    flat[at + 2 :: 83] = np.inf
    flat[at + 3 :: 79] = -np.inf
    flat[at + 4 :: 73] = 0.0
    flat[-3:] = [np.nan, -np.nan, np.nan]  # in the last SIMD vector's scalar remainder
    return x


def _run(name, x_np, g_np, lib):
    x = lib.tensor(x_np, requires_grad=True)
    y = OPS[name](lib, x)
    y.backward(lib.tensor(g_np))
    return y.detach().numpy(), x.grad.numpy()


def _count_splits(monkeypatch):
    calls = []
    for_planes = kpar.for_planes
    monkeypatch.setattr(kpar, "for_planes", lambda fn, *a: calls.append(a) or for_planes(fn, *a))
    return calls


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", OPS)
def test_split_activation_equals_one_numpy_call_and_torch(name, dtype, monkeypatch):
    x_np = _special(SHAPES[dtype], dtype)
    # g small and finite: tests/nn's atol is for unit-sized results (float32 GELU's derivative
    # is good to ~3e-7 in either library), and times inf the last-ulp differences of a tanh
    # near +-1 would be inf in one library and NaN in the other
    g_np = _special(x_np.shape, dtype, seed=1, scale=0.25, at=40)
    g_np[np.isinf(g_np)] = 0.5
    assert kpar.splits(x_np, g_np)
    calls = _count_splits(monkeypatch)
    monkeypatch.setattr(kpar, "_POINTWISE_BYTES", 1 << 62)  # the one-call reference
    reference = _run(name, x_np, g_np, numtorch)
    assert calls == []
    monkeypatch.setattr(kpar, "_POINTWISE_BYTES", 4 * 2**20)
    for threads in (1, 2, 3):
        monkeypatch.setitem(kpar._state, "threads", threads)
        calls.clear()
        split = _run(name, x_np, g_np, numtorch)
        assert len(calls) == 2  # forward and backward both split
        for got, one_call in zip(split, reference):
            assert got.dtype == one_call.dtype
            assert got.tobytes() == one_call.tobytes()  # bit for bit, signed zeros included
    # PyTorch's float32 erf GELU gives NaN at +inf (float64's and the tanh form's give inf)
    finite = ~((x_np == np.inf) & (name == "gelu") & (dtype == np.float32))
    tol = TOLERANCES[dtype]
    if name.startswith("gelu") and dtype == np.float32:
        # over a million samples float32 GELU's cancellations (x near -3.5, -4.5) reach 1.2e-6
        # in either library against float64 (tests/nn's atol is for 28 samples)
        tol = {"rtol": 1e-5, "atol": 2e-6}
    for got, expected in zip(reference, _run(name, x_np, g_np, torch)):
        got, expected = got[finite], expected[finite]
        np.testing.assert_allclose(got, expected, **tol)  # NaN where torch's
    zeros = x_np == 0  # tanh, GELU and SiLU keep the sign of a zero, as in PyTorch
    y, y_torch = reference[0][zeros], OPS[name](torch, torch.tensor(x_np)).numpy()[zeros]
    np.testing.assert_array_equal(
        y.view(y.dtype.str.replace("f", "u")), y_torch.view(y.dtype.str.replace("f", "u"))
    )


@pytest.mark.parametrize("name", OPS)
def test_what_is_split(name, monkeypatch):
    """Forward splits a big C-contiguous float input, backward a gradient like it; a sum's
    broadcast gradient, a transposed input or a small one keep the one-call code."""
    calls = _count_splits(monkeypatch)
    x_np = 3 * np.random.default_rng(0).standard_normal(SHAPES[np.float32], np.float32)
    for lib in (numtorch, torch):
        x = lib.tensor(x_np, requires_grad=True)
        y = OPS[name](lib, x)
        y.sum().backward()  # a broadcast gradient: not split
        xt = lib.tensor(x_np.transpose(3, 2, 1, 0), requires_grad=True)
        yt = OPS[name](lib, xt)
        yt.backward(lib.ones_like(yt))
        small = lib.tensor(x_np[:1, :1], requires_grad=True)
        ys = OPS[name](lib, small)
        ys.backward(lib.ones_like(ys))
        if lib is numtorch:
            assert len(calls) == 1  # y's forward only
            got = [t.detach().numpy() for t in (y, x.grad, yt, xt.grad, ys, small.grad)]
    expected = [t.detach().numpy() for t in (y, x.grad, yt, xt.grad, ys, small.grad)]
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pointwise_chunks_start_on_256_kib_and_are_no_shorter(dtype, monkeypatch):
    step = kpar._POINTWISE_ALIGN_BYTES // np.dtype(dtype).itemsize
    a = _special((20 * step + 5,), dtype)  # a remainder, joined to the last chunk
    b = _special(a.shape, dtype, seed=1, at=3)
    monkeypatch.setitem(kpar._state, "threads", 3)
    pieces = []

    def add(x, y, out):
        pieces.append(((x.ctypes.data - a.ctypes.data) // a.itemsize, x.size))
        return np.add(x, y, out=out)

    with np.errstate(invalid="ignore"):  # inf - inf, silenced on the pool's threads too
        got = kpar.pointwise(add, a, b)
        assert got.tobytes() == (a + b).tobytes()
    starts, sizes = zip(*sorted(pieces))
    assert len(pieces) > 1 and all(s % step == 0 and n >= step for s, n in pieces)
    assert starts[0] == 0 and sum(sizes) == a.size  # each element once
    assert all(s0 + n0 == s1 for s0, n0, s1 in zip(starts, sizes, starts[1:]))
