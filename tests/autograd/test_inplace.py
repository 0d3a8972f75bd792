"""In-place ops: leaf errors, no_grad use, gradients through in-place ops, version checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import check_error, check_gradcheck, check_op, check_same

import numtorch

INPLACE = {
    "add_": lambda t, o: t.add_(o),
    "add_ alpha": lambda t, o: t.add_(o, alpha=-2.0),
    "sub_": lambda t, o: t.sub_(o),
    "mul_": lambda t, o: t.mul_(o),
    "div_": lambda t, o: t.div_(o.abs() + 1),
    "zero_": lambda t, o: t.zero_(),
    "fill_": lambda t, o: t.fill_(2.5),
    "copy_": lambda t, o: t.copy_(o),
    "clamp_": lambda t, o: t.clamp_(-0.5, 0.5),
    "clamp_ min": lambda t, o: t.clamp_(min=0.0),
    "iadd": lambda t, o: t.__iadd__(o),
    "imul": lambda t, o: t.__imul__(o),
    "isub": lambda t, o: t.__isub__(2.0),
    "itruediv": lambda t, o: t.__itruediv__(4.0),
    "setitem": lambda t, o: t.__setitem__(0, o[0]),
    "masked_fill_": lambda t, o: t.masked_fill_(o > 0, 0.0),
    "relu_": lambda t, o: t.relu_(),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_leaf_requiring_grad_is_refused(name: str) -> None:
    op = INPLACE[name]
    check_error(
        lambda lib: op(lib.ones(2, 3, requires_grad=True), lib.ones(2, 3)),
        "a leaf Variable that requires grad is being used in an in-place operation.",
    )


@pytest.mark.parametrize("name", list(INPLACE))
def test_leaf_under_no_grad_works(name: str) -> None:
    op = INPLACE[name]

    def run(lib):
        t = lib.tensor([[1.0, -2.0, 3.0], [0.25, 0.5, -0.75]], requires_grad=True)
        o = lib.tensor([[2.0, 1.0, -1.0], [0.5, 0.5, 0.5]])
        with lib.no_grad():
            out = op(t, o)
        assert t.requires_grad and t.is_leaf and t.grad_fn is None
        assert out is t or out is None
        return t.detach()

    check_same(run)


@pytest.mark.parametrize("name", list(INPLACE))
def test_non_leaf_in_graph_matches_torch(name: str) -> None:
    op = INPLACE[name]

    def fn(lib, x, o):
        y = x.clone()
        op(y, o)
        return y * x

    check_op(fn, (2, 3), (2, 3))
    check_gradcheck(fn, (2, 3), (2, 3))


@pytest.mark.parametrize("name", ["add_", "sub_", "mul_", "div_", "copy_"])
def test_broadcasting_source(name: str) -> None:
    op = INPLACE[name]

    def fn(lib, x, o):
        y = x * 1.0
        op(y, o)
        return y

    check_op(fn, (2, 3), (3,))
    check_gradcheck(fn, (2, 3), (1, 3))


def test_copy_broadcast_and_cast_values() -> None:
    def run(lib):
        t = lib.zeros(2, 3)
        t.copy_(lib.tensor([1, 2, 3]))
        u = lib.zeros(2, dtype=lib.int64)
        u.copy_(lib.tensor([1.7, -2.2]))
        return t, u

    check_same(run)
    check_error(
        lambda lib: lib.zeros(2, 3).copy_(lib.ones(4)),
        "must match the size|doesn't match|broadcast",
    )


def test_inplace_returns_self_and_bumps_nothing_else() -> None:
    x = numtorch.zeros(3)
    assert x.add_(1) is x and x.mul_(2) is x and x.zero_() is x and x.fill_(3) is x
    assert x.copy_(numtorch.ones(3)) is x and x.clamp_(0, 0.5) is x
    assert x.tolist() == [0.5, 0.5, 0.5]


def test_inplace_on_plain_tensor_with_grad_source_records() -> None:
    def fn(lib, w):
        t = lib.zeros(3)
        t.add_(w * 2)
        t[1] = w[0]
        return t

    check_op(fn, (3,))


def test_inplace_result_type_error() -> None:
    check_error(
        lambda lib: lib.zeros(2, dtype=lib.int64).add_(1.5),
        "result type Float can't be cast to the desired output type Long",
    )
    check_error(
        lambda lib: lib.zeros(2).add_(lib.ones(3, 2)),
        r"output with shape \[2\] doesn't match the broadcast shape \[3, 2\]",
    )


@pytest.mark.parametrize(
    "mutate",
    [
        lambda a: a.add_(1),
        lambda a: a.mul_(2),
        lambda a: a.zero_(),
        lambda a: a.__setitem__(0, 5.0),
    ],
)
def test_modified_saved_input_raises_on_backward(mutate) -> None:
    def run(lib):
        x = lib.ones(3, requires_grad=True)
        w = lib.ones(3, requires_grad=True)
        a = x * 2
        b = a * w  # MulBackward saves a
        mutate(a)
        b.sum().backward()

    check_error(run, "modified by an inplace operation")


def test_modified_saved_output_raises_on_backward() -> None:
    def run(lib):
        x = lib.ones(3, requires_grad=True)
        y = x.exp()  # ExpBackward saves its output
        y.add_(1)
        y.sum().backward()

    check_error(run, "modified by an inplace operation")


def test_modified_under_no_grad_through_a_view_raises() -> None:
    def run(lib):
        x = lib.ones(2, 3, requires_grad=True)
        a = x * 1.0
        b = a * x  # MulBackward saves a
        with lib.no_grad():
            a.view(-1)[0] = 4.0
            a.t()[1:, 0].mul_(3)
        b.sum().backward()

    check_error(run, "modified by an inplace operation")


def test_unrelated_inplace_does_not_raise() -> None:
    def run(lib):
        x = lib.ones(3, requires_grad=True)
        a = x * 2
        b = a + 1  # AddBackward saves nothing
        a.add_(1)
        b.sum().backward()
        return x.grad

    check_same(run)


def test_optimizer_style_update() -> None:
    def run(lib):
        w = lib.tensor([1.0, -2.0], requires_grad=True)
        for _ in range(3):
            loss = (w * w).sum()
            loss.backward()
            with lib.no_grad():
                w.sub_(w.grad, alpha=0.1)
                w.grad.zero_()
        return w.detach()

    check_same(run)


def test_version_counter_shared_with_views() -> None:
    x = numtorch.zeros(2, 3)
    v = x[0]
    before = x._version[0]
    v.add_(1)
    assert x._version[0] == before + 1 and x.tolist()[0] == [1.0, 1.0, 1.0]
    assert np.shares_memory(v._data, x._data)


def test_inplace_write_into_a_tensor_another_node_saved_keeps_its_old_value() -> None:
    """``a.mul_(w)`` with a plain ``a``: Mul saved ``a`` for w's gradient, so the write must not
    change what backward reads (numtorch used to give w the gradient at the new ``a``)."""
    grads = []
    for lib in (torch, numtorch):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        a = lib.tensor([4.0, 5.0, 6.0])
        a.mul_(w)
        a.sum().backward()
        grads.append(w.grad.tolist())
    assert grads[1] == grads[0] == [4.0, 5.0, 6.0]


def test_saved_input_changed_in_place_is_refused_for_every_loss_that_reads_it() -> None:
    """Backward of binary_cross_entropy reads its input: an in-place change after forward is
    PyTorch's RuntimeError, never a gradient at the changed value."""
    for lib in (torch, numtorch):
        x = lib.tensor([0.2, 0.7], requires_grad=True)
        y = x * 1.0
        loss = lib.nn.functional.binary_cross_entropy(y, lib.tensor([0.0, 1.0]))
        with lib.no_grad():
            y.add_(0.25)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            loss.backward()


@pytest.mark.parametrize("op", ["exp_", "sigmoid_", "tanh_", "relu_", "sqrt_"])
def test_inplace_result_written_into_a_view_is_version_checked_like_torch(op) -> None:
    """The node of ``view.exp_()`` reads the view itself, so a later write into the base (or
    into the view) is refused, as in PyTorch."""

    def run(lib):
        x = lib.tensor([[0.5, 1.0], [2.0, 3.0]], requires_grad=True)
        y = x * 1.0
        getattr(y[0], op)()
        with lib.no_grad():
            y.add_(1)
        y.sum().backward()

    check_error(run, "modified by an inplace operation")


@pytest.mark.parametrize("op", ["exp_", "sigmoid_", "tanh_", "relu_", "sqrt_"])
def test_inplace_result_node_keeps_the_written_storage_not_a_copy(op) -> None:
    x = numtorch.tensor([0.5, 1.0, 2.0], requires_grad=True)
    y = x * 1.0
    node = getattr(y, op)().grad_fn
    assert any(s is y._data for s in node._saved)
    y.sum().backward()
    expected = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
    getattr(expected * 1.0, op)().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), expected.grad.numpy(), rtol=1e-6)
