"""Adamax against torch.optim.Adamax: trajectories, groups, state, repr and errors."""

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
    {"lr": 0.05, "betas": b, "weight_decay": wd, "maximize": mx}
    for b, wd, mx in itertools.product(((0.9, 0.999), (0.3, 0.6)), (0.0, 0.1), (False, True))
]


@pytest.mark.parametrize("kwargs", _COMBOS, ids=str)
def test_adamax_matches_torch(kwargs):
    compare_trajectories("Adamax", kwargs, steps=20)


def test_adamax_groups_match_torch():
    groups = [
        {"betas": (0.5, 0.9)},
        {"eps": 1e-2, "lr": 0.3},
        {"weight_decay": 0.2, "maximize": True},
    ]
    compare_groups("Adamax", groups, lr=0.02)


def test_adamax_maximize_ascends():
    p = numtorch.tensor([1.0, -1.0], requires_grad=True)
    opt = optim.Adamax([p], lr=0.1, maximize=True)
    for _ in range(5):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
    assert (p.detach().numpy() ** 2 > 1.0).all()


def test_adamax_defaults_repr_and_round_trip():
    compare_trajectories("Adamax", {}, steps=20)
    check_repr_and_defaults("Adamax", {})
    check_repr_and_defaults("Adamax", {"betas": (0.5, 0.6), "capturable": False})
    check_round_trip("Adamax", {"weight_decay": 0.1})
    p = numtorch.ones(2, requires_grad=True)
    opt = optim.Adamax([p])
    p.grad = numtorch.ones(2)
    opt.step()
    assert list(opt.state[p]) == ["step", "exp_avg", "exp_inf"]


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
def test_adamax_bad_hyperparameters(kwargs):
    check_error("Adamax", kwargs)


def test_adamax_float64_matches_torch():
    kwargs = {"weight_decay": 0.1, "lr": 0.05}
    compare_trajectories("Adamax", kwargs, steps=20, dtype=np.float64, rtol=1e-10, atol=1e-12)
