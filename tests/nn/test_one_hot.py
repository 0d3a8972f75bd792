"""``nn.functional.one_hot`` against PyTorch: values, dtype, shapes and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import numtorch
import numtorch.nn.functional as F

CASES = [
    ([0, 2, 1], -1),
    ([0, 2, 1], 5),
    (2, 3),
    ([[1, 0], [3, 3]], -1),
    ([[1, 0], [3, 3]], 6),
    (np.zeros((0, 2), np.int64), 4),
]


@pytest.mark.parametrize("data,num_classes", CASES, ids=str)
def test_one_hot_matches_pytorch(data, num_classes) -> None:
    ours = F.one_hot(numtorch.tensor(data), num_classes)
    theirs = TF.one_hot(torch.tensor(data), num_classes)
    assert ours.dtype is numtorch.int64 and tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert not ours.requires_grad
    assert F.one_hot(numtorch.tensor(data), num_classes=num_classes).equal(ours)


ERRORS = [
    (lambda m: m.tensor([0, 2], dtype=m.int32), 3),
    (lambda m: m.tensor([0.0, 2.0]), 3),
    (lambda m: m.tensor([True]), 2),
    (lambda m: m.tensor([0, -1]), 3),
    (lambda m: m.tensor([0, 3]), 3),
    (lambda m: m.tensor([0, 1]), 0),
    (lambda m: m.tensor([0, 1]), -2),
    (lambda m: m.tensor([], dtype=m.int64), -1),
    (lambda m: m.tensor([], dtype=m.int64), 0),
    (lambda m: [0, 1], 3),
    (lambda m: m.tensor([0, 1]), 2.0),
]


@pytest.mark.parametrize("make,num_classes", ERRORS)
def test_one_hot_errors_are_pytorchs(make, num_classes) -> None:
    with pytest.raises(Exception) as theirs:
        TF.one_hot(make(torch), num_classes)
    with pytest.raises(theirs.type) as ours:
        F.one_hot(make(numtorch), num_classes)
    assert str(ours.value) == str(theirs.value)


def test_one_hot_feeds_a_loss() -> None:
    target = F.one_hot(numtorch.tensor([1, 0, 2])).float()
    assert target.dtype is numtorch.float32 and target.sum().item() == 3
