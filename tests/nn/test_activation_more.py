"""The second batch of activations against PyTorch: hard/shrink families, threshold, Mish,
log-sigmoid, GLU, PReLU, RReLU, Gumbel-softmax, the in-place ``F.x_`` forms, their layers
(repr, parameters, forward) and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
from tests.helpers import check_error, check_gradcheck, check_op, check_saved_versions

ACTIVATIONS = {
    "hardswish": lambda F, x: F.hardswish(x * 4),
    "hardsigmoid": lambda F, x: F.hardsigmoid(x * 4),
    "hardshrink": lambda F, x: F.hardshrink(x),
    "hardshrink_1": lambda F, x: F.hardshrink(x, 1.0),
    "hardshrink_neg": lambda F, x: F.hardshrink(x, -0.3),
    "softshrink": lambda F, x: F.softshrink(x),
    "softshrink_0.2": lambda F, x: F.softshrink(x, 0.2),
    "tanhshrink": lambda F, x: F.tanhshrink(x * 2),
    "softsign": lambda F, x: F.softsign(x * 3),
    "mish": lambda F, x: F.mish(x * 4),
    "logsigmoid": lambda F, x: F.logsigmoid(x * 5),
    "threshold": lambda F, x: F.threshold(x, 0.1, 20.0),
    "threshold_neg": lambda F, x: F.threshold(x, -0.5, -3.0),
    "glu": lambda F, x: F.glu(x),
    "glu_0": lambda F, x: F.glu(x, 0),
    "rrelu_eval": lambda F, x: F.rrelu(x),
    "rrelu_eval_bounds": lambda F, x: F.rrelu(x, 0.1, 0.9),
    "gumbel_hard_eval_shape": lambda F, x: F.softmin(x, 1),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parity(name, dtype):
    fn = ACTIVATIONS[name]
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}
    check_op(lambda lib, x: fn(lib.nn.functional, x), (4, 6), dtype=dtype, **tol)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_gradcheck(name):
    fn = ACTIVATIONS[name]
    check_gradcheck(lambda lib, x: fn(lib.nn.functional, x), (2, 4))


KINKS = np.array([-4.0, -3.0, -1.0, -0.5, -0.0, 0.0, 0.1, 0.5, 1.0, 3.0, 4.0, 30.0, -30.0])


@pytest.mark.parametrize(
    "fn",
    [
        lambda F, x: F.hardswish(x),
        lambda F, x: F.hardsigmoid(x),
        lambda F, x: F.hardshrink(x),
        lambda F, x: F.softshrink(x),
        lambda F, x: F.threshold(x, 0.1, 5.0),
        lambda F, x: F.threshold(x, 0.0, 0.0),
        lambda F, x: F.mish(x),
        lambda F, x: F.logsigmoid(x),
        lambda F, x: F.rrelu(x),
        lambda F, x: F.prelu(x, x.new_tensor([0.3])),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kinks_and_tails_match_torch(fn, dtype):
    check_op(lambda lib, x: fn(lib.nn.functional, x), KINKS, dtype=dtype)


def test_logsigmoid_and_mish_stay_finite_for_huge_inputs():
    x = np.array([-1e4, -100.0, 100.0, 1e4], dtype=np.float32)
    check_op(lambda lib, x: lib.nn.functional.logsigmoid(x), x)
    check_op(lambda lib, x: lib.nn.functional.mish(x), x)


PRELU = [((4, 3), (3,)), ((4, 3), (1,)), ((2, 3, 5), (3,)), ((2, 3, 2, 2), (3,)), ((5,), (1,))]


@pytest.mark.parametrize("x_shape, w_shape", PRELU, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_prelu_parity_and_weight_gradient(x_shape, w_shape, dtype):
    w = np.random.default_rng(3).random(w_shape)
    check_op(lambda lib, x, w: lib.nn.functional.prelu(x, w), x_shape, w, dtype=dtype)


@pytest.mark.parametrize("x_shape, w_shape", PRELU, ids=str)
def test_prelu_gradcheck(x_shape, w_shape):
    w = np.random.default_rng(3).random(w_shape)
    check_gradcheck(lambda lib, x, w: lib.nn.functional.prelu(x, w), x_shape, w)


def test_prelu_scalar_weight_and_scalar_input():
    w = np.array(0.2)
    check_op(lambda lib, x, w: lib.nn.functional.prelu(x, w), (3, 4), w)
    check_op(lambda lib, x, w: lib.nn.functional.prelu(x, w), np.array(-1.5), np.array([0.2]))


INPLACE = {
    "hardswish": lambda F, x: F.hardswish(x, inplace=True),
    "hardsigmoid": lambda F, x: F.hardsigmoid(x, inplace=True),
    "mish": lambda F, x: F.mish(x, inplace=True),
    "threshold": lambda F, x: F.threshold(x, 0.0, 5.0, inplace=True),
    "threshold_": lambda F, x: F.threshold_(x, 0.2, -1.0),
    "elu_": lambda F, x: F.elu_(x, 1.5),
    "celu_": lambda F, x: F.celu_(x, 2.0),
    "selu_": lambda F, x: F.selu_(x),
    "leaky_relu_": lambda F, x: F.leaky_relu_(x, 0.1),
    "hardtanh_": lambda F, x: F.hardtanh_(x, -0.5, 0.5),
    "rrelu_eval": lambda F, x: F.rrelu(x, inplace=True),
    "rrelu_": lambda F, x: F.rrelu_(x, 0.2, 0.4),
}


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_writes_input_and_keeps_gradients(name):
    fn = INPLACE[name]

    def run(lib, x):
        y = x * 1.0
        out = fn(lib.nn.functional, y)
        assert out is y
        return out

    check_op(run, (3, 5))


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_on_leaf_that_requires_grad_is_refused(name):
    x = numtorch.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        INPLACE[name](numtorch.nn.functional, x)


@pytest.mark.parametrize(
    "name, fn",
    [
        ("HardswishBackward0", lambda F, y: F.hardswish(y)),
        ("HardswishBackward0", lambda F, y: F.hardswish(y, inplace=True)),
        ("HardsigmoidBackward0", lambda F, y: F.hardsigmoid(y)),
        ("HardshrinkBackward0", lambda F, y: F.hardshrink(y)),
        ("SoftshrinkBackward0", lambda F, y: F.softshrink(y)),
        ("MishBackward0", lambda F, y: F.mish(y, inplace=True)),
        ("LogSigmoidBackward0", lambda F, y: F.logsigmoid(y)),
        ("ThresholdBackward0", lambda F, y: F.threshold(y, 0.0, 1.0)),
        ("ThresholdBackward1", lambda F, y: F.threshold_(y, 0.0, 1.0)),
        ("GluBackward0", lambda F, y: F.glu(y.reshape(3, 2))),
        ("PreluKernelBackward0", lambda F, y: F.prelu(y, y.new_ones(1))),
        ("RreluWithNoiseBackward0", lambda F, y: F.rrelu(y)),
        ("RreluWithNoiseBackward0", lambda F, y: F.rrelu(y, training=True)),
        ("RreluWithNoiseBackward1", lambda F, y: F.rrelu_(y, training=True)),
        ("SubBackward0", lambda F, y: F.tanhshrink(y)),
        ("DivBackward0", lambda F, y: F.softsign(y)),
        ("EluBackward1", lambda F, y: F.elu_(y)),
        ("CeluBackward1", lambda F, y: F.celu_(y)),
        ("LeakyReluBackward1", lambda F, y: F.leaky_relu_(y)),
    ],
)
def test_node_names_match_torch(name, fn):
    for lib in (numtorch, torch):
        y = lib.randn(6, requires_grad=True) * 1.0
        assert fn(lib.nn.functional, y).grad_fn.name() == name


def test_threshold_keeps_integer_inputs():
    x = np.array([-3, -1, 0, 2, 7])
    t = torch.nn.functional.threshold(torch.tensor(x), 1, 5)
    n = numtorch.nn.functional.threshold(numtorch.tensor(x), 1, 5)
    assert n.dtype is numtorch.int64 and t.dtype == torch.int64
    np.testing.assert_array_equal(n.numpy(), t.numpy())


# ---------------------------------------------------------------- RReLU in training


def _rrelu_slopes(lower: float, upper: float, n: int = 20000, seed: int = 0) -> np.ndarray:
    numtorch.manual_seed(seed)
    x = -numtorch.ones(n)
    return -numtorch.nn.functional.rrelu(x, lower, upper, training=True).numpy()


def test_rrelu_training_slopes_are_uniform_between_the_bounds():
    slopes = _rrelu_slopes(0.1, 0.3)
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    standard_error = 0.2 / np.sqrt(12 * slopes.size)  # U(0.1, 0.3) has sd 0.2 / sqrt(12)
    assert abs(slopes.mean() - 0.2) < 5 * standard_error
    assert abs(slopes.var() - 0.2**2 / 12) < 1e-4
    hist, _ = np.histogram(slopes, bins=10, range=(0.1, 0.3))
    assert hist.min() > 0.9 * slopes.size / 10


def test_rrelu_training_is_deterministic_under_manual_seed_and_generator():
    np.testing.assert_array_equal(_rrelu_slopes(0.1, 0.3, 50), _rrelu_slopes(0.1, 0.3, 50))
    assert not np.array_equal(_rrelu_slopes(0.1, 0.3, 50), _rrelu_slopes(0.1, 0.3, 50, 1))
    x = -numtorch.ones(10)
    a = numtorch.nn.functional.rrelu(
        x, training=True, generator=numtorch.Generator().manual_seed(5)
    )
    b = numtorch.nn.functional.rrelu(
        x, training=True, generator=numtorch.Generator().manual_seed(5)
    )
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_rrelu_training_keeps_positives_and_gradient_is_the_slope():
    numtorch.manual_seed(0)
    x = numtorch.tensor([-2.0, -1.0, 0.0, 1.0, 3.0], requires_grad=True)
    y = numtorch.nn.functional.rrelu(x, 0.2, 0.5, training=True)
    y.sum().backward()
    slope = y.detach().numpy()[:2] / x.detach().numpy()[:2]
    np.testing.assert_allclose(x.grad.numpy()[:2], slope, rtol=1e-6)
    np.testing.assert_array_equal(y.detach().numpy()[3:], [1.0, 3.0])
    np.testing.assert_array_equal(x.grad.numpy()[3:], [1.0, 1.0])
    assert 0.2 <= x.grad.numpy()[2] <= 0.5  # x = 0 takes a random slope, as in PyTorch


def test_rrelu_module_draws_in_training_and_uses_mean_slope_in_eval():
    m = numtorch.nn.RReLU(0.1, 0.3)
    x = -numtorch.ones(1000)
    assert np.unique(m(x).numpy()).size > 100
    m.eval()
    np.testing.assert_allclose(m(x).numpy(), -0.2, rtol=1e-6)


def test_rrelu_training_gradcheck_with_a_fixed_generator():
    def fn(lib, x):
        return lib.nn.functional.rrelu(x, training=True, generator=lib.Generator().manual_seed(1))

    check_gradcheck(fn, (3, 4))


# ---------------------------------------------------------------- Gumbel-softmax


def test_gumbel_softmax_soft_samples_are_distributions_with_softmax_gradients():
    numtorch.manual_seed(0)
    logits = numtorch.randn(5, 4, requires_grad=True)
    y = numtorch.nn.functional.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(y.sum(-1).detach().numpy(), 1.0, rtol=1e-6)
    assert y.grad_fn.name() == "SoftmaxBackward0"
    y[:, 0].sum().backward()
    np.testing.assert_allclose(logits.grad.sum(-1).numpy(), 0.0, atol=1e-6)


def test_gumbel_softmax_hard_is_one_hot_with_straight_through_gradient():
    logits = numtorch.randn(6, 3, requires_grad=True)
    w = numtorch.randn(6, 3)
    numtorch.manual_seed(1)
    y = numtorch.nn.functional.gumbel_softmax(logits, hard=True, dim=1)
    values = y.detach().numpy()
    assert set(np.unique(values)) <= {0.0, 1.0} and (values.sum(1) == 1).all()
    assert y.grad_fn.name() == "AddBackward0"
    (y * w).sum().backward()
    numtorch.manual_seed(1)
    logits2 = logits.detach().clone().requires_grad_(True)
    soft = numtorch.nn.functional.gumbel_softmax(logits2, hard=False, dim=1)
    (soft * w).sum().backward()
    np.testing.assert_allclose(logits.grad.numpy(), logits2.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_gumbel_softmax_samples_follow_the_categorical_distribution():
    numtorch.manual_seed(0)
    probs = np.array([0.1, 0.2, 0.7])
    logits = numtorch.tensor(np.log(probs)).expand(20000, 3)
    y = numtorch.nn.functional.gumbel_softmax(logits, tau=1.0, hard=True)
    freq = y.numpy().mean(0)
    np.testing.assert_allclose(freq, probs, atol=0.015)


def test_gumbel_softmax_is_deterministic_and_warns_on_eps():
    x = numtorch.randn(3, 4)
    numtorch.manual_seed(7)
    a = numtorch.nn.functional.gumbel_softmax(x)
    numtorch.manual_seed(7)
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
        b = numtorch.nn.functional.gumbel_softmax(x, eps=1e-5)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


# ---------------------------------------------------------------- layers

MODULES = [
    lambda nn: nn.Threshold(0.1, 20),
    lambda nn: nn.Threshold(-1.0, 0.5, True),
    lambda nn: nn.Hardshrink(),
    lambda nn: nn.Hardshrink(0.3),
    lambda nn: nn.Softshrink(),
    lambda nn: nn.Softshrink(0.1),
    lambda nn: nn.Hardswish(),
    lambda nn: nn.Hardswish(True),
    lambda nn: nn.Hardsigmoid(),
    lambda nn: nn.Hardsigmoid(inplace=True),
    lambda nn: nn.Tanhshrink(),
    lambda nn: nn.Softsign(),
    lambda nn: nn.Mish(),
    lambda nn: nn.Mish(True),
    lambda nn: nn.LogSigmoid(),
    lambda nn: nn.GLU(),
    lambda nn: nn.GLU(0),
    lambda nn: nn.RReLU().eval(),
    lambda nn: nn.RReLU(0.1, 0.3, True).eval(),
    lambda nn: nn.SiLU(True),
    lambda nn: nn.Softmin(1),
]


@pytest.mark.parametrize("make", MODULES)
def test_module_repr_and_values_match_torch(make):
    assert repr(make(numtorch.nn)) == repr(make(torch.nn))

    def run(lib, x):
        return make(lib.nn)(x * 1.0)

    check_op(run, (4, 6))


@pytest.mark.parametrize("args", [(), (3,), (3, 0.1)], ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_prelu_module_matches_torch(args, dtype):
    mine, theirs = numtorch.nn.PReLU(*args), torch.nn.PReLU(*args)
    assert repr(mine) == repr(theirs)
    assert list(mine.state_dict()) == list(theirs.state_dict()) == ["weight"]
    assert [n for n, _ in mine.named_parameters()] == ["weight"]
    np.testing.assert_array_equal(mine.weight.detach().numpy(), theirs.weight.detach().numpy())
    assert mine.num_parameters == theirs.num_parameters and mine.init == theirs.init
    w = np.random.default_rng(0).random(mine.weight.shape).astype(dtype)
    x = np.random.default_rng(1).standard_normal((2, 3, 4)).astype(dtype)
    grads = []
    for lib, m in ((numtorch, mine), (torch, theirs)):
        m.to(lib.float64 if dtype == np.float64 else lib.float32)
        with lib.no_grad():
            m.weight.copy_(lib.tensor(w))
        xi = lib.tensor(x, requires_grad=True)
        out = m(xi)
        (out * lib.tensor(x)).sum().backward()
        grads.append([out.detach().numpy(), xi.grad.numpy(), m.weight.grad.numpy()])
    for a, b in zip(*grads):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_prelu_module_dtype_and_weight_gradient():
    m = numtorch.nn.PReLU(3, dtype=numtorch.float64)
    assert m.weight.dtype is numtorch.float64 and m.weight.requires_grad
    m(numtorch.randn(2, 3, dtype=numtorch.float64)).sum().backward()
    assert m.weight.grad.shape == (3,)


def test_softmax2d_matches_torch():
    check_op(lambda lib, x: lib.nn.Softmax2d()(x), (2, 3, 4, 5))
    check_op(lambda lib, x: lib.nn.Softmax2d()(x), (3, 4, 5))
    assert repr(numtorch.nn.Softmax2d()) == repr(torch.nn.Softmax2d())
    check_error(lambda lib: lib.nn.Softmax2d()(lib.randn(3, 4)), "Softmax2d: expected input")


# ---------------------------------------------------------------- errors

BAD = [
    lambda L: L.nn.functional.softshrink(L.randn(3), -1.0),
    lambda L: L.nn.functional.softshrink(L.randn(3, dtype=L.float64), -0.5),
    lambda L: L.nn.functional.softshrink(L.arange(3), 1.0),
    lambda L: L.nn.functional.hardshrink(L.arange(3), 1.0),
    lambda L: L.nn.functional.hardswish(L.arange(3)),
    lambda L: L.nn.functional.hardsigmoid(L.arange(3)),
    lambda L: L.nn.functional.mish(L.arange(3)),
    lambda L: L.nn.functional.logsigmoid(L.arange(3)),
    lambda L: L.nn.functional.glu(L.randn(4, 3), 1),
    lambda L: L.nn.functional.glu(L.tensor(1.0)),
    lambda L: L.nn.functional.glu(L.randn(4, 3), 2),
    lambda L: L.nn.functional.glu(L.arange(4)),
    lambda L: L.nn.functional.rrelu(L.randn(3), 0.5, 0.1, training=True),
    lambda L: L.nn.functional.rrelu(L.randn(3), 0.5, 0.1),
    lambda L: L.nn.functional.rrelu(L.arange(3)),
    lambda L: L.nn.functional.prelu(L.randn(4, 3), L.ones(2)),
    lambda L: L.nn.functional.prelu(L.tensor(1.0), L.ones(3)),
    lambda L: L.nn.functional.prelu(L.randn(3), L.ones(3)),
    lambda L: L.nn.functional.prelu(L.randn(4, 3), L.ones(1, 3)),
    lambda L: L.nn.functional.prelu(L.arange(3), L.ones(1)),
    lambda L: L.nn.functional.prelu(L.randn(4, 3), L.ones(1, dtype=L.float64)),
    lambda L: L.nn.PReLU(2)(L.randn(4, 3)),
    lambda L: L.nn.functional.rrelu(L.arange(3), training=True),
    lambda L: L.nn.functional.threshold(L.randn(3), "a", 1),
    lambda L: L.nn.functional.hardshrink(L.randn(3), "a"),
    lambda L: L.nn.functional.prelu(L.randn(3), [1.0]),
    lambda L: L.nn.functional.glu(L.randn(3, 4), dim=5),
    lambda L: L.nn.functional.mish([1.0]),
    lambda L: L.nn.functional.hardswish(L.randn(3).requires_grad_(), inplace=True),
]


@pytest.mark.parametrize("call", BAD)
def test_bad_inputs_raise_like_torch(call):
    with pytest.raises(Exception) as expected:
        call(torch)
    with pytest.raises(type(expected.value)) as got:
        call(numtorch)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize(
    "fn",
    [
        lambda F, x: F.hardswish(x),
        lambda F, x: F.hardsigmoid(x),
        lambda F, x: F.mish(x),
        lambda F, x: F.logsigmoid(x),
        lambda F, x: F.softshrink(x),
        lambda F, x: F.hardshrink(x),
        lambda F, x: F.threshold(x, 0.1, 2.0),
        lambda F, x: F.glu(x),
        lambda F, x: F.rrelu(x),
    ],
)
def test_saved_values_are_version_checked_like_torch(fn):
    check_saved_versions(lambda lib, x: fn(lib.nn.functional, x), (3, 4))


def test_prelu_saved_values_are_version_checked_like_torch():
    check_saved_versions(lambda lib, x, w: lib.nn.functional.prelu(x, w), (3, 4), (4,))


SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, 1.0, -2.0])


@pytest.mark.parametrize(
    "name",
    ["hardswish", "hardsigmoid", "hardshrink", "softshrink", "tanhshrink", "softsign", "mish"]
    + ["logsigmoid", "glu"],
)
def test_nan_and_infinities_match_torch(name):
    check_op(lambda lib, x: getattr(lib.nn.functional, name)(x), SPECIAL)
