"""1-D and 3-D max, average and adaptive pooling, and LP pooling, against PyTorch: values,
indices, gradients (ties included), ceil_mode, padding, dilation, unbatched input, module
reprs and validation messages."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
import numtorch.nn  # noqa: F401
from tests.helpers import check_gradcheck, check_op, check_saved_versions, snippet_outcome


def _ties(shape: tuple, seed: int = 0) -> np.ndarray:
    """Small integers as float32: many equal values inside each window."""
    return np.random.default_rng(seed).integers(-2, 3, shape).astype(np.float32)


def _distinct(shape: tuple, seed: int = 0) -> np.ndarray:
    """A permutation of spread-out values: no ties, so gradcheck's perturbations are safe."""
    n = int(np.prod(shape))
    return np.random.default_rng(seed).permutation(n).reshape(shape).astype(np.float64) / n


def _fn(name: str, *args, **kwargs):
    return lambda lib, x: getattr(lib.nn.functional, name)(x, *args, **kwargs)


# ------------------------------------------------------------------ max pooling

MAX1D = [
    (2, {}),
    (3, {"stride": 2, "padding": 1}),
    (3, {"stride": 2, "padding": 1, "ceil_mode": True}),
    (2, {"dilation": 2, "padding": 1}),
    (4, {"stride": 3, "ceil_mode": True}),
    (1, {}),
]


@pytest.mark.parametrize("kernel, kw", MAX1D)
@pytest.mark.parametrize("make", ["normal", "ties"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_pool1d_matches_torch(kernel, kw, make, dtype):
    x = (3, 4, 11) if make == "normal" else _ties((3, 4, 11))
    check_op(_fn("max_pool1d", kernel, return_indices=True, **kw), x, dtype=dtype)
    check_op(_fn("max_pool1d_with_indices", kernel, **kw), x, dtype=dtype)
    check_op(_fn("max_pool1d", kernel, **kw), x, dtype=dtype)


def test_max_pool1d_unbatched_empty_batch_nan_and_integers():
    check_op(_fn("max_pool1d", 3, 2, 1, return_indices=True), (4, 9))
    check_op(_fn("max_pool1d", 3, 2, 1), (4, 9))
    check_op(_fn("max_pool1d", 2), (0, 3, 6))
    x = _ties((2, 3, 8))
    x[0, 0, 3] = x[1, 2, 0] = np.nan
    check_op(_fn("max_pool1d", 3, 1, return_indices=True), x)
    ints = np.random.default_rng(0).integers(-9, 9, (2, 3, 7))
    ours = numtorch.nn.functional.max_pool1d(numtorch.tensor(ints), 3, 2, 1, return_indices=True)
    theirs = torch.nn.functional.max_pool1d(torch.tensor(ints), 3, 2, 1, return_indices=True)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


MAX3D = [
    (2, {}),
    (3, {"stride": 2, "padding": 1}),
    (3, {"stride": 2, "padding": 1, "ceil_mode": True}),
    ((2, 3, 2), {"stride": (1, 2, 2), "padding": (1, 1, 0), "dilation": (2, 1, 1)}),
    (2, {"stride": 3, "ceil_mode": True}),
    ((1, 2, 3), {"stride": 1}),
]


@pytest.mark.parametrize("kernel, kw", MAX3D)
@pytest.mark.parametrize("make", ["normal", "ties"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_pool3d_matches_torch(kernel, kw, make, dtype):
    x = (2, 3, 5, 6, 7) if make == "normal" else _ties((2, 3, 5, 6, 7))
    check_op(_fn("max_pool3d", kernel, return_indices=True, **kw), x, dtype=dtype)
    check_op(_fn("max_pool3d_with_indices", kernel, **kw), x, dtype=dtype)


def test_max_pool3d_unbatched_padding_nan_and_integers():
    check_op(_fn("max_pool3d", 3, 2, 1, return_indices=True), (3, 5, 6, 7))
    neg_inf = np.full((1, 2, 4, 4, 4), -np.inf, np.float32)  # a real element beats padding
    check_op(_fn("max_pool3d", 3, 2, 1, ceil_mode=True, return_indices=True), neg_inf)
    x = _ties((1, 2, 4, 4, 4))
    x[0, 0, 1, 1, 1] = x[0, 1, 3, 2, 0] = np.nan
    check_op(_fn("max_pool3d", 2, 1, return_indices=True), x)
    ints = np.random.default_rng(0).integers(-9, 9, (2, 3, 5, 5, 5))
    ours = numtorch.nn.functional.max_pool3d(numtorch.tensor(ints), 2, 1, 1, return_indices=True)
    theirs = torch.nn.functional.max_pool3d(torch.tensor(ints), 2, 1, 1, return_indices=True)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_max_pool_gradcheck():
    check_gradcheck(_fn("max_pool1d", 3, 2, 1, ceil_mode=True), _distinct((2, 3, 8)))
    check_gradcheck(_fn("max_pool3d", (2, 3, 2), 2, 1, ceil_mode=True), _distinct((1, 2, 4, 5, 3)))


# ------------------------------------------------------------------ average pooling

AVG1D = [
    (2, {}),
    (3, {"stride": 2, "padding": 1}),
    (3, {"stride": 2, "padding": 1, "ceil_mode": True}),
    (3, {"stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}),
    (4, {"stride": 3, "ceil_mode": True}),
]


@pytest.mark.parametrize("kernel, kw", AVG1D)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_avg_pool1d_matches_torch(kernel, kw, dtype):
    check_op(_fn("avg_pool1d", kernel, **kw), (3, 4, 11), dtype=dtype)
    check_op(_fn("avg_pool1d", kernel, **kw), (4, 11), dtype=dtype)


AVG3D = [
    (2, {}),
    (3, {"stride": 2, "padding": 1}),
    (3, {"stride": 2, "padding": 1, "ceil_mode": True}),
    (3, {"stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}),
    ((2, 3, 2), {"stride": (1, 2, 1), "padding": (1, 1, 0), "count_include_pad": False}),
    (3, {"stride": 2, "padding": 1, "divisor_override": 5}),
    (2, {"stride": 3, "ceil_mode": True}),
]


@pytest.mark.parametrize("kernel, kw", AVG3D)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_avg_pool3d_matches_torch(kernel, kw, dtype):
    check_op(_fn("avg_pool3d", kernel, **kw), (2, 3, 5, 6, 7), dtype=dtype)
    check_op(_fn("avg_pool3d", kernel, **kw), (3, 5, 6, 7), dtype=dtype)


def test_avg_pool_gradcheck_and_non_contiguous():
    check_gradcheck(_fn("avg_pool1d", 3, 2, 1, True, False), (2, 3, 8))
    check_gradcheck(_fn("avg_pool3d", 3, 2, 1, True, False), (1, 2, 4, 5, 3))
    check_gradcheck(_fn("avg_pool3d", 2, 1, 0, False, True, 3), (1, 2, 3, 3, 3))
    check_op(lambda lib, x: lib.nn.functional.avg_pool3d(x.transpose(2, 4), 2), (2, 2, 4, 5, 6))


# ------------------------------------------------------------------ adaptive pooling

ADAPTIVE1D = [((2, 3, 9), 3), ((2, 3, 10), 4), ((2, 3, 5), 7), ((3, 7), 2), ((2, 3, 7), 1)]


@pytest.mark.parametrize("shape, size", ADAPTIVE1D)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adaptive_pool1d_matches_torch(shape, size, dtype):
    check_op(_fn("adaptive_avg_pool1d", size), shape, dtype=dtype)
    check_op(_fn("adaptive_max_pool1d", size, True), shape, dtype=dtype)
    check_op(_fn("adaptive_max_pool1d", size, True), _ties(shape), dtype=dtype)
    check_op(_fn("adaptive_max_pool1d_with_indices", size), shape, dtype=dtype)


ADAPTIVE3D = [
    ((2, 3, 4, 6, 8), (2, 3, 4)),  # divisible
    ((2, 3, 5, 7, 9), (2, 3, 4)),
    ((2, 3, 3, 4, 5), 6),  # output larger than input: overlapping windows
    ((2, 3, 5, 7, 6), (None, 2, None)),
    ((3, 5, 7, 6), (3, 2, 4)),
    ((2, 3, 5, 7, 6), 1),
]


@pytest.mark.parametrize("shape, size", ADAPTIVE3D)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adaptive_pool3d_matches_torch(shape, size, dtype):
    check_op(_fn("adaptive_avg_pool3d", size), shape, dtype=dtype)
    check_op(_fn("adaptive_max_pool3d", size, True), shape, dtype=dtype)
    check_op(_fn("adaptive_max_pool3d", size, True), _ties(shape), dtype=dtype)
    check_op(_fn("adaptive_max_pool3d_with_indices", size), shape, dtype=dtype)


def test_adaptive_pool_gradcheck():
    check_gradcheck(_fn("adaptive_avg_pool1d", 3), (2, 3, 7))
    check_gradcheck(_fn("adaptive_max_pool1d", 3), _distinct((2, 3, 7)))
    check_gradcheck(_fn("adaptive_avg_pool3d", (2, 3, 2)), (1, 2, 3, 5, 4))
    check_gradcheck(_fn("adaptive_max_pool3d", (2, 3, 2)), _distinct((1, 2, 3, 5, 4)))


# ------------------------------------------------------------------ LP pooling

LP = [
    ("lp_pool1d", 2, 3, {"stride": 2}, (2, 3, 9)),
    ("lp_pool1d", 1.5, 2, {"ceil_mode": True}, (3, 9)),
    ("lp_pool2d", 2, 2, {}, (2, 3, 6, 7)),
    ("lp_pool2d", 3, (2, 3), {"stride": 1, "ceil_mode": True}, (2, 3, 6, 7)),
    ("lp_pool3d", 2, 2, {}, (2, 2, 4, 5, 6)),
    ("lp_pool3d", 1, (1, 2, 2), {"stride": 2, "ceil_mode": True}, (2, 5, 5, 5)),
    ("lp_pool2d", float("inf"), 2, {}, (2, 3, 6, 6)),
    ("lp_pool1d", -float("inf"), 2, {}, (2, 3, 6)),
]


@pytest.mark.parametrize("name, p, kernel, kw, shape", LP)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lp_pool_matches_torch(name, p, kernel, kw, shape, dtype):
    x = np.abs(np.random.default_rng(0).standard_normal(shape)) + 0.1
    check_op(_fn(name, p, kernel, **kw), x, dtype=dtype, rtol=1e-5, atol=1e-5)
    check_op(_fn(name, p, kernel, **kw), shape, dtype=dtype, rtol=1e-5, atol=1e-5)


def test_lp_pool_gradcheck():
    x = np.abs(np.random.default_rng(0).standard_normal((1, 2, 4, 5))) + 0.5
    check_gradcheck(_fn("lp_pool2d", 2, 2, 1), x)
    check_gradcheck(_fn("lp_pool1d", 3, 2), x[0])
    check_gradcheck(_fn("lp_pool3d", 2, 2), x[None])


# ------------------------------------------------------------------ modules

MODULES = [
    ("MaxPool1d", (3,), {}, (2, 3, 9)),
    ("MaxPool1d", (3, 2, 1, 2, False, True), {}, (2, 3, 9)),
    ("MaxPool3d", (2,), {}, (2, 3, 5, 6, 7)),
    ("MaxPool3d", ((2, 3, 2),), {"stride": 1, "padding": 1, "ceil_mode": True}, (2, 3, 5, 6, 7)),
    ("AvgPool1d", (3,), {}, (2, 3, 9)),
    ("AvgPool1d", (3, 2, 1, True, False), {}, (3, 9)),
    ("AvgPool3d", (2,), {}, (2, 3, 5, 6, 7)),
    ("AvgPool3d", (3, 2, 1, True, False, 4), {}, (3, 5, 6, 7)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveAvgPool3d", ((2, None, 3),), {}, (2, 3, 5, 6, 7)),
    ("AdaptiveMaxPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveMaxPool3d", (2,), {}, (2, 3, 5, 6, 7)),
    ("LPPool1d", (2, 3), {}, (2, 3, 9)),
    ("LPPool2d", (2, 3), {"stride": 2, "ceil_mode": True}, (2, 3, 7, 8)),
    ("LPPool3d", (1.5, 2), {}, (2, 3, 4, 5, 6)),
]


@pytest.mark.parametrize("cls, args, kwargs, shape", MODULES)
def test_pool_modules_match_torch(cls, args, kwargs, shape):
    ours = getattr(numtorch.nn, cls)(*args, **kwargs)
    theirs = getattr(torch.nn, cls)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == [] and list(ours.parameters()) == []
    x = np.abs(np.random.default_rng(0).standard_normal(shape)).astype(np.float32)
    np.testing.assert_allclose(
        ours(numtorch.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(), 1e-5, 1e-6
    )


def test_pool_modules_return_indices():
    for cls, args, shape in (
        ("MaxPool1d", (2,), (2, 3, 8)),
        ("MaxPool3d", (2,), (2, 3, 4, 4, 4)),
        ("AdaptiveMaxPool1d", (3,), (2, 3, 8)),
        ("AdaptiveMaxPool3d", (3,), (2, 3, 4, 5, 6)),
    ):
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        ours = getattr(numtorch.nn, cls)(*args, return_indices=True)(numtorch.tensor(x))
        theirs = getattr(torch.nn, cls)(*args, return_indices=True)(torch.tensor(x))
        np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())
        assert ours[1].dtype == numtorch.int64


# ------------------------------------------------------------------ validation
# Each snippet runs on both libraries (``torch``, ``F`` and ``nn`` name either): the same
# exception type with the very same message, or results of the same shape.

SNIPPETS = [
    # max_pool1d: the native checks, and the 2-D route taken with indices or a gradient
    "F.max_pool1d(torch.randn(2, 3, 5), 0)",
    "F.max_pool1d(torch.randn(2, 3, 5), 2, padding=2)",
    "F.max_pool1d(torch.randn(2, 3, 5), 2, stride=0)",
    "F.max_pool1d(torch.randn(2, 3, 5), 2, dilation=0)",
    "F.max_pool1d(torch.randn(2, 3, 5), 2, padding=-1)",
    "F.max_pool1d(torch.randn(2, 3, 1), 2)",
    "F.max_pool1d(torch.randn(5), 2)",
    "F.max_pool1d(torch.randn(1, 2, 3, 5), 2)",
    "F.max_pool1d(torch.randn(2, 0, 5), 2)",
    "F.max_pool1d(torch.randn(3, 0), 2)",
    "F.max_pool1d(torch.randn(0, 3, 5), 2)",
    "F.max_pool1d(torch.randn(2, 3, 5), (2, 2))",
    "F.max_pool1d(torch.randn(2, 3, 5), 2, (2, 2))",
    "F.max_pool1d(torch.randn(2, 3, 5), 2, ())",
    "F.max_pool1d(torch.randn(2, 3, 5), 2, 2, (1, 1))",
    "F.max_pool1d(torch.randn(2, 3, 5), 2, 2, 0, (1, 1))",
    "F.max_pool1d(torch.randn(2, 3, 5), 0, 0, -1, 0)",
    "F.max_pool1d(torch.randn(2, 3, 5), 2.0)",
    "F.max_pool1d(torch.randn(2, 3, 5).bool(), 2)",
    "F.max_pool1d(torch.randn(2, 3, 5).long(), 2)",
    "F.max_pool1d(torch.randn(2, 3, 5), 2, return_indices=True, padding=2)",
    "F.max_pool1d(torch.randn(2, 3, 5), 2, return_indices=True, padding=-1)",
    "F.max_pool1d(torch.randn(2, 3, 1), 2, return_indices=True)",
    "F.max_pool1d(torch.randn(5), 2, return_indices=True)",
    "F.max_pool1d(torch.randn(2, 0, 5), 2, return_indices=True)",
    "F.max_pool1d(torch.randn(2, 3, 5), 0, return_indices=True)",
    "F.max_pool1d(torch.randn(2, 3, 5, requires_grad=True), 2, padding=2)",
    "F.max_pool1d(torch.randn(3, 5).long(), 2, return_indices=True)",
    "F.max_pool1d_with_indices(torch.randn(2, 3, 5), 3, 1, 1)",
    # avg_pool1d
    "F.avg_pool1d(torch.randn(2, 3, 5), 0)",
    "F.avg_pool1d(torch.randn(2, 3, 5), 2, padding=2)",
    "F.avg_pool1d(torch.randn(2, 3, 1), 2)",
    "F.avg_pool1d(torch.randn(5), 2)",
    "F.avg_pool1d(torch.randn(1, 2, 3, 5), 2)",
    "F.avg_pool1d(torch.randn(2, 0, 5), 2)",
    "F.avg_pool1d(torch.randn(2, 3, 5), (2, 2))",
    "F.avg_pool1d(torch.randn(2, 3, 5), 2, (2, 2))",
    "F.avg_pool1d(torch.randn(2, 3, 5), 2, 2, (1, 1))",
    "F.avg_pool1d(torch.randn(2, 3, 5), 2.0)",
    "F.avg_pool1d(torch.randn(2, 3, 5), 3, 2, 1, ceil_mode=True)",
    # adaptive 1-D
    "F.adaptive_avg_pool1d(torch.randn(2, 3, 5), -1)",
    "F.adaptive_avg_pool1d(torch.randn(5), 2)",
    "F.adaptive_avg_pool1d(torch.randn(2, 3, 0), 2)",
    "F.adaptive_avg_pool1d(torch.randn(2, 3, 5), (2, 2))",
    "F.adaptive_avg_pool1d(torch.randn(2, 3, 5), 1)",
    "F.adaptive_avg_pool1d(torch.randn(3, 5), 7)",
    "F.adaptive_max_pool1d(torch.randn(2, 3, 5), -1)",
    "F.adaptive_max_pool1d(torch.randn(5), 2)",
    "F.adaptive_max_pool1d(torch.randn(2, 3, 0), 2)",
    "F.adaptive_max_pool1d(torch.randn(2, 3, 5), (2, 2))",
    "F.adaptive_max_pool1d(torch.randn(2, 3, 5), 0)",
    "F.adaptive_max_pool1d_with_indices(torch.randn(3, 5), 2)",
    # max_pool3d
    "F.max_pool3d(torch.randn(2, 3, 5, 5, 5), 0)",
    "F.max_pool3d(torch.randn(2, 3, 5, 5, 5), 2, padding=2)",
    "F.max_pool3d(torch.randn(2, 3, 5, 5, 5), 2, stride=0)",
    "F.max_pool3d(torch.randn(2, 3, 5, 5, 5), 2, dilation=0)",
    "F.max_pool3d(torch.randn(2, 3, 5, 5, 5), 2, padding=-1)",
    "F.max_pool3d(torch.randn(2, 3, 1, 5, 5), 2)",
    "F.max_pool3d(torch.randn(5, 5, 5), 2)",
    "F.max_pool3d(torch.randn(2, 0, 5, 5, 5), 2)",
    "F.max_pool3d(torch.randn(0, 5, 5, 5), 2)",
    "F.max_pool3d(torch.randn(0, 1, 5, 5, 5), 2)",
    "F.max_pool3d(torch.randn(2, 3, 5, 5, 5), (2, 2))",
    "F.max_pool3d(torch.randn(2, 3, 5, 5, 5), 2, (2, 2))",
    "F.max_pool3d(torch.randn(2, 3, 5, 5, 5), 2, 2, (0, 0))",
    "F.max_pool3d(torch.randn(2, 3, 5, 5, 5), 2, 2, 0, (1, 1))",
    "F.max_pool3d(torch.randn(2, 3, 5, 5, 5), 2.0)",
    "F.max_pool3d(torch.randn(2, 3, 5, 5, 5).bool(), 2)",
    "F.max_pool3d(torch.randn(2, 3, 5, 5, 5), 2, padding=(1, 2, 1), dilation=3)",
    "F.max_pool3d(torch.randn(2, 3, 5, 5, 5), (2, -1, 2), stride=1)",
    "F.max_pool3d(torch.randn(2, 3, 5, 5, 5), 2, stride=(1, -1, 1))",
    "F.max_pool3d(torch.randn(2, 3, 5, 5, 5), 2, dilation=(1, 1, -1))",
    "F.max_pool3d(torch.randn(2, 3, 5, 5, 5), 5, ceil_mode=True, stride=3, padding=2)",
    "F.max_pool3d_with_indices(torch.randn(2, 3, 5, 5, 5), 2, dilation=1.0)",
    # avg_pool3d
    "F.avg_pool3d(torch.randn(2, 3, 5, 5, 5), 0)",
    "F.avg_pool3d(torch.randn(2, 3, 5, 5, 5), 2, padding=2)",
    "F.avg_pool3d(torch.randn(2, 3, 1, 5, 5), 2)",
    "F.avg_pool3d(torch.randn(5, 5, 5), 2)",
    "F.avg_pool3d(torch.randn(2, 0, 5, 5, 5), 2)",
    "F.avg_pool3d(torch.randn(2, 3, 5, 5, 5), 2, divisor_override=0)",
    "F.avg_pool3d(torch.randn(2, 3, 5, 5, 5), (2, 2))",
    "F.avg_pool3d(torch.randn(2, 3, 5, 5, 5), 2, (2, 2))",
    "F.avg_pool3d(torch.randn(2, 3, 5, 5, 5), 2, 2, (0, 0))",
    "F.avg_pool3d(torch.randn(2, 3, 5, 5, 5), 3, 2, 2)",
    "F.avg_pool3d(torch.randn(2, 3, 5, 5, 5), 4, 2, 2)",
    "F.avg_pool3d(torch.randn(2, 3, 5, 5, 5), (1, 2, 2), padding=(1, 0, 0))",
    "F.avg_pool3d(torch.randn(2, 3, 5, 5, 5), 2, divisor_override=1.5)",
    # adaptive 3-D
    "F.adaptive_avg_pool3d(torch.randn(2, 3, 5, 5, 5), -1)",
    "F.adaptive_avg_pool3d(torch.randn(5, 5), 2)",
    "F.adaptive_avg_pool3d(torch.randn(5, 5), 1)",
    "F.adaptive_avg_pool3d(torch.randn(2, 3, 0, 5, 5), 2)",
    "F.adaptive_avg_pool3d(torch.randn(2, 0, 5, 5, 5), 2)",
    "F.adaptive_avg_pool3d(torch.randn(2, 3, 5, 5, 5), (2, 2))",
    "F.adaptive_avg_pool3d(torch.randn(2, 3, 5, 5, 5), (None, 2, 3))",
    "F.adaptive_avg_pool3d(torch.randn(2, 3, 5, 5, 5), 1)",
    "F.adaptive_max_pool3d(torch.randn(2, 3, 5, 5, 5), -1)",
    "F.adaptive_max_pool3d(torch.randn(5, 5), 2)",
    "F.adaptive_max_pool3d(torch.randn(2, 3, 0, 5, 5), 2)",
    "F.adaptive_max_pool3d(torch.randn(2, 0, 5, 5, 5), 2)",
    "F.adaptive_max_pool3d(torch.randn(2, 3, 5, 5, 5), (2, 2))",
    "F.adaptive_max_pool3d(torch.randn(2, 3, 5, 5, 5).long(), 2)",
    "F.adaptive_max_pool3d(torch.randn(2, 3, 5, 5, 5), (None, 2, 3))",
    # LP pooling
    "F.lp_pool1d(torch.randn(2, 3, 5), 2, 2)",
    "F.lp_pool1d(torch.randn(3, 5), 2, 2)",
    "F.lp_pool2d(torch.randn(2, 3, 5, 5), 2, 0)",
    "F.lp_pool2d(torch.randn(2, 3, 5, 5), 2, 3, 2, ceil_mode=True)",
    "F.lp_pool3d(torch.randn(2, 3, 5, 5, 5), 1, 2)",
    "F.lp_pool3d(torch.randn(2, 3, 1, 5, 5), 2, 2)",
    # empty batches and outputs, argument types, dtypes
    "F.max_pool3d(torch.randn(0, 2, 4, 4, 4), 2)",
    "F.avg_pool3d(torch.randn(0, 2, 4, 4, 4), 2)",
    "F.adaptive_avg_pool3d(torch.randn(2, 2, 4, 4, 4), (0, 2, 2))",
    "F.adaptive_max_pool3d(torch.randn(2, 2, 4, 4, 4), 0)",
    "F.adaptive_max_pool3d(torch.randn(0, 2, 4, 4, 4), 2)",
    "F.adaptive_avg_pool3d(torch.randn(0, 2, 4, 4, 4), 2)",
    "F.max_pool1d(torch.randn(0, 2, 4), 2, return_indices=True)",
    "F.avg_pool1d(torch.randn(0, 2, 4), 2)",
    "F.adaptive_avg_pool1d(torch.randn(0, 2, 4), 2)",
    "F.adaptive_avg_pool1d(torch.randn(2, 3, 5), None)",
    "F.adaptive_max_pool1d(torch.randn(2, 3, 5), 2.0)",
    "F.adaptive_avg_pool3d(torch.randn(2, 3, 5, 5, 5).long(), 2)",
    # int64 averages divide truncating toward zero; other integer types are refused
    "F.avg_pool1d(torch.arange(-9, 9).reshape(2, 3, 3), 2)",
    "F.avg_pool1d(torch.arange(-9, 9).reshape(2, 3, 3).int(), 2)",
    "F.avg_pool3d(torch.arange(-30, 30).reshape(1, 3, 4, 5), (1, 2, 2), 1)",
    "F.avg_pool3d(torch.arange(-30, 30).reshape(1, 3, 4, 5).short(), 1)",
    "F.avg_pool3d(torch.arange(-30, 30).reshape(1, 3, 4, 5).bool(), 1)",
    "F.lp_pool2d(torch.arange(-30, 30).reshape(1, 3, 4, 5), 2, 2)",
]


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_validation_like_torch(snippet):
    assert snippet_outcome(numtorch, snippet) == snippet_outcome(torch, snippet)


@pytest.mark.parametrize("ints", [(2, 3, 9), (2, 3, 4, 5, 6)])
def test_avg_pool_int64_truncates_like_torch(ints):
    x = np.random.default_rng(0).integers(-9, 9, ints)
    name = "avg_pool1d" if len(ints) == 3 else "avg_pool3d"
    for args in ((2, 1), (3, 2, 1, True, False)):
        ours = getattr(numtorch.nn.functional, name)(numtorch.tensor(x), *args)
        theirs = getattr(torch.nn.functional, name)(torch.tensor(x), *args)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert ours.dtype == numtorch.int64


# ------------------------------------------------------------------ graph nodes

NODES = [
    "F.max_pool1d(x1, 2)",
    "F.avg_pool1d(x1, 2)",
    "F.adaptive_max_pool1d(x1, 2)",
    "F.max_pool3d(x3, 2)",
    "F.max_pool3d(x3[0], 2)",
    "F.avg_pool3d(x3, 2)",
    "F.avg_pool3d(x3[0], 2)",
    "F.adaptive_avg_pool3d(x3, 2)",
    "F.adaptive_avg_pool3d(x3, 1)",
    "F.adaptive_max_pool3d(x3, 2)",
    "F.lp_pool2d(x2, 2, 2)",
    "F.fractional_max_pool2d(x2, 2, 2)",
    "F.fractional_max_pool2d(x2[0], 2, 2)",
    "F.fractional_max_pool3d(x3, 2, 2)",
    "F.max_unpool2d(*F.max_pool2d(x2, 2, return_indices=True), 2)",
    "F.max_unpool2d(*F.max_pool2d(x2[0], 2, return_indices=True), 2)",
    "F.max_unpool3d(*F.max_pool3d(x3, 2, return_indices=True), 2)",
]


@pytest.mark.parametrize("snippet", NODES)
def test_grad_fn_names_match_torch(snippet):
    names = []
    for lib in (numtorch, torch):
        x1 = lib.randn(2, 3, 6, requires_grad=True)
        x2 = lib.randn(2, 3, 6, 6, requires_grad=True)
        x3 = lib.randn(2, 3, 6, 6, 6, requires_grad=True)
        out = eval(snippet, {"F": lib.nn.functional, "x1": x1, "x2": x2, "x3": x3})  # noqa: S307
        names.append(out.grad_fn.name())
    assert names[0] == names[1]


@pytest.mark.parametrize(
    "fn, shape",
    [
        (_fn("max_pool3d", 2), (1, 2, 4, 4, 4)),
        (_fn("avg_pool3d", 2), (1, 2, 4, 4, 4)),
        (_fn("adaptive_avg_pool3d", 3), (1, 2, 4, 4, 4)),
        (_fn("adaptive_max_pool3d", 3), (1, 2, 4, 4, 4)),
        (_fn("max_pool1d", 2), (1, 2, 6)),
    ],
)
def test_in_place_change_before_backward_like_torch(fn, shape):
    check_saved_versions(fn, shape)
