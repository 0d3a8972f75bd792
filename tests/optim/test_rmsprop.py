"""RMSprop against torch.optim.RMSprop; also the helpers the newer optimizers' tests share:
several parameter groups with different options, state-dict round trips, repr and errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import numtorch
from numtorch import optim
from tests.optim.test_optimizer import _compare_state, _pair, _set_grads, compare_trajectories


def compare_groups(name: str, groups: list[dict], steps: int = 20, **defaults) -> None:
    """One parameter group per dict of options (parameters dealt round-robin), same gradients
    on both libraries: parameters and state agree with torch's after every step."""
    tp, npar = _pair(shapes=((3, 4), (5,), (), (2, 3), (4,), (2, 2))[: max(3, len(groups) * 2)])
    n = len(groups)
    topt = getattr(torch.optim, name)(
        [{"params": tp[i::n], **g} for i, g in enumerate(groups)], **defaults
    )
    nopt = getattr(optim, name)(
        [{"params": npar[i::n], **g} for i, g in enumerate(groups)], **defaults
    )
    rng = np.random.default_rng(2)
    for _ in range(steps):
        grads = [rng.standard_normal(p.shape).astype(np.float32) for p in tp]
        _set_grads(tp, torch, grads)
        _set_grads(npar, numtorch, grads)
        topt.step()
        nopt.step()
        for t, p in zip(tp, npar):
            np.testing.assert_allclose(p.detach().numpy(), t.detach().numpy(), 1e-5, 1e-6)
    _compare_state(nopt.state_dict(), topt.state_dict())


def check_round_trip(name: str, kwargs: dict, steps: int = 5) -> None:
    """A state dict loaded into a fresh optimizer continues exactly where the original was,
    and the state holds torch's keys."""
    _, first = _pair()
    _, second = _pair()
    opt = getattr(optim, name)(first, **kwargs)
    rng = np.random.default_rng(3)
    for _ in range(steps):
        grads = [rng.standard_normal(p.shape).astype(np.float32) for p in first]
        _set_grads(first, numtorch, grads)
        opt.step()
    for a, b in zip(first, second):
        b.data = a.detach().clone()
    loaded = getattr(optim, name)(second, **kwargs)
    loaded.load_state_dict(opt.state_dict())
    assert loaded.state_dict()["param_groups"] == opt.state_dict()["param_groups"]
    for _ in range(steps):
        grads = [rng.standard_normal(p.shape).astype(np.float32) for p in first]
        _set_grads(first, numtorch, grads)
        _set_grads(second, numtorch, grads)
        opt.step()
        loaded.step()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def check_repr_and_defaults(name: str, kwargs: dict) -> None:
    mine = getattr(optim, name)([numtorch.zeros(1, requires_grad=True)], **kwargs)
    theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **kwargs)
    assert mine.defaults == theirs.defaults
    assert repr(mine) == repr(theirs)


def check_error(name: str, kwargs: dict) -> None:
    """Same exception type and message as torch."""
    with pytest.raises(Exception) as theirs:
        getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **kwargs)
    with pytest.raises(theirs.type) as mine:
        getattr(optim, name)([numtorch.zeros(1, requires_grad=True)], **kwargs)
    assert str(mine.value) == str(theirs.value)


_COMBOS = [
    {"lr": 0.01, "momentum": m, "centered": c, "weight_decay": wd, "maximize": mx}
    for m, c, wd, mx in itertools.product((0.0, 0.9), (False, True), (0.0, 0.1), (False, True))
]


@pytest.mark.parametrize("kwargs", _COMBOS, ids=str)
def test_rmsprop_matches_torch(kwargs):
    compare_trajectories("RMSprop", kwargs, steps=20)


def test_rmsprop_groups_match_torch():
    groups = [
        {"alpha": 0.9, "eps": 1e-3},
        {"momentum": 0.5, "centered": True, "lr": 0.05},
        {"weight_decay": 0.2, "maximize": True, "momentum": 0.3},
    ]
    compare_groups("RMSprop", groups, lr=0.02)


def test_rmsprop_maximize_ascends():
    p = numtorch.tensor([1.0, -1.0], requires_grad=True)
    opt = optim.RMSprop([p], lr=0.1, maximize=True)
    for _ in range(5):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
    assert (p.detach().numpy() ** 2 > 1.0).all()
    compare_trajectories("RMSprop", {"maximize": True, "centered": True, "momentum": 0.9})


def test_rmsprop_defaults_repr_and_state():
    compare_trajectories("RMSprop", {}, steps=20)
    check_repr_and_defaults("RMSprop", {})
    check_repr_and_defaults("RMSprop", {"momentum": 0.9, "centered": True, "foreach": False})
    check_round_trip("RMSprop", {"momentum": 0.9, "centered": True})


@pytest.mark.parametrize(
    "kwargs",
    [{"lr": -1.0}, {"eps": -1e-8}, {"momentum": -0.1}, {"weight_decay": -0.1}, {"alpha": -0.5}],
    ids=str,
)
def test_rmsprop_bad_hyperparameters(kwargs):
    check_error("RMSprop", kwargs)


def test_rmsprop_float64_matches_torch():
    kwargs = {"momentum": 0.9, "centered": True, "weight_decay": 0.1}
    compare_trajectories("RMSprop", kwargs, steps=20, dtype=np.float64, rtol=1e-10, atol=1e-12)
