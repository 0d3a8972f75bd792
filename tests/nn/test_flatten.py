"""nn.Flatten and nn.Unflatten against PyTorch."""

from __future__ import annotations

import pytest
import torch

import numtorch
from tests.helpers import check_gradcheck, check_op


@pytest.mark.parametrize(
    "shape, args",
    [
        ((2, 3, 4, 5), ()),
        ((2, 3, 4, 5), (0, -1)),
        ((2, 3, 4, 5), (1, 2)),
        ((2, 3, 4, 5), (-3, -2)),
        ((2, 3, 4, 5), (3, 3)),
        ((2, 3), ()),
        ((5, 1), ()),
        ((0, 3, 2), ()),
    ],
)
def test_flatten_matches_torch(shape, args):
    check_op(lambda lib, x: lib.nn.Flatten(*args)(x), shape)
    assert repr(numtorch.nn.Flatten(*args)) == repr(torch.nn.Flatten(*args))


def test_flatten_non_contiguous_and_gradcheck():
    check_op(lambda lib, x: lib.nn.Flatten()(x.transpose(1, 2)), (2, 3, 4))
    check_gradcheck(lambda lib, x: lib.nn.Flatten(0)(x), (2, 3))


@pytest.mark.parametrize(
    "shape, dim, sizes",
    [
        ((2, 12), 1, (3, 4)),
        ((2, 12), -1, (2, -1, 3)),
        ((2, 12), 1, [12]),
        ((6, 5), 0, (2, 3)),
        ((0, 6), 1, (2, 3)),
    ],
)
def test_unflatten_matches_torch(shape, dim, sizes):
    check_op(lambda lib, x: lib.nn.Unflatten(dim, sizes)(x), shape)
    assert repr(numtorch.nn.Unflatten(dim, sizes)) == repr(torch.nn.Unflatten(dim, sizes))


def test_unflatten_gradcheck_round_trip():
    check_gradcheck(lambda lib, x: lib.nn.Unflatten(1, (2, 2))(lib.nn.Flatten()(x)), (2, 2, 2))


@pytest.mark.parametrize(
    "make",
    [
        lambda nn: nn.Unflatten(1, 5),
        lambda nn: nn.Unflatten(1, (2, 2.0)),
        lambda nn: nn.Flatten(2, 0)(
            numtorch.zeros(1, 2, 3) if nn is numtorch.nn else torch.zeros(1, 2, 3)
        ),
        lambda nn: nn.Flatten(4)(
            numtorch.zeros(1, 2, 3) if nn is numtorch.nn else torch.zeros(1, 2, 3)
        ),
    ],
)
def test_bad_arguments_raise_like_torch(make):
    with pytest.raises(Exception) as expected:
        make(torch.nn)
    with pytest.raises(type(expected.value)) as got:
        make(numtorch.nn)
    assert str(got.value) == str(expected.value)


def test_unflatten_checks_dim_type_at_construction():
    # stricter than PyTorch, which only fails on the first forward
    with pytest.raises(TypeError, match="invalid argument type for dim parameter"):
        numtorch.nn.Unflatten(1.0, (2, 2))


def test_unflatten_wrong_product_is_refused():
    with pytest.raises(RuntimeError):
        numtorch.nn.Unflatten(1, (5, 3))(numtorch.zeros(2, 12))
