"""The ``Optimizer`` base: parameter groups, zero_grad, step, state_dict, and its errors.

``compare_trajectories`` (shared by the SGD and Adam tests) runs the same optimizer on torch
and numtorch from the same start with the same gradient sequence and compares every step.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import numtorch
from numtorch import optim

SHAPES = ((3, 4), (5,), ())


def _pair(dtype=np.float32, seed=0, shapes=SHAPES):
    rng = np.random.default_rng(seed)
    inits = [rng.standard_normal(s).astype(dtype) for s in shapes]
    tp = [torch.tensor(a, requires_grad=True) for a in inits]
    npar = [numtorch.tensor(a, requires_grad=True) for a in inits]
    return tp, npar


def _set_grads(params, lib, grads) -> None:
    for p, g in zip(params, grads):
        p.grad = None if g is None else lib.tensor(g)


def compare_trajectories(
    name: str, kwargs: dict, steps: int = 12, dtype=np.float32, rtol=1e-5, atol=1e-6
) -> None:
    """Same start, same gradients: the parameters agree with torch's after every step."""
    tp, npar = _pair(dtype)
    topt = getattr(torch.optim, name)(tp, **kwargs)
    nopt = getattr(optim, name)(npar, **kwargs)
    rng = np.random.default_rng(1)
    for _ in range(steps):
        grads = [rng.standard_normal(p.shape).astype(dtype) for p in tp]
        _set_grads(tp, torch, grads)
        _set_grads(npar, numtorch, grads)
        topt.step()
        nopt.step()
        for t, n in zip(tp, npar):
            assert n.dtype.name == str(t.dtype).removeprefix("torch.")
            np.testing.assert_allclose(n.detach().numpy(), t.detach().numpy(), rtol, atol)
    _compare_state(nopt.state_dict(), topt.state_dict())


def _compare_state(ns: dict, ts: dict) -> None:
    assert ns["param_groups"] == ts["param_groups"]
    assert ns["state"].keys() == ts["state"].keys()
    for k, tstate in ts["state"].items():
        assert list(ns["state"][k]) == list(tstate)
        for key, value in tstate.items():
            np.testing.assert_allclose(ns["state"][k][key].numpy(), value.numpy(), 1e-5, 1e-6)
            assert ns["state"][k][key].dtype.name == str(value.dtype).removeprefix("torch.")


class _Plain(optim.Optimizer):
    """The smallest subclass: plain gradient descent, written as its per-parameter rule."""

    def __init__(self, params, lr=0.1):
        super().__init__(params, {"lr": lr})

    def _update(self, param, grad, state, group):
        state["steps"] = state.get("steps", 0) + 1
        param -= group["lr"] * grad


# ---------------------------------------------------------------- construction and groups


def test_params_given_as_a_tensor_raises():
    with pytest.raises(
        TypeError, match="should be an iterable of Tensors or dicts, but got torch.FloatTensor"
    ):
        _Plain(numtorch.zeros(3, requires_grad=True))


def test_empty_params_raises():
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        _Plain([])
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        _Plain(iter(()))


def test_non_tensor_param_raises():
    with pytest.raises(
        TypeError, match="optimizer can only optimize Tensors, but one of the params is int"
    ):
        _Plain([numtorch.zeros(1, requires_grad=True), 3])


def test_non_leaf_param_raises():
    x = numtorch.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        _Plain([x * 2])


def test_set_of_params_raises():
    with pytest.raises(TypeError, match="organized in ordered collections"):
        _Plain([{"params": {numtorch.zeros(1, requires_grad=True)}}])


def test_param_group_must_be_dict():
    opt = _Plain([numtorch.zeros(1, requires_grad=True)])
    with pytest.raises(TypeError, match="param_group must be a dict, but got <class 'list'>"):
        opt.add_param_group([numtorch.zeros(1, requires_grad=True)])


def test_parameter_in_two_groups_raises():
    p, q = numtorch.zeros(1, requires_grad=True), numtorch.zeros(1, requires_grad=True)
    opt = _Plain([p])
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [q, p]})
    assert len(opt.param_groups) == 1
    with pytest.raises(ValueError, match="more than one parameter group"):
        _Plain([{"params": [p]}, {"params": p}])


def test_duplicate_parameter_in_one_group_warns():
    p = numtorch.zeros(1, requires_grad=True)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        _Plain([p, p])


def test_required_hyperparameter_missing_raises():
    class Needs(optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": optim.optimizer.required})

    with pytest.raises(
        ValueError, match="didn't specify a value of required optimization parameter lr"
    ):
        Needs([numtorch.zeros(1, requires_grad=True)])
    assert Needs([{"params": [numtorch.zeros(1, requires_grad=True)], "lr": 1}])


def test_groups_take_defaults_and_overrides():
    p, q = numtorch.zeros(1, requires_grad=True), numtorch.zeros(1, requires_grad=True)
    opt = optim.SGD([{"params": [p]}, {"params": q, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 0.5
    assert opt.param_groups[1]["params"] == [q]
    assert opt.param_groups[1]["momentum"] == 0.9
    assert opt.defaults["lr"] == 0.1


def test_named_params_store_names():
    p, q = numtorch.zeros(1, requires_grad=True), numtorch.zeros(2, requires_grad=True)
    opt = _Plain([("a", p), ("b", q)])
    assert opt.param_groups[0]["param_names"] == ["a", "b"]
    assert opt.param_groups[0]["params"][1] is q
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["a", "b"]
    with pytest.raises(ValueError, match="Some param names are missing"):
        _Plain([("a", p), q])
    with pytest.raises(ValueError, match="cannot add param group without names"):
        opt.add_param_group({"params": [numtorch.zeros(1, requires_grad=True)]})


def test_parameters_from_a_module():
    layer = numtorch.nn.Module()
    layer.w = numtorch.nn.Parameter(numtorch.ones(2))
    opt = optim.SGD(layer.parameters(), lr=0.5)
    layer.w.grad = numtorch.tensor([1.0, 2.0])
    opt.step()
    assert isinstance(layer.w, numtorch.nn.Parameter)
    np.testing.assert_array_equal(layer.w.detach().numpy(), [0.5, 0.0])


@pytest.mark.parametrize(
    "name, kwargs",
    [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"amsgrad": True}), ("AdamW", {})],
)
def test_repr_matches_torch(name, kwargs):
    tp, npar = _pair()
    t = getattr(torch.optim, name)(tp, **kwargs)
    n = getattr(optim, name)(npar, **kwargs)
    t.add_param_group({"params": [torch.zeros(1, requires_grad=True)], "lr": 0.5})
    n.add_param_group({"params": [numtorch.zeros(1, requires_grad=True)], "lr": 0.5})
    assert repr(n) == repr(t)


# ---------------------------------------------------------------- zero_grad and step


def test_zero_grad_sets_none_by_default():
    p = numtorch.ones(2, requires_grad=True)
    p.grad = numtorch.ones(2)
    opt = _Plain([p])
    opt.zero_grad()
    assert p.grad is None


def test_zero_grad_in_place_keeps_the_tensor():
    p = numtorch.ones(2, requires_grad=True)
    (p * p).sum().backward()
    grad = p.grad
    opt = _Plain([p])
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad and not p.grad.requires_grad
    np.testing.assert_array_equal(p.grad.numpy(), [0.0, 0.0])


def test_step_skips_params_without_grad_and_keeps_no_state_for_them():
    p, q = numtorch.ones(2, requires_grad=True), numtorch.ones(2, requires_grad=True)
    opt = _Plain([p, q])
    p.grad = numtorch.ones(2)
    opt.step()
    np.testing.assert_allclose(p.detach().numpy(), [0.9, 0.9])
    np.testing.assert_array_equal(q.detach().numpy(), [1.0, 1.0])
    assert list(opt.state) == [p] and opt.state[p] == {"steps": 1}


def test_step_does_not_record_a_graph_and_keeps_leaves():
    p = numtorch.ones(2, requires_grad=True)
    p.grad = numtorch.ones(2)
    optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.1).step()
    assert p.is_leaf and p.grad_fn is None and p.requires_grad


def test_step_with_closure_returns_its_loss_with_grad_enabled():
    p = numtorch.tensor([3.0], requires_grad=True)
    opt = _Plain([p])

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with numtorch.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0
    np.testing.assert_allclose(p.detach().numpy(), [3.0 - 0.1 * 6.0], rtol=1e-6)


def test_step_bumps_the_version_so_stale_graphs_fail():
    """A parameter changed in place by step() cannot be used by a graph recorded before it."""
    p = numtorch.tensor([1.0, 2.0], requires_grad=True)
    loss = (p * p).sum()
    p.grad = numtorch.ones(2)
    _Plain([p]).step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_step_never_modifies_the_gradient():
    p = numtorch.ones(3, requires_grad=True)
    p.grad = numtorch.tensor([1.0, 2.0, 3.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    for _ in range(3):
        opt.step()
    np.testing.assert_array_equal(p.grad.numpy(), [1.0, 2.0, 3.0])


def test_base_step_needs_an_update_rule():
    p = numtorch.ones(1, requires_grad=True)
    p.grad = numtorch.ones(1)
    opt = optim.Optimizer([p], {"lr": 0.1})
    with pytest.raises(NotImplementedError):
        opt.step()


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_param_groups_with_different_lrs_match_torch(name):
    tp, npar = _pair()
    t = getattr(torch.optim, name)([{"params": tp[:1]}, {"params": tp[1:], "lr": 0.3}], lr=0.01)
    n = getattr(optim, name)([{"params": npar[:1]}, {"params": npar[1:], "lr": 0.3}], lr=0.01)
    rng = np.random.default_rng(3)
    for _ in range(5):
        grads = [rng.standard_normal(p.shape).astype(np.float32) for p in tp]
        _set_grads(tp, torch, grads)
        _set_grads(npar, numtorch, grads)
        t.step()
        n.step()
    for a, b in zip(npar, tp):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), 1e-5, 1e-6)


# ---------------------------------------------------------------- state_dict


def _run(opt, params, grads) -> None:
    for g in grads:
        _set_grads(params, numtorch, g)
        opt.step()


def _grad_sequence(n: int, seed: int = 5) -> list:
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s).astype(np.float32) for s in SHAPES] for _ in range(n)]


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
        ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
        ("AdamW", {"lr": 0.01}),
    ],
)
def test_state_dict_round_trip_continues_the_same_trajectory(name, kwargs):
    grads = _grad_sequence(10)
    _, ref = _pair()
    ref_opt = getattr(optim, name)(ref, **kwargs)
    _run(ref_opt, ref, grads)

    _, first = _pair()
    opt = getattr(optim, name)(first, **kwargs)
    _run(opt, first, grads[:4])
    saved = copy.deepcopy(opt.state_dict())
    resumed = [numtorch.tensor(p.detach().numpy().copy(), requires_grad=True) for p in first]
    opt2 = getattr(optim, name)(resumed, lr=123.0)  # hyperparameters come from the checkpoint
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == kwargs["lr"]
    _run(opt2, resumed, grads[4:])
    for a, b in zip(resumed, ref):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_state_dict_format_matches_torch():
    tp, npar = _pair()
    t = torch.optim.SGD([{"params": tp[:2]}, {"params": tp[2:], "lr": 0.5}], lr=0.1, momentum=0.9)
    n = optim.SGD([{"params": npar[:2]}, {"params": npar[2:], "lr": 0.5}], lr=0.1, momentum=0.9)
    grads = [np.ones(p.shape, np.float32) for p in tp]
    _set_grads(tp[1:], torch, grads[1:])
    _set_grads(npar[1:], numtorch, grads[1:])
    t.step()
    n.step()
    _compare_state(n.state_dict(), t.state_dict())
    assert list(n.state_dict()["state"]) == [1, 2]
    assert n.state_dict()["param_groups"][1]["params"] == [2]


def test_state_dict_shares_live_state_and_load_copies_it():
    p = numtorch.ones(2, requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = numtorch.ones(2)
    opt.step()
    sd = opt.state_dict()
    assert sd["state"][0]["momentum_buffer"] is opt.state[p]["momentum_buffer"]
    q = numtorch.ones(2, requires_grad=True)
    other = optim.SGD([q], lr=0.1, momentum=0.9)
    other.load_state_dict(sd)
    assert other.state[q]["momentum_buffer"] is not sd["state"][0]["momentum_buffer"]
    q.grad = numtorch.ones(2)
    other.step()
    np.testing.assert_array_equal(sd["state"][0]["momentum_buffer"].numpy(), [1.0, 1.0])


def test_load_state_dict_casts_state_to_the_parameter_dtype_but_not_step():
    p = numtorch.ones(2, requires_grad=True)
    opt = optim.Adam([p])
    p.grad = numtorch.ones(2)
    opt.step()
    q = numtorch.ones(2, dtype=numtorch.float64, requires_grad=True)
    other = optim.Adam([q])
    other.load_state_dict(opt.state_dict())
    assert other.state[q]["exp_avg"].dtype is numtorch.float64
    assert other.state[q]["step"].dtype is numtorch.float32


def test_load_state_dict_mismatched_groups_raise():
    _, npar = _pair()
    sd = optim.SGD(npar, lr=0.1).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([{"params": npar[:1]}, {"params": npar[1:]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optim.SGD(npar[:2], lr=0.1).load_state_dict(sd)


def test_adamw_load_keeps_decoupled_weight_decay():
    p = numtorch.ones(2, requires_grad=True)
    sd = optim.Adam([p]).state_dict()
    opt = optim.AdamW([numtorch.ones(2, requires_grad=True)])
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["decoupled_weight_decay"] is True
