"""Batched products split over numtorch's threads (``numtorch._kernels.parallel.bmm``) equal
the unsplit single-threaded product bit for bit, at any thread count, through every op that
uses them (``bmm``, ``matmul`` of 3-D operands, ``baddbmm``, attention) and their gradients."""

from __future__ import annotations

import numpy as np
import pytest

import numtorch
from numtorch._kernels import parallel as kpar


def _array(shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize(
    "shape", [(128, 64, 32, 64), (7, 100, 300, 90), (3, 5, 7, 2), (64, 1, 512, 512)]
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bmm_equals_the_unsplit_product_bit_for_bit(shape, dtype, monkeypatch):
    batch, m, k, n = shape
    a, b = _array((batch, m, k), 0, dtype), _array((batch, k, n), 1, dtype)
    expected = np.matmul(a, b)  # OpenBLAS at one thread: numtorch's default
    for threads in (1, 2, 3):
        monkeypatch.setitem(kpar._state, "threads", threads)
        got = kpar.bmm(a, b)
        assert got.shape == expected.shape and got.dtype == dtype
        np.testing.assert_array_equal(got, expected)


def test_bmm_reads_strided_operands(monkeypatch):
    a = _array((64, 96, 80))
    b = _array((64, 96, 80), 1).swapaxes(1, 2)  # a transposed view, as attention's key
    monkeypatch.setitem(kpar._state, "threads", 2)
    np.testing.assert_array_equal(kpar.bmm(a, b), np.matmul(a, b))


def _ops_results():
    numtorch.manual_seed(0)
    a = numtorch.randn(96, 64, 48, requires_grad=True)
    b = numtorch.randn(96, 48, 64, requires_grad=True)
    c = numtorch.randn(96, 64, 64, requires_grad=True)
    q, k, v = (numtorch.randn(8, 4, 64, 32, requires_grad=True) for _ in range(3))
    out = (
        numtorch.bmm(a, b).sum()
        + (a @ b).square().sum()
        + numtorch.baddbmm(c, a, b, beta=0.5, alpha=2.0).sum()
        + numtorch.nn.functional.scaled_dot_product_attention(q, k, v).square().sum()
    )
    out.backward()
    return [out.detach().numpy()] + [t.grad.numpy() for t in (a, b, c, q, k, v)]


def test_ops_on_batched_products_do_not_depend_on_the_thread_count(monkeypatch):
    monkeypatch.setitem(kpar._state, "threads", 1)
    one = _ops_results()
    monkeypatch.setitem(kpar._state, "threads", 3)
    for x, y in zip(one, _ops_results()):
        np.testing.assert_array_equal(x, y)
