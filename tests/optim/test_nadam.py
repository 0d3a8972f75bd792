"""NAdam against torch.optim.NAdam: trajectories, groups, state, repr and errors."""

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
    {"lr": 0.05, "betas": b, "weight_decay": wd, "decoupled_weight_decay": dw, "maximize": mx}
    for b, wd, dw, mx in itertools.product(
        ((0.9, 0.999), (0.3, 0.6)), (0.0, 0.1), (False, True), (False, True)
    )
]


@pytest.mark.parametrize("kwargs", _COMBOS, ids=str)
def test_nadam_matches_torch(kwargs):
    compare_trajectories("NAdam", kwargs, steps=20)


def test_nadam_maximize_ascends():
    p = numtorch.tensor([1.0, -1.0], requires_grad=True)
    opt = optim.NAdam([p], lr=0.1, maximize=True)
    for _ in range(5):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
    assert (p.detach().numpy() ** 2 > 1.0).all()


def test_nadam_defaults_repr_and_round_trip():
    compare_trajectories("NAdam", {}, steps=20)
    check_repr_and_defaults("NAdam", {})
    check_repr_and_defaults("NAdam", {"betas": (0.5, 0.6), "decoupled_weight_decay": True})
    check_round_trip("NAdam", {"weight_decay": 0.1})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": -1.0},
        {"eps": -1e-8},
        {"betas": (1.0, 0.999)},
        {"betas": (0.9, -0.1)},
        {"weight_decay": -0.1},
    ],
    ids=str,
)
def test_nadam_bad_hyperparameters(kwargs):
    check_error("NAdam", kwargs)


def test_nadam_groups_match_torch():
    groups = [
        {"momentum_decay": 0.1},
        {"eps": 1e-2, "lr": 0.3, "betas": (0.5, 0.9)},
        {"weight_decay": 0.2, "decoupled_weight_decay": True, "maximize": True},
    ]
    compare_groups("NAdam", groups, lr=0.02)


def test_nadam_state_and_momentum_decay():
    compare_trajectories("NAdam", {"momentum_decay": 0.5, "lr": 0.1}, steps=20)
    check_error("NAdam", {"momentum_decay": -0.1})
    p = numtorch.ones(2, requires_grad=True)
    opt = optim.NAdam([p])
    p.grad = numtorch.ones(2)
    opt.step()
    assert list(opt.state[p]) == ["step", "mu_product", "exp_avg", "exp_avg_sq"]
    assert opt.state[p]["mu_product"].dtype is numtorch.float32


def test_nadam_float64_matches_torch():
    kwargs = {"weight_decay": 0.1, "lr": 0.05}
    compare_trajectories("NAdam", kwargs, steps=20, dtype=np.float64, rtol=1e-10, atol=1e-12)
