"""Adadelta against torch.optim.Adadelta: trajectories, groups, state, repr and errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import numtorch
from numtorch import optim
from tests.optim.test_optimizer import compare_trajectories
from tests.optim.test_rmsprop import (
    check_error,
    check_repr_and_defaults,
    check_round_trip,
    compare_groups,
)

_COMBOS = [
    {"lr": lr, "rho": rho, "weight_decay": wd, "maximize": mx}
    for lr, rho, wd, mx in itertools.product((1.0, 0.5), (0.9, 0.5), (0.0, 0.1), (False, True))
]


@pytest.mark.parametrize("kwargs", _COMBOS, ids=str)
def test_adadelta_matches_torch(kwargs):
    compare_trajectories("Adadelta", kwargs, steps=20)


def test_adadelta_groups_match_torch():
    groups = [{"rho": 0.95}, {"eps": 1e-3, "lr": 0.3}, {"weight_decay": 0.2, "maximize": True}]
    compare_groups("Adadelta", groups, lr=2.0)


def test_adadelta_maximize_ascends():
    p = numtorch.tensor([1.0, -1.0], requires_grad=True)
    opt = optim.Adadelta([p], lr=10.0, maximize=True)
    for _ in range(5):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
    assert (p.detach().numpy() ** 2 > 1.0).all()


def test_adadelta_defaults_repr_and_round_trip():
    compare_trajectories("Adadelta", {}, steps=20)
    check_repr_and_defaults("Adadelta", {})
    check_repr_and_defaults("Adadelta", {"rho": 0.5, "capturable": False, "foreach": False})
    check_round_trip("Adadelta", {"rho": 0.8, "weight_decay": 0.1})
    p = numtorch.ones(2, requires_grad=True)
    opt = optim.Adadelta([p])
    p.grad = numtorch.ones(2)
    opt.step()
    assert list(opt.state[p]) == ["step", "square_avg", "acc_delta"]
    np.testing.assert_allclose(opt.state[p]["square_avg"].numpy(), [0.1, 0.1], rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs",
    [{"lr": -1.0}, {"rho": 1.5}, {"rho": -0.1}, {"eps": -1e-6}, {"weight_decay": -0.1}],
    ids=str,
)
def test_adadelta_bad_hyperparameters(kwargs):
    check_error("Adadelta", kwargs)


def test_adadelta_float64_matches_torch():
    kwargs = {"weight_decay": 0.1}
    compare_trajectories("Adadelta", kwargs, steps=20, dtype=np.float64, rtol=1e-10, atol=1e-12)
