"""Rprop against torch.optim.Rprop: trajectories, groups, state, repr and errors."""

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
    {"lr": lr, "etas": e, "step_sizes": s, "maximize": mx}
    for lr, e, s, mx in itertools.product(
        (0.01, 0.2), ((0.5, 1.2), (0.3, 2.0)), ((1e-6, 50), (0.005, 0.1)), (False, True)
    )
]


@pytest.mark.parametrize("kwargs", _COMBOS, ids=str)
def test_rprop_matches_torch(kwargs):
    compare_trajectories("Rprop", kwargs, steps=20)


def test_rprop_groups_match_torch():
    groups = [{"etas": (0.2, 1.5)}, {"step_sizes": (0.01, 0.05), "lr": 0.3}, {"maximize": True}]
    compare_groups("Rprop", groups, lr=0.02)


def test_rprop_maximize_ascends():
    p = numtorch.tensor([1.0, -1.0], requires_grad=True)
    opt = optim.Rprop([p], lr=0.1, maximize=True)
    for _ in range(5):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
    assert (p.detach().numpy() ** 2 > 1.0).all()


def test_rprop_defaults_repr_and_round_trip():
    compare_trajectories("Rprop", {}, steps=20)
    check_repr_and_defaults("Rprop", {})
    check_repr_and_defaults("Rprop", {"etas": (0.4, 1.1), "capturable": False, "foreach": False})
    check_round_trip("Rprop", {"lr": 0.1})
    p = numtorch.ones(2, requires_grad=True)
    opt = optim.Rprop([p])
    p.grad = numtorch.ones(2)
    opt.step()
    assert list(opt.state[p]) == ["step", "prev", "step_size"]


@pytest.mark.parametrize(
    "kwargs",
    [{"lr": -1.0}, {"etas": (1.5, 1.2)}, {"etas": (0.5, 0.9)}, {"etas": (0.0, 1.2)}],
    ids=str,
)
def test_rprop_bad_hyperparameters(kwargs):
    check_error("Rprop", kwargs)


def test_rprop_float64_matches_torch():
    kwargs = {"lr": 0.1}
    compare_trajectories("Rprop", kwargs, steps=20, dtype=np.float64, rtol=1e-10, atol=1e-12)
