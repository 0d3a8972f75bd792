"""``nn.CrossMapLRN2d`` against PyTorch: values and (PyTorch's hand-written) gradients for odd
and even window sizes, windows wider than the channels, float64, repr, and its errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
from tests.helpers import check_error, check_op

CASES = [
    (3, {}, (2, 5, 3, 4)),
    (5, {"alpha": 0.5, "beta": 0.6, "k": 2.0}, (2, 7, 3, 3)),
    (2, {"alpha": 1.0}, (1, 4, 2, 2)),
    (4, {"alpha": 0.3, "beta": 1.2}, (3, 6, 2, 1)),
    (7, {"alpha": 0.2}, (2, 3, 2, 2)),  # a window wider than the channels
    (2, {"alpha": 0.5}, (1, 1, 3, 3)),
    (3, {"alpha": 0.1}, (0, 4, 2, 2)),
]


@pytest.mark.parametrize(("size", "kwargs", "shape"), CASES)
def test_cross_map_lrn2d_values_and_grads(size, kwargs, shape):
    def run(lib, x):
        return lib.nn.CrossMapLRN2d(size, **kwargs)(x)

    check_op(run, shape, rtol=1e-5, atol=1e-6)
    check_op(run, shape, dtype=np.float64, rtol=1e-12, atol=1e-12)


def test_cross_map_lrn2d_module():
    t, n = torch.nn.CrossMapLRN2d(3, alpha=1e-2), numtorch.nn.CrossMapLRN2d(3, alpha=1e-2)
    assert repr(n) == repr(t) == "CrossMapLRN2d(3, alpha=0.01, beta=0.75, k=1)"
    assert list(n.state_dict()) == [] and not list(n.parameters())
    x = numtorch.randn(1, 4, 2, 2, requires_grad=True)
    assert n(x).grad_fn.name() == t(torch.ones(1, 4, 2, 2, requires_grad=True)).grad_fn.name()


def test_cross_map_lrn2d_errors():
    check_error(
        lambda lib: lib.nn.CrossMapLRN2d(3)(lib.ones(3, 2, 2)),
        "CrossMapLRN2d: Expected input to be 4D, got 3D instead.",
    )

    def size_one_backward(lib):
        x = lib.ones(2, 3, 2, 2, requires_grad=True)
        lib.nn.CrossMapLRN2d(1)(x).sum().backward()

    check_error(size_one_backward, r"start \(1\) \+ length \(3\) exceeds dimension size \(3\)")
