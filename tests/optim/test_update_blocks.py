"""Large parameters take their optimizer steps block by block on numtorch's threads
(``parallel.update_in_blocks``): bit for bit the whole-array update at any thread count, and
PyTorch's values."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
from numtorch._kernels import parallel as kpar

SHAPE = (1031, 1025)  # 4.2 MB in float32: split, in blocks and chunks that do not divide it

CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.2, "maximize": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1}),
]


def _steps(lib, name: str, kwargs: dict, p0: np.ndarray, grads: list) -> list[np.ndarray]:
    p = lib.nn.Parameter(lib.tensor(p0))
    opt = getattr(lib.optim, name)([p], **kwargs)
    for g in grads:
        p.grad = lib.tensor(g)
        opt.step()
    return [p.detach().numpy().copy()] + [
        v.numpy().copy() for v in opt.state[p].values() if v.ndim > 0
    ]


@pytest.mark.parametrize(
    "name, kwargs", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)]
)
def test_blocked_steps_equal_whole_array_steps_and_torch(name, kwargs, monkeypatch):
    rng = np.random.default_rng(0)
    p0 = rng.standard_normal(SHAPE).astype(np.float32)
    grads = [rng.standard_normal(SHAPE).astype(np.float32) for _ in range(3)]
    assert kpar.splits(p0, grads[0])
    monkeypatch.setattr(kpar, "_POINTWISE_BYTES", 1 << 62)  # the whole-array reference
    reference = _steps(numtorch, name, kwargs, p0, grads)
    monkeypatch.setattr(kpar, "_POINTWISE_BYTES", 4 * 2**20)
    for threads in (1, 2, 3):
        monkeypatch.setitem(kpar._state, "threads", threads)
        blocked = _steps(numtorch, name, kwargs, p0, grads)
        assert len(blocked) == len(reference)
        for got, one_call in zip(blocked, reference):
            assert got.tobytes() == one_call.tobytes()
    expected = _steps(torch, name, kwargs, p0, grads)
    for got, theirs in zip(reference, expected):
        np.testing.assert_allclose(got, theirs, rtol=1e-5, atol=1e-6)


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
