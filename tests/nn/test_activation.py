"""Activation functions and layers against PyTorch: values, gradients (including at the
kinks), in-place forms, reprs and bad inputs; plus a float64 gradcheck for each."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
from tests.helpers import check_error, check_gradcheck, check_op

ACTIVATIONS = {
    "relu": lambda F, x: F.relu(x),
    "relu6": lambda F, x: F.relu6(x * 4),
    "leaky_relu": lambda F, x: F.leaky_relu(x),
    "leaky_relu_0.2": lambda F, x: F.leaky_relu(x, 0.2),
    "leaky_relu_neg": lambda F, x: F.leaky_relu(x, -0.5),
    "elu": lambda F, x: F.elu(x),
    "elu_2": lambda F, x: F.elu(x, alpha=2.0),
    "selu": lambda F, x: F.selu(x),
    "celu": lambda F, x: F.celu(x, alpha=0.7),
    "gelu": lambda F, x: F.gelu(x * 3),
    "gelu_tanh": lambda F, x: F.gelu(x * 3, approximate="tanh"),
    "silu": lambda F, x: F.silu(x * 3),
    "sigmoid": lambda F, x: F.sigmoid(x * 5),
    "tanh": lambda F, x: F.tanh(x * 2),
    "softmax": lambda F, x: F.softmax(x, dim=-1),
    "softmax_0": lambda F, x: F.softmax(x, 0),
    "softmin": lambda F, x: F.softmin(x, 1),
    "log_softmax": lambda F, x: F.log_softmax(x, dim=1),
    "softplus": lambda F, x: F.softplus(x * 5),
    "softplus_beta": lambda F, x: F.softplus(x * 5, beta=2.0, threshold=3.0),
    "hardtanh": lambda F, x: F.hardtanh(x * 2),
    "hardtanh_range": lambda F, x: F.hardtanh(x * 2, -0.5, 1.5),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parity(name, dtype):
    fn = ACTIVATIONS[name]
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}
    if name == "celu" and dtype == np.float64:
        tol = {"rtol": 1e-7, "atol": 1e-9}  # PyTorch rounds 1/alpha to float32
    check_op(lambda lib, x: fn(lib.nn.functional, x), (4, 7), dtype=dtype, **tol)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_gradcheck(name):
    fn = ACTIVATIONS[name]
    check_gradcheck(lambda lib, x: fn(lib.nn.functional, x), (2, 3))


@pytest.mark.parametrize("name", ["relu", "elu", "gelu", "silu", "softplus", "softmax"])
def test_parity_non_contiguous_size_one_and_empty(name):
    fn = ACTIVATIONS[name]
    check_op(lambda lib, x: fn(lib.nn.functional, x.t()), (7, 4))
    check_op(lambda lib, x: fn(lib.nn.functional, x), (1, 1))
    check_op(lambda lib, x: fn(lib.nn.functional, x), (0, 3))


KINKS = np.array([-2.0, -1.0, -0.0, 0.0, 1.0, 6.0, 7.0, 20.0, 21.0], dtype=np.float32)


@pytest.mark.parametrize(
    "fn",
    [
        lambda F, x: F.relu(x),
        lambda F, x: F.relu6(x),
        lambda F, x: F.leaky_relu(x, 0.2),
        lambda F, x: F.elu(x, 2.0),
        lambda F, x: F.selu(x),
        lambda F, x: F.celu(x, 0.5),
        lambda F, x: F.hardtanh(x),
        lambda F, x: F.hardtanh(x, -1.0, 6.0),
        lambda F, x: F.softplus(x),
        lambda F, x: F.softplus(x, beta=2.0, threshold=2.0),
        lambda F, x: F.gelu(x),
    ],
)
def test_gradient_at_kinks_matches_torch(fn):
    check_op(lambda lib, x: fn(lib.nn.functional, x), KINKS)


def test_gelu_far_tails_match_torch_float64():
    x = np.array([-40.0, -8.0, -5.5, -2.0, -1.99, 1.99, 2.0, 5.5, 8.0, 40.0])
    check_op(lambda lib, x: lib.nn.functional.gelu(x), x, dtype=np.float64, rtol=1e-13, atol=1e-15)


def test_extreme_values_stay_finite():
    x = np.array([-1e4, -100.0, 100.0, 1e4], dtype=np.float32)
    for fn in (
        ACTIVATIONS["sigmoid"],
        ACTIVATIONS["softplus"],
        ACTIVATIONS["silu"],
        ACTIVATIONS["elu"],
        ACTIVATIONS["gelu"],
    ):
        check_op(lambda lib, x, fn=fn: fn(lib.nn.functional, x), x)


INPLACE = {
    "relu": lambda F, x: F.relu(x, inplace=True),
    "relu_": lambda F, x: F.relu_(x),
    "relu6": lambda F, x: F.relu6(x, inplace=True),
    "leaky_relu": lambda F, x: F.leaky_relu(x, 0.1, inplace=True),
    "elu": lambda F, x: F.elu(x, 1.5, inplace=True),
    "selu": lambda F, x: F.selu(x, inplace=True),
    "celu": lambda F, x: F.celu(x, 2.0, inplace=True),
    "silu": lambda F, x: F.silu(x, inplace=True),
    "hardtanh": lambda F, x: F.hardtanh(x, -0.5, 0.5, inplace=True),
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


def test_inplace_without_grad_modifies_tensor():
    x = numtorch.tensor([-1.0, 2.0])
    numtorch.nn.functional.elu(x, inplace=True)
    np.testing.assert_allclose(x.numpy(), [np.exp(-1.0) - 1, 2.0], rtol=1e-6)
    version = x._version[0]
    numtorch.nn.ReLU(inplace=True)(x)
    assert x._version[0] > version and x.numpy()[0] == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda l: l.nn.functional.leaky_relu(l.arange(4)),
        lambda l: l.nn.functional.elu(l.arange(4)),
        lambda l: l.nn.functional.selu(l.arange(4)),
        lambda l: l.nn.functional.celu(l.arange(4)),
        lambda l: l.nn.functional.gelu(l.arange(4)),
        lambda l: l.nn.functional.silu(l.arange(4)),
        lambda l: l.nn.functional.softplus(l.arange(4)),
        lambda l: l.nn.functional.relu([1.0]),
        lambda l: l.nn.functional.leaky_relu([1.0]),
        lambda l: l.nn.functional.gelu(l.randn(3), approximate="foo"),
        lambda l: l.nn.functional.hardtanh(l.randn(3), 2.0, 1.0),
        lambda l: l.nn.Hardtanh(2.0, 1.0),
        lambda l: l.nn.Hardtanh(1.0, 1.0),
        lambda l: l.nn.functional.celu(l.randn(3), alpha=0.0),
        lambda l: l.nn.functional.softmax(l.randn(2, 3), dim=2),
        lambda l: l.nn.functional.log_softmax(l.arange(3), 0),
        lambda l: l.nn.functional.softmax(l.arange(3), 0),
        lambda l: l.nn.functional.softmin(l.arange(3), 0),
    ],
)
def test_bad_inputs_raise_like_torch(call):
    with pytest.raises(Exception) as expected:
        call(torch)
    with pytest.raises(type(expected.value)) as got:
        call(numtorch)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize(
    "name", ["sigmoid", "tanh", "softmax", "log_softmax", "gelu", "softplus", "hardtanh", "silu"]
)
def test_non_tensor_input_is_a_type_error(name):
    # PyTorch fails here with an accidental AttributeError; numtorch names the argument
    with pytest.raises(TypeError, match=f"{name}\\(\\): argument 'input' .* not list"):
        getattr(numtorch.nn.functional, name)([1.0])


@pytest.mark.parametrize(
    "fn", [lambda F, x: F.relu(x), lambda F, x: F.relu6(x), lambda F, x: F.hardtanh(x, -2, 2)]
)
def test_integer_inputs_like_torch(fn):
    x = np.array([-3, -1, 0, 2, 7])
    t = fn(torch.nn.functional, torch.tensor(x))
    n = fn(numtorch.nn.functional, numtorch.tensor(x))
    assert n.dtype is numtorch.int64 and t.dtype == torch.int64
    np.testing.assert_array_equal(n.numpy(), t.numpy())


@pytest.mark.parametrize("fn", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("shape", [(), (4,), (2, 3), (2, 3, 4), (2, 3, 4, 5)])
def test_implicit_softmax_dim_warns_and_picks_torchs_dim(fn, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    with pytest.warns(UserWarning, match="Implicit dimension choice for " + fn):
        n = getattr(numtorch.nn.functional, fn)(numtorch.tensor(x))
    with pytest.warns(UserWarning):
        t = getattr(torch.nn.functional, fn)(torch.tensor(x))
    np.testing.assert_allclose(n.numpy(), t.numpy(), rtol=1e-6, atol=1e-7)


def test_softmax_dtype_argument():
    check_op(lambda lib, x: lib.nn.functional.softmax(x, 1, dtype=lib.float64), (2, 3))
    check_op(lambda lib, x: lib.nn.functional.log_softmax(x, 0, dtype=lib.float64), (2, 3))


MODULES = [
    lambda nn: nn.ReLU(),
    lambda nn: nn.ReLU(inplace=True),
    lambda nn: nn.ReLU6(),
    lambda nn: nn.ReLU6(True),
    lambda nn: nn.LeakyReLU(),
    lambda nn: nn.LeakyReLU(0.2, True),
    lambda nn: nn.ELU(),
    lambda nn: nn.ELU(0.5, True),
    lambda nn: nn.SELU(),
    lambda nn: nn.SELU(True),
    lambda nn: nn.CELU(),
    lambda nn: nn.CELU(0.3),
    lambda nn: nn.GELU(),
    lambda nn: nn.GELU("tanh"),
    lambda nn: nn.SiLU(),
    lambda nn: nn.SiLU(True),
    lambda nn: nn.Sigmoid(),
    lambda nn: nn.Tanh(),
    lambda nn: nn.Softmax(dim=1),
    lambda nn: nn.Softmin(0),
    lambda nn: nn.LogSoftmax(1),
    lambda nn: nn.Softplus(),
    lambda nn: nn.Softplus(2, 1),
    lambda nn: nn.Hardtanh(),
    lambda nn: nn.Hardtanh(-2, 3, True),
]


@pytest.mark.parametrize("make", MODULES)
def test_module_repr_and_values_match_torch(make):
    assert repr(make(numtorch.nn)) == repr(make(torch.nn))

    def run(lib, x):
        return make(lib.nn)(x * 1.0)

    check_op(run, (3, 4))


def test_modules_have_no_parameters_and_dim_none_repr():
    assert list(numtorch.nn.GELU().parameters()) == []
    assert repr(numtorch.nn.Softmax()) == repr(torch.nn.Softmax()) == "Softmax(dim=None)"
    with pytest.warns(UserWarning, match="Implicit dimension"):
        numtorch.nn.LogSoftmax()(numtorch.randn(2, 3))


def test_gelu_module_rejects_bad_approximate_on_call():
    m = numtorch.nn.GELU("exact")
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        m(numtorch.randn(2))


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-15), (np.float32, 3e-8)])
def test_erf_helper_is_accurate(dtype, tol):
    import math

    from numtorch._kernels.special import _erf_numpy as _erf

    x = np.linspace(-9, 9, 20001)
    expected = np.array([math.erf(v) for v in x])
    got = _erf(x.astype(dtype))
    assert got.dtype == dtype
    np.testing.assert_allclose(got, expected, rtol=0, atol=tol + np.finfo(dtype).eps)


@pytest.mark.parametrize(
    "fn",
    [
        lambda F, y: F.leaky_relu(y, -0.5, inplace=True),
        lambda F, y: F.elu(y, -0.5, inplace=True),
        lambda F, y: F.celu(y, -0.5, inplace=True),
    ],
)
def test_inplace_with_negative_slope_refuses_backward_like_torch(fn):
    """The in-place forms save their result, which does not tell the input's sign when the
    slope is negative: PyTorch's backward refuses them, with this message."""

    def run(lib):
        x = lib.tensor([-1.0, 0.5, 2.0], requires_grad=True)
        y = x * 1.0
        fn(lib.nn.functional, y)
        y.sum().backward()

    check_error(run, "In-place .* backward calculation is triggered with a negative slope")


@pytest.mark.parametrize(
    "name, fn",
    [
        ("LeakyReluBackward0", lambda F, y: F.leaky_relu(y, 0.2)),
        ("LeakyReluBackward1", lambda F, y: F.leaky_relu(y, 0.2, inplace=True)),
        ("EluBackward0", lambda F, y: F.selu(y)),
        ("EluBackward1", lambda F, y: F.elu(y, inplace=True)),
        ("CeluBackward0", lambda F, y: F.celu(y)),
        ("CeluBackward1", lambda F, y: F.celu(y, inplace=True)),
        ("HardtanhBackward0", lambda F, y: F.relu6(y, inplace=True)),
        ("SiluBackward0", lambda F, y: F.silu(y, inplace=True)),
    ],
)
def test_inplace_and_out_of_place_node_names_match_torch(name, fn):
    for lib in (numtorch, torch):
        y = lib.randn(3, requires_grad=True) * 1.0
        assert fn(lib.nn.functional, y).grad_fn.name() == name
