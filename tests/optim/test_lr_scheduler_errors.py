"""Bad arguments to the schedulers raise torch's exception type with torch's message."""

from __future__ import annotations

import pytest
import torch

import numtorch
from numtorch import optim
from tests.optim.test_lr_scheduler import _optimizers


def _raised(build, lib, opt) -> BaseException:
    with pytest.raises(Exception) as info:
        build(lib, opt)
    return info.value


def _plain(m, o):
    return m.lr_scheduler.ExponentialLR(o, 0.9)


BAD = {
    "lambda_count": lambda m, o: m.lr_scheduler.LambdaLR(o, [lambda e: 1.0] * 3),
    "multiplicative_count": lambda m, o: m.lr_scheduler.MultiplicativeLR(o, [abs]),
    "multiplicative_not_callable": lambda m, o: m.lr_scheduler.MultiplicativeLR(o, 0.5),
    "multiplicative_list_not_callable": lambda m, o: m.lr_scheduler.MultiplicativeLR(o, [abs, 2]),
    "constant_factor_high": lambda m, o: m.lr_scheduler.ConstantLR(o, factor=1.5),
    "constant_factor_negative": lambda m, o: m.lr_scheduler.ConstantLR(o, factor=-0.1),
    "linear_start_zero": lambda m, o: m.lr_scheduler.LinearLR(o, start_factor=0),
    "linear_start_high": lambda m, o: m.lr_scheduler.LinearLR(o, start_factor=1.1),
    "linear_end_high": lambda m, o: m.lr_scheduler.LinearLR(o, end_factor=2.0),
    "linear_end_negative": lambda m, o: m.lr_scheduler.LinearLR(o, end_factor=-1.0),
    "warm_t0_zero": lambda m, o: m.lr_scheduler.CosineAnnealingWarmRestarts(o, 0),
    "warm_t0_float": lambda m, o: m.lr_scheduler.CosineAnnealingWarmRestarts(o, 2.0),
    "warm_t_mult_zero": lambda m, o: m.lr_scheduler.CosineAnnealingWarmRestarts(o, 3, 0),
    "warm_t_mult_float": lambda m, o: m.lr_scheduler.CosineAnnealingWarmRestarts(o, 3, 1.5),
    "warm_eta_min_str": lambda m, o: m.lr_scheduler.CosineAnnealingWarmRestarts(o, 3, 1, "0"),
    "warm_negative_epoch": lambda m, o: m.lr_scheduler.CosineAnnealingWarmRestarts(o, 3).step(-1),
    "cyclic_mode": lambda m, o: m.lr_scheduler.CyclicLR(o, 0.1, 1.0, mode="sine"),
    "cyclic_base_lr_count": lambda m, o: m.lr_scheduler.CyclicLR(o, [0.1, 0.2, 0.3], 1.0),
    "cyclic_max_lr_count": lambda m, o: m.lr_scheduler.CyclicLR(o, 0.1, [1.0]),
    "cyclic_not_optimizer": lambda m, o: m.lr_scheduler.CyclicLR([o], 0.1, 1.0),
    "plateau_factor": lambda m, o: m.lr_scheduler.ReduceLROnPlateau(o, factor=1.0),
    "plateau_not_optimizer": lambda m, o: m.lr_scheduler.ReduceLROnPlateau("sgd"),
    "plateau_mode": lambda m, o: m.lr_scheduler.ReduceLROnPlateau(o, mode="lowest"),
    "plateau_threshold_mode": lambda m, o: m.lr_scheduler.ReduceLROnPlateau(
        o, threshold_mode="pct"
    ),
    "plateau_min_lr_count": lambda m, o: m.lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.0] * 3),
    "sequential_empty": lambda m, o: m.lr_scheduler.SequentialLR(o, [], []),
    "sequential_milestones": lambda m, o: m.lr_scheduler.SequentialLR(o, [_plain(m, o)], [3]),
    "sequential_not_scheduler": lambda m, o: m.lr_scheduler.SequentialLR(o, [3], []),
    "sequential_plateau": lambda m, o: m.lr_scheduler.SequentialLR(
        o, [_plain(m, o), m.lr_scheduler.ReduceLROnPlateau(o)], [2]
    ),
    "chained_empty": lambda m, o: m.lr_scheduler.ChainedScheduler([]),
    "chained_not_scheduler": lambda m, o: m.lr_scheduler.ChainedScheduler([_plain(m, o), "x"]),
    "chained_plateau": lambda m, o: m.lr_scheduler.ChainedScheduler(
        [m.lr_scheduler.ReduceLROnPlateau(o)]
    ),
    "resume_without_initial_lr": lambda m, o: m.lr_scheduler.MultiStepLR(o, [2], last_epoch=3),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_arguments_raise_like_torch(case):
    topt, nopt = _optimizers(groups=2)
    expected = _raised(BAD[case], torch.optim, topt)
    got = _raised(BAD[case], optim, nopt)
    assert type(got) is type(expected)
    # torch's KeyError message goes on to list likely causes; ours keeps its first sentence
    assert str(expected).startswith(str(got).rstrip("'\"")) and len(str(got)) > 20


@pytest.mark.parametrize("cls", ["SequentialLR", "ChainedScheduler"])
def test_composite_rejects_another_optimizers_scheduler(cls):
    _, nopt = _optimizers()
    _, other = _optimizers()
    foreign = optim.lr_scheduler.ExponentialLR(other, 0.5)
    args = (nopt, [foreign], []) if cls == "SequentialLR" else ([foreign], nopt)
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same optimizer"):
        getattr(optim.lr_scheduler, cls)(*args)


def test_cyclic_momentum_needs_momentum_or_betas():
    class NoMomentum(optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": 0.1})

    opt = NoMomentum([numtorch.zeros(1, requires_grad=True)])
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1 with"):
        optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1)
    optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, cycle_momentum=False)  # fine without
