"""The backward sweep: seeding, accumulation, retain_graph, autograd.grad, deep graphs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import check_error, check_op

import numtorch


def _both(fn):
    """Run ``fn(lib)`` on both libraries and return the (numtorch, torch) results as arrays."""
    out = []
    for lib in (numtorch, torch):
        r = fn(lib)
        out.append([None if t is None else np.asarray(t.detach().numpy()) for t in r])
    return out


def _assert_same(fn) -> None:
    mine, theirs = _both(fn)
    assert len(mine) == len(theirs)
    for m, t in zip(mine, theirs):
        if t is None:
            assert m is None
        else:
            np.testing.assert_allclose(m, t, rtol=1e-6, atol=1e-6)


def test_scalar_backward_default_gradient() -> None:
    def run(lib):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        (x * x).sum().backward()
        return [x.grad]

    _assert_same(run)


def test_backward_with_explicit_gradient() -> None:
    def run(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x.exp() * 2
        y.backward(gradient=lib.tensor([[1.0, 0.5], [-1.0, 2.0]]))
        return [x.grad]

    _assert_same(run)


def test_gradient_accumulates_across_backward_calls() -> None:
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * 3).sum().backward()
        (x * x).sum().backward()
        return [x.grad]

    _assert_same(run)
    x = numtorch.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_diamond_and_shared_inputs() -> None:
    def run(lib):
        x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        w = lib.tensor([1.5, 2.0, -0.5], requires_grad=True)
        a = x * w
        b = a.exp() + a * x
        c = (b * a).sum() + (x @ w)
        c.backward()
        return [x.grad, w.grad]

    _assert_same(run)


def test_retain_graph_allows_second_backward() -> None:
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        return [x.grad]

    _assert_same(run)


def test_second_backward_without_retain_graph_raises() -> None:
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        y.backward()

    check_error(run, "Trying to backward through the graph a second time")


def test_non_scalar_backward_needs_gradient() -> None:
    check_error(
        lambda lib: (lib.ones(2, requires_grad=True) * 2).backward(),
        "grad can be implicitly created only for scalar outputs",
    )


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (
            lambda lib: lib.ones(2).sum().backward(),
            "element 0 of tensors does not require grad and does not have a grad_fn",
        ),
        (
            lambda lib: (lib.ones(2, requires_grad=True) * 2).backward(lib.ones(3)),
            r"Mismatch in shape: grad_output\[0\] has a shape of torch.Size\(\[3\]\) and output\[0\] has a shape of torch.Size\(\[2\]\)",
        ),
        (
            lambda lib: lib.autograd.backward([lib.ones(1, requires_grad=True).sum()] * 2, [None]),
            "got 2 tensors and 1 gradients",
        ),
        (
            lambda lib: lib.autograd.grad((lib.ones(2, requires_grad=True) * 2).sum(), lib.ones(2)),
            "One of the differentiated Tensors does not require grad",
        ),
        (
            lambda lib: lib.ones(2).retain_grad(),
            "can't retain_grad on Tensor that has requires_grad=False",
        ),
    ],
)
def test_backward_errors(fn, match: str) -> None:
    check_error(fn, match)


def test_autograd_grad_returns_without_accumulating() -> None:
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, -1.0], requires_grad=True)
        y = (x * w).sum() + x.exp().sum()
        gx, gw = lib.autograd.grad(y, [x, w])
        assert x.grad is None and w.grad is None
        return [gx, gw]

    _assert_same(run)


def test_autograd_grad_outputs_and_non_leaf_input() -> None:
    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        h = x * x
        y = h.exp()
        (gh,) = lib.autograd.grad(
            y, h, grad_outputs=lib.tensor([1.0, 0.0, -1.0]), retain_graph=True
        )
        (gx,) = lib.autograd.grad([y], [x], [lib.ones(3)])
        return [gh, gx]

    _assert_same(run)


def test_autograd_grad_allow_unused() -> None:
    def run(lib):
        x = lib.tensor([1.0], requires_grad=True)
        unused = lib.tensor([1.0], requires_grad=True)
        return list(lib.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True))

    _assert_same(run)

    def refuse(lib):
        x = lib.tensor([1.0], requires_grad=True)
        unused = lib.tensor([1.0], requires_grad=True)
        lib.autograd.grad((x * 2).sum(), [x, unused])

    check_error(
        refuse, "The differentiated Tensor at index 1 appears to not have been used in the graph"
    )


def test_retain_grad_on_non_leaf() -> None:
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 3
        h.retain_grad()
        assert h.retains_grad
        (h * h).sum().backward()
        return [h.grad, x.grad]

    _assert_same(run)


def test_retain_grad_accumulates_and_leaf_noop() -> None:
    x = numtorch.tensor([1.0, 2.0], requires_grad=True)
    x.retain_grad()  # a leaf already keeps its gradient
    h = x * 2
    h.retain_grad()
    y = h.sum()
    y.backward(retain_graph=True)
    y.backward()
    assert h.grad.tolist() == [2.0, 2.0] and x.grad.tolist() == [4.0, 4.0]


def test_long_chain_does_not_recurse() -> None:
    x = numtorch.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001 + 0.0
    y.sum().backward()
    assert x.grad.item() == pytest.approx(1.0001**10_000, rel=1e-3)


def test_gradient_dtype_and_leaf_grad_is_plain() -> None:
    x = numtorch.ones(2, dtype=numtorch.float64, requires_grad=True)
    (x.float() * 2).sum().backward()
    assert x.grad.dtype is numtorch.float64 and x.grad.grad_fn is None
    assert not x.grad.requires_grad


def test_broadcast_gradients_reduce_to_input_shape() -> None:
    check_op(lambda lib, a, b, c: (a * b + c) / (b.abs() + 1), (4, 1, 3), (2, 1), (3,))
    check_op(lambda lib, a, b: lib.where(a > 0, a, b), (2, 1), (1, 3))
    check_op(lambda lib, a, b: lib.maximum(a, b) - lib.minimum(a, b), (3, 1), (3,))
    check_op(
        lambda lib, a, b: a**b, np.abs(np.random.default_rng(0).normal(size=(2, 3))) + 0.5, (3,)
    )


def test_create_graph_is_refused() -> None:
    x = numtorch.ones(1, requires_grad=True)
    with pytest.raises(NotImplementedError, match="create_graph"):
        (x * x).sum().backward(create_graph=True)


def test_post_accumulate_grad_hook() -> None:
    x = numtorch.ones(2, requires_grad=True)
    seen = []
    x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    (x * 3).sum().backward()
    assert seen == [[3.0, 3.0]]


def test_backward_inputs_restricts_accumulation() -> None:
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        h = x * w
        (h * h).sum().backward(inputs=[x], retain_graph=True)
        assert w.grad is None
        (h * 2).sum().backward(inputs=x)
        return [x.grad]

    _assert_same(run)


def test_only_values_backward_reads_are_version_checked() -> None:
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        a = x * 1.0
        y = a / 2.0  # only the divisor is saved when the divisor needs no gradient
        z = (a * 1.0) @ lib.tensor([1.0, 1.0])  # matmul saves only the constant operand
        a.add_(1)
        (y.sum() + z).backward()
        return [x.grad]

    _assert_same(run)
