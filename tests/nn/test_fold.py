"""F.unfold / F.fold and nn.Unfold / nn.Fold against PyTorch: values, gradients, gradcheck,
reprs and every validation message."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
import numtorch.nn  # noqa: F401  (until numtorch/__init__.py re-exports nn)
from tests.helpers import check_gradcheck, check_op, check_saved_versions, snippet_outcome

UNFOLD = [
    # input shape, kwargs
    ((2, 3, 6, 7), {"kernel_size": 2}),
    (
        (2, 3, 6, 7),
        {"kernel_size": (2, 3), "dilation": (2, 1), "padding": (1, 2), "stride": (2, 3)},
    ),
    ((3, 5, 5), {"kernel_size": 3, "padding": 1}),  # unbatched
    ((1, 2, 4, 4), {"kernel_size": 4}),  # one block
    ((0, 3, 5, 5), {"kernel_size": 2}),  # empty batch
    ((2, 1, 5, 4), {"kernel_size": 1, "stride": 2}),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, kw", UNFOLD)
def test_unfold_matches_torch(shape, kw, dtype):
    check_op(lambda lib, x: lib.nn.functional.unfold(x, **kw), shape, dtype=dtype)


def _blocks(size: tuple, kw: dict) -> int:
    def pair(v):
        return tuple(v) if isinstance(v, tuple) else (v, v)

    k, d = pair(kw["kernel_size"]), pair(kw.get("dilation", 1))
    p, s = pair(kw.get("padding", 0)), pair(kw.get("stride", 1))
    n = [(size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2)]
    return n[0] * n[1], k[0] * k[1]


FOLD = [
    # batch (None: unbatched), channels, output size, kwargs
    (2, 3, (6, 7), {"kernel_size": 2}),
    (
        2,
        3,
        (6, 7),
        {"kernel_size": (2, 3), "dilation": (2, 1), "padding": (1, 2), "stride": (2, 3)},
    ),
    (None, 2, (5, 5), {"kernel_size": 3, "padding": 1}),
    (1, 2, (4, 4), {"kernel_size": 4}),
    (2, 1, (5, 4), {"kernel_size": 1, "stride": 2}),
    (0, 3, (5, 5), {"kernel_size": 2}),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch, channels, size, kw", FOLD)
def test_fold_matches_torch(batch, channels, size, kw, dtype):
    blocks, kk = _blocks(size, kw)
    shape = (channels * kk, blocks) if batch is None else (batch, channels * kk, blocks)
    check_op(lambda lib, x: lib.nn.functional.fold(x, size, **kw), shape, dtype=dtype)


def test_fold_and_unfold_gradcheck_and_non_contiguous_input():
    kw = {"kernel_size": (2, 3), "dilation": (1, 2), "padding": 1, "stride": (2, 1)}
    check_gradcheck(lambda lib, x: lib.nn.functional.unfold(x, **kw), (2, 2, 4, 5))
    blocks, kk = _blocks((4, 5), kw)
    check_gradcheck(lambda lib, x: lib.nn.functional.fold(x, (4, 5), **kw), (2, 2 * kk, blocks))
    nc = lambda lib, x: lib.nn.functional.unfold(x.transpose(2, 3), 2)  # noqa: E731
    check_op(nc, (2, 3, 5, 4))
    grad_fns = (
        numtorch.nn.functional.unfold(numtorch.randn(1, 2, 3, 3, requires_grad=True), 2),
        numtorch.nn.functional.fold(numtorch.randn(1, 8, 4, requires_grad=True), 3, 2),
    )
    assert [t.grad_fn.name() for t in grad_fns] == ["Im2ColBackward0", "Col2ImBackward0"]


def test_fold_and_unfold_of_bool_like_torch():
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 5)) > 0
    for kw in ({"kernel_size": 2, "padding": 1}, {"kernel_size": (2, 3), "stride": 2}):
        ours = numtorch.nn.functional.unfold(numtorch.tensor(x), **kw)
        theirs = torch.nn.functional.unfold(torch.tensor(x), **kw)
        assert ours.dtype == numtorch.bool
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        back = numtorch.nn.functional.fold(ours, (4, 5), **kw)
        np.testing.assert_array_equal(
            back.numpy(), torch.nn.functional.fold(theirs, (4, 5), **kw).numpy()
        )


def test_fold_of_unfold_counts_the_blocks_covering_each_pixel():
    """The documented identity: fold(unfold(x)) == x * fold(unfold(ones))."""
    x = numtorch.randn(1, 2, 5, 6)
    kw = {"kernel_size": 3, "padding": 1, "stride": 2}
    twice = numtorch.nn.functional.fold(numtorch.nn.functional.unfold(x, **kw), (5, 6), **kw)
    ones = numtorch.ones(1, 2, 5, 6)
    count = numtorch.nn.functional.fold(numtorch.nn.functional.unfold(ones, **kw), (5, 6), **kw)
    np.testing.assert_allclose(twice.numpy(), (x * count).numpy(), rtol=1e-6)


ERRORS = [
    "F.unfold(torch.randn(2, 3, 5, 5, 5), 2)",
    "F.unfold(torch.randn(5, 5), 2)",
    "F.unfold(torch.randn(2, 3, 5, 5), 0)",
    "F.unfold(torch.randn(2, 3, 5, 5), 2, stride=0)",
    "F.unfold(torch.randn(2, 3, 5, 5), 2, padding=-1)",
    "F.unfold(torch.randn(2, 3, 5, 5), 2, dilation=0)",
    "F.unfold(torch.randn(2, 3, 5, 5), 7)",
    "F.unfold(torch.randn(2, 3, 5, 5), (2, 2, 2))",
    "F.unfold(torch.randn(2, 0, 5, 5), 2)",
    "F.unfold(torch.randn(2, 3, 0, 5), 2)",
    "F.unfold(torch.randn(2, 3, 5, 5).long(), 2)",
    "F.unfold(torch.randn(2, 3, 5, 5), 0, stride=0, padding=-1, dilation=0)",
    "F.unfold(torch.randn(2, 3, 5, 5), 2, stride=0, padding=-1, dilation=0)",
    "F.unfold(torch.randn(2, 3, 5, 5), 2, stride=0, padding=-1)",
    "F.unfold(torch.randn(2, 3, 5, 5, 5), 2, stride=0)",
    "F.unfold(torch.randn(2, 3, 5, 5), 2, stride=(2, 2, 2))",
    "F.unfold(torch.randn(2, 3, 5, 5), 2.5)",
    "F.unfold(torch.randn(2, 3, 5, 5), 2, padding=1.5)",
    "F.fold(torch.randn(2, 12, 15), (5, 5), 2)",
    "F.fold(torch.randn(2, 13, 16), (5, 5), 2)",
    "F.fold(torch.randn(2, 12, 16, 1), (5, 5), 2)",
    "F.fold(torch.randn(2, 12, 16), (5, 5, 5), 2)",
    "F.fold(torch.randn(2, 12, 16), (5, 5), 0)",
    "F.fold(torch.randn(2, 12, 16), (5, 5), 2, stride=0)",
    "F.fold(torch.randn(2, 12, 16), (5, 5), 2, padding=-1)",
    "F.fold(torch.randn(2, 12, 16), (5, 5), 2, dilation=0)",
    "F.fold(torch.randn(2, 12, 16), (1, 1), 2)",
    "F.fold(torch.randn(2, 12, 15), (0, 0), 2)",
    "F.fold(torch.randn(2, 0, 16), (5, 5), 2)",
    "F.fold(torch.randn(2, 12, 0), (5, 5), 2)",
    "F.fold(torch.randn(2, 12, 16).long(), (5, 5), 2)",
    "F.fold(torch.randn(2, 12, 16), (5, 5), 0, stride=0, padding=-1, dilation=0)",
    "F.fold(torch.randn(2, 12, 16), (5, 5), 2, stride=0, padding=-1, dilation=0)",
    "F.fold(torch.randn(2, 12, 16), (5, 5), 2, padding=-1, dilation=0)",
    "F.fold(torch.randn(2, 12, 16, 3), (5, 5), 2, padding=-1)",
    "F.fold(torch.ones(1, 8, 4, dtype=torch.uint8), 3, 2)",
    "F.fold(torch.randn(2, 12, 16), (5, 5), 2.5)",
    "F.fold(torch.randn(2, 12, 16), 5.5, 2)",
    "F.fold(torch.randn(2, 12, 16), (5, 5), 2, stride=(1, 1, 1))",
    "F.fold(torch.randn(2, 12, 16), 5, 2)",
    "F.fold(torch.randn(0, 12, 16), (5, 5), 2)",
    "F.fold(torch.randn(2, 12, 16), [5, 5], [2, 2], 1, 0, 1)",
    "nn.Fold((5, 5), 2)(torch.randn(12, 16))",
    "nn.Unfold((2, 3), dilation=2, padding=1, stride=(1, 2))(torch.randn(2, 3, 5, 6))",
]


@pytest.mark.parametrize("snippet", ERRORS)
def test_fold_and_unfold_errors_and_shapes_like_torch(snippet):
    assert snippet_outcome(numtorch, snippet) == snippet_outcome(torch, snippet)


@pytest.mark.parametrize(
    "cls, args, kwargs",
    [
        ("Fold", ((5, 5), 2), {}),
        (
            "Fold",
            (),
            {"output_size": (4, 5), "kernel_size": (2, 3), "dilation": 2, "stride": [1, 2]},
        ),
        ("Unfold", ((2, 3),), {"dilation": 2, "padding": 1, "stride": (1, 2)}),
        ("Unfold", (3,), {}),
    ],
)
def test_fold_modules_match_torch(cls, args, kwargs):
    ours = getattr(numtorch.nn, cls)(*args, **kwargs)
    theirs = getattr(torch.nn, cls)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == [] and list(ours.parameters()) == []
    if cls == "Unfold":
        x = np.random.default_rng(0).standard_normal((2, 3, 6, 7)).astype(np.float32)
    else:
        t_in = torch.nn.Unfold(theirs.kernel_size, theirs.dilation, theirs.padding, theirs.stride)
        x = t_in(torch.randn(2, 3, *theirs.output_size)).numpy()
    np.testing.assert_allclose(
        ours(numtorch.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(), rtol=1e-6
    )


@pytest.mark.parametrize(
    "fn, specs",
    [
        (lambda lib, x: lib.nn.functional.unfold(x, 2), ((1, 2, 3, 3),)),
        (lambda lib, x: lib.nn.functional.fold(x, 3, 2), ((1, 8, 4),)),
    ],
)
def test_fold_and_unfold_saved_versions_like_torch(fn, specs):
    check_saved_versions(fn, *specs)  # neither keeps its input: a change is no error
