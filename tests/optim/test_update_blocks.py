"""The element-wise optimizers take their steps on large parameters block by block on
numtorch's threads (``parallel.update_in_blocks``): bit for bit the whole-array update at any
thread count, and PyTorch's values."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
from numtorch._kernels import parallel as kpar

SHAPE = (1031, 1025)  # 4.2 MB in float32: split, in blocks and chunks that do not divide it

# (optimizer, options, steps): RAdam rectifies from its 6th step on (beta2=0.999), so it runs 7
CONFIGS = [
    ("SGD", {"lr": 0.1}, 3),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}, 3),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.2, "maximize": True}, 3),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}, 3),
    ("Adam", {"lr": 0.01}, 3),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}, 3),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1}, 3),
    ("RMSprop", {"lr": 0.01}, 3),
    # weight_decay a power of two: g + wd * p is then one rounding in both libraries (PyTorch
    # fuses it), and g / (sqrt(v) + eps), steep where |g| ~ eps, turns a 1-ulp difference in g
    # into a 0.3% one in a few parameters
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.25}, 3),
    ("RMSprop", {"lr": 0.01, "centered": True, "maximize": True}, 3),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "alpha": 0.9}, 3),
    ("Adagrad", {"lr": 0.1}, 3),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.1}, 3),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "maximize": True}, 3),
    ("Adamax", {"lr": 0.01}, 3),
    ("Adamax", {"lr": 0.01, "betas": (0.8, 0.9), "weight_decay": 0.1, "maximize": True}, 3),
    ("NAdam", {"lr": 0.01}, 3),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "momentum_decay": 0.01}, 3),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}, 3),
    ("RAdam", {"lr": 0.01}, 7),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1, "maximize": True}, 7),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}, 7),
    ("Adadelta", {"lr": 1.0}, 3),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1, "maximize": True}, 3),
    ("ASGD", {"lr": 0.01}, 3),
    ("ASGD", {"lr": 0.01, "lambd": 0.1, "t0": 0, "weight_decay": 0.1}, 3),  # averaging: mu < 1
    ("ASGD", {"lr": 0.01, "alpha": 0.5, "t0": 1, "maximize": True}, 3),
]


def _steps(lib, name: str, kwargs: dict, p0: np.ndarray, grads: list) -> dict[str, np.ndarray]:
    """The parameter and every array of its state after a step per gradient."""
    p = lib.nn.Parameter(lib.tensor(p0))
    opt = getattr(lib.optim, name)([p], **kwargs)
    for g in grads:
        p.grad = lib.tensor(g)
        opt.step()
    arrays = {k: v.numpy().copy() for k, v in opt.state[p].items() if v.ndim > 0}
    return {"param": p.detach().numpy().copy(), **arrays}


@pytest.mark.parametrize(
    "name, kwargs, steps", CONFIGS, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CONFIGS)]
)
def test_blocked_steps_equal_whole_array_steps_and_torch(name, kwargs, steps, monkeypatch):
    rng = np.random.default_rng(0)
    p0 = rng.standard_normal(SHAPE).astype(np.float32)
    grads = [rng.standard_normal(SHAPE).astype(np.float32) for _ in range(steps)]
    assert kpar.splits(p0, grads[0])
    monkeypatch.setattr(kpar, "_POINTWISE_BYTES", 1 << 62)  # the whole-array reference
    reference = _steps(numtorch, name, kwargs, p0, grads)
    monkeypatch.setattr(kpar, "_POINTWISE_BYTES", 4 * 2**20)
    for threads in (1, 2, 3):
        monkeypatch.setitem(kpar._state, "threads", threads)
        blocked = _steps(numtorch, name, kwargs, p0, grads)
        assert blocked.keys() == reference.keys()
        for key, one_call in reference.items():
            assert blocked[key].tobytes() == one_call.tobytes(), (key, threads)
    assert not np.array_equal(reference["param"], p0)  # the steps did move the parameter
    expected = _steps(torch, name, kwargs, p0, grads)
    assert expected.keys() == reference.keys()
    for key, theirs in expected.items():
        # absolute tolerance at the array's scale: RMSprop's momentum buffer sums terms ~10
        # that can cancel to ~0.01, each term a float32 rounding off
        scale = np.abs(theirs).max()
        np.testing.assert_allclose(
            reference[key], theirs, rtol=1e-5, atol=1e-6 * scale, err_msg=key
        )


def test_blocked_steps_take_the_step_in_blocks(monkeypatch):
    """The conversion is live: a large parameter's step goes through ``update_in_blocks``
    in blocks, a small one's in one call."""
    calls: list[int] = []
    original = kpar.update_in_blocks

    def counting(fn, *arrays):
        original(lambda *pieces: (calls.append(pieces[0].size), fn(*pieces))[1], *arrays)

    monkeypatch.setattr(kpar, "update_in_blocks", counting)
    monkeypatch.setitem(kpar._state, "threads", 2)
    names = ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam", "RAdam")
    for name in (*names, "Adadelta", "ASGD"):
        for shape, pieces in ((SHAPE, SHAPE[0] * SHAPE[1] // kpar._UPDATE_BLOCK), ((3, 4), 1)):
            calls.clear()
            p = numtorch.nn.Parameter(numtorch.zeros(shape))
            p.grad = numtorch.ones(shape)
            getattr(numtorch.optim, name)([p]).step()
            assert len(calls) >= pieces and sum(calls) == p.numel(), (name, shape, calls)


def test_update_in_blocks_covers_every_element_once():
    a = np.zeros(3 * kpar._UPDATE_BLOCK + 5, np.float32)
    b = np.ones_like(a)
    kpar.update_in_blocks(lambda x, y: np.add(x, y, out=x), a, b)
    assert (a == 1).all()


def test_update_in_blocks_takes_small_or_strided_arrays_whole():
    calls = []
    small = np.zeros((4, 4), np.float32)
    strided = np.zeros((2048, 1024), np.float32).T
    for arrays in ((small, small), (strided, strided)):
        kpar.update_in_blocks(lambda *xs: calls.append([x.shape for x in xs]), *arrays)
    assert calls == [[(4, 4), (4, 4)], [(1024, 2048), (1024, 2048)]]


def test_update_in_blocks_keeps_the_sign_of_nans_made_from_two_nans(monkeypatch):
    """Blocks start at multiples of the block size and none is shorter: NumPy's SIMD
    remainders and in-place temporaries fall where one call's do, so a NaN made from NaNs of
    both signs keeps the one call's sign bit (chunk boundaries anywhere else changed it)."""
    rng = np.random.default_rng(0)
    p0 = rng.standard_normal(SHAPE[0] * SHAPE[1]).astype(np.float32)
    g0 = rng.standard_normal(p0.size).astype(np.float32)
    p0[::3], g0[::2] = np.nan, -np.nan

    def step(p, g):
        p -= 0.5 * g
        p += g * (g + 1)

    reference = p0.copy()
    step(reference, g0.copy())
    for threads in (1, 2, 3):
        monkeypatch.setitem(kpar._state, "threads", threads)
        p = p0.copy()
        kpar.update_in_blocks(step, p, g0.copy())
        assert p.tobytes() == reference.tobytes(), threads
