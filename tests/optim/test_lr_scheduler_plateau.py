"""ReduceLROnPlateau against torch's: lr sequences for each mode, threshold mode, cooldown,
min_lr and eps on one metric trace; a mid-run state_dict round-trip; its own errors."""

from __future__ import annotations

import math

import pytest
import torch

import numtorch
from numtorch import optim
from tests.optim.test_lr_scheduler import _optimizers

# falls, plateaus with noise, dips, plateaus again: exercises patience, cooldown and threshold
LOSSES = [1.0, 0.8, 0.7, 0.7, 0.69995, 0.71, 0.7, 0.7, 0.65, 0.65, 0.6499, 0.66, 0.66, 0.66]
LOSSES += [0.5, 0.5, 0.5001, 0.5, 0.49, 0.49, 0.49, 0.49, 0.48999, 0.5, 0.5, 0.5, 0.5, 0.5]
LOSSES += [0.3, 0.3, 0.3, 0.3]

KWARGS = [
    {},
    {"patience": 2},
    {"patience": 1, "factor": 0.5, "cooldown": 2},
    {"patience": 0, "factor": 0.5, "min_lr": [0.01, 0.05]},
    {"patience": 0, "factor": 0.5, "min_lr": 0.02, "eps": 0.01},
    {"patience": 1, "threshold": 0.05},
    {"patience": 1, "threshold_mode": "abs", "threshold": 0.001},
    {"mode": "max", "patience": 1, "factor": 0.3},
    {"mode": "max", "patience": 2, "threshold_mode": "abs", "threshold": 0.0, "cooldown": 1},
]


def _metric(kwargs: dict, i: int) -> float:
    loss = LOSSES[i % len(LOSSES)]
    return -loss if kwargs.get("mode") == "max" else loss


@pytest.mark.parametrize("kwargs", KWARGS)
def test_lr_sequence_matches_torch(kwargs):
    topt, nopt = _optimizers(groups=2)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
    nsched = optim.lr_scheduler.ReduceLROnPlateau(nopt, **kwargs)
    seen = set()
    for i in range(3 * len(LOSSES)):
        topt.step()
        nopt.step()
        metric = _metric(kwargs, i)
        # odd steps pass a float32 0-d tensor (to each its own library's)
        tsched.step(torch.tensor(metric) if i % 2 else metric)
        nsched.step(numtorch.tensor(metric) if i % 2 else metric)
        assert nsched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)
        assert [g["lr"] for g in nopt.param_groups] == nsched.get_last_lr()
        assert (nsched.num_bad_epochs, nsched.cooldown_counter) == (
            tsched.num_bad_epochs,
            tsched.cooldown_counter,
        )
        seen.add(nsched.get_last_lr()[0])
    assert len(seen) > 1  # it reduced at least once
    assert nsched.state_dict() == tsched.state_dict()


@pytest.mark.parametrize("kwargs", KWARGS[1:4] + KWARGS[7:])
@pytest.mark.parametrize("split", [3, 11])
def test_state_dict_round_trip_continues_like_torch(kwargs, split):
    topt, nopt = _optimizers(groups=2)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
    nsched = optim.lr_scheduler.ReduceLROnPlateau(nopt, **kwargs)
    for i in range(split):
        tsched.step(_metric(kwargs, i))
        nsched.step(_metric(kwargs, i))
    saved_sched, saved_opt = nsched.state_dict(), nopt.state_dict()
    _, fresh_opt = _optimizers(groups=2)
    fresh = optim.lr_scheduler.ReduceLROnPlateau(fresh_opt)  # defaults: all come from the dict
    fresh_opt.load_state_dict(saved_opt)
    fresh.load_state_dict(saved_sched)
    for i in range(split, len(LOSSES)):
        tsched.step(_metric(kwargs, i))
        fresh.step(_metric(kwargs, i))
        assert fresh.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)
        assert [g["lr"] for g in fresh_opt.param_groups] == fresh.get_last_lr()


def test_mode_worse_and_fresh_state():
    _, nopt = _optimizers()
    low = optim.lr_scheduler.ReduceLROnPlateau(nopt)
    high = optim.lr_scheduler.ReduceLROnPlateau(nopt, mode="max")
    assert low.best == math.inf and high.best == -math.inf
    assert (low.last_epoch, low.num_bad_epochs, low.cooldown_counter) == (0, 0, 0)
    assert low.get_last_lr() == [0.1] and not low.in_cooldown


def test_epoch_argument_warns_and_sets_last_epoch():
    _, nopt = _optimizers()
    sched = optim.lr_scheduler.ReduceLROnPlateau(nopt)
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)`"):
        sched.step(1.0, epoch=7)
    assert sched.last_epoch == 7
    sched.step(1.0)
    assert sched.last_epoch == 8


def test_added_param_group_with_min_lr_list_raises():
    _, nopt = _optimizers()
    sched = optim.lr_scheduler.ReduceLROnPlateau(nopt, patience=0, min_lr=[0.0])
    nopt.add_param_group({"params": [numtorch.zeros(1, requires_grad=True)], "lr": 0.5})
    sched.step(1.0)
    with pytest.raises(RuntimeError, match=r"The number of param groups in the `optimizer` \(2\)"):
        sched.step(2.0)


def test_added_param_group_with_scalar_min_lr_extends_it():
    _, nopt = _optimizers()
    sched = optim.lr_scheduler.ReduceLROnPlateau(nopt, patience=0, min_lr=0.04)
    nopt.add_param_group({"params": [numtorch.zeros(1, requires_grad=True)], "lr": 0.5})
    sched.step(1.0)
    sched.step(2.0)
    assert sched.min_lrs == [0.04, 0.04]
    assert sched.get_last_lr() == pytest.approx([0.04, 0.05])
