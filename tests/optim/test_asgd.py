"""ASGD against torch.optim.ASGD: trajectories (with averaging started), groups, state, errors."""

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
    {"lr": 0.05, "lambd": lam, "alpha": 0.6, "t0": t0, "weight_decay": wd, "maximize": mx}
    for lam, t0, wd, mx in itertools.product((1e-4, 0.1), (1e6, 5), (0.0, 0.1), (False, True))
]


@pytest.mark.parametrize("kwargs", _COMBOS, ids=str)
def test_asgd_matches_torch(kwargs):
    compare_trajectories("ASGD", kwargs, steps=20)


def test_asgd_groups_match_torch():
    groups = [{"t0": 3}, {"lambd": 0.05, "lr": 0.1, "alpha": 1.0}, {"weight_decay": 0.2}]
    compare_groups("ASGD", groups, lr=0.02, maximize=True)


def test_asgd_maximize_ascends():
    p = numtorch.tensor([1.0, -1.0], requires_grad=True)
    opt = optim.ASGD([p], lr=0.1, maximize=True)
    for _ in range(5):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
    assert (p.detach().numpy() ** 2 > 1.0).all()


def test_asgd_defaults_repr_and_round_trip():
    compare_trajectories("ASGD", {}, steps=20)
    check_repr_and_defaults("ASGD", {})
    check_repr_and_defaults("ASGD", {"t0": 10, "capturable": False, "foreach": False})
    check_round_trip("ASGD", {"t0": 2, "lambd": 0.01})
    p = numtorch.ones(2, requires_grad=True)
    opt = optim.ASGD([p])
    p.grad = numtorch.ones(2)
    opt.step()
    assert list(opt.state[p]) == ["step", "eta", "mu", "ax"]
    assert all(opt.state[p][k].dtype is numtorch.float32 for k in ("step", "eta", "mu"))


@pytest.mark.parametrize("kwargs", [{"lr": -1.0}, {"weight_decay": -0.1}], ids=str)
def test_asgd_bad_hyperparameters(kwargs):
    check_error("ASGD", kwargs)


def test_asgd_float64_matches_torch():
    kwargs = {"t0": 3, "lambd": 0.1, "weight_decay": 0.1}
    compare_trajectories("ASGD", kwargs, steps=20, dtype=np.float64, rtol=1e-10, atol=1e-12)
