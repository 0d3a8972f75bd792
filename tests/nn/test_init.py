"""nn.init: gains and fans against PyTorch, distributions checked statistically with a
fixed seed, reproducibility through ``generator=``, and PyTorch's errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import numtorch
from numtorch.nn import init

N = (200, 100)  # 20 000 draws: a sample std is within ~1.5% at 3 sigma


def draw(fn, shape=N, **kwargs):
    t = numtorch.empty(shape)
    out = fn(t, **kwargs)
    assert out is t
    return t.numpy()


@pytest.mark.parametrize(
    "args",
    [
        ("linear",),
        ("conv1d",),
        ("conv2d",),
        ("conv3d",),
        ("conv_transpose1d",),
        ("conv_transpose2d",),
        ("conv_transpose3d",),
        ("sigmoid",),
        ("tanh",),
        ("relu",),
        ("leaky_relu",),
        ("leaky_relu", 0.2),
        ("leaky_relu", 3),
        ("leaky_relu", math.sqrt(5)),
        ("selu",),
    ],
)
def test_calculate_gain_matches_torch(args):
    assert init.calculate_gain(*args) == torch.nn.init.calculate_gain(*args)


@pytest.mark.parametrize("args", [("swish",), ("leaky_relu", True), ("leaky_relu", "0.1")])
def test_calculate_gain_errors_match_torch(args):
    with pytest.raises(ValueError) as expected:
        torch.nn.init.calculate_gain(*args)
    with pytest.raises(ValueError) as got:
        init.calculate_gain(*args)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize(
    "shape", [(2, 3), (4, 3, 5, 5), (1, 1), (3, 0), (5, 2, 3), (2, 3, 1, 2, 2)]
)
def test_fans_match_torch(shape):
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init._calculate_fan_in_and_fan_out(numtorch.empty(shape)) == expected


@pytest.mark.parametrize("shape", [(), (5,)])
def test_fans_need_two_dimensions(shape):
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed for tensor with"):
        init._calculate_fan_in_and_fan_out(numtorch.empty(shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(numtorch.empty(shape))


def test_uniform_and_normal():
    u = draw(init.uniform_, a=-2.0, b=3.0)
    assert u.min() >= -2.0 and u.max() <= 3.0 and u.min() < -1.99 and u.max() > 2.99
    assert abs(u.mean() - 0.5) < 0.05
    z = draw(init.normal_, mean=1.0, std=2.0)
    assert abs(z.mean() - 1.0) < 0.05 and abs(z.std() / 2.0 - 1) < 0.015
    d = draw(init.uniform_)
    assert d.min() >= 0.0 and d.max() <= 1.0


def test_constant_ones_zeros_eye():
    assert np.all(draw(init.constant_, (2, 3), val=0.25) == 0.25)
    assert np.all(draw(init.ones_, (4,)) == 1.0)
    assert np.all(draw(init.zeros_, (2, 2, 2)) == 0.0)
    for shape in [(3, 5), (5, 3), (4, 4)]:
        np.testing.assert_array_equal(
            draw(init.eye_, shape), torch.nn.init.eye_(torch.empty(shape)).numpy()
        )
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(numtorch.empty(2, 2, 2))


@pytest.mark.parametrize("gain", [1.0, math.sqrt(2.0)])
def test_xavier(gain):
    fan_in, fan_out = 100, 200
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    u = draw(init.xavier_uniform_, gain=gain)
    bound = math.sqrt(3.0) * std
    assert np.abs(u).max() <= bound and np.abs(u).max() > 0.99 * bound
    assert abs(u.std() / std - 1) < 0.015
    z = draw(init.xavier_normal_, gain=gain)
    assert abs(z.std() / std - 1) < 0.015 and abs(z.mean()) < 0.05 * std


@pytest.mark.parametrize(
    "kwargs, gain",
    [
        ({}, math.sqrt(2.0 / (1 + 0.0))),
        ({"a": math.sqrt(5)}, math.sqrt(2.0 / 6)),
        ({"nonlinearity": "relu"}, math.sqrt(2.0)),
        ({"mode": "fan_out", "nonlinearity": "tanh"}, 5.0 / 3),
        ({"mode": "FAN_OUT", "nonlinearity": "linear"}, 1.0),
    ],
)
def test_kaiming(kwargs, gain):
    shape = (50, 40, 3, 3)
    fan = 50 * 9 if kwargs.get("mode", "fan_in").lower() == "fan_out" else 40 * 9
    std = gain / math.sqrt(fan)
    u = draw(init.kaiming_uniform_, shape, **kwargs)
    bound = math.sqrt(3.0) * std
    assert np.abs(u).max() <= bound * (1 + 1e-6) and np.abs(u).max() > 0.99 * bound
    assert abs(u.std() / std - 1) < 0.015
    z = draw(init.kaiming_normal_, shape, **kwargs)
    assert abs(z.std() / std - 1) < 0.015


def test_kaiming_bad_mode_matches_torch():
    with pytest.raises(ValueError) as expected:
        torch.nn.init.kaiming_uniform_(torch.empty(3, 4), mode="fan_avg")
    with pytest.raises(ValueError) as got:
        init.kaiming_uniform_(numtorch.empty(3, 4), mode="fan_avg")
    assert str(got.value) == str(expected.value)
    with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
        init.kaiming_normal_(numtorch.empty(3, 4), nonlinearity="gelu")


@pytest.mark.parametrize("fn", [init.kaiming_uniform_, init.kaiming_normal_])
def test_kaiming_zero_element_warns_and_does_nothing(fn):
    t = numtorch.empty(0, 3)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        assert fn(t) is t


def _truncated_std(a: float, b: float) -> float:
    """Standard deviation of N(0, 1) truncated to [a, b]."""
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: (1 + math.erf(x / math.sqrt(2))) / 2  # noqa: E731
    z = cdf(b) - cdf(a)
    mean = (pdf(a) - pdf(b)) / z
    return math.sqrt(1 + (a * pdf(a) - b * pdf(b)) / z - mean**2)


@pytest.mark.parametrize("a, b", [(-2.0, 2.0), (-1.0, 0.5), (2.0, 3.0), (-0.1, 0.1)])
def test_trunc_normal_bounds_and_spread(a, b):
    x = draw(init.trunc_normal_, a=a, b=b)
    assert x.min() >= a and x.max() <= b
    assert abs(x.std() / _truncated_std(a, b) - 1) < 0.03
    assert not np.any(np.isnan(x))


def test_trunc_normal_scaled_and_warns_far_mean():
    x = draw(init.trunc_normal_, mean=1.0, std=0.02, a=0.98, b=1.5)
    assert x.min() >= 0.98 and x.max() <= 1.5
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        init.trunc_normal_(numtorch.empty(10), mean=5.0, std=1.0, a=-1.0, b=1.0)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (6, 2, 2, 2)])
def test_orthogonal(shape):
    q = draw(init.orthogonal_, shape, gain=2.0).reshape(shape[0], -1)
    rows, cols = q.shape
    gram = q @ q.T if rows <= cols else q.T @ q
    np.testing.assert_allclose(gram, 4.0 * np.eye(min(rows, cols)), atol=1e-5)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        init.orthogonal_(numtorch.empty(3))


RANDOM = [
    (init.uniform_, {}),
    (init.normal_, {}),
    (init.trunc_normal_, {}),
    (init.xavier_uniform_, {}),
    (init.xavier_normal_, {}),
    (init.kaiming_uniform_, {}),
    (init.kaiming_normal_, {}),
    (init.orthogonal_, {}),
]


@pytest.mark.parametrize("fn, kwargs", RANDOM)
def test_generator_makes_draws_reproducible(fn, kwargs):
    first = draw(fn, (4, 5), generator=numtorch.Generator().manual_seed(7), **kwargs).copy()
    again = draw(fn, (4, 5), generator=numtorch.Generator().manual_seed(7), **kwargs)
    np.testing.assert_array_equal(first, again)
    numtorch.manual_seed(7)
    default = draw(fn, (4, 5), **kwargs).copy()
    numtorch.manual_seed(7)
    np.testing.assert_array_equal(default, draw(fn, (4, 5), **kwargs))
    other = draw(fn, (4, 5), generator=numtorch.Generator().manual_seed(8), **kwargs)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize(
    "fn",
    [
        init.uniform_,
        init.normal_,
        init.ones_,
        init.zeros_,
        init.eye_,
        init.xavier_uniform_,
        init.kaiming_normal_,
        init.trunc_normal_,
        init.orthogonal_,
    ],
)
def test_initialises_parameter_in_place_without_recording(fn):
    p = numtorch.nn.Parameter(numtorch.empty(3, 4))
    data = p._data
    assert fn(p) is p
    assert p._data is data and p.grad_fn is None and p.requires_grad and p.is_leaf
    (p * 2).sum().backward()
    assert p.grad is not None


def test_float64_tensor_keeps_dtype():
    t = numtorch.empty(3, 4, dtype=numtorch.float64)
    init.kaiming_uniform_(t)
    init.orthogonal_(t)
    init.trunc_normal_(t)
    assert t.dtype is numtorch.float64


@pytest.mark.parametrize(
    "fn", [init.uniform_, init.normal_, init.constant_, init.xavier_uniform_, init.kaiming_uniform_]
)
def test_non_tensor_is_a_type_error(fn):
    args = (0.5,) if fn is init.constant_ else ()
    with pytest.raises(
        TypeError, match=r"argument 'tensor' \(position 1\) must be Tensor, not list"
    ):
        fn([[1.0, 2.0]], *args)


def test_bad_distribution_parameters():
    with pytest.raises(RuntimeError, match="uniform_ expects to return a \\[from, to\\) range"):
        init.uniform_(numtorch.empty(3), 1.0, 0.0)
    with pytest.raises(RuntimeError, match="normal expects std >= 0.0"):
        init.normal_(numtorch.empty(3), 0.0, -1.0)
