"""SGD against torch.optim.SGD: trajectories for every option combination, and validation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import numtorch
from numtorch import optim
from tests.optim.test_optimizer import compare_trajectories

_COMBOS = [
    {"lr": 0.1, "momentum": m, "dampening": d, "weight_decay": wd, "maximize": mx}
    for m, d, wd, mx in itertools.product((0.0, 0.9), (0.0, 0.3), (0.0, 0.05), (False, True))
    if not (m == 0.0 and d != 0.0)
]


@pytest.mark.parametrize("kwargs", _COMBOS, ids=str)
def test_sgd_matches_torch(kwargs):
    compare_trajectories("SGD", kwargs)


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
@pytest.mark.parametrize("maximize", [False, True])
def test_sgd_nesterov_matches_torch(weight_decay, maximize):
    kwargs = {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": weight_decay}
    compare_trajectories("SGD", {**kwargs, "maximize": maximize})


def test_sgd_defaults_match_torch():
    compare_trajectories("SGD", {})
    assert (
        optim.SGD([numtorch.zeros(1, requires_grad=True)]).defaults
        == torch.optim.SGD([torch.zeros(1, requires_grad=True)]).defaults
    )


def test_sgd_float64_matches_torch():
    kwargs = {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}
    compare_trajectories("SGD", kwargs, dtype=np.float64, rtol=1e-12, atol=1e-12)


def test_sgd_momentum_buffer_state():
    p = numtorch.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.5)
    p.grad = numtorch.tensor([1.0, 1.0])
    opt.step()
    opt.step()
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"].numpy(), [1.5, 1.5])
    plain = optim.SGD([q := numtorch.ones(1, requires_grad=True)], lr=0.1)
    q.grad = numtorch.ones(1)
    plain.step()
    assert plain.state_dict()["state"] == {}  # no buffer without momentum, as in torch


def test_sgd_trains_a_linear_regression_like_torch():
    """End to end: forward, mse_loss, backward and step on both libraries, 20 iterations."""
    rng = np.random.default_rng(0)
    x, y = (
        rng.standard_normal((16, 3)).astype(np.float32),
        rng.standard_normal(16).astype(np.float32),
    )
    w0 = rng.standard_normal(3).astype(np.float32)
    results = []
    for lib in (torch, numtorch):
        w = lib.tensor(w0, requires_grad=True)
        opt = lib.optim.SGD([w], lr=0.05, momentum=0.9, nesterov=True)
        for _ in range(20):
            opt.zero_grad()
            loss = lib.nn.functional.mse_loss(lib.tensor(x) @ w, lib.tensor(y))
            loss.backward()
            opt.step()
        results.append((w.detach().numpy(), loss.item()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-5, atol=1e-6)
    assert results[1][1] == pytest.approx(results[0][1], rel=1e-5)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"lr": -0.1}, "Invalid learning rate: -0.1"),
        ({"momentum": -0.5}, "Invalid momentum value: -0.5"),
        ({"weight_decay": -1e-4}, "Invalid weight_decay value: -0.0001"),
        ({"nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
        (
            {"nesterov": True, "momentum": 0.9, "dampening": 0.1},
            "Nesterov momentum requires a momentum and zero dampening",
        ),
        ({"lr": numtorch.tensor([0.1, 0.2])}, "Tensor lr must be 1-element"),
    ],
)
def test_sgd_bad_hyperparameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        optim.SGD([numtorch.zeros(1, requires_grad=True)], **kwargs)


def test_sgd_tensor_lr():
    p = numtorch.ones(1, requires_grad=True)
    opt = optim.SGD([p], lr=numtorch.tensor(0.5))
    p.grad = numtorch.ones(1)
    opt.step()
    np.testing.assert_allclose(p.detach().numpy(), [0.5])


def test_sgd_steps_from_a_state_whose_momentum_buffer_is_none():
    """Old PyTorch state_dicts hold ``momentum_buffer: None`` (a step taken without momentum):
    the next step with momentum starts the buffer afresh, as PyTorch does."""
    results = []
    for lib in (numtorch, torch):
        p = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
        opt = lib.optim.SGD([p], lr=0.1, momentum=0.9)
        state = opt.state_dict()
        state["state"] = {0: {"momentum_buffer": None}}
        opt.load_state_dict(state)
        for _ in range(2):
            p.grad = lib.tensor([1.0, -1.0])
            opt.step()
        results.append(p.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)
