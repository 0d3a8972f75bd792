"""Monte-Carlo dropout: only the dropout layers sample, modes come back, and the predictive
mean and variance are those of the stochastic passes."""

from __future__ import annotations

import numpy as np
import pytest

import numtorch
from numtorch import nn
from numtorch.nn.utils import mc_dropout, mc_dropout_predict


def make_net() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(2, 6, 3, padding=1),
        nn.BatchNorm2d(6),
        nn.Dropout2d(0.5),
        nn.Flatten(),
        nn.Linear(6 * 4 * 4, 3),
        nn.Dropout(0.2),
        nn.AlphaDropout(0.1),
    )


def test_only_dropout_layers_train_inside_and_modes_come_back() -> None:
    net = make_net()
    net[1].eval()  # a mixed starting state must be restored exactly
    before = [m.training for m in net.modules()]
    with mc_dropout(net) as inside:
        assert inside is net
        modes = {type(m).__name__: m.training for m in net.modules()}
    assert modes == {
        "Sequential": False,
        "Conv2d": False,
        "BatchNorm2d": False,
        "Dropout2d": True,
        "Flatten": False,
        "Linear": False,
        "Dropout": True,
        "AlphaDropout": True,
    }
    assert [m.training for m in net.modules()] == before


def test_modes_come_back_after_an_error() -> None:
    net = make_net().eval()
    with pytest.raises(ZeroDivisionError), mc_dropout(net):
        raise ZeroDivisionError
    assert not any(m.training for m in net.modules())


def test_batchnorm_statistics_stay_frozen_while_dropout_samples() -> None:
    net = make_net()
    running = net[1].running_mean.numpy().copy()
    x = numtorch.randn(4, 2, 4, 4)
    with numtorch.no_grad(), mc_dropout(net):
        a, b = net(x), net(x)
    np.testing.assert_array_equal(net[1].running_mean.numpy(), running)
    assert not a.equal(b)


def test_predict_returns_the_mean_and_variance_of_the_passes() -> None:
    net = make_net()
    x = numtorch.randn(5, 2, 4, 4)
    numtorch.manual_seed(11)
    mean, var = mc_dropout_predict(net, x, num_samples=16)
    numtorch.manual_seed(11)
    with numtorch.no_grad(), mc_dropout(net):
        passes = np.stack([net(x).numpy() for _ in range(16)])
    np.testing.assert_allclose(mean.numpy(), passes.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(var.numpy(), passes.var(0, ddof=1), rtol=1e-4, atol=1e-6)
    assert mean.shape == var.shape == numtorch.Size([5, 3]) and not mean.requires_grad
    assert (var.numpy() > 0).all()
    assert net.training  # the model's own mode is untouched


def test_predict_without_dropout_has_zero_variance() -> None:
    net = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    x = numtorch.randn(4, 3)
    mean, var = mc_dropout_predict(net, x, num_samples=3)
    assert (var.numpy() == 0).all()
    np.testing.assert_allclose(mean.numpy(), net(x).detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("n", [1, 0, 2.5, True, "4"])
def test_predict_needs_at_least_two_samples(n: object) -> None:
    with pytest.raises(ValueError, match="num_samples >= 2"):
        mc_dropout_predict(make_net(), numtorch.randn(1, 2, 4, 4), num_samples=n)


def test_mc_dropout_needs_a_module() -> None:
    with pytest.raises(TypeError, match="mc_dropout expects an nn.Module, but got function"):
        with mc_dropout(lambda x: x):
            pass
