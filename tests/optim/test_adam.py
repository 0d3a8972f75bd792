"""Adam and AdamW against torch's: trajectories for every option combination, state and
validation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import numtorch
from numtorch import optim
from tests.optim.test_optimizer import compare_trajectories

_COMBOS = [
    {"lr": 0.01, "weight_decay": wd, "amsgrad": ams, "maximize": mx}
    for wd, ams, mx in itertools.product((0.0, 0.1), (False, True), (False, True))
]


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("kwargs", _COMBOS, ids=str)
def test_adam_matches_torch(name, kwargs):
    compare_trajectories(name, kwargs, steps=15)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adam_defaults_match_torch(name):
    compare_trajectories(name, {}, steps=15)
    mine = getattr(optim, name)([numtorch.zeros(1, requires_grad=True)]).defaults
    theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)]).defaults
    assert mine == theirs


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adam_betas_and_eps_match_torch(name):
    # beta1 >= 0.5 takes lerp's other branch; a large eps dominates the denominator
    kwargs = {"lr": 0.1, "betas": (0.3, 0.6), "eps": 1e-2, "amsgrad": True, "weight_decay": 0.2}
    compare_trajectories(name, kwargs, steps=20)


def test_adam_decoupled_flag_is_adamw():
    compare_trajectories("Adam", {"weight_decay": 0.3, "decoupled_weight_decay": True, "lr": 0.1})


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adam_float64_matches_torch(name):
    kwargs = {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}
    compare_trajectories(name, kwargs, dtype=np.float64, rtol=1e-12, atol=1e-13)


def test_adam_state_layout():
    p = numtorch.ones(3, requires_grad=True)
    opt = optim.Adam([p], amsgrad=True)
    for _ in range(3):
        p.grad = numtorch.ones(3)
        opt.step()
    state = opt.state[p]
    assert list(state) == ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]
    assert state["step"].shape == () and state["step"].dtype is numtorch.float32
    assert state["step"].item() == 3.0
    np.testing.assert_allclose(state["exp_avg"].numpy(), np.full(3, 1 - 0.9**3), rtol=1e-6)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"lr": -0.1}, "Invalid learning rate: -0.1"),
        ({"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
        ({"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
        ({"betas": (-0.1, 0.999)}, "Invalid beta parameter at index 0: -0.1"),
        ({"betas": (0.9, 1.5)}, "Invalid beta parameter at index 1: 1.5"),
        ({"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
        ({"betas": (0, 0.9)}, "betas must be either both floats or both Tensors"),
    ],
)
def test_adam_bad_hyperparameters(name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        getattr(optim, name)([numtorch.zeros(1, requires_grad=True)], **kwargs)
