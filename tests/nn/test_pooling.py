"""Max, average and adaptive pooling against PyTorch: values, indices, gradients (ties
included), ceil_mode, module reprs and every validation message."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
import numtorch.nn  # noqa: F401  (until numtorch/__init__.py re-exports nn)
from tests.helpers import check_gradcheck, check_op, snippet_outcome


def _raises_like_torch(fn, exc: type, match: str) -> None:
    """``fn(lib)`` raises ``exc`` matching ``match`` in numtorch, and in PyTorch too."""
    for lib in (numtorch, torch):
        with pytest.raises(exc, match=match):
            fn(lib)


def _ties(shape: tuple, seed: int = 0) -> np.ndarray:
    """Small integers as float32: many equal values inside each window."""
    return np.random.default_rng(seed).integers(-2, 3, shape).astype(np.float32)


# ------------------------------------------------------------------ max_pool2d

MAX_GRID = [
    (2, {}),
    ((2, 3), {"stride": 1}),
    (3, {"stride": 2, "padding": 1}),
    (3, {"stride": 2, "padding": 1, "ceil_mode": True}),
    ((3, 2), {"stride": (2, 1), "padding": (1, 1), "dilation": (2, 1), "ceil_mode": True}),
    (2, {"stride": 3, "ceil_mode": True}),
    (3, {"dilation": 2, "padding": 1}),
    (1, {}),
    ((5, 6), {}),  # one window covering the whole input
    (2, {"ceil_mode": True}),  # 2x2, stride 2, the last window hanging over an odd edge
    (2, {"dilation": 2}),  # 2x2 windows, stride 2, reading every other pixel
]


@pytest.mark.parametrize("kernel, kw", MAX_GRID)
@pytest.mark.parametrize("make", ["normal", "ties"])
def test_max_pool2d_matches_torch(kernel, kw, make):
    x = (5, 2, 5, 6) if make == "normal" else _ties((2, 2, 5, 6))
    fn = lambda lib, x: lib.nn.functional.max_pool2d(x, kernel, return_indices=True, **kw)  # noqa: E731
    check_op(fn, x, rtol=1e-6, atol=1e-6)  # overlapping windows sum in another order


def test_max_pool2d_all_equal_input_routes_gradient_like_torch():
    for x in (np.zeros((1, 2, 6, 6), np.float32), np.full((1, 1, 5, 5), -np.inf, np.float32)):
        fn = lambda lib, x: lib.nn.functional.max_pool2d(  # noqa: E731
            x, 3, 2, 1, ceil_mode=True, return_indices=True
        )
        check_op(fn, x, rtol=1e-6, atol=1e-6)


def test_max_pool2d_ties_without_overlap_match_torch_exactly():
    for x in (_ties((2, 3, 6, 6)), np.ones((1, 2, 4, 6), np.float32)):
        fn = lambda lib, x: lib.nn.functional.max_pool2d(x, 2, return_indices=True)  # noqa: E731
        check_op(fn, x, rtol=0, atol=0)


def test_max_pool2d_nan_wins_like_torch():
    x = _ties((1, 2, 4, 4))
    x[0, 0, 1, 1] = x[0, 1, 0, 0] = x[0, 1, 2, 3] = np.nan
    check_op(lambda lib, x: lib.nn.functional.max_pool2d(x, 2, 1, return_indices=True), x)


def test_max_pool2d_unbatched_float64_non_contiguous_and_integer():
    check_op(lambda lib, x: lib.nn.functional.max_pool2d(x, 2, return_indices=True), (3, 6, 7))
    check_op(
        lambda lib, x: lib.nn.functional.max_pool2d(x, 3, 2, 1), (2, 2, 7, 7), dtype=np.float64
    )
    check_op(lambda lib, x: lib.nn.functional.max_pool2d(x.transpose(2, 3), 2), (2, 3, 6, 4))
    check_op(lambda lib, x: lib.nn.functional.max_pool2d(x, 2, 2), (0, 3, 4, 4))
    ints = np.random.default_rng(0).integers(-9, 9, (2, 3, 5, 5))
    ours = numtorch.nn.functional.max_pool2d(numtorch.tensor(ints), 2, 1, 1, return_indices=True)
    theirs = torch.nn.functional.max_pool2d(torch.tensor(ints), 2, 1, 1, return_indices=True)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_max_pool2d_gradcheck():
    fn = lambda lib, x: lib.nn.functional.max_pool2d(x, (3, 2), (2, 1), 1, ceil_mode=True)  # noqa: E731
    check_gradcheck(fn, (1, 2, 5, 4))


MAX_ERRORS = [
    ((2, 3, 5, 5), (2,), {"padding": 2},
     "pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and "
     "dilation=1"),
    ((2, 3, 9, 9), (3,), {"padding": 2, "dilation": 2},
     "pad should be smaller than or equal to half of kernel size, but got padW = 2, padH = 2, "
     "kW = 3, kH = 3"),
    ((2, 3, 5, 5), (0,), {}, "stride should not be zero"),
    ((2, 3, 5, 5), (2,), {"stride": (0, 1)}, "stride should not be zero"),
    ((2, 3, 5, 5), ((-1, 1),), {"stride": 1}, "kernel size should be greater than zero, but got "
     "kH: -1 kW: 1"),
    ((2, 3, 5, 5), (2,), {"stride": (-1, 2)}, "stride should be greater than zero, but got dH: "
     "-1 dW: 2"),
    ((2, 3, 5, 5), (2,), {"dilation": (-1, 1)}, "dilation should be greater than zero, but got "
     "dilationH: -1 dilationW: 1"),
    ((2, 3, 5, 5), (2,), {"padding": -1}, "pad must be non-negative, but got pad: -1"),
    ((2, 3, 1, 1), (2,), {}, "Given input size: \\(3x1x1\\). Calculated output size: "
     "\\(3x0x0\\). Output size is too small"),
    ((2, 3, 1, 5), (2,), {}, "Calculated output size: \\(3x0x2\\)"),
    ((3, 5), (2,), {}, "non-empty 3D or 4D \\(batch mode\\) tensor expected for input"),
    ((1, 2, 3, 5, 5), (2,), {}, "non-empty 3D or 4D \\(batch mode\\) tensor expected"),
    ((2, 0, 5, 5), (2,), {}, "Expected 3D or 4D \\(batch mode\\) tensor with optional 0 dim "
     "batch size for input, but got:\\[2, 0, 5, 5\\]"),
    ((2, 3, 5, 5), ((2, 2, 2),), {}, "max_pool2d: kernel_size must either be a single int, or a "
     "tuple of two ints"),
    ((2, 3, 5, 5), (2, (2, 2, 2)), {}, "max_pool2d: stride must either be omitted, a single "
     "int, or a tuple of two ints"),
    ((2, 3, 5, 5), (2, 2, (1, 1, 1)), {}, "max_pool2d: padding must either be a single int"),
    ((3, 9, 9), (2,), {"dilation": (1, 1, 1)}, "max_pool2d: dilation must be either|max_pool2d: "
     "dilation must either be"),
]  # fmt: skip


@pytest.mark.parametrize("shape, args, kw, match", MAX_ERRORS)
def test_max_pool2d_errors_like_torch(shape, args, kw, match):
    _raises_like_torch(
        lambda lib: lib.nn.functional.max_pool2d(lib.zeros(shape), *args, **kw), RuntimeError, match
    )


def test_max_pool2d_type_errors():
    x = numtorch.zeros(1, 1, 4, 4)
    with pytest.raises(TypeError, match=r"argument 'kernel_size' \(position 2\) must be tuple"):
        numtorch.nn.functional.max_pool2d(x, 2.0)
    with pytest.raises(TypeError, match=r"argument 'input' \(position 1\) must be Tensor"):
        numtorch.nn.functional.max_pool2d(np.zeros((1, 1, 4, 4)), 2)
    _raises_like_torch(
        lambda lib: lib.nn.functional.max_pool2d(lib.zeros(1, 1, 4, 4).bool(), 2),
        NotImplementedError,
        "\"max_pool2d\" not implemented for 'Bool'",
    )


# ------------------------------------------------------------------ avg_pool2d

AVG_GRID = [
    (2, {}),
    (3, {"stride": 2, "padding": 1}),
    (3, {"stride": 2, "padding": 1, "ceil_mode": True}),
    (3, {"stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}),
    ((2, 3), {"stride": (1, 2), "padding": (1, 1), "count_include_pad": False}),
    (3, {"stride": 2, "padding": 1, "divisor_override": 2}),
    (2, {"stride": 3, "ceil_mode": True}),
]


@pytest.mark.parametrize("kernel, kw", AVG_GRID)
def test_avg_pool2d_matches_torch(kernel, kw):
    check_op(lambda lib, x: lib.nn.functional.avg_pool2d(x, kernel, **kw), (2, 3, 6, 7))


def test_avg_pool2d_unbatched_float64_non_contiguous():
    check_op(lambda lib, x: lib.nn.functional.avg_pool2d(x, 2, 1, 1), (3, 5, 4))
    check_op(
        lambda lib, x: lib.nn.functional.avg_pool2d(x, 3, 2, 1, True, False),
        (2, 2, 7, 6),
        dtype=np.float64,
        rtol=1e-12,
    )
    check_op(lambda lib, x: lib.nn.functional.avg_pool2d(x.transpose(2, 3), 2), (2, 3, 6, 4))


def test_avg_pool2d_gradcheck():
    def fn(lib, x):
        return lib.nn.functional.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)

    check_gradcheck(fn, (1, 2, 5, 4))


AVG_ERRORS = [
    ((2, 3, 5, 5), (2,), {"padding": 2}, RuntimeError,
     "pad should be at most half of effective kernel size, but got pad=2, kernel_size=2"),
    ((2, 3, 5, 5), (0,), {}, RuntimeError, "stride should not be zero"),
    ((2, 3, 5, 5), (2,), {"padding": -1}, RuntimeError, "pad must be non-negative"),
    ((2, 3, 1, 1), (2,), {}, RuntimeError, "Output size is too small"),
    ((2, 3, 5, 5), (2,), {"divisor_override": 0}, RuntimeError, "divisor must be not zero"),
    ((2, 3, 5, 5), ((2, 2, 2),), {}, RuntimeError, "avg_pool2d: kernel_size must either be a "
     "single int, or a tuple of two ints"),
    ((2, 0, 5, 5), (2,), {}, RuntimeError, "Expected 3D or 4D \\(batch mode\\) tensor with "
     "optional 0 dim batch size for input, but got:\\[2, 0, 5, 5\\]"),
    ((2, 3, 9, 9, 1), (2,), {}, RuntimeError, "Expected 3D or 4D"),
    ((2, 3, 5, 5), (3,), {"divisor_override": 1.5}, TypeError,
     "avg_pool2d\\(\\): argument 'divisor_override' must be int, not float"),
]  # fmt: skip


@pytest.mark.parametrize("shape, args, kw, exc, match", AVG_ERRORS)
def test_avg_pool2d_errors_like_torch(shape, args, kw, exc, match):
    _raises_like_torch(
        lambda lib: lib.nn.functional.avg_pool2d(lib.zeros(shape), *args, **kw), exc, match
    )


INT_AVG = [(2, 1, 0, False, True, None), (3, 1, 1, False, False, None), (2, 1, 0, True, True, -3)]


@pytest.mark.parametrize("args", INT_AVG)
def test_avg_pool2d_integers_truncate_like_torch(args):
    ints = np.random.default_rng(0).integers(-9, 9, (2, 3, 5, 6))
    ours = numtorch.nn.functional.avg_pool2d(numtorch.tensor(ints), *args)
    theirs = torch.nn.functional.avg_pool2d(torch.tensor(ints), *args)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype == numtorch.int64
    _raises_like_torch(
        lambda lib: lib.nn.functional.avg_pool2d(lib.zeros(1, 1, 4, 4).int(), 2),
        NotImplementedError,
        "\"avg_pool2d\" not implemented for 'Int'",
    )


# ------------------------------------------------------------------ adaptive pooling


@pytest.mark.parametrize(
    "shape, size",
    [
        ((2, 3, 6, 9), (3, 3)),  # divisible: reshape-mean path
        ((2, 3, 7, 9), (3, 4)),
        ((2, 3, 5, 5), 7),  # output larger than input: overlapping windows
        ((2, 3, 7, 5), (None, 2)),
        ((2, 3, 7, 5), 1),
        ((3, 7, 5), (2, 3)),
    ],
)
def test_adaptive_pools_match_torch(shape, size):
    check_op(lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, size), shape)
    fn = lambda lib, x: lib.nn.functional.adaptive_max_pool2d(x, size, return_indices=True)  # noqa: E731
    check_op(fn, shape, rtol=1e-6, atol=1e-6)
    check_op(fn, _ties(shape), rtol=1e-6, atol=1e-6)


def test_adaptive_pools_float64_non_contiguous_and_empty_output():
    fn = lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x.transpose(2, 3), (2, 3))  # noqa: E731
    check_op(fn, (2, 3, 7, 5), dtype=np.float64, rtol=1e-12)
    check_op(lambda lib, x: lib.nn.functional.adaptive_max_pool2d(x, (3, 2)), (2, 2, 7, 5))
    for name in ("adaptive_avg_pool2d", "adaptive_max_pool2d"):
        out = getattr(numtorch.nn.functional, name)(numtorch.zeros(2, 3, 5, 5), 0)
        assert out.shape == (2, 3, 0, 0)


def test_adaptive_pools_gradcheck():
    check_gradcheck(lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, (3, 2)), (1, 2, 5, 4))
    check_gradcheck(lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, 2), (1, 2, 4, 4))
    check_gradcheck(lambda lib, x: lib.nn.functional.adaptive_max_pool2d(x, (3, 2)), (1, 2, 5, 4))


@pytest.mark.parametrize(
    "name, shape, size, exc, match",
    [
        ("adaptive_avg_pool2d", (2, 3, 5, 5), -1, RuntimeError, "adaptive_avg_pool2d: elements "
         "of output_size must be greater than or equal to 0 but received \\{-1, -1\\}"),
        ("adaptive_avg_pool2d", (2, 3, 5, 5), (2, 2, 2), RuntimeError,
         "adaptive_avg_pool2d: output_size must be 2"),
        ("adaptive_avg_pool2d", (3, 5), 2, RuntimeError,
         "adaptive_avg_pool2d\\(\\): Expected 3D or 4D tensor, but got \\[3, 5\\]"),
        ("adaptive_avg_pool2d", (2, 3, 0, 5), 2, RuntimeError, "adaptive_avg_pool2d\\(\\): "
         "Expected input to have non-zero size for non-batch dimensions, but input has sizes "
         "\\[2, 3, 0, 5\\] with dimension 2 being empty"),
        ("adaptive_max_pool2d", (2, 0, 4, 5), 2, RuntimeError,
         "with dimension 1 being empty"),
    ],
)  # fmt: skip
def test_adaptive_pool_errors_like_torch(name, shape, size, exc, match):
    _raises_like_torch(
        lambda lib: getattr(lib.nn.functional, name)(lib.zeros(shape), size), exc, match
    )


def test_adaptive_pool_errors():
    _raises_like_torch(
        lambda lib: lib.nn.functional.adaptive_max_pool2d(lib.zeros(1, 2, 4, 4).long(), 2),
        NotImplementedError,
        "\"adaptive_max_pool2d\" not implemented for 'Long'",
    )


# ------------------------------------------------------------------ degenerate geometry
# Each snippet runs on both libraries (``torch``, ``F`` and ``nn`` name either): the same
# exception type with the very same message, or results of the same shape, in PyTorch's
# order of checks (where two arguments are wrong, the same one is named).

DEGENERATE = [
    # kernel, stride, padding and dilation, alone and in pairs
    "F.max_pool2d(torch.randn(1, 1, 4, 4), (2, 0), padding=(0, 1))",
    "F.max_pool2d(torch.randn(1, 1, 4, 4), 0, stride=1)",
    "F.max_pool2d(torch.randn(1, 1, 4, 4), 0, stride=1, padding=1)",
    "F.max_pool2d(torch.randn(1, 1, 4, 4), -1, stride=1)",
    "F.max_pool2d(torch.randn(1, 1, 4, 4), -2, stride=1)",
    "F.max_pool2d(torch.randn(1, 1, 4, 4), 2, stride=-1, dilation=0)",
    "F.max_pool2d(torch.randn(1, 1, 4, 4), 2, stride=0, padding=-1)",
    "F.max_pool2d(torch.randn(1, 1, 4, 4), 2, padding=(3, -1))",
    "F.max_pool2d(torch.randn(1, 1, 4, 4), 2, padding=(-1, 3))",
    "F.max_pool2d(torch.randn(1, 1, 4, 4), 2, dilation=0, padding=3)",
    "F.max_pool2d(torch.randn(1, 1, 4, 4), 2, dilation=-3)",
    "F.max_pool2d(torch.randn(1, 1, 4, 4), 3, dilation=(1, -2))",
    "F.max_pool2d(torch.randn(1, 1, 4, 4), 3, padding=2, dilation=2)",
    "F.max_pool2d(torch.randn(1, 1, 4, 4), 2, dilation=(1, 1, 1))",
    "F.avg_pool2d(torch.randn(1, 1, 4, 4), 2, padding=(3, -1))",
    "F.avg_pool2d(torch.randn(1, 1, 4, 4), 0, stride=1)",
    "F.avg_pool2d(torch.randn(1, 1, 4, 4), -1, stride=1)",
    # output size <= 0, and ceil mode keeping a last window
    "F.max_pool2d(torch.randn(1, 1, 4, 4), 3, dilation=2)",
    "F.max_pool2d(torch.randn(1, 1, 4, 4), 5, ceil_mode=True)",
    "F.max_pool2d(torch.randn(1, 1, 4, 4), 5, padding=2, stride=3, ceil_mode=True)",
    "F.avg_pool2d(torch.randn(1, 1, 4, 4), 5)",
    "F.avg_pool2d(torch.randn(1, 1, 1, 1), 3, 2, 1, ceil_mode=True)",
    # the input's rank and empty dimensions, checked where PyTorch checks them
    "F.max_pool2d(torch.randn(4), 0)",
    "F.max_pool2d(torch.randn(4, 4, requires_grad=True), 2, padding=-1)",
    "F.max_pool2d(torch.randn(1, 1, 1, 4, 4), 3, padding=2, dilation=2)",
    "F.max_pool2d(torch.randn(1, 0, 4, 4), 3, padding=2, dilation=2)",
    "F.max_pool2d(torch.randn(1, 0, 4, 4), 5)",
    "F.max_pool2d(torch.ones(1, 1, 4, 4, dtype=torch.bool), 5)",
    "F.max_pool2d(torch.randn(0, 1, 4, 4), 2)",
    "F.max_pool2d(torch.randn(0, 1, 4, 4), 5)",
    "F.max_pool2d(torch.randn(0, 4, 4), 2)",
    "F.avg_pool2d(torch.tensor(1.0), 2)",
    "F.avg_pool2d(torch.randn(4), 0)",
    "F.avg_pool2d(torch.randn(4, 4), 2)",
    "F.avg_pool2d(torch.randn(4), 2, divisor_override=0)",
    "F.avg_pool2d(torch.randn(1, 1, 1, 4, 4), 0, stride=1)",
    "F.avg_pool2d(torch.randn(0, 4, 4), 2)",
    "F.avg_pool2d(torch.randn(0, 1, 4, 4), 2)",
    "F.avg_pool2d(torch.randn(0, 1, 4, 4), 5)",
    # argument types, as PyTorch's argument parser words them
    "F.max_pool2d(torch.randn(1, 1, 4, 4), 2, 1, 0, 1.0)",
    "F.max_pool2d(torch.randn(1, 1, 4, 4), [2, 2.0])",
    "F.max_pool2d(torch.randn(1, 1, 4, 4), 2.0, return_indices=True)",
    "F.max_pool2d_with_indices(torch.randn(1, 1, 4, 4), 2, dilation=1.0)",
    "F.avg_pool2d(torch.randn(1, 1, 4, 4), 2, (1, 1.5))",
    "F.avg_pool2d(torch.randn(4), 2.0)",
    # adaptive pooling: output sizes, ranks, empty dimensions
    "F.adaptive_max_pool2d(torch.randn(1, 1, 4, 4), (2, -1))",
    "F.adaptive_max_pool2d(torch.randn(1, 4, 4), (None, -2))",
    "F.adaptive_max_pool2d(torch.randn(1, 1, 4, 4), (-1, -2))",
    "F.adaptive_max_pool2d(torch.randn(1, 1, 4, 4), (2,))",
    "F.adaptive_max_pool2d(torch.randn(1, 1, 4, 4), (2.0, 2))",
    "F.adaptive_max_pool2d(torch.randn(1, 1, 4, 4), 2.0)",
    "F.adaptive_max_pool2d(torch.randn(4), (2, 2, 2))",
    "F.adaptive_max_pool2d(torch.randn(4, 4), (2, 2))",
    "F.adaptive_max_pool2d(torch.randn(4, 4), 1)",
    "F.adaptive_max_pool2d(torch.randn(1, 1, 1, 4, 4), 2)",
    "F.adaptive_max_pool2d(torch.randn(1, 0, 4, 4), -1)",
    "F.adaptive_max_pool2d(torch.randn(0, 4, 4), 2)",
    "F.adaptive_max_pool2d(torch.randn(0, 1, 4, 4), 2)",
    "F.adaptive_avg_pool2d(torch.randn(1, 1, 4, 4), (2,))",
    "F.adaptive_avg_pool2d(torch.randn(1, 1, 4, 4), (None,))",
    "F.adaptive_avg_pool2d(torch.randn(1, 1, 4, 4), (2.0, 2))",
    "F.adaptive_avg_pool2d(torch.randn(1, 4, 4), (2, 2, 2))",
    "F.adaptive_avg_pool2d(torch.randn(4, 4), (2, 2))",
    "F.adaptive_avg_pool2d(torch.randn(4), -1)",
    "F.adaptive_avg_pool2d(torch.randn(1, 1, 0, 4), -1)",
    "F.adaptive_avg_pool2d(torch.randn(0, 4, 4), 2)",
    "F.adaptive_avg_pool2d(torch.randn(0, 0, 4, 4), 2)",
    "F.adaptive_avg_pool2d(torch.randn(1, 1, 4, 4), 0)",
    # output size 1x1 is PyTorch's mean over the last two axes, of an input of any rank
    "F.adaptive_avg_pool2d(torch.randn(4, 4), 1)",
    "F.adaptive_avg_pool2d(torch.randn(2, 1, 1, 4, 4), 1)",
    "F.adaptive_avg_pool2d(torch.randn(1, 0, 4, 4), 1)",
    "F.adaptive_avg_pool2d(torch.randn(4), 1)",
    "nn.AdaptiveAvgPool2d((1, None))(torch.randn(1, 1, 4, 1))",
    # modules
    "nn.MaxPool2d(0)(torch.randn(1, 1, 4, 4))",
    "nn.MaxPool2d(2, stride=-1)(torch.randn(1, 1, 4, 4))",
    "nn.AvgPool2d(2, padding=-1)(torch.randn(1, 1, 4, 4))",
    "nn.AvgPool2d(2)(torch.randn(4))",
]


@pytest.mark.parametrize("snippet", DEGENERATE)
def test_degenerate_geometry_like_torch(snippet):
    assert snippet_outcome(numtorch, snippet) == snippet_outcome(torch, snippet)


def test_adaptive_avg_pool2d_to_1x1_is_the_mean_over_the_last_two_axes():
    fn = lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, 1)  # noqa: E731
    check_op(fn, (5, 6))
    check_op(fn, (2, 3, 1, 5, 6))
    check_op(lambda lib, x: lib.nn.AdaptiveAvgPool2d((1, None))(x), (2, 3, 5, 1))


# ------------------------------------------------------------------ modules


@pytest.mark.parametrize(
    "cls, args, kwargs",
    [
        ("MaxPool2d", (2,), {}),
        ("MaxPool2d", ((2, 3),), {"stride": 1, "padding": 1, "dilation": 2, "ceil_mode": True}),
        ("AvgPool2d", (2,), {}),
        ("AvgPool2d", ((2, 3), 1, 1, True, False, 3), {}),
        ("AdaptiveAvgPool2d", ((1, 1),), {}),
        ("AdaptiveAvgPool2d", (7,), {}),
        ("AdaptiveAvgPool2d", ((None, 3),), {}),
        ("AdaptiveMaxPool2d", (2,), {}),
    ],
)
def test_pool_modules_match_torch(cls, args, kwargs):
    ours, theirs = (
        getattr(numtorch.nn, cls)(*args, **kwargs),
        getattr(torch.nn, cls)(*args, **kwargs),
    )
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == [] and list(ours.parameters()) == []
    x = np.random.default_rng(0).standard_normal((2, 3, 9, 8)).astype(np.float32)
    np.testing.assert_allclose(
        ours(numtorch.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(), 1e-5, 1e-6
    )


def test_pool_modules_return_indices():
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
    for cls, args in (("MaxPool2d", (2,)), ("AdaptiveMaxPool2d", (3,))):
        ours = getattr(numtorch.nn, cls)(*args, return_indices=True)(numtorch.tensor(x))
        theirs = getattr(torch.nn, cls)(*args, return_indices=True)(torch.tensor(x))
        np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())
        assert ours[1].dtype == numtorch.int64


def test_adaptive_max_pool2d_backward_with_an_empty_batch_matches_torch() -> None:
    check_op(lambda lib, x: lib.nn.functional.adaptive_max_pool2d(x, 2), (0, 3, 4, 4))
