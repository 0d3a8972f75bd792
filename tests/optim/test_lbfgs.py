"""LBFGS against torch.optim.LBFGS: closures, both line-search settings, state and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
from numtorch import optim
from tests.optim.test_rmsprop import check_error, check_repr_and_defaults


def _rosenbrock(lib, x, y):
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def _run(lib, kwargs: dict, steps: int, dtype=np.float32):
    """Minimise Rosenbrock (a sum over 3 independent copies) from a fixed start."""
    x = lib.tensor(np.array([-1.5, 0.0, 1.2], dtype), requires_grad=True)
    y = lib.tensor(np.array([2.0, -0.5, 1.0], dtype), requires_grad=True)
    opt = lib.optim.LBFGS([x, y], **kwargs)

    def closure():
        opt.zero_grad()
        loss = _rosenbrock(lib, x, y).sum()
        loss.backward()
        return loss

    history = []
    for _ in range(steps):
        loss = opt.step(closure)
        history.append((loss.item(), x.detach().numpy().copy(), y.detach().numpy().copy()))
    return history, opt


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": 0.1, "max_iter": 4},
        {"lr": 1.0, "max_iter": 3, "history_size": 2},
        {"lr": 0.5, "max_iter": 6, "max_eval": 5, "tolerance_grad": 1e-5},
    ],
    ids=str,
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lbfgs_matches_torch(kwargs, line_search_fn, dtype):
    # Rosenbrock is ill-conditioned: float32 rounding grows along the line search, so float32
    # runs 2 steps (each up to max_iter iterations) and float64 runs 5, to 1e-9
    kwargs = {**kwargs, "line_search_fn": line_search_fn}
    steps, tol = (2, 1e-4) if dtype == np.float32 else (5, 1e-9)
    theirs, topt = _run(torch, kwargs, steps, dtype)
    mine, nopt = _run(numtorch, kwargs, steps, dtype)
    for (tl, tx, ty), (nl, nx, ny) in zip(theirs, mine):
        assert nl == pytest.approx(tl, rel=tol)
        np.testing.assert_allclose(nx, tx, rtol=tol, atol=tol / 10)
        np.testing.assert_allclose(ny, ty, rtol=tol, atol=tol / 10)
    tstate, nstate = topt.state_dict()["state"][0], nopt.state_dict()["state"][0]
    assert list(nstate) == list(tstate)
    assert nstate["func_evals"] == tstate["func_evals"]
    assert nstate["n_iter"] == tstate["n_iter"]
    assert len(nstate["old_dirs"]) == len(tstate["old_dirs"])
    np.testing.assert_allclose(nstate["d"].numpy(), tstate["d"].numpy(), rtol=tol, atol=tol)
    assert nopt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]


def test_lbfgs_reduces_the_loss_and_stops_at_an_optimum():
    history, opt = _run(numtorch, {"line_search_fn": "strong_wolfe"}, steps=5)
    assert history[-1][0] < 1e-6 < history[0][0]
    np.testing.assert_allclose(history[-1][1], 1.0, atol=1e-3)
    evals = opt.state[opt.param_groups[0]["params"][0]]["func_evals"]
    opt.step(lambda: numtorch.tensor(0.0))  # zero gradient: returns after one evaluation
    assert opt.state[opt.param_groups[0]["params"][0]]["func_evals"] == evals + 1


def test_lbfgs_state_round_trip():
    _, opt = _run(numtorch, {"lr": 0.5, "max_iter": 3}, steps=2)
    x = numtorch.tensor(np.array([-1.5, 0.0, 1.2], np.float32), requires_grad=True)
    y = numtorch.tensor(np.array([2.0, -0.5, 1.0], np.float32), requires_grad=True)
    fresh = optim.LBFGS([x, y], lr=0.5, max_iter=3)
    fresh.load_state_dict(opt.state_dict())
    saved, loaded = opt.state_dict(), fresh.state_dict()
    assert list(loaded["state"][0]) == list(saved["state"][0])
    np.testing.assert_array_equal(loaded["state"][0]["d"].numpy(), saved["state"][0]["d"].numpy())
    assert loaded["param_groups"] == saved["param_groups"]


def test_lbfgs_defaults_repr_and_errors():
    check_repr_and_defaults("LBFGS", {})
    check_repr_and_defaults("LBFGS", {"max_iter": 8, "line_search_fn": "strong_wolfe"})
    check_error("LBFGS", {"lr": -1.0})
    a, b = numtorch.zeros(1, requires_grad=True), numtorch.zeros(1, requires_grad=True)
    with pytest.raises(ValueError, match=r"doesn't support per-parameter options \(parameter"):
        optim.LBFGS([{"params": [a]}, {"params": [b]}])
    opt = optim.LBFGS([a], line_search_fn="bogus")

    def closure():
        opt.zero_grad()
        loss = ((a - 1) ** 2).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)
