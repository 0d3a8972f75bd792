"""Statistics (quantiles, mode, nanmedian, cov, renorm, diff, trapezoid) and the counting ops
(unique, bincount, histc, histogram, bucketize, searchsorted): values, gradients and grad_fn
names against PyTorch, float64 gradcheck, PyTorch's errors, and PyTorch's CPU tie-breaking."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from helpers import check_error, check_gradcheck, check_op, check_same, check_saved_versions

import numtorch

WITH_NAN = np.array([[1.5, np.nan, -2.0, 0.3], [0.8, 0.5, 1.1, -0.4], [np.nan] * 4])
POSITIVE = np.abs(np.random.default_rng(3).standard_normal((3, 4))) + 0.5
ARANGE = np.array([0.0, 0.5, 1.5, 3.0])
COORDS3 = np.array([0.0, 0.7, 2.0])

CASES = [
    ("quantile all", lambda lib, x: lib.quantile(x, 0.3), (3, 4)),
    ("quantile dim", lambda lib, x: x.quantile(0.75, dim=1), (3, 4)),
    ("quantile keepdim", lambda lib, x: lib.quantile(x, 0.5, 0, keepdim=True), (3, 4)),
    ("quantile all keepdim", lambda lib, x: x.quantile(0.2, keepdim=True), (2, 3)),
    (
        "quantile q tensor",
        lambda lib, x: lib.quantile(x, lib.tensor([0.1, 0.5, 1.0], dtype=x.dtype), 1),
        (3, 5),
    ),
    (
        "quantile q tensor keepdim",
        lambda lib, x: x.quantile(lib.tensor([0.0, 0.6], dtype=x.dtype), dim=0, keepdim=True),
        (4, 3),
    ),
    ("quantile 3-d dim", lambda lib, x: lib.quantile(x, 0.4, dim=1), (2, 3, 4)),
    ("quantile 0-d", lambda lib, x: lib.quantile(x, 0.4, dim=0), ()),
    ("quantile lower", lambda lib, x: x.quantile(0.3, 1, interpolation="lower"), (3, 5)),
    ("quantile higher", lambda lib, x: x.quantile(0.3, 1, interpolation="higher"), (3, 5)),
    ("quantile midpoint", lambda lib, x: x.quantile(0.3, 1, interpolation="midpoint"), (3, 5)),
    ("quantile nearest", lambda lib, x: x.quantile(0.3, 1, interpolation="nearest"), (3, 5)),
    ("quantile nearest half", lambda lib, x: x.quantile(0.5, 1, interpolation="nearest"), (3, 4)),
    ("nanquantile", lambda lib, x: lib.nanquantile(x, 0.4), (3, 4)),
    (
        "nanquantile dim",
        lambda lib, x: x.nanquantile(lib.tensor([0.3, 0.8], dtype=x.dtype), dim=1),
        (3, 4),
    ),
    ("nanmedian all", lambda lib, x: lib.nanmedian(x), (3, 4)),
    ("nanmedian dim", lambda lib, x: x.nanmedian(1), (3, 4)),
    ("nanmedian keepdim", lambda lib, x: lib.nanmedian(x, 0, keepdim=True), (3, 4)),
    ("mode", lambda lib, x: x.mode(), (3, 4)),
    ("mode dim keepdim", lambda lib, x: lib.mode(x, 0, True), (3, 4)),
    ("cov", lambda lib, x: lib.cov(x), (3, 5)),
    ("cov 1-d", lambda lib, x: x.cov(), (5,)),
    ("cov correction 0", lambda lib, x: lib.cov(x, correction=0), (2, 4)),
    (
        "cov weights",
        lambda lib, x: lib.cov(x, fweights=lib.tensor([1, 2, 1, 3]), aweights=lib.tensor(ARANGE)),
        (3, 4),
    ),
    ("cov aweights", lambda lib, x, w: lib.cov(x, aweights=w, correction=2), (2, 4), POSITIVE[0]),
    ("corrcoef", lambda lib, x: lib.corrcoef(x), (3, 6)),
    ("corrcoef method", lambda lib, x: x.corrcoef(), (2, 5)),
    ("renorm", lambda lib, x: lib.renorm(x, 2, 0, 1.0), (3, 4)),
    ("renorm dim 1 p 1", lambda lib, x: x.renorm(1, 1, 1.5), (3, 4)),
    ("renorm p 3", lambda lib, x: lib.renorm(x, 3, -1, 0.8), (2, 3, 2)),
    ("renorm inf", lambda lib, x: x.renorm(float("inf"), 0, 0.5), (3, 4)),
    ("renorm below max", lambda lib, x: x.renorm(2, 0, 100.0), (3, 4)),
    ("diff", lambda lib, x: lib.diff(x), (3, 5)),
    ("diff n 2 dim 0", lambda lib, x: x.diff(n=2, dim=0), (4, 3)),
    ("diff n larger", lambda lib, x: x.diff(4), (2, 3)),
    ("diff prepend append", lambda lib, x, p, a: lib.diff(x, 1, 1, p, a), (2, 3), (2, 2), (2, 1)),
    ("diff n 0", lambda lib, x: x.diff(0), (2, 3)),
    ("trapezoid", lambda lib, x: lib.trapezoid(x), (3, 5)),
    ("trapezoid dx dim", lambda lib, x: lib.trapezoid(x, dx=0.5, dim=0), (3, 5)),
    ("trapezoid x", lambda lib, y, x: lib.trapezoid(y, x), (3, 4), ARANGE),
    ("trapezoid x 2-d", lambda lib, y, x: lib.trapezoid(y, x, dim=0), (3, 4), (3, 4)),
    ("trapz", lambda lib, y: lib.trapz(y, dx=2.0), (3, 4)),
    ("trapz x", lambda lib, y, x: lib.trapz(y, x), (2, 4), ARANGE),
    ("cumulative_trapezoid", lambda lib, y: lib.cumulative_trapezoid(y), (3, 5)),
    (
        "cumulative_trapezoid dx",
        lambda lib, y: lib.cumulative_trapezoid(y, dx=0.3, dim=0),
        (3, 5),
    ),
    ("cumulative_trapezoid x", lambda lib, y, x: lib.cumulative_trapezoid(y, x), (3, 4), ARANGE),
    ("gradient", lambda lib, x: lib.gradient(x), (3, 4)),
    ("gradient 1-d", lambda lib, x: lib.gradient(x, spacing=2), (5,)),
    (
        "gradient dim edge 2",
        lambda lib, x: lib.gradient(x, spacing=0.5, dim=1, edge_order=2),
        (3, 4),
    ),
    ("gradient spacing list", lambda lib, x: lib.gradient(x, spacing=[2.0, 0.5]), (3, 4)),
    (
        "gradient coordinates",
        lambda lib, x, c: lib.gradient(x, spacing=(c,), dim=0, edge_order=2),
        (4, 3),
        ARANGE,
    ),
    (
        "gradient coordinates all dims",
        lambda lib, x, c, d: lib.gradient(x, spacing=[c, d]),
        (4, 3),
        ARANGE,
        COORDS3,
    ),
]

# Values and gradients against PyTorch where a finite difference cannot follow (NaNs, ties).
NAN_CASES = [
    ("quantile nan", lambda lib, x: x.quantile(0.3, dim=1), WITH_NAN),
    ("quantile nan all", lambda lib, x: lib.quantile(x, 0.5), WITH_NAN),
    ("nanquantile nan", lambda lib, x: lib.nanquantile(x, lib.tensor([0.2, 0.9]), dim=1), WITH_NAN),
    ("nanquantile nan all", lambda lib, x: x.nanquantile(0.7), WITH_NAN),
    ("nanmedian nan", lambda lib, x: x.nanmedian(), WITH_NAN),
    ("nanmedian nan dim", lambda lib, x: lib.nanmedian(x, 1), WITH_NAN),
    ("nanmedian all nan", lambda lib, x: x[2].nanmedian(), WITH_NAN),
    ("nanmedian ties", lambda lib, x: x.nanmedian(), np.array([[1.0, 2, 2], [2, np.nan, 3]])),
    ("quantile ties", lambda lib, x: x.quantile(0.5, 1), np.array([[1.0, 2, 2, 2], [3, 3, 0, 3]])),
    ("quantile long ties", lambda lib, x: x.quantile(0.3, 0), np.tile([1.0, 2.0, 2.0], (9, 2))),
    ("quantile long ties all", lambda lib, x: x.quantile(0.55), np.tile([1.0, 2.0, 2.0], (9, 2))),
    ("mode ties", lambda lib, x: x.mode(1), np.array([[1.0, 2, 2, 1, 3], [3, 3, 1, 1, 0]])),
]


def _ids(cases: list) -> list:
    return [c[0] for c in cases]


@pytest.mark.parametrize(
    ("fn", "specs"), [(c[1], c[2:]) for c in CASES + NAN_CASES], ids=_ids(CASES + NAN_CASES)
)
def test_parity(fn, specs) -> None:
    check_op(fn, *specs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("fn", "specs"), [(c[1], c[2:]) for c in CASES], ids=_ids(CASES))
def test_gradcheck(fn, specs) -> None:
    check_gradcheck(fn, *specs)


@pytest.mark.parametrize(("fn", "specs"), [(c[1], c[2:]) for c in CASES], ids=_ids(CASES))
def test_grad_fn_name(fn, specs) -> None:
    names = []
    for lib in (torch, numtorch):
        arrays = [np.asarray(s) if isinstance(s, np.ndarray) else np.ones(s) for s in specs]
        inputs = [lib.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
        out = fn(lib, *inputs)
        out = out[0] if isinstance(out, tuple) else out
        names.append(out.grad_fn.name())
    assert names[1] == names[0]


def test_quantile_gradient_reaches_q() -> None:
    check_op(lambda lib, x, q: lib.quantile(x, q, dim=1), (3, 5), np.array([0.15, 0.55, 0.9]))
    check_gradcheck(lambda lib, x, q: lib.quantile(x, q, dim=0), (4, 2), np.array([0.3, 0.7]))


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.quantile(lib.tensor([1.0, 2.0, 3.0, 4.0], dtype=lib.float64), 0.5),
        lambda lib: lib.nanquantile(lib.tensor([[np.nan, np.nan], [1.0, 2.0]]), 0.5, dim=1),
        lambda lib: lib.tensor([[1, 5, 5], [2, 2, 7]]).mode(1),
        lambda lib: lib.tensor([True, False, True]).mode(),
        lambda lib: lib.tensor(3.0).mode(),
        lambda lib: lib.zeros(0, 2).mode(1),
        lambda lib: lib.tensor([5.0, np.nan, np.nan, 1.0]).mode(),
        lambda lib: lib.tensor([[1, 2, 1, 2], [3, 3, 0, 0]]).nanmedian(1),
        lambda lib: lib.zeros(0).nanmedian(),
        lambda lib: lib.zeros(0, 2).nanmedian(1),
        lambda lib: lib.tensor([[np.nan] * 5, [np.nan] * 4 + [1.0]]).nanmedian(1),
        lambda lib: lib.cov(lib.tensor([[1, 2, 4], [0, 3, 3]])),
        lambda lib: lib.cov(lib.tensor([[1.0, 2.0, 4.0]], dtype=lib.float64), aweights=lib.ones(3)),
        lambda lib: lib.corrcoef(lib.tensor([1.0, 2.0, 3.0])),
        lambda lib: lib.corrcoef(lib.tensor([[1, 2, 3], [3, 1, 0]])),
        lambda lib: lib.diff(lib.tensor([True, False, False, True])),
        lambda lib: lib.diff(
            lib.tensor([[1, 5, 2], [3, 3, 0]]), prepend=lib.tensor([[0.5], [1.0]])
        ),
        lambda lib: lib.trapezoid(lib.zeros(3, 0, dtype=lib.int64)),
        lambda lib: lib.trapezoid(lib.tensor([[1, 2, 4], [3, 1, 0]])),
        lambda lib: lib.trapezoid(lib.tensor([[1, 2, 4]]), lib.arange(3)),
        lambda lib: lib.cumulative_trapezoid(lib.tensor([[1, 2, 4]])),
        lambda lib: lib.cumulative_trapezoid(lib.zeros(3, 0)),
        lambda lib: lib.gradient(lib.tensor([1, 2, 4, 8])),
        lambda lib: lib.gradient(lib.tensor([[1, 2, 4], [8, 3, 0]]), spacing=2, dim=(1,)),
        lambda lib: lib.gradient(lib.tensor(1.0)),
    ],
)
def test_values(make) -> None:
    check_same(make, rtol=1e-6, atol=1e-6)


def test_mode_and_nanmedian_pick_pytorchs_index_among_ties() -> None:
    """PyTorch's CPU kernels choose among equal values by libstdc++'s sort order (``mode``)
    and by index order (``nanmedian``); long rows exercise the introsort steps."""
    rng = np.random.default_rng(0)
    for n in (3, 16, 17, 40, 200):
        values = rng.integers(0, 4, size=(6, n)).astype(np.float32)
        check_same(lambda lib, v=values: lib.tensor(v).mode(1))
        with_nan = np.where(rng.random((6, n)) < 0.3, np.nan, values)
        check_same(lambda lib, v=with_nan: lib.tensor(v).nanmedian(1))
        check_same(lambda lib, v=with_nan: lib.tensor(v).nanmedian())


def test_cov_warns_without_degrees_of_freedom() -> None:
    for lib in (torch, numtorch):
        with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
            out = lib.cov(lib.tensor([[1.0, 2.0]]), correction=2)
        assert np.isinf(out.item())


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (
            lambda lib: lib.quantile(lib.ones(3), 1.5),
            r"q must be in the range \[0, 1\] but got 1.5",
        ),
        (lambda lib: lib.nanquantile(lib.ones(3), -0.5), "but got -0.5"),
        (
            lambda lib: lib.quantile(lib.ones(3), lib.tensor([0.5, 1.5])),
            r"q values must be in the range \[0, 1\]",
        ),
        (lambda lib: lib.quantile(lib.ones(3), lib.ones(1, 1)), "q must be a scalar or 1D"),
        (
            lambda lib: lib.quantile(lib.ones(3), lib.tensor([0.5], dtype=lib.float64)),
            "q tensor must be same dtype as the input tensor",
        ),
        (lambda lib: lib.quantile(lib.ones(3, dtype=lib.int64), 0.5), "either float or double"),
        (lambda lib: lib.quantile(lib.zeros(0), 0.5), "input tensor must be non-empty"),
        (
            lambda lib: lib.quantile(lib.ones(3), 0.5, interpolation="foo"),
            "interpolation must be one of linear, lower, higher, midpoint or nearest, but got foo",
        ),
        (lambda lib: lib.quantile(lib.ones(3, 4), 0.5, dim=2), "Dimension out of range"),
        (lambda lib: lib.quantile(lib.ones(3), "a"), "received an invalid combination"),
        # PyTorch's order of checks: interpolation, the tensors, the dim, then q's values
        (
            lambda lib: lib.quantile(lib.zeros(0, dtype=lib.int64), 0.5, 3, interpolation="x"),
            "interpolation must be one of",
        ),
        (lambda lib: lib.quantile(lib.zeros(0), 0.5, dim=3), "input tensor must be non-empty"),
        (lambda lib: lib.quantile(lib.ones(2, dtype=lib.int64), 0.5, 3), "float or double"),
        (lambda lib: lib.quantile(lib.ones(2), lib.tensor([1.5]), 3), "Dimension out of range"),
        (
            lambda lib: lib.mode(lib.zeros(0)),
            r"mode\(\): Expected reduction dim 0 to have non-zero",
        ),
        (lambda lib: lib.zeros(2, 0).mode(1), "Expected reduction dim 1 to have non-zero size"),
        (lambda lib: lib.ones(2).mode(1), "Dimension out of range"),
        (lambda lib: lib.zeros(2, 0).nanmedian(1), r"median\(\): Expected reduction dim 1"),
        (lambda lib: lib.cov(lib.ones(2, 2, 2)), "expected input to have two or fewer dimensions"),
        (lambda lib: lib.cov(lib.ones(2, 2, dtype=lib.bool)), "bool dtype is not supported"),
        (
            lambda lib: lib.cov(lib.ones(3, 4), fweights=lib.ones(4)),
            "expected fweights to have integral dtype but got fweights with Float dtype",
        ),
        (
            lambda lib: lib.cov(lib.ones(3, 4), fweights=lib.ones(3, dtype=lib.int64)),
            "same numel as there are observations in the input but got 3 != 4",
        ),
        (
            lambda lib: lib.cov(lib.ones(3, 4), fweights=lib.ones(1, 4, dtype=lib.int64)),
            "expected fweights to have one or fewer dimensions but got fweights with 2",
        ),
        (
            lambda lib: lib.cov(lib.ones(3, 4), fweights=-lib.ones(4, dtype=lib.int64)),
            "fweights cannot be negative",
        ),
        (
            lambda lib: lib.cov(lib.ones(3, 4), aweights=lib.ones(4, dtype=lib.int64)),
            "expected aweights to have floating point dtype but got aweights with Long dtype",
        ),
        (lambda lib: lib.cov(lib.ones(3, 4), aweights=-lib.ones(4)), "aweights cannot be negative"),
        (lambda lib: lib.cov(lib.ones(3, 4), aweights=lib.zeros(4)), "weights sum to zero"),
        (lambda lib: lib.corrcoef(lib.ones(2, 2, 2)), "two or fewer dimensions"),
        (
            lambda lib: lib.renorm(lib.ones(3, 2), 2, 0, -1.0),
            "expected maxnorm to be >= 0 but got -1",
        ),
        (lambda lib: lib.renorm(lib.ones(3, 2), -1, 0, 1.0), "non-positive-norm not supported"),
        (lambda lib: lib.renorm(lib.ones(3, 2), 0, 0, 1.0), "non-positive-norm not supported"),
        (lambda lib: lib.renorm(lib.ones(3), 2, 0, 1.0), "needs at least 2 dimensions, got 1"),
        (lambda lib: lib.renorm(lib.ones(3, 2), 2, 2, 1.0), "Dimension out of range"),
        (lambda lib: lib.renorm(lib.ones(3), -1, 5, -1.0), "non-positive-norm not supported"),
        (lambda lib: lib.renorm(lib.ones(3), 2, 5, -1.0), "expected maxnorm to be >= 0"),
        (lambda lib: lib.renorm(lib.ones(3), 2, 5, 1.0), "needs at least 2 dimensions"),
        (
            lambda lib: lib.renorm(lib.ones(3, 2, dtype=lib.int64), 2, 5, 1.0),
            "Dimension out of range",
        ),
        (
            lambda lib: lib.renorm(lib.ones(3, 2, dtype=lib.int64), 2, 0, 1.0),
            "Expected a floating point or complex tensor as input. Got Long",
        ),
        (lambda lib: lib.diff(lib.tensor(2.0)), "diff expects input to be at least one-dim"),
        (lambda lib: lib.diff(lib.ones(3), n=-1), "order must be non-negative but got -1"),
        (
            lambda lib: lib.diff(lib.ones(3, 4), dim=0, prepend=lib.ones(3)),
            "diff expects prepend or append to be the same dimension as input",
        ),
        (
            lambda lib: lib.diff(lib.ones(3, 4), dim=0, append=lib.ones(1, 5)),
            r"input.size\(1\) = 4, but got tensor.size\(1\) = 5",
        ),
        (lambda lib: lib.trapezoid(lib.tensor(2.0)), "Dimension specified as -1 but tensor has no"),
        (
            lambda lib: lib.trapezoid(lib.ones(3, 4), lib.ones(3)),
            "trapezoid: There must be one `x` value for each sample point",
        ),
        (
            lambda lib: lib.trapezoid(lib.tensor([True, False])),
            "received a bool input for `y`, but bool is not supported",
        ),
        (lambda lib: lib.trapezoid(lib.ones(3), dx=True), "we only support dx as a real number"),
        (
            lambda lib: lib.trapezoid(lib.ones(3), lib.ones(3), dx=2),
            "received an invalid combination of arguments",
        ),
        (
            lambda lib: lib.cumulative_trapezoid(lib.ones(3, 4), lib.ones(3)),
            "cumulative_trapezoid: There must be one `x` value for each sample point",
        ),
        (lambda lib: lib.cumulative_trapezoid(lib.tensor(2.0)), "cannot be applied to a 0-dim"),
        (
            lambda lib: lib.gradient(lib.tensor([1, 2], dtype=lib.uint8)),
            "torch.gradient does not support uint8 input.",
        ),
        (
            lambda lib: lib.gradient(lib.ones(2, 3), spacing=[1.0, 2.0, 3.0]),
            r"a list of length equal to 'self.dim\(\) = 2', since dim argument was not given, "
            "but got a list of length 3",
        ),
        (
            lambda lib: lib.gradient(lib.ones(2, 3), spacing=[1.0, 2.0], dim=1),
            "spacing argument of length 2 and a dim argument of length 1.",
        ),
        (
            lambda lib: lib.gradient(lib.ones(3, 3), edge_order=3),
            "only supports edge_order=1 and edge_order=2.",
        ),
        (
            lambda lib: lib.gradient(lib.ones(2, 3), edge_order=2),
            "expected each dimension size to be at least edge_order\\+1",
        ),
        (
            lambda lib: lib.gradient(lib.ones(3, 3), spacing=[lib.ones(3, 3)], dim=0),
            "expected each element of spacing to have one dimension, but got an element with 2",
        ),
        (lambda lib: lib.gradient(lib.ones(2, 3), dim=2), "Dimension out of range"),
        (lambda lib: lib.gradient(lib.ones(2, 3), dim=(1, 1)), "dim 1 appears multiple times"),
    ],
)
def test_errors(fn, match: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check_error(fn, match)


# ---------------------------------------------------------------- counting ops

VALUES = np.array([1.0, 2.0, 1.0, 0.5, 3.9, 4.0, -0.25, 2.5], np.float32)
INTS = np.array([[3, 1, 2, 7], [1, 3, 3, 0]])
POINTS = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.4, 1.9]], np.float32)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.unique(lib.tensor(INTS)),
        lambda lib: lib.tensor(INTS).unique(sorted=False),
        lambda lib: lib.unique(lib.tensor(INTS), return_inverse=True, return_counts=True),
        lambda lib: lib.tensor(INTS).unique(return_counts=True),
        lambda lib: lib.unique(lib.tensor([3.0, np.nan, 1.0, np.nan, 3.0]), return_counts=True),
        lambda lib: lib.unique(lib.tensor([[1, 2], [1, 2], [0, 5]]), dim=0, return_inverse=True),
        lambda lib: lib.unique(lib.tensor([[1, 2, 1], [1, 2, 1]]), dim=1, return_counts=True),
        lambda lib: lib.unique(lib.tensor([True, False, True])),
        lambda lib: lib.unique(lib.tensor(3.0), return_inverse=True),
        lambda lib: lib.unique(lib.zeros(0, 3), dim=0, return_inverse=True, return_counts=True),
        lambda lib: lib.unique_consecutive(lib.tensor([1, 1, 2, 2, 3, 1, 1])),
        lambda lib: lib.tensor([1, 1, 2, 2, 3, 1]).unique_consecutive(True, True),
        lambda lib: lib.unique_consecutive(lib.tensor([[1, 1], [1, 1], [2, 3]]), dim=0),
        lambda lib: lib.unique_consecutive(lib.tensor(INTS), return_counts=True, dim=1),
        lambda lib: lib.unique_consecutive(lib.tensor([1.0, np.nan, np.nan]), return_counts=True),
        lambda lib: lib.unique_consecutive(lib.tensor(3.0)),
        lambda lib: lib.bincount(lib.tensor([1, 3, 1])),
        lambda lib: lib.tensor([1, 3, 1]).bincount(minlength=6),
        lambda lib: lib.bincount(lib.tensor([1, 3, 1]), lib.tensor([0.5, 1.0, 2.0])),
        lambda lib: lib.bincount(lib.tensor([1, 3, 1]), lib.tensor([0.5, 1.0, 2.0]).double()),
        lambda lib: lib.bincount(lib.tensor([1, 3, 1]), weights=lib.tensor([1, 2, 3])),
        lambda lib: lib.bincount(lib.zeros(0, dtype=lib.int64), minlength=3),
        lambda lib: lib.bincount(lib.tensor([1, 3, 1], dtype=lib.uint8)),
        lambda lib: lib.histc(lib.tensor(VALUES), bins=4),
        lambda lib: lib.tensor(VALUES).histc(4, 0, 3),
        lambda lib: lib.histc(lib.tensor(VALUES).double(), 5, 1, 1),
        lambda lib: lib.histc(lib.ones(3), 4),
        lambda lib: lib.histc(lib.zeros(0), 3),
        lambda lib: lib.histc(lib.tensor([1.0, np.nan, 0.5]), 2, 0, 2),
        lambda lib: lib.histc(lib.arange(11.0), 3),
        lambda lib: lib.histogram(lib.tensor(VALUES), 3),
        lambda lib: lib.tensor(VALUES).histogram(3, range=(0.0, 2.0), density=True),
        lambda lib: lib.histogram(lib.tensor(VALUES), 4, weight=lib.tensor(VALUES) + 1),
        lambda lib: lib.histogram(lib.tensor(VALUES), lib.tensor([0.0, 1.0, 2.5, 4.0])),
        lambda lib: lib.histogram(lib.tensor(VALUES).double(), 2, density=True),
        lambda lib: lib.histogram(lib.ones(4), 2),
        lambda lib: lib.histogram(lib.tensor(VALUES).reshape(2, 4), 3, weight=lib.ones(2, 4)),
        lambda lib: lib.histogramdd(lib.tensor(POINTS), bins=[3, 3], weight=lib.tensor(VALUES[:5])),
        lambda lib: lib.histogramdd(
            lib.tensor(POINTS), 2, range=[0.0, 1.0, 0.0, 2.0], density=True
        ),
        lambda lib: lib.histogramdd(
            lib.tensor(POINTS), [lib.tensor([0.0, 1.0, 2.0]), lib.tensor([0.0, 0.5, 2.0])]
        ),
        lambda lib: lib.histogramdd(lib.tensor(POINTS).reshape(5, 1, 2), bins=[2, 4]),
        lambda lib: lib.histogramdd(lib.tensor(POINTS)[:, :1], bins=4, density=True),
        lambda lib: lib.histogramdd(lib.zeros(0, 3), bins=2),
        lambda lib: lib.histogram(lib.zeros(0), 2),
        lambda lib: lib.bucketize(lib.tensor(INTS), lib.tensor([1, 3, 5, 7])),
        lambda lib: lib.bucketize(lib.tensor(INTS), lib.tensor([1, 3, 5, 7]), right=True),
        lambda lib: lib.bucketize(lib.tensor(INTS), lib.tensor([1, 3, 5]), out_int32=True),
        lambda lib: lib.bucketize(3, lib.tensor([1, 3, 5])),
        lambda lib: lib.bucketize(lib.tensor([1, 2]), lib.tensor([1.5, 2.5])),
        lambda lib: lib.searchsorted(lib.tensor([1, 3, 5, 7, 9]), lib.tensor(INTS)),
        lambda lib: lib.searchsorted(lib.tensor([[1, 3, 5, 7], [0, 2, 4, 6]]), lib.tensor(INTS)),
        lambda lib: lib.searchsorted(lib.tensor([1, 3, 5, 7]), lib.tensor(INTS), side="right"),
        lambda lib: lib.searchsorted(lib.tensor([1, 3, 5, 7]), lib.tensor(INTS), right=True),
        lambda lib: lib.searchsorted(lib.tensor([1, 3, 5]), 5, out_int32=True),
        lambda lib: lib.searchsorted(
            lib.tensor([5, 1, 3]), lib.tensor([2, 4]), sorter=lib.tensor([1, 2, 0])
        ),
        lambda lib: lib.searchsorted(lib.tensor([1.0, 3.0]), lib.tensor([np.nan, 2.0])),
    ],
)
def test_counting_values(make) -> None:
    check_same(make)


def test_histograms_bin_like_pytorch_at_edges() -> None:
    """Values at and near the bin edges land in PyTorch's bins (its division, corrected by
    a local search for ``histogram``)."""
    rng = np.random.default_rng(0)
    for bins in (3, 7, 10):
        grid = np.round(rng.uniform(-1, 2, 300) * bins) / bins
        values = np.concatenate([grid, np.linspace(-1, 2, 61)]).astype(np.float32)
        check_same(lambda lib, v=values, b=bins: lib.histc(lib.tensor(v), b, -1, 2))
        check_same(lambda lib, v=values, b=bins: lib.histogram(lib.tensor(v), b))
        check_same(lambda lib, v=values, b=bins: lib.histc(lib.tensor(v), b))


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda lib: lib.unique(lib.ones(2, 3), dim=2), "Dimension out of range"),
        (lambda lib: lib.unique(lib.tensor(3.0), dim=0), "Dimension specified as 0 but tensor"),
        (
            lambda lib: lib.bincount(lib.tensor([1.0, 2.0])),
            "\"bincount_cpu\" not implemented for 'Float'",
        ),
        (lambda lib: lib.bincount(lib.tensor([True])), "not implemented for 'Bool'"),
        (lambda lib: lib.bincount(lib.tensor([[1, 2]])), "1-d non-negative integral inputs"),
        (lambda lib: lib.bincount(lib.tensor([-1, 2])), "1-d non-negative integral inputs"),
        (lambda lib: lib.bincount(lib.tensor(2)), "1-d non-negative integral inputs"),
        (lambda lib: lib.bincount(lib.tensor([1, 2]), minlength=-1), "minlength should be >= 0"),
        (
            lambda lib: lib.bincount(lib.tensor([1, 2]), weights=lib.ones(3)),
            "weights should be 1-d and have the same length as input",
        ),
        (
            lambda lib: lib.histc(lib.tensor([1, 2]), 4),
            "\"histogram_cpu\" not implemented for 'Long'",
        ),
        (lambda lib: lib.histc(lib.ones(3), -1), r"bins must be > 0, but got -1 for dimension 0"),
        (lambda lib: lib.histc(lib.tensor([1, 2]), -1), "bins must be > 0"),
        (lambda lib: lib.histogram(lib.tensor([1, 2]), -1), "bins must be > 0"),
        (lambda lib: lib.histogramdd(lib.tensor([[1, 2]]), -1), "not implemented for 'Long'"),
        (lambda lib: lib.histc(lib.ones(3), 4, 3, 1), "torch.histc: max must be larger than min"),
        (
            lambda lib: lib.histc(lib.ones(3), 4, 0, float("inf")),
            r"torch.histc: range of \[0, inf\] is not finite",
        ),
        (
            lambda lib: lib.histogram(lib.tensor([1, 2]), 4),
            "\"histogramdd\" not implemented for 'Long'",
        ),
        (lambda lib: lib.histogram(lib.ones(3), 0), "bins must be > 0, but got 0"),
        (
            lambda lib: lib.histogram(lib.ones(3), 4, range=(3.0, 1.0)),
            "min should not exceed max, but got min 3 max 1 for dimension 0",
        ),
        (
            lambda lib: lib.histogram(lib.ones(6), 2, weight=lib.ones(3)),
            r"input with shape \[6, 1\] and weight with shape \[3\]",
        ),
        (
            lambda lib: lib.histogram(lib.ones(2), 2, weight=lib.ones(2).double()),
            r"got input\(float\), and weight\(double\)",
        ),
        (
            lambda lib: lib.histogram(lib.ones(2), lib.ones(1, 2)),
            "bins tensor should have one dimension, but got 2 dimensions",
        ),
        (
            lambda lib: lib.histogram(lib.ones(2), lib.ones(2).double()),
            "bins for dimension 0 with dtype double",
        ),
        (
            lambda lib: lib.bucketize(lib.ones(2), lib.ones(2, 2)),
            r"boundaries tensor must be 1 dimension, but got dim\(2\)",
        ),
        (
            lambda lib: lib.searchsorted(lib.ones(2, 5), lib.ones(2)),
            r"but we got boundaries tensor \[2, 5\] and input value tensor \[2\]",
        ),
        (
            lambda lib: lib.searchsorted(lib.ones(5), lib.ones(2), side="left", right=True),
            "side and right can't be set to opposites, got side of left while right was True",
        ),
        (
            lambda lib: lib.searchsorted(lib.ones(5), lib.ones(2), side="foo"),
            "side can only be 'left' or 'right' but got foo",
        ),
        (
            lambda lib: lib.searchsorted(lib.ones(5), lib.ones(2), sorter=lib.tensor([0, 1])),
            r"must have the same size, but got boundary tensor \[5\]and got sorter tensor \[2\]",
        ),
        (
            lambda lib: lib.searchsorted(lib.ones(3), lib.ones(2), sorter=lib.tensor([0, 1, 5])),
            "sorter index out of range",
        ),
        (
            lambda lib: lib.searchsorted(lib.ones(3), lib.ones(2), sorter=lib.ones(3)),
            "sorter must be a tensor of long dtype but got dtype Float",
        ),
        (
            lambda lib: lib.searchsorted(lib.tensor(3), lib.ones(2)),
            "should have positive dimension",
        ),
        (lambda lib: lib.searchsorted(lib.ones(3), "a"), "received an invalid combination"),
        (lambda lib: lib.bucketize("a", lib.ones(3)), r"^bucketize\(\) received an invalid"),
        (
            lambda lib: lib.histogramdd(lib.ones(4, 2), bins=[2]),
            "The size of bins must be equal to the innermost dimension of the input.",
        ),
        (
            lambda lib: lib.histogramdd(lib.ones(4, 2), bins=2, range=[0.0, 1.0]),
            "for a 2-dimensional histogram range should have 4 elements, but got 2",
        ),
        (lambda lib: lib.histogramdd(lib.tensor(1.0), bins=2), "Dimension specified as -1"),
        (lambda lib: lib.histogramdd(lib.ones(3), bins=2), "should have at least 2 dimensions"),
        (
            lambda lib: lib.histogramdd(lib.ones(4, 2, dtype=lib.int64), bins=2),
            "\"histogramdd\" not implemented for 'Long'",
        ),
        (
            lambda lib: lib.histogramdd(lib.ones(4, 2), bins=[2, 0]),
            "bins must be > 0, but got 0 for dimension 1",
        ),
        (
            lambda lib: lib.histogramdd(lib.ones(4, 2), bins=2, weight=lib.ones(3)),
            r"but got input with shape \[4, 2\] and weight with shape \[3\]",
        ),
        (
            lambda lib: lib.histogramdd(lib.ones(4, 2), bins=2, range=[0.0, 1.0, 3.0, 1.0]),
            "min should not exceed max, but got min 3 max 1 for dimension 1",
        ),
    ],
)
def test_counting_errors(fn, match: str) -> None:
    check_error(fn, match)


# ---------------------------------------------------------------- PyTorch's choice among ties


def _tied_rows(seed: int, n: int, nan: bool) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 4, size=(4, n)).astype(np.float32)
    if nan:
        values[rng.random(values.shape) < 0.2] = np.nan
    return values


@pytest.mark.parametrize("n", [5, 16, 17, 50, 300])
@pytest.mark.parametrize("nan", [False, True])
def test_sort_topk_kthvalue_median_break_ties_as_pytorch(n: int, nan: bool) -> None:
    """PyTorch's CPU ``sort`` is ``std::sort`` unless ``stable``, ``topk`` is
    ``nth_element``/``partial_sort``, ``kthvalue`` its own quickselect and ``median`` an
    index-ordered ``nth_element``: the same indices among equal values, every row."""
    values = _tied_rows(n, n, nan)
    for k in sorted({1, 2, n // 3 + 1, n}):
        check_same(lambda lib, k=k: lib.tensor(values).topk(k, 1))
        check_same(lambda lib, k=k: lib.tensor(values).topk(k, 1, largest=False))
        check_same(lambda lib, k=k: lib.tensor(values).topk(k, 1, sorted=False))
        check_same(lambda lib, k=k: lib.tensor(values).T.topk(k, 0, largest=False, sorted=False))
        check_same(lambda lib, k=k: lib.tensor(values).kthvalue(k, 1))
        check_same(lambda lib, k=k: lib.tensor(values).T.kthvalue(k, 0, keepdim=True))
    for make in (
        lambda lib: lib.tensor(values).sort(1),
        lambda lib: lib.tensor(values).sort(1, descending=True),
        lambda lib: lib.tensor(values).T.sort(0),
        lambda lib: lib.tensor(values).sort(dim=1, stable=True),
        lambda lib: lib.tensor(values).sort(dim=1, descending=True, stable=True),
        lambda lib: lib.tensor(values).argsort(1),
        lambda lib: lib.tensor(values).argsort(1, descending=True),
        lambda lib: lib.tensor(values).T.msort(),
        lambda lib: lib.tensor(values).median(1),
        lambda lib: lib.tensor(values).T.median(0),
        lambda lib: lib.tensor(values.astype(np.int64) if not nan else values).sort(1),
    ):
        check_same(make)


def test_topk_of_empty_and_k_zero() -> None:
    check_same(lambda lib: lib.ones(3, 20).topk(0))
    check_same(lambda lib: lib.ones(0, 20).topk(3, 1, sorted=False))


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.count_nonzero(lib.tensor([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0]])),
        lambda lib: lib.count_nonzero(lib.tensor([[1, 0, 2], [0, 0, 3]]), (0, 1)),
        lambda lib: lib.tensor([[1, 0, 2], [0, 0, 3]]).count_nonzero([-1]),
        lambda lib: lib.tensor([[1, 0, 2], [0, 0, 3]]).count_nonzero(dim=()),
        lambda lib: lib.tensor([[True, False], [True, True]]).count_nonzero(0),
        lambda lib: lib.count_nonzero(lib.tensor(2.0), 0),
        lambda lib: lib.count_nonzero(lib.tensor([np.nan, 0.0, -0.0])),
        lambda lib: lib.count_nonzero(lib.zeros(0, 3), 1),
    ],
)
def test_count_nonzero(make) -> None:
    check_same(make)


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda lib: lib.count_nonzero(lib.ones(2, 3), (0, 0)), "dim 0 appears multiple times"),
        (lambda lib: lib.count_nonzero(lib.ones(2, 3), 2), "Dimension out of range"),
        (lambda lib: lib.count_nonzero([1]), "must be Tensor, not list"),
        (lambda lib: lib.count_nonzero(lib.ones(2), 1.0), "received an invalid combination"),
    ],
)
def test_count_nonzero_errors(fn, match: str) -> None:
    check_error(fn, match)


def test_sort_of_a_long_integer_vector_is_pytorchs_radix_sort() -> None:
    """A 1-D integer tensor of 32768 elements or more sorts ascending by PyTorch's stable
    radix sort; shorter ones (and descending sorts) by ``std::sort``."""
    rng = np.random.default_rng(5)
    for n in (32767, 32768):
        values = rng.integers(0, 5, size=n)
        check_same(lambda lib, v=values: lib.tensor(v).argsort())
        check_same(lambda lib, v=values: lib.tensor(v).sort(descending=True))


@pytest.mark.parametrize(
    ("fn", "specs"),
    [
        (lambda lib, x: lib.renorm(x, 2, 0, 1.0), ((3, 4),)),
        (lambda lib, x, q: lib.quantile(x, q, 1), ((3, 4), np.array([0.2, 0.7]))),
        (lambda lib, x: lib.nanquantile(x, 0.3), ((3, 4),)),
        (lambda lib, x: lib.nanmedian(x), ((3, 4),)),
        (lambda lib, x: lib.nanmedian(x, 1), ((3, 4),)),
        (lambda lib, x: lib.mode(x, 1), ((3, 4),)),
        (lambda lib, x: lib.corrcoef(x), ((3, 4),)),
        (lambda lib, y, x: lib.trapezoid(y, x), ((3, 4), ARANGE)),
        (lambda lib, x: lib.gradient(x), ((3, 4),)),
    ],
)
def test_inplace_changes_after_forward_as_pytorch(fn, specs) -> None:
    """Changing an input or output in place before backward: refused where PyTorch refuses
    (its node saved the tensor), the same gradient where it does not."""
    check_saved_versions(fn, *specs)


def _grad_input(lib):
    return lib.tensor([[1.0, 2.0], [2.0, 5.0]], requires_grad=True)


NO_DERIVATIVE = [
    lambda lib: lib.unique(_grad_input(lib)),
    lambda lib: lib.unique(_grad_input(lib), return_inverse=True)[0],
    lambda lib: lib.unique(_grad_input(lib), dim=0),
    lambda lib: lib.unique_consecutive(_grad_input(lib)),
    lambda lib: lib.histogram(_grad_input(lib), 3).hist,
    lambda lib: lib.histogram(_grad_input(lib), 3).bin_edges,
    lambda lib: lib.bincount(lib.tensor([0, 1, 1, 2]), weights=_grad_input(lib).reshape(-1)),
    lambda lib: lib.histogramdd(_grad_input(lib), 3).hist,
    lambda lib: lib.histogramdd(_grad_input(lib), 3).bin_edges[1],
]


@pytest.mark.parametrize("make", NO_DERIVATIVE)
def test_ops_without_a_derivative_record_pytorchs_node_and_refuse_backward(make) -> None:
    outs = [make(lib) for lib in (torch, numtorch)]
    assert [o.requires_grad for o in outs] == [True, True]
    assert outs[1].grad_fn.name() == outs[0].grad_fn.name()
    check_error(lambda lib: make(lib).sum().backward(), "derivative for .* is not implemented")


def test_histc_and_searches_have_no_gradient() -> None:
    for lib in (torch, numtorch):
        x = _grad_input(lib)
        assert not lib.histc(x, 3).requires_grad
        assert not lib.bucketize(x, lib.tensor([1.5, 3.0])).requires_grad
        assert not lib.unique(x.detach()).requires_grad
