"""Out-of-place leaky ReLU and the ELU family on large float arrays run in cache-sized blocks
(``numtorch.ops.activation._out_of_place``, the in-place forms' kernels on a copy) instead of
one branching ``np.where``: bit for bit the ``np.where`` expressions, NaN (and its sign),
infinities, signed zeros and subnormals included, on one thread or split over two."""

from __future__ import annotations

import numpy as np
import pytest

import numtorch
from numtorch._kernels import parallel as kpar
from numtorch.nn import functional as F
from numtorch.ops import activation as act

SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _input(n: int, dtype) -> np.ndarray:
    x = np.random.default_rng(0).standard_normal(n).astype(dtype) * 4
    specials = [np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-40, -1e-40, 1e-310, -1e-310]
    x[: len(specials)] = np.array(specials).astype(dtype)
    x[-len(specials) :] = np.array(specials).astype(dtype)
    return x


def _same_bits(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype and a.shape == b.shape
    width = f"u{a.dtype.itemsize}"
    np.testing.assert_array_equal(a.view(width), b.view(width))


def _leaky_reference(x, slope):
    with np.errstate(all="ignore"):  # -inf * 0
        return np.where(x > 0, x, x * x.dtype.type(slope))


def _elu_reference(x, alpha, scale, input_scale):
    t = x.dtype.type
    with np.errstate(all="ignore"):
        negative = t(scale * alpha) * np.expm1(x * t(input_scale))
        return np.where(x > 0, x * t(scale), negative)


SIZES = [act._BLOCKED_MIN - 1, act._BLOCKED_MIN + 3, 3 * 2**20 // 4 + 5]  # + one split over threads


@pytest.fixture(params=[1, 2], ids=["one-thread", "two-threads"])
def threads(request, monkeypatch):
    monkeypatch.setitem(kpar._state, "threads", request.param)
    return request.param


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("slope", [0.2, -0.5, 0.0])
def test_leaky_relu_in_blocks_is_np_where_bit_for_bit(threads, dtype, n, slope):
    x = _input(n, dtype)
    got = F.leaky_relu(numtorch.from_numpy(x), slope).numpy()
    _same_bits(got, _leaky_reference(x, slope))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(
    "name, fn, coefficients",
    [
        ("elu", lambda t: F.elu(t, 0.7), (0.7, 1.0, 1.0)),
        ("selu", F.selu, (SELU_ALPHA, SELU_SCALE, 1.0)),
        ("celu", lambda t: F.celu(t, 2.0), (2.0, 1.0, 0.5)),
    ],
)
def test_elu_family_in_blocks_is_np_where_bit_for_bit(threads, dtype, n, name, fn, coefficients):
    x = _input(n, dtype)
    got = fn(numtorch.from_numpy(x)).numpy()
    _same_bits(got, _elu_reference(x, *coefficients))


def test_a_strided_input_takes_np_where_with_the_same_bits():
    x = _input(2 * act._BLOCKED_MIN + 2, np.float32)
    view = numtorch.from_numpy(x)[::2]
    assert not view.numpy().flags.c_contiguous
    _same_bits(F.leaky_relu(view, 0.1).numpy(), _leaky_reference(x[::2], 0.1))
    _same_bits(F.elu(view).numpy(), _elu_reference(x[::2], 1.0, 1.0, 1.0))


def test_gradients_flow_through_the_blocked_forms():
    x = numtorch.from_numpy(_input(act._BLOCKED_MIN * 2, np.float64)[20:-20].copy())
    x.requires_grad_()
    (F.leaky_relu(x, 0.3).sum() + F.elu(x).sum()).backward()
    a = x.detach().numpy()
    expected = np.where(a > 0, 1.0, 0.3) + np.where(a <= 0, np.exp(np.minimum(a, 0)), 1.0)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)
