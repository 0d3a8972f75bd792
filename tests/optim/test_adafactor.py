"""Adafactor against torch.optim.Adafactor: factored (matrix, batched) and full (vector,
scalar) second moments, groups, state, repr and errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import numtorch
from numtorch import optim
from tests.optim.test_optimizer import _set_grads, compare_trajectories
from tests.optim.test_rmsprop import (
    check_error,
    check_repr_and_defaults,
    check_round_trip,
    compare_groups,
)

_COMBOS = [
    {"lr": lr, "beta2_decay": b, "eps": e, "d": d, "weight_decay": wd, "maximize": mx}
    for lr, b, e, d, wd, mx in itertools.product(
        (0.01, 0.5), (-0.8, -0.3), ((None, 1e-3), (1e-3, 0.1)), (1.0, 3.0), (0.0, 0.1), (False,)
    )
] + [{"lr": 0.1, "weight_decay": 0.05, "maximize": True}]


@pytest.mark.parametrize("kwargs", _COMBOS, ids=str)
def test_adafactor_matches_torch(kwargs):
    compare_trajectories("Adafactor", kwargs, steps=20)


def test_adafactor_groups_match_torch():
    # the group shapes include (2, 3) and (2, 2) matrices, vectors and a scalar
    groups = [{"beta2_decay": -0.5}, {"eps": (1e-2, 1e-2), "lr": 0.3}, {"d": 2.0, "maximize": True}]
    compare_groups("Adafactor", groups, lr=0.05, weight_decay=0.1)


def test_adafactor_batched_matrices_match_torch():
    rng = np.random.default_rng(4)
    init = rng.standard_normal((2, 3, 4)).astype(np.float32)
    t, n = torch.tensor(init, requires_grad=True), numtorch.tensor(init, requires_grad=True)
    topt, nopt = torch.optim.Adafactor([t], lr=0.2), optim.Adafactor([n], lr=0.2)
    for _ in range(20):
        grad = [rng.standard_normal((2, 3, 4)).astype(np.float32)]
        _set_grads([t], torch, grad)
        _set_grads([n], numtorch, grad)
        topt.step()
        nopt.step()
        np.testing.assert_allclose(n.detach().numpy(), t.detach().numpy(), 1e-5, 1e-6)
    assert nopt.state[n]["row_var"].shape == (2, 3, 1)
    assert nopt.state[n]["col_var"].shape == (2, 1, 4)


def test_adafactor_maximize_ascends():
    p = numtorch.tensor([[1.0, -1.0], [0.5, 2.0]], requires_grad=True)
    opt = optim.Adafactor([p], lr=0.1, maximize=True)
    start = (p.detach().numpy() ** 2).sum()
    for _ in range(5):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
    assert (p.detach().numpy() ** 2).sum() > start


def test_adafactor_defaults_repr_and_round_trip():
    compare_trajectories("Adafactor", {}, steps=20)
    check_repr_and_defaults("Adafactor", {})
    check_repr_and_defaults("Adafactor", {"eps": (1e-3, 1e-2), "d": 2.0, "foreach": False})
    check_round_trip("Adafactor", {"weight_decay": 0.1, "lr": 0.1})
    p, v = numtorch.ones(2, 3, requires_grad=True), numtorch.ones(3, requires_grad=True)
    opt = optim.Adafactor([p, v])
    p.grad, v.grad = numtorch.ones(2, 3), numtorch.ones(3)
    opt.step()
    assert list(opt.state[p]) == ["step", "row_var", "col_var"]
    assert list(opt.state[v]) == ["step", "variance"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": -1.0},
        {"beta2_decay": 0.5},
        {"eps": (-1.0, 1e-3)},
        {"eps": (None, -1e-3)},
        {"d": 0.5},
        {"weight_decay": -0.1},
    ],
    ids=str,
)
def test_adafactor_bad_hyperparameters(kwargs):
    check_error("Adafactor", kwargs)


def test_adafactor_float64_matches_torch():
    kwargs = {"weight_decay": 0.1, "lr": 0.1}
    compare_trajectories("Adafactor", kwargs, steps=20, dtype=np.float64, rtol=1e-10, atol=1e-12)
