"""The deprecated ``add(alpha, other)`` overload PyTorch still accepts (old tutorials'
``p.data.add_(-lr, p.grad)``): the same values, gradients, warnings and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import numtorch

FORMS = [
    lambda lib, a, b: a.add_(-0.5, b),
    lambda lib, a, b: a.add(2, b),
    lambda lib, a, b: lib.add(a, 3, b),
    lambda lib, a, b: lib.add(a, 2, b, out=lib.empty(3)),
    lambda lib, a, b: a.add_(2, 3),
]


@pytest.mark.parametrize("form", FORMS)
def test_legacy_add_matches_pytorch(form) -> None:
    results = []
    for lib in (numtorch, torch):
        a, b = lib.ones(3), lib.arange(3.0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = form(lib, a, b)
        results.append((out.numpy().tolist(), a.numpy().tolist(), [str(w.message) for w in caught]))
    (ours, ours_a, ours_w), (theirs, theirs_a, theirs_w) = results
    assert ours == theirs and ours_a == theirs_a
    assert len(ours_w) == 1
    # PyTorch warns once per process and names its C++ source: compare up to that
    assert not theirs_w or theirs_w[0].startswith(ours_w[0])


def test_legacy_add_warning_points_at_the_caller_and_keeps_gradients() -> None:
    w = numtorch.arange(3.0, requires_grad=True)
    t = torch.arange(3.0, requires_grad=True)
    with pytest.warns(UserWarning, match="This overload of add is deprecated") as caught:
        y = numtorch.ones(3).add(-2, w * w)
    assert caught[0].filename == __file__
    y.sum().backward()
    torch.ones(3).add(-2, t * t).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize(
    "call",
    [lambda lib, a, b: a.add_(b, 2), lambda lib, a, b: a.add_(2, b, alpha=2)],
)
def test_legacy_add_errors_are_pytorchs(call) -> None:
    with pytest.raises(TypeError) as theirs:
        call(torch, torch.ones(3), torch.arange(3.0))
    with pytest.raises(TypeError) as ours:
        call(numtorch, numtorch.ones(3), numtorch.arange(3.0))
    assert str(ours.value) == str(theirs.value)


def test_new_form_gives_no_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = numtorch.ones(3)
        a.add_(numtorch.ones(3), alpha=2)
        assert a.add(1).numpy().tolist() == [4.0, 4.0, 4.0]
        assert numtorch.add(a, a, alpha=0.5).numpy().tolist() == [4.5, 4.5, 4.5]
