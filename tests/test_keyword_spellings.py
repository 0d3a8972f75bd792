"""PyTorch's keyword spellings of arguments numtorch also takes as varargs
(``torch.flip(x, dims=[0])``, ``x.reshape(shape=(3, 2))``), and ``torch.where(condition)``:
the same values, or the same exception type, as PyTorch; and ``torch.broadcast_shapes``'s Size."""

from __future__ import annotations

import pytest
from helpers import check_error, check_same

_CALLS = [
    lambda lib, x: lib.flip(x, dims=[0]),
    lambda lib, x: x.flip(dims=(0, 1)),
    lambda lib, x: x.permute(dims=(1, 0)),
    lambda lib, x: lib.permute(x, dims=(1, 0)),
    lambda lib, x: x.reshape(shape=(3, 2)),
    lambda lib, x: lib.reshape(x, shape=(6,)),
    lambda lib, x: x.split(split_size=1),
    lambda lib, x: lib.split(x, split_size_or_sections=[1, 1]),
    lambda lib, x: lib.gather(x, 1, lib.tensor([[0], [2]]), sparse_grad=False),
    lambda lib, x: x[:1].expand(size=(2, 2, 3)),
    lambda lib, x: x.repeat(repeats=(1, 2)),
    lambda lib, x: x.new_zeros(size=(1, 2)),
    lambda lib, x: x.new_ones(size=[2]),
    lambda lib, x: x.new_empty(size=(0,)),
    lambda lib, x: lib.where(x > 2),
    lambda lib, x: lib.where(x[0, 0] > 2),
    lambda lib, x: lib.where(x.long()),
    # NumPy's names, which PyTorch's parser takes for every dim= and keepdim=
    lambda lib, x: lib.stack([x, x], axis=0),
    lambda lib, x: x.unsqueeze(axis=0),
    lambda lib, x: x[:1].squeeze(axis=0),
    lambda lib, x: x.chunk(2, axis=1),
    lambda lib, x: x.index_select(axis=0, index=lib.tensor([1])),
    lambda lib, x: lib.cat([x, x], axis=1),
    lambda lib, x: x.sum(axis=1, keepdims=True),
    lambda lib, x: x.quantile(0.5, dim=1, keepdims=True),
    lambda lib, x: x.cumsum(axis=1),
    lambda lib, x: lib.arange(end=3),
    lambda lib, x: lib.arange(end=3, dtype=lib.float64),
]


@pytest.mark.parametrize("call", _CALLS, ids=range(len(_CALLS)))
def test_keyword_spellings_and_where_alone(call) -> None:
    check_same(lambda lib: call(lib, lib.arange(6.0).reshape(2, 3)))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda lib, x: x.reshape(3, 2, shape=(3, 2)), "multiple values for argument 'shape'"),
        (lambda lib, x: lib.where(x > 2, x), r"where\(\) received an invalid combination"),
        (lambda lib, x: lib.stack([x], 0, axis=0), "stack"),
    ],
    ids=["both spellings", "where with two arguments", "dim twice"],
)
def test_keyword_spelling_errors(call, match) -> None:
    check_error(lambda lib: call(lib, lib.arange(6.0).reshape(2, 3)), match, TypeError)


def test_broadcast_shapes_is_a_size() -> None:
    def run(lib):
        return lib.broadcast_shapes((2, 1), (3,))

    import torch

    import numtorch

    mine, theirs = run(numtorch), run(torch)
    assert isinstance(mine, numtorch.Size) and tuple(mine) == tuple(theirs) == (2, 3)
