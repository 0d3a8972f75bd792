"""The dropout family against PyTorch and against its own statistics.

PyTorch's random streams differ from numtorch's, so values are compared with the *same mask*:
PyTorch's mask is recovered by running it twice from one seed on two inputs (a kept element
depends on the input, a dropped one does not), then numtorch's primitive applies that mask and
must give PyTorch's values and gradients bit for bit. The statistical tests use fixed seeds with
5-sigma bounds, so they would pass for other seeds too.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from dropout_cases import CASES, FEATURE, PLAIN, Case, randn, train
from helpers import check_gradcheck, check_op

import numtorch
from numtorch.ops import dropout as ops


def torch_mask(case: Case, x: np.ndarray, p: float, seed: int = 0) -> np.ndarray:
    """PyTorch's keep-mask for ``x``: where its output changes with the input."""
    outs = []
    for data in (x, x + 1):
        torch.manual_seed(seed)
        outs.append(case.fn(torch)(torch.tensor(data), p, True).numpy())
    return outs[0] != outs[1]


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_same_mask_gives_torch_values_and_gradients(case: Case, dtype, p: float) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal(case.shape).astype(dtype)
    g = rng.standard_normal(case.shape).astype(dtype)
    keep = torch_mask(case, x, p)
    if case.mask_dims == 2:  # PyTorch's own mask is constant over each feature map
        maps = keep.reshape(keep.shape[:2] + (-1,))
        assert (maps == maps[..., :1]).all()
    torch.manual_seed(0)
    tx = torch.tensor(x, requires_grad=True)
    t_out = case.fn(torch)(tx, p, True)
    t_out.backward(torch.tensor(g))
    nx = numtorch.tensor(x, requires_grad=True)
    n_out = ops.Dropout.apply(nx, keep=keep, **dict(zip("abc", ops.affine(p, case.alpha, x.dtype))))
    n_out.backward(numtorch.tensor(g))
    np.testing.assert_array_equal(n_out.detach().numpy(), t_out.detach().numpy())
    np.testing.assert_array_equal(nx.grad.numpy(), tx.grad.numpy())
    assert n_out.dtype.name == np.dtype(dtype).name


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("p", [0.3, 0.7])
def test_output_is_the_primitive_applied_to_the_drawn_mask(case: Case, p: float) -> None:
    x = randn(case.shape)
    out = train(case, x, p, generator=numtorch.Generator().manual_seed(7))
    rng = numtorch.Generator().manual_seed(7).rng
    keep = ops.bernoulli_mask(rng, case.mask_shape(), 1 - p)
    np.testing.assert_array_equal(out.numpy(), case.reference(x.numpy(), keep, p))
    layer = case.layer(numtorch, p)
    _ = numtorch.manual_seed(7)
    np.testing.assert_array_equal(layer(x).numpy(), out.numpy())
    np.testing.assert_array_equal(layer.last_mask.numpy(), keep)


@pytest.mark.parametrize("case", FEATURE, ids=str)
def test_every_map_is_all_dropped_or_all_kept(case: Case) -> None:
    p = 0.5
    x = randn((8, 16) + case.shape[2:])
    layer = case.layer(numtorch, p)
    out = layer(x).numpy()
    a, b, c = ops.affine(p, case.alpha, np.float32)
    kept = (out == x.numpy() * a + b).reshape(8, 16, -1).all(-1)
    dropped = (out == c).reshape(8, 16, -1).all(-1)
    assert (kept ^ dropped).all()
    assert 0 < kept.sum() < kept.size
    np.testing.assert_array_equal(kept, layer.last_mask.numpy())


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropped_fraction_within_five_sigma(case: Case, p: float) -> None:
    shape = (100, 100) + case.shape[2:] if case.mask_dims == 2 else (50, 40, 5)
    layer = case.layer(numtorch, p)
    layer(numtorch.ones(shape))
    decisions = layer.last_mask.numpy()
    n = decisions.size
    dropped = n - int(decisions.sum())
    assert abs(dropped - n * p) <= 5 * math.sqrt(n * p * (1 - p)), (dropped, n * p)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_masks_differ_across_samples_and_calls(case: Case) -> None:
    layer = case.layer(numtorch, 0.5)
    x = numtorch.ones((8, 32) + case.shape[2:])
    layer(x)
    first = layer.last_mask.numpy().reshape(8, -1)
    assert len({row.tobytes() for row in first}) == 8  # each sample gets its own mask
    layer(x)
    assert not np.array_equal(layer.last_mask.numpy().reshape(8, -1), first)


@pytest.mark.parametrize("case", PLAIN, ids=str)
@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_output_mean_is_unbiased(case: Case, p: float) -> None:
    shape = (200, 100) + case.shape[2:] if case.mask_dims == 2 else (100, 100, 5)
    out = train(case, numtorch.ones(shape), p).numpy()
    per_decision = out.reshape(out.shape[: case.mask_dims] + (-1,))[..., 0]  # 1/(1-p) or 0
    n = per_decision.size
    sigma = math.sqrt(p / (1 - p) / n)
    assert abs(per_decision.mean() - 1) <= 5 * sigma


@pytest.mark.parametrize("case", [c for c in CASES if c.alpha], ids=str)
@pytest.mark.parametrize("p", [0.1, 0.3, 0.5])
def test_alpha_dropout_keeps_selu_mean_and_variance(case: Case, p: float) -> None:
    """SELU maps N(0, 1) to mean 0 / variance 1; alpha dropout must keep both."""
    shape = (2000, 50, 10) if case.mask_dims == 3 else (200, 50, 10, 10)
    z = numtorch.tensor(np.random.default_rng(0).standard_normal(shape))
    x = numtorch.nn.functional.selu(z)
    assert abs(x.numpy().mean()) < 0.01 and abs(x.numpy().var() - 1) < 0.01
    out = train(case, x, p).numpy()
    # The independent units are the elements, or whole maps for the feature variant: each
    # estimate must lie within 5 standard errors (measured from the units themselves) of 0 / 1.
    units = out.reshape(out.shape[:2] + (-1,)) if case.mask_dims == 2 else out[..., None]
    first, second = units.mean(-1).ravel(), (units**2).mean(-1).ravel()
    se_first = first.std() / math.sqrt(first.size)
    se_second = second.std() / math.sqrt(second.size)
    assert abs(first.mean()) <= 5 * se_first
    assert abs(second.mean() - first.mean() ** 2 - 1) <= 5 * se_second + 2 * 5 * se_first**2
    assert se_second < 0.005  # the test is sharp enough to see a 2.5% error in the variance


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradient_uses_the_forward_mask(case: Case) -> None:
    p = 0.4
    x = randn(case.shape, requires_grad=True)
    g = randn(case.shape, seed=3)
    layer = case.layer(numtorch, p)
    out = layer(x)
    out.backward(g)
    keep = case.broadcast(layer.last_mask.numpy(), x.ndim)
    a = ops.affine(p, case.alpha, np.float32)[0]
    np.testing.assert_array_equal(x.grad.numpy(), np.where(keep, g.numpy() * a, 0))
    np.testing.assert_array_equal(x.grad.numpy() == 0, np.broadcast_to(~keep, case.shape))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradcheck_with_a_fixed_mask(case: Case) -> None:
    gen = numtorch.Generator()
    shape = (2, 3) + case.shape[2:][:1] + (2,) * (len(case.shape) - 3)
    check_gradcheck(lambda lib, x: case.fn(lib)(x, 0.4, True, generator=gen.manual_seed(1)), shape)


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("p,training", [(0.0, True), (1.0, True), (0.5, False)])
def test_deterministic_settings_match_torch(case: Case, p: float, training: bool) -> None:
    check_op(lambda lib, x: case.fn(lib)(x * 1, p, training), case.shape)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_reproducible_from_a_seed(case: Case) -> None:
    x = randn(case.shape)
    numtorch.manual_seed(123)
    first = train(case, x, 0.5).numpy()
    numtorch.manual_seed(123)
    np.testing.assert_array_equal(train(case, x, 0.5).numpy(), first)
    gen = numtorch.Generator().manual_seed(123)
    state = numtorch.get_rng_state()
    np.testing.assert_array_equal(train(case, x, 0.5, generator=gen).numpy(), first)
    assert numtorch.get_rng_state().equal(state)  # a given generator leaves the default alone
    assert not np.array_equal(train(case, x, 0.5, generator=gen).numpy(), first)
