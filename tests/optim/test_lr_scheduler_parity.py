"""Every step-driven schedule against torch's: 30-step lr (and momentum) sequences over several
param groups, a ``state_dict`` round-trip mid-run that continues identically, and closed forms."""

from __future__ import annotations

import warnings

import pytest
import torch

from numtorch import optim
from tests.optim.test_lr_scheduler import _compare, _optimizers


class _Decay:
    """A callable object: LambdaLR saves its ``__dict__`` (a plain function is not saved)."""

    def __init__(self, rate: float) -> None:
        self.rate = rate

    def __call__(self, epoch: int) -> float:
        return self.rate**epoch


def _seq(m, o):
    S = m.lr_scheduler
    warm = S.LinearLR(o, start_factor=0.25, total_iters=4)
    mid = S.ConstantLR(o, factor=0.5, total_iters=3)
    decay = S.ExponentialLR(o, gamma=0.9)
    return S.SequentialLR(o, [warm, mid, decay], milestones=[5, 12])


def _chain(m, o):
    S = m.lr_scheduler
    return S.ChainedScheduler([S.ConstantLR(o, 0.5, 4), S.ExponentialLR(o, 0.95)])


def _seq_in_chain(m, o):
    # (a ChainedScheduler inside a SequentialLR fails in torch itself at the milestone)
    S = m.lr_scheduler
    seq = S.SequentialLR(o, [S.LinearLR(o, 0.5, total_iters=3), S.MultiStepLR(o, [3, 6])], [4])
    return S.ChainedScheduler([seq, S.ExponentialLR(o, 0.97)])


# id -> (build(lib.optim, optimizer), optimizer name, optimizer kwargs, momentum key)
CASES = {
    "lambda": (lambda m, o: m.lr_scheduler.LambdaLR(o, lambda e: 0.9**e), "SGD", {}, None),
    "lambda_list": (
        lambda m, o: m.lr_scheduler.LambdaLR(o, [lambda e: 1 / (e + 1), _Decay(0.8)]),
        "SGD",
        {},
        None,
    ),
    "multiplicative": (
        lambda m, o: m.lr_scheduler.MultiplicativeLR(o, lambda e: 1.1 if e % 3 else 0.7),
        "SGD",
        {},
        None,
    ),
    "multistep": (
        lambda m, o: m.lr_scheduler.MultiStepLR(o, [3, 8, 8, 20], gamma=0.5),
        "SGD",
        {},
        None,
    ),
    "multistep_default": (lambda m, o: m.lr_scheduler.MultiStepLR(o, [5, 15]), "SGD", {}, None),
    "exponential": (lambda m, o: m.lr_scheduler.ExponentialLR(o, 0.9), "SGD", {}, None),
    "constant": (lambda m, o: m.lr_scheduler.ConstantLR(o), "SGD", {}, None),
    "constant_factor": (
        lambda m, o: m.lr_scheduler.ConstantLR(o, factor=0.1, total_iters=12),
        "SGD",
        {},
        None,
    ),
    "linear": (lambda m, o: m.lr_scheduler.LinearLR(o), "SGD", {}, None),
    "linear_decay": (
        lambda m, o: m.lr_scheduler.LinearLR(o, 1.0, 0.05, total_iters=20),
        "SGD",
        {},
        None,
    ),
    "polynomial": (lambda m, o: m.lr_scheduler.PolynomialLR(o), "SGD", {}, None),
    "polynomial_power": (
        lambda m, o: m.lr_scheduler.PolynomialLR(o, total_iters=20, power=2.0),
        "SGD",
        {},
        None,
    ),
    "sequential": (_seq, "SGD", {}, None),
    "chained": (_chain, "SGD", {}, None),
    "sequential_in_chained": (_seq_in_chain, "SGD", {}, None),
    "warm_restarts": (
        lambda m, o: m.lr_scheduler.CosineAnnealingWarmRestarts(o, 7),
        "SGD",
        {},
        None,
    ),
    "warm_restarts_mult": (
        lambda m, o: m.lr_scheduler.CosineAnnealingWarmRestarts(o, 3, T_mult=2, eta_min=0.01),
        "SGD",
        {},
        None,
    ),
    "cyclic_triangular": (
        lambda m, o: m.lr_scheduler.CyclicLR(o, 0.01, [0.1, 0.2], step_size_up=4),
        "SGD",
        {"momentum": 0.9},
        "momentum",
    ),
    "cyclic_triangular2": (
        lambda m, o: m.lr_scheduler.CyclicLR(
            o, [0.01, 0.02], 0.1, 3, 5, mode="triangular2", cycle_momentum=False
        ),
        "SGD",
        {},
        None,
    ),
    "cyclic_exp_range": (
        lambda m, o: m.lr_scheduler.CyclicLR(
            o, 1e-3, 1e-2, 5, mode="exp_range", gamma=0.97, base_momentum=0.85
        ),
        "Adam",
        {},
        "betas",
    ),
    "cyclic_scale_fn": (
        lambda m, o: m.lr_scheduler.CyclicLR(
            o, 0.01, 0.1, 4, scale_fn=lambda x: 1 / (x + 1), scale_mode="iterations"
        ),
        "SGD",
        {"momentum": 0.5},
        "momentum",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_lr_sequence_matches_torch(case):
    make, name, opt_kwargs, momentum = CASES[case]
    _compare(make, 30, name=name, groups=2, opt_kwargs=opt_kwargs, momentum=momentum)


def _step(opt, sched) -> None:
    opt.step()
    sched.step()


def _assert_same(tsched, topt, nsched, nopt, momentum) -> None:
    assert nsched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12, abs=1e-15)
    for tg, ng in zip(topt.param_groups, nopt.param_groups):
        assert ng["lr"] == pytest.approx(tg["lr"], rel=1e-12, abs=1e-15)
        if momentum:
            assert ng[momentum] == pytest.approx(tg[momentum], rel=1e-12)


@pytest.mark.parametrize("split", [1, 6, 13])
@pytest.mark.parametrize("case", sorted(CASES))
def test_state_dict_round_trip_continues_like_torch(case, split):
    """Save mid-run, load into a freshly built scheduler and optimizer, keep stepping."""
    make, name, opt_kwargs, momentum = CASES[case]
    topt, nopt = _optimizers(name, 2, **opt_kwargs)
    tsched, nsched = make(torch.optim, topt), make(optim, nopt)
    for _ in range(split):
        _step(topt, tsched)
        _step(nopt, nsched)
    saved_sched, saved_opt = nsched.state_dict(), nopt.state_dict()
    _, fresh_opt = _optimizers(name, 2, **opt_kwargs)
    fresh = make(optim, fresh_opt)
    fresh_opt.load_state_dict(saved_opt)
    fresh.load_state_dict(saved_sched)
    _assert_same(tsched, topt, fresh, fresh_opt, momentum)
    for _ in range(30 - split):
        _step(topt, tsched)
        _step(fresh_opt, fresh)
        _assert_same(tsched, topt, fresh, fresh_opt, momentum)
    assert fresh.state_dict() == tsched.state_dict()


def test_lambda_state_dict_keeps_callable_objects_not_functions():
    _, nopt = _optimizers(groups=2)
    decay = _Decay(0.5)
    sched = optim.lr_scheduler.LambdaLR(nopt, [lambda e: 1.0, decay])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [None, {"rate": 0.5}]
    assert "optimizer" not in state
    decay.rate = 0.1
    sched.load_state_dict(state)
    assert decay.rate == 0.5 and state["lr_lambdas"] == [None, {"rate": 0.5}]


def test_cyclic_state_dict_drops_the_scale_functions():
    topt, nopt = _optimizers(momentum=0.9)
    tstate = torch.optim.lr_scheduler.CyclicLR(topt, 0.01, 0.1, mode="exp_range").state_dict()
    nstate = optim.lr_scheduler.CyclicLR(nopt, 0.01, 0.1, mode="exp_range").state_dict()
    assert "_scale_fn_ref" not in nstate and nstate["_scale_fn_custom"] is None
    assert nstate == tstate


CLOSED_FORM = {
    "multistep": lambda m, o: m.lr_scheduler.MultiStepLR(o, [2, 5, 5], gamma=0.5),
    "exponential": lambda m, o: m.lr_scheduler.ExponentialLR(o, 0.8),
    "constant": lambda m, o: m.lr_scheduler.ConstantLR(o, 0.25, 4),
    "linear": lambda m, o: m.lr_scheduler.LinearLR(o, 0.2, 0.9, 6),
    "polynomial": lambda m, o: m.lr_scheduler.PolynomialLR(o, 6, 1.5),
    "warm_restarts": lambda m, o: m.lr_scheduler.CosineAnnealingWarmRestarts(o, 3, 2),
}


def _step_to(opt, sched, epoch) -> list[str]:
    """``step(epoch)`` after the optimizer's step; returns the warnings it raised."""
    opt.step()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sched.step(epoch)
    return [str(w.message)[:60] for w in caught]


@pytest.mark.parametrize("epochs", [[3], [7, 1, 0], [2, 9, 4]])
@pytest.mark.parametrize("case", sorted(CLOSED_FORM))
def test_step_with_epoch_uses_torchs_closed_form(case, epochs):
    topt, nopt = _optimizers(groups=2)
    tsched, nsched = CLOSED_FORM[case](torch.optim, topt), CLOSED_FORM[case](optim, nopt)
    for epoch in epochs:
        assert _step_to(nopt, nsched, epoch) == _step_to(topt, tsched, epoch)
        _assert_same(tsched, topt, nsched, nopt, None)
        assert nsched.last_epoch == tsched.last_epoch


@pytest.mark.parametrize("t_mult", [1, 2, 3])
def test_warm_restarts_fractional_epochs_match_torch(t_mult):
    topt, nopt = _optimizers(groups=2)
    tsched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, 3, t_mult, 0.001)
    nsched = optim.lr_scheduler.CosineAnnealingWarmRestarts(nopt, 3, t_mult, 0.001)
    for epoch in [0.5, 1.25, 2.75, 3.0, 4.5, 10.1, 27.9, 6]:
        assert _step_to(nopt, nsched, epoch) == _step_to(topt, tsched, epoch) == []
        _assert_same(tsched, topt, nsched, nopt, None)
        assert (nsched.T_cur, nsched.T_i) == pytest.approx((tsched.T_cur, tsched.T_i))


def test_a_warm_up_scheduler_subclassing_the_old_base_class() -> None:
    """Many repositories' warm-up schedulers subclass ``_LRScheduler`` (PyTorch's old name)."""

    def lrs(lib) -> list[float]:
        class WarmUp(lib.optim.lr_scheduler._LRScheduler):
            def __init__(self, optimizer, warmup: int) -> None:
                self.warmup = warmup
                super().__init__(optimizer)

            def get_lr(self) -> list[float]:
                factor = min(1.0, (self.last_epoch + 1) / self.warmup)
                return [base * factor for base in self.base_lrs]

        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
        sched = WarmUp(opt, warmup=4)
        seen = []
        for _ in range(6):
            opt.step()
            sched.step()
            seen.append(opt.param_groups[0]["lr"])
        return seen

    import numtorch

    assert lrs(numtorch) == pytest.approx(lrs(torch))
