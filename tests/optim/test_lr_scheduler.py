"""Learning-rate schedules against torch's: the lr (and momentum) sequences, state_dict,
resuming, warnings and bad input."""

from __future__ import annotations

import math

import pytest
import torch

import numtorch
from numtorch import optim
from numtorch.optim import lr_scheduler


def _optimizers(name: str = "SGD", groups: int = 1, **kwargs):
    def make(lib):
        params = [lib.zeros(2, requires_grad=True) for _ in range(groups)]
        spec = [{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(params)]
        return getattr(lib.optim, name)(spec, **kwargs)

    return make(torch), make(numtorch)


def _compare(make_sched, steps: int, name="SGD", groups=1, opt_kwargs=None, momentum=None):
    """Step both schedules ``steps`` times; lrs (and ``momentum`` values) must match."""
    topt, nopt = _optimizers(name, groups, **(opt_kwargs or {}))
    ts, ns = make_sched(torch.optim, topt), make_sched(optim, nopt)
    seen = []
    for _ in range(steps):
        assert ns.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12, abs=1e-15)
        for tg, ng in zip(topt.param_groups, nopt.param_groups):
            assert ng["lr"] == pytest.approx(tg["lr"], rel=1e-12, abs=1e-15)
            if momentum:
                assert ng[momentum] == pytest.approx(tg[momentum], rel=1e-12)
        seen.append(ns.get_last_lr()[0])
        topt.step()
        nopt.step()
        ts.step()
        ns.step()
    assert len(set(seen)) > 1  # the schedule moved
    assert ns.state_dict() == ts.state_dict()


@pytest.mark.parametrize("step_size, gamma", [(1, 0.5), (3, 0.1), (7, 0.9)])
@pytest.mark.parametrize("groups", [1, 2])
def test_step_lr_matches_torch(step_size, gamma, groups):
    _compare(lambda m, o: m.lr_scheduler.StepLR(o, step_size, gamma), 30, groups=groups)


@pytest.mark.parametrize("t_max, eta_min", [(10, 0.0), (7, 0.01), (1, 0.0), (25, 1e-3)])
@pytest.mark.parametrize("groups", [1, 2])
def test_cosine_annealing_matches_torch(t_max, eta_min, groups):
    # 40 steps runs past T_max, where the schedule climbs back (PyTorch's recursive form)
    _compare(lambda m, o: m.lr_scheduler.CosineAnnealingLR(o, t_max, eta_min), 40, groups=groups)


ONE_CYCLE = [
    {"total_steps": 40},
    {"total_steps": 40, "anneal_strategy": "linear", "pct_start": 0.25},
    {"epochs": 4, "steps_per_epoch": 10, "three_phase": True},
    {"total_steps": 40, "div_factor": 10.0, "final_div_factor": 100.0, "pct_start": 0.5},
    {"total_steps": 40, "base_momentum": 0.8, "max_momentum": 0.9},
]


@pytest.mark.parametrize("kwargs", ONE_CYCLE)
def test_one_cycle_sgd_momentum_matches_torch(kwargs):
    _compare(
        lambda m, o: m.lr_scheduler.OneCycleLR(o, max_lr=[0.5, 1.0], **kwargs),
        40,
        groups=2,
        opt_kwargs={"momentum": 0.9},
        momentum="momentum",
    )


@pytest.mark.parametrize("kwargs", ONE_CYCLE[:3])
def test_one_cycle_adam_beta1_matches_torch(kwargs):
    _compare(
        lambda m, o: m.lr_scheduler.OneCycleLR(o, max_lr=0.01, **kwargs),
        40,
        name="Adam",
        momentum="betas",
    )


def test_one_cycle_without_momentum_cycling_leaves_momentum():
    topt, nopt = _optimizers("SGD", momentum=0.5)
    sched = lr_scheduler.OneCycleLR(nopt, 1.0, total_steps=5, cycle_momentum=False)
    for _ in range(4):
        nopt.step()
        sched.step()
    assert nopt.param_groups[0]["momentum"] == 0.5
    assert "max_momentum" not in nopt.param_groups[0]


def test_one_cycle_stepping_past_total_steps_raises():
    _, nopt = _optimizers()
    sched = lr_scheduler.OneCycleLR(nopt, 1.0, total_steps=3)
    for _ in range(3):
        nopt.step()
        sched.step()
    nopt.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total"):
        sched.step()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"total_steps": 0}, "Expected positive integer total_steps, but got 0"),
        ({"total_steps": 2.5}, "Expected positive integer total_steps, but got 2.5"),
        ({}, "You must define either total_steps OR"),
        ({"epochs": 2}, "You must define either total_steps OR"),
        ({"epochs": -1, "steps_per_epoch": 3}, "positive integer epochs, but got -1"),
        ({"epochs": 1, "steps_per_epoch": 0}, "positive integer steps_per_epoch, but got 0"),
        ({"total_steps": 9, "pct_start": 1.5}, "float between 0 and 1 pct_start, but got 1.5"),
        ({"total_steps": 9, "pct_start": 1}, "float between 0 and 1 pct_start, but got 1"),
        ({"total_steps": 9, "anneal_strategy": "cosine"}, "'cos' or 'linear', instead got cosine"),
        ({"total_steps": 9, "max_lr": [1.0, 2.0]}, "max_lr must have the same length"),
    ],
)
def test_one_cycle_bad_arguments(kwargs, match):
    _, nopt = _optimizers()
    kwargs = {"max_lr": 1.0, **kwargs}
    with pytest.raises(ValueError, match=match):
        lr_scheduler.OneCycleLR(nopt, **kwargs)


def test_one_cycle_needs_momentum_or_betas():
    class NoMomentum(optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": 0.1})

    opt = NoMomentum([numtorch.zeros(1, requires_grad=True)])
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        lr_scheduler.OneCycleLR(opt, 1.0, total_steps=5)
    lr_scheduler.OneCycleLR(opt, 1.0, total_steps=5, cycle_momentum=False)  # fine without


@pytest.mark.parametrize("cls", [lr_scheduler.StepLR, lr_scheduler.CosineAnnealingLR])
def test_scheduler_needs_an_optimizer(cls):
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        cls([], 3)
    with pytest.raises(TypeError, match="int is not an Optimizer"):
        lr_scheduler.OneCycleLR(3, 1.0, total_steps=3)


def test_resume_needs_initial_lr():
    _, nopt = _optimizers()
    with pytest.raises(KeyError, match=r"param 'initial_lr' is not specified in param_groups\[0\]"):
        lr_scheduler.StepLR(nopt, 3, last_epoch=4)


def test_state_dict_resumes_the_same_sequence():
    """A schedule saved mid-way and loaded into a fresh one continues identically."""
    _, opt_a = _optimizers()
    a = lr_scheduler.CosineAnnealingLR(opt_a, 12, eta_min=0.001)
    for _ in range(5):
        opt_a.step()
        a.step()
    saved_sched, saved_opt = a.state_dict(), opt_a.state_dict()
    _, opt_b = _optimizers()
    b = lr_scheduler.CosineAnnealingLR(opt_b, 12)
    opt_b.load_state_dict(saved_opt)
    b.load_state_dict(saved_sched)
    assert b.eta_min == 0.001 and b.last_epoch == 5
    for _ in range(10):
        for opt, sched in ((opt_a, a), (opt_b, b)):
            opt.step()
            sched.step()
        assert b.get_last_lr() == a.get_last_lr()
    assert "optimizer" not in a.state_dict()


def test_step_lr_closed_form_with_epoch_argument_warns():
    _, nopt = _optimizers()
    sched = lr_scheduler.StepLR(nopt, 2, gamma=0.5)
    nopt.step()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)`"):
        sched.step(5)
    assert sched.get_last_lr() == [pytest.approx(0.1 * 0.5**2)]


def test_cosine_closed_form_with_epoch_argument():
    _, nopt = _optimizers()
    sched = lr_scheduler.CosineAnnealingLR(nopt, 10)
    nopt.step()
    with pytest.warns(UserWarning, match="deprecated"):
        sched.step(5)
    assert sched.get_last_lr() == [pytest.approx(0.1 * (1 + math.cos(math.pi / 2)) / 2)]


def test_scheduler_before_optimizer_warns():
    _, nopt = _optimizers()
    sched = lr_scheduler.StepLR(nopt, 2)
    with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step\\(\\)` before"):
        sched.step()


def test_get_lr_outside_step_warns():
    _, nopt = _optimizers()
    sched = lr_scheduler.StepLR(nopt, 2)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()


def test_constructor_records_initial_lr_and_keeps_lr():
    _, nopt = _optimizers(groups=2)
    sched = lr_scheduler.StepLR(nopt, 2)
    assert [g["initial_lr"] for g in nopt.param_groups] == [0.1, 0.2]
    assert sched.base_lrs == [0.1, 0.2] and sched.last_epoch == 0
    assert sched.get_last_lr() == [0.1, 0.2]
