"""Adagrad against torch.optim.Adagrad: trajectories, groups, state, repr and errors."""

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
    {"lr": 0.1, "lr_decay": d, "weight_decay": wd, "initial_accumulator_value": a, "maximize": mx}
    for d, wd, a, mx in itertools.product((0.0, 0.05), (0.0, 0.1), (0.0, 0.5), (False, True))
]


@pytest.mark.parametrize("kwargs", _COMBOS, ids=str)
def test_adagrad_matches_torch(kwargs):
    compare_trajectories("Adagrad", kwargs, steps=20)


def test_adagrad_groups_match_torch():
    groups = [{"lr_decay": 0.1}, {"eps": 1e-2, "lr": 0.3}, {"weight_decay": 0.2, "maximize": True}]
    compare_groups("Adagrad", groups, initial_accumulator_value=0.1)


def test_adagrad_state_exists_before_the_first_step():
    p = numtorch.ones(2, requires_grad=True)
    opt = optim.Adagrad([p], initial_accumulator_value=0.25)
    state = opt.state_dict()["state"]
    assert list(state[0]) == ["step", "sum"]
    assert state[0]["step"].item() == 0.0 and state[0]["step"].dtype is numtorch.float32
    np.testing.assert_array_equal(state[0]["sum"].numpy(), [0.25, 0.25])


def test_adagrad_maximize_ascends():
    p = numtorch.tensor([1.0, -1.0], requires_grad=True)
    opt = optim.Adagrad([p], lr=0.1, maximize=True)
    for _ in range(5):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
    assert (p.detach().numpy() ** 2 > 1.0).all()


def test_adagrad_defaults_repr_and_round_trip():
    compare_trajectories("Adagrad", {}, steps=20)
    check_repr_and_defaults("Adagrad", {})
    check_repr_and_defaults("Adagrad", {"lr_decay": 0.1, "foreach": False, "fused": None})
    check_round_trip("Adagrad", {"lr_decay": 0.1, "initial_accumulator_value": 0.2})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": -1.0},
        {"lr_decay": -0.1},
        {"weight_decay": -0.1},
        {"initial_accumulator_value": -1.0},
        {"eps": -1e-10},
    ],
    ids=str,
)
def test_adagrad_bad_hyperparameters(kwargs):
    check_error("Adagrad", kwargs)


def test_adagrad_float64_matches_torch():
    kwargs = {"lr_decay": 0.1, "weight_decay": 0.1, "initial_accumulator_value": 0.1}
    compare_trajectories("Adagrad", kwargs, steps=20, dtype=np.float64, rtol=1e-10, atol=1e-12)
