"""``relu_`` computes straight into its target (``numtorch.ops.destination``): no temporary
the size of the tensor, and autograd exactly as when the result was copied in."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import peak_extra_bytes

import numtorch
from numtorch.ops import destination

SIZES = [(256, 1024), (64, 1024, 17)]  # one NumPy call (1 MiB); split over threads (4.25 MiB)


@pytest.mark.parametrize("shape", SIZES, ids=["small", "split"])
@pytest.mark.parametrize("grad", [False, True], ids=["no-grad", "grad"])
def test_relu_inplace_allocates_no_temporary(shape, grad):
    x = numtorch.randn(*shape, requires_grad=grad)
    (x * 1.0).relu_()  # the thread pool exists before the count
    numtorch._kernels.wait_for_kernels()  # a cold cache's compiler thread allocates meanwhile
    y = x * 1.0
    storage = y._data
    extra = peak_extra_bytes(y.relu_)
    assert y._data is storage
    assert extra < storage.nbytes / 4, extra  # out of place + copy allocated a whole tensor
    np.testing.assert_array_equal(storage, np.maximum(x.detach().numpy(), 0))


@pytest.mark.parametrize("shape", SIZES, ids=["small", "split"])
def test_relu_inplace_gradients_match_torch(shape):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape).astype(np.float32)
    a.reshape(-1)[:7] = 0.0  # the gradient at exactly 0 is 0
    g = rng.standard_normal(shape).astype(np.float32)
    grads = []
    for lib in (numtorch, torch):
        x = lib.tensor(a, requires_grad=True)
        y = x * 2.0
        out = lib.nn.ReLU(inplace=True)(y)
        assert out is y
        (out * lib.tensor(g)).sum().backward()
        grads.append((out.detach().numpy(), x.grad.numpy()))
    for ours, theirs in zip(*grads):
        np.testing.assert_array_equal(ours, theirs)


def test_relu_inplace_into_a_result_another_node_saved_is_refused_at_backward():
    """``exp`` saved its result; overwriting it in place must fail backward, as in PyTorch."""
    for lib in (numtorch, torch):
        x = lib.randn(4, requires_grad=True)
        y = x.exp()
        y.relu_()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_relu_inplace_result_written_again_is_refused_at_backward():
    """relu_'s node saved the target itself: a later in-place write is caught."""
    x = numtorch.randn(4, requires_grad=True)
    y = x * 1.0
    y.relu_()
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_relu_inplace_on_a_view_updates_the_base_and_its_gradient():
    a = np.array([[-1.0, 2.0, -3.0], [4.0, -5.0, 6.0]], np.float32)
    results = []
    for lib in (numtorch, torch):
        x = lib.tensor(a, requires_grad=True)
        base = x * 1.0
        base[0].relu_()
        (base * base).sum().backward()
        results.append((base.detach().numpy(), x.grad.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_array_equal(ours, theirs)


def test_relu_inplace_into_an_expanded_view_raises_pytorch_s_error():
    x = numtorch.randn(1, 3).expand(2, 3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        x.relu_()


def test_the_offer_is_taken_once_and_only_for_the_offered_array():
    a, b = np.zeros(3), np.zeros(3)
    assert destination.take(a) is None  # nothing offered
    with destination.offering(a):
        assert destination.take(b) is None
        assert destination.take(a) is a
        assert destination.take(a) is None
    ro = np.zeros(3)
    ro.flags.writeable = False
    with destination.offering(ro):
        assert destination.take(ro) is None


def test_only_marked_ops_are_offered_the_target():
    assert destination.may_write_into_input(numtorch.relu)
    assert not destination.may_write_into_input(numtorch.sigmoid)
