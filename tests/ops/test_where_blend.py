"""``numtorch.ops._where.where``: ``np.where`` bit for bit (a bitwise blend in blocks for large
float operands, ``np.where`` itself otherwise), through the ops that use it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
from numtorch.ops import _where

N = _where._MIN_SIZE * 3 + 5  # several blocks and a ragged end
BIG = 3 * 2**20 // 4 + 7


def _floats(n: int, dtype, seed: int = 0) -> np.ndarray:
    x = (np.random.default_rng(seed).standard_normal(n) * 3).astype(dtype)
    specials = np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-310, -1e-40])
    x[: specials.size] = specials.astype(dtype)
    nan_payload = np.array([0x7FC00001 if dtype == np.float32 else 0], np.uint32)
    if dtype == np.float32:
        x[specials.size] = nan_payload.view(np.float32)[0]  # a NaN with a payload
    return x


def _same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype and a.shape == b.shape
    width = f"u{a.dtype.itemsize}"
    np.testing.assert_array_equal(a.view(width), b.view(width))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("n", [N, BIG])
@pytest.mark.parametrize(
    "make",
    [
        lambda c, a, b: (c, a, b),
        lambda c, a, b: (c, a, 0),
        lambda c, a, b: (c, 0.5, b),
        lambda c, a, b: (c, a, a.dtype.type(-2.25)),
        lambda c, a, b: (c, np.zeros((), a.dtype), b),
    ],
    ids=["arrays", "python-zero", "python-float", "numpy-scalar", "0-d array"],
)
def test_the_blend_is_np_where_bit_for_bit(dtype, n, make):
    a, b = _floats(n, dtype), _floats(n, dtype, seed=1)[::-1].copy()
    cond = np.random.default_rng(2).random(n) < 0.5
    args = make(cond, a, b)
    assert _where._blend_dtype(*args, None) is not None  # the blend ran
    _same(_where.where(*args), np.where(*args))


@pytest.mark.parametrize("alias", ["a", "b"])
def test_out_may_be_either_operand(alias):
    a, b = _floats(N, np.float32), _floats(N, np.float32, seed=1)
    cond = np.random.default_rng(2).random(N) < 0.5
    expected = np.where(cond, a, b)
    out = a if alias == "a" else b
    assert _where.where(cond, a, b, out=out) is out
    _same(out, expected)


@pytest.mark.parametrize(
    "args",
    [
        lambda c, a: (c, np.arange(a.size, dtype=np.int32), 0),  # integers
        lambda c, a: (c, a, a.astype(np.float64)),  # mixed dtypes: NumPy promotes
        lambda c, a: (c, a, np.float64(1.5)),  # a strong scalar of another dtype promotes
        lambda c, a: (c[: c.size // 2 * 2].reshape(2, -1)[:, ::2], a[: a.size // 4], 0),  # strided
        lambda c, a: (c[:100], a[:100], 0),  # small
        lambda c, a: (c.reshape(-1, 1)[:64], a[:7], 1.0),  # broadcasting
        lambda c, a: (c, 1.0, 2.0),  # scalars only
    ],
    ids=["int", "mixed", "strong-scalar", "strided", "small", "broadcast", "scalars"],
)
def test_other_cases_are_np_where_itself(args):
    cond = np.random.default_rng(2).random(N) < 0.5
    a = _floats(N, np.float32)
    call = args(cond, a)
    expected = np.where(*call)
    got = _where.where(*call)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "name",
    ["sigmoid", "silu", "softplus", "hardtanh", "relu6", "elu", "where"],
)
def test_the_ops_that_blend_match_pytorch(dtype, name):
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((N // 8, 8)) * 3).astype(dtype)  # finite: both libraries agree
    g = rng.standard_normal(x.shape).astype(dtype)
    results = []
    for lib in (numtorch, torch):
        t = lib.tensor(x, requires_grad=True)
        F = lib.nn.functional
        fn = {
            "sigmoid": lib.sigmoid,
            "silu": F.silu,
            "softplus": lambda v, F=F: F.softplus(v, beta=2.0, threshold=3.0),
            "hardtanh": F.hardtanh,
            "relu6": F.relu6,
            "elu": F.elu,
            "where": lambda v, lib=lib: lib.where(v > 0, v * 2, v.sin()),
        }[name]
        y = fn(t)
        y.backward(lib.tensor(g))
        results.append((y.detach().numpy(), t.grad.numpy()))
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for ours, theirs in zip(results[0], results[1]):
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol)
