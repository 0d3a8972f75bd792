"""The dropout primitive: the chunked Bernoulli mask and the affine constants."""

from __future__ import annotations

import numpy as np
import pytest

import numtorch
from numtorch.ops import dropout as ops


@pytest.mark.parametrize("shape", [(), (0,), (7,), (3, 5), (ops._CHUNK * 2 + 13,), (3, 40000)])
def test_chunked_mask_equals_one_draw_of_the_same_stream(shape: tuple) -> None:
    keep = ops.bernoulli_mask(np.random.default_rng(5), shape, 0.3)
    assert keep.shape == shape and keep.dtype == np.bool_
    np.testing.assert_array_equal(keep, np.random.default_rng(5).random(shape) < 0.3)


@pytest.mark.parametrize("q,expected", [(0.0, False), (1.0, True)])
def test_mask_edges_are_certain(q: float, expected: bool) -> None:
    keep = ops.bernoulli_mask(np.random.default_rng(0), (1000,), q)
    assert (keep == expected).all()


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_plain_constants_are_rounded_as_in_aten(p: float) -> None:
    a, b, c = ops.affine(p, False, np.float32)
    assert a.dtype == np.float32 and a == np.float32(1) / np.float32(1 - p)
    assert b == 0 and c == 0


@pytest.mark.parametrize("p", [0.05, 0.2, 0.5, 0.8])
def test_alpha_constants_keep_mean_zero_and_variance_one(p: float) -> None:
    """For x with mean 0 and variance 1: E[y] = (1-p) b + p c and E[y^2] = (1-p)(a^2 + b^2)
    + p c^2 (kept: a x + b, dropped: c)."""
    a, b, c = (float(v) for v in ops.affine(p, True, np.float64))
    assert (1 - p) * b + p * c == pytest.approx(0, abs=1e-12)
    assert (1 - p) * (a * a + b * b) + p * c * c == pytest.approx(1, abs=1e-12)
    assert c == pytest.approx(-ops.ALPHA_PRIME * a * (1 - p))


@pytest.mark.parametrize("alpha", [False, True])
def test_p_one_constants_are_zero_without_dividing(alpha: bool) -> None:
    with np.errstate(all="raise"):
        assert ops.affine(1.0, alpha, np.float32) == (0, 0, 0)


def test_backward_reads_only_the_mask() -> None:
    x = numtorch.ones(2, 3, requires_grad=True)
    keep = np.array([[True], [False]])
    out = ops.Dropout.apply(x, keep=keep, a=np.float32(2), b=np.float32(0), c=np.float32(0))
    out.backward(numtorch.full((2, 3), 3.0))
    np.testing.assert_array_equal(x.grad.numpy(), [[6, 6, 6], [0, 0, 0]])
    assert out.grad_fn.name() == "DropoutBackward0"


@pytest.mark.parametrize("shape", [(), (7,), (3, 5), (ops._CHUNK * 2 + 13,), (3, 40000)])
def test_packed_mask_holds_the_same_draws_one_bit_each(shape: tuple) -> None:
    bits = ops.bernoulli_mask(np.random.default_rng(5), shape, 0.3, packed=True)
    keep = ops.bernoulli_mask(np.random.default_rng(5), shape, 0.3)
    assert bits.dtype == np.uint8 and bits.size == (keep.size + 7) // 8
    np.testing.assert_array_equal(ops.unpack_mask(bits, shape), keep)


def _apply(x: np.ndarray, keep: np.ndarray, alpha: bool, inplace: bool, layout=None):
    a, b, c = ops.affine(0.3, alpha, x.dtype)
    t = numtorch.tensor(x, requires_grad=True)
    h = t * 1.0
    if layout is not None:
        h = layout(h)
    out = ops.Dropout.apply(h, keep=keep, a=a, b=b, c=c, inplace=inplace)
    g = np.random.default_rng(9).standard_normal(out.shape).astype(x.dtype)
    g[0, :3] = [np.nan, np.inf, -np.inf]  # dropped entries get exactly 0 even so
    out.backward(numtorch.tensor(g))
    return out.detach().numpy().copy(), t.grad.numpy()


@pytest.mark.parametrize("alpha", [False, True])
@pytest.mark.parametrize("inplace", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "layout", [None, lambda h: h.transpose(0, 1)], ids=["contiguous", "transposed"]
)
def test_a_packed_mask_gives_the_bool_mask_s_values_and_gradients(
    alpha: bool, inplace: bool, dtype, layout
) -> None:
    x = np.random.default_rng(1).standard_normal((ops._CHUNK // 64 + 3, 70)).astype(dtype)
    x[0, :4] = [np.nan, np.inf, -np.inf, -0.0]
    shape = x.shape if layout is None else x.T.shape
    keep = ops.bernoulli_mask(np.random.default_rng(3), shape, 0.6)
    keep[0, :4] = [False, False, True, False]
    bits = np.packbits(keep)
    expected = _apply(x, keep, alpha, inplace, layout)
    got = _apply(x, bits, alpha, inplace, layout)
    for e, g in zip(expected, got):
        np.testing.assert_array_equal(g, e)
    c = ops.affine(0.3, alpha, np.dtype(dtype))[2]
    assert (got[0][~keep] == c).all()
    grad = got[1] if layout is None else got[1].T
    assert (grad[~keep] == 0).all()
