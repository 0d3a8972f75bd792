"""A leaf's first gradient becomes its ``.grad`` without a copy when nothing else holds it
(PyTorch's AccumulateGrad steals such a gradient), and is copied otherwise: ``.grad`` never
shares memory with another tensor, a seed, a saved value or another leaf's ``.grad``.

Every differentiable op of the namespace, of ``Tensor`` and of ``nn.functional`` (the tables
of the saved-version tests) runs with ``retain_graph=True``; each leaf gradient is then
overwritten in place, as an optimizer or ``clip_grad_norm_`` does, and a second backward must
give the same gradients: a gradient that was one of the graph's saved arrays would change it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import check_error, make_inputs, parity
from test_op_saved_versions import CASES, INPLACE_CASES

import numtorch
from numtorch.autograd import engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "nn"))
from test_saved_versions import CASES as NN_CASES  # noqa: E402


def _outputs(result) -> list:
    outs = result if isinstance(result, (tuple, list)) else [result]
    return [o for o in outs if isinstance(o, numtorch.Tensor) and o.requires_grad]


def _grads_twice(fn, specs) -> tuple[list, list, list]:
    arrays = make_inputs(specs, np.float64)
    leaves = [numtorch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    outs = _outputs(fn(numtorch, *leaves))
    rng = np.random.default_rng(1)
    seeds = [numtorch.tensor(rng.standard_normal(tuple(o.shape))) for o in outs]
    numtorch.autograd.backward(outs, seeds, retain_graph=True)
    first = [None if x.grad is None else x.grad.numpy().copy() for x in leaves]
    held = [t._data for t in leaves + outs + seeds]
    grads = [x.grad._data for x in leaves if x.grad is not None]
    for i, g in enumerate(grads):
        others = held + grads[:i] + grads[i + 1 :]
        assert not any(np.shares_memory(g, o) for o in others), "a .grad shares memory"
    for x in leaves:
        if x.grad is not None:
            x.grad.fill_(np.nan)  # what an in-place optimizer step could do to it
            x.grad = None
    numtorch.autograd.backward(outs, seeds)
    second = [None if x.grad is None else x.grad.numpy() for x in leaves]
    return first, second, seeds


@pytest.mark.filterwarnings("ignore:Using a target size:UserWarning")
@pytest.mark.parametrize(
    ("fn", "specs"),
    [pytest.param(r[1], r[2:], id=r[0]) for r in CASES + INPLACE_CASES]
    + [pytest.param(r[1], r[2], id="nn " + r[0]) for r in NN_CASES],
)
def test_a_stolen_gradient_is_nobody_else_s(fn, specs) -> None:
    first, second, _ = _grads_twice(fn, specs)
    for a, b in zip(first, second):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a, b)


def test_a_fresh_gradient_is_not_copied(monkeypatch) -> None:
    x = numtorch.randn(4, 5, requires_grad=True)
    made = []
    original = engine._accumulate

    def spy(leaf, g, owned=False):
        made.append((g, owned))
        original(leaf, g, owned)

    monkeypatch.setattr(engine, "_accumulate", spy)
    (x * 2.0).sum().backward()
    ((g, owned),) = made
    assert owned and x.grad._data is g


@pytest.mark.parametrize(
    "case",
    ["passed through", "same array twice", "seed", "view", "user function", "sum of two"],
)
def test_shared_gradients_are_copied(case) -> None:
    a = numtorch.randn(3, requires_grad=True)
    b = numtorch.randn(3, requires_grad=True)
    seed = numtorch.randn(3)
    if case == "passed through":
        (a + b).backward(seed)
        assert not np.shares_memory(a.grad._data, seed._data)
    elif case == "same array twice":
        (a + b).sum().backward()
        assert not np.shares_memory(a.grad._data, b.grad._data)
    elif case == "seed":
        a.backward(seed)
        assert not np.shares_memory(a.grad._data, seed._data)
    elif case == "view":
        c = numtorch.randn(2, 3, requires_grad=True)
        c.reshape(6).backward(numtorch.randn(6))
        c.grad.mul_(2)  # fine: its own memory
    elif case == "user function":
        kept = numtorch.ones(3)

        class Keep(numtorch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 1

            @staticmethod
            def backward(ctx, g):
                return kept

        Keep.apply(a).sum().backward()
        a.grad.mul_(5)
        np.testing.assert_array_equal(kept.numpy(), np.ones(3))
    else:
        (a * 2 + a * 3).sum().backward()
        np.testing.assert_array_equal(a.grad.numpy(), np.full(3, 5.0))


def test_a_scalar_gradient_stays_a_tensor_when_it_accumulates() -> None:
    """PyTorch's polynomial-fit tutorial: a 0-d parameter whose gradient accumulates over two
    backward passes, then an update with it and ``zero_grad(set_to_none=False)``."""

    def run(lib):
        p = lib.tensor(2.0, requires_grad=True)
        for _ in range(2):
            (p * 3).backward()
        with lib.no_grad():
            p -= 0.1 * p.grad
        opt = lib.optim.SGD([p], lr=0.1)
        opt.zero_grad(set_to_none=False)
        return p, p.grad

    mine = parity(run)
    assert isinstance(mine[1]._data, np.ndarray)


def test_a_second_gradient_is_added_into_grad_in_place() -> None:
    """PyTorch's AccumulateGrad adds into ``.grad``: a view of it sees the sum."""

    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * 3).sum().backward()
        view, same = x.grad.view(2), x.grad
        (x * 4).sum().backward()
        return view, same is x.grad, x.grad

    parity(run)


def test_adding_into_grad_moves_its_version_and_refuses_overlapping_memory() -> None:
    """A graph that saved ``.grad`` sees the in-place addition (PyTorch's version error), and
    a ``.grad`` whose elements share memory is refused, as PyTorch refuses to add into it."""

    def saved(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).sum().backward()
        w = lib.tensor([1.0, 1.0], requires_grad=True)
        y = (w * x.grad).sum()
        (x * 3).sum().backward()
        y.backward()

    check_error(saved, "modified by an inplace operation", RuntimeError)

    def expanded(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        x.grad = lib.zeros(1).expand(3)
        (x * lib.tensor([1.0, 2.0, 3.0])).sum().backward()

    check_error(expanded, "more than one element of the written-to tensor", RuntimeError)
