"""Reductions and the softmax family: values and gradients against PyTorch, gradcheck, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import check_error, check_gradcheck, check_op, check_same

import numtorch

TIES = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]])
ZEROS = np.array([[1.5, 0.0, -2.0, 0.7], [0.0, 0.5, 0.0, 1.2], [0.9, -1.1, 1.3, 0.6]])
ONE_ZERO = np.array([[1.5, 0.0, -2.0], [0.8, 0.5, 1.1]])
WITH_NAN = np.array([[1.5, np.nan, -2.0], [0.8, 0.5, 1.1]])

CASES = [
    ("sum all", lambda lib, x: x.sum(), (2, 3)),
    ("sum dim", lambda lib, x: x.sum(1), (2, 3)),
    ("sum keepdim", lambda lib, x: x.sum(dim=0, keepdim=True), (2, 3)),
    ("sum negative dim", lambda lib, x: lib.sum(x, -1), (2, 3, 4)),
    ("sum tuple dims", lambda lib, x: x.sum((0, 2)), (2, 3, 4)),
    ("sum tuple keepdim", lambda lib, x: x.sum((-1, 0), keepdim=True), (2, 3, 4)),
    ("sum list dims", lambda lib, x: x.sum([1]), (2, 3)),
    ("sum 0-d", lambda lib, x: x.sum(), ()),
    ("sum 0-d dim", lambda lib, x: x.sum(0), ()),
    ("mean all", lambda lib, x: x.mean(), (2, 3)),
    ("mean dim", lambda lib, x: lib.mean(x, 0), (2, 3)),
    ("mean tuple keepdim", lambda lib, x: x.mean((0, 1), keepdim=True), (2, 3, 2)),
    ("mean negative", lambda lib, x: x.mean(-2), (2, 3, 2)),
    ("max all", lambda lib, x: x.max(), (2, 3)),
    ("max dim", lambda lib, x: x.max(1), (2, 3)),
    ("max dim values", lambda lib, x: x.max(dim=0).values, (4, 3)),
    ("max keepdim", lambda lib, x: lib.max(x, -1, keepdim=True), (2, 3)),
    ("max ties all", lambda lib, x: x.max(), TIES),
    ("max two tensors", lambda lib, x, y: lib.max(x, y), (2, 3), (3,)),
    ("min all", lambda lib, x: x.min(), (2, 3)),
    ("min dim", lambda lib, x: x.min(0), (2, 3)),
    ("min keepdim", lambda lib, x: lib.min(x, 1, True), (2, 3, 2)),
    ("min ties all", lambda lib, x: x.min(), -TIES),
    ("amax all", lambda lib, x: x.amax(), (2, 3)),
    ("amax dim", lambda lib, x: lib.amax(x, 1), (2, 3)),
    ("amax tuple keepdim", lambda lib, x: x.amax((0, 2), keepdim=True), (2, 3, 2)),
    ("amax ties", lambda lib, x: x.amax(1), TIES),
    ("amin negative dim", lambda lib, x: lib.amin(x, -1), (2, 3)),
    ("amin ties", lambda lib, x: x.amin(0), -TIES),
    ("var all", lambda lib, x: x.var(), (2, 3)),
    ("var dim", lambda lib, x: x.var(1), (2, 3)),
    ("var correction 0", lambda lib, x: lib.var(x, 0, correction=0), (3, 2)),
    ("var correction 2 keepdim", lambda lib, x: x.var(-1, keepdim=True, correction=2), (2, 5)),
    ("var unbiased False", lambda lib, x: x.var(0, unbiased=False), (4, 2)),
    ("var tuple", lambda lib, x: x.var((0, 1)), (2, 3, 2)),
    ("std all", lambda lib, x: x.std(), (2, 3)),
    ("std dim", lambda lib, x: lib.std(x, 1, keepdim=True), (2, 3)),
    ("std correction 0", lambda lib, x: x.std(0, correction=0), (3, 2)),
    ("softmax", lambda lib, x: x.softmax(1), (2, 5)),
    ("softmax dim 0", lambda lib, x: lib.softmax(x, 0), (3, 2)),
    ("softmax negative", lambda lib, x: lib.softmax(x, dim=-1), (2, 3, 4)),
    ("softmax large", lambda lib, x: (x * 100).softmax(-1), (2, 4)),
    ("log_softmax", lambda lib, x: x.log_softmax(-1), (2, 5)),
    ("log_softmax dim 0", lambda lib, x: lib.log_softmax(x, 0), (3, 2, 2)),
    ("log_softmax large", lambda lib, x: (x * 100).log_softmax(1), (2, 4)),
    ("logsumexp", lambda lib, x: lib.logsumexp(x, 1), (2, 5)),
    ("logsumexp keepdim", lambda lib, x: x.logsumexp(-1, keepdim=True), (2, 3)),
    ("logsumexp tuple", lambda lib, x: lib.logsumexp(x, (0, 2)), (2, 3, 2)),
    ("logsumexp large", lambda lib, x: (x * 1000).logsumexp(0), (4, 2)),
    ("logsumexp all", lambda lib, x: x.logsumexp((0, 1)), (2, 3)),
    ("logsumexp 0-d", lambda lib, x: lib.logsumexp(x, 0), ()),
    ("amax 0-d", lambda lib, x: x.amax(), ()),
    ("max dim 0-d", lambda lib, x: x.max(0), ()),
    ("std all", lambda lib, x: x.std((0, 1)), (2, 3)),
    ("softmax of composition", lambda lib, x, y: (x @ y).softmax(-1).sum(0), (2, 3), (3, 4)),
    # NumPy's axis=/keepdims= spellings, which PyTorch's argument parser accepts
    ("sum axis", lambda lib, x: x.sum(axis=0), (2, 3)),
    ("mean axis keepdims", lambda lib, x: x.mean(axis=1, keepdims=True), (2, 3)),
    ("torch.sum axis keepdims", lambda lib, x: lib.sum(x, axis=(0, 1), keepdims=True), (2, 3)),
    ("max axis", lambda lib, x: x.max(axis=1), (2, 3)),
    ("std axis", lambda lib, x: x.std(axis=0, keepdims=True), (3, 2)),
    ("amax axis", lambda lib, x: x.amax(axis=-1), (2, 3)),
    ("logsumexp axis", lambda lib, x: lib.logsumexp(x, axis=1), (2, 3)),
    ("prod all", lambda lib, x: x.prod(), (2, 3)),
    ("prod dim", lambda lib, x: lib.prod(x, 1), (2, 3)),
    ("prod keepdim", lambda lib, x: x.prod(0, keepdim=True), (3, 2)),
    ("prod zeros", lambda lib, x: x.prod(1), ZEROS),
    ("prod all zeros", lambda lib, x: x.prod(), ZEROS),
    ("prod one zero all", lambda lib, x: x.prod(), ONE_ZERO),
    ("prod 0-d", lambda lib, x: x.prod(0), ()),
    ("prod axis", lambda lib, x: x.prod(axis=0, keepdims=True), (2, 3)),
    ("cumsum", lambda lib, x: x.cumsum(1), (2, 3)),
    ("cumsum dim 0", lambda lib, x: lib.cumsum(x, dim=0), (3, 2, 2)),
    ("cumsum negative", lambda lib, x: x.cumsum(-1), (2, 4)),
    ("cumsum 0-d", lambda lib, x: x.cumsum(0), ()),
    ("cumprod", lambda lib, x: x.cumprod(1), (2, 4)),
    ("cumprod dim 0", lambda lib, x: lib.cumprod(x, 0), (3, 2)),
    ("cumprod zeros", lambda lib, x: x.cumprod(1), ZEROS),
    ("cumprod zeros dim 0", lambda lib, x: x.cumprod(0), ZEROS),
    ("logcumsumexp", lambda lib, x: x.logcumsumexp(1), (2, 4)),
    ("logcumsumexp large", lambda lib, x: lib.logcumsumexp(x * 100, 0), (3, 2)),
    ("sort", lambda lib, x: x.sort(), (2, 4)),
    ("sort dim 0 descending", lambda lib, x: lib.sort(x, 0, descending=True), (3, 2)),
    ("sort values", lambda lib, x: x.sort(-1).values, (2, 3, 4)),
    ("sort 0-d", lambda lib, x: x.sort(), ()),
    ("msort", lambda lib, x: x.msort(), (3, 2)),
    ("torch.msort", lambda lib, x: lib.msort(x), (4,)),
    ("topk", lambda lib, x: x.topk(2), (2, 4)),
    ("topk smallest dim 0", lambda lib, x: lib.topk(x, 2, dim=0, largest=False), (3, 2)),
    ("topk values", lambda lib, x: x.topk(3, sorted=True).values, (2, 5)),
    ("kthvalue", lambda lib, x: x.kthvalue(2), (2, 4)),
    ("kthvalue dim keepdim", lambda lib, x: lib.kthvalue(x, 1, 0, keepdim=True), (3, 2)),
    ("median all", lambda lib, x: x.median(), (2, 3)),
    ("median all even", lambda lib, x: lib.median(x), (2, 2)),
    ("median dim", lambda lib, x: x.median(1), (2, 4)),
    ("median dim keepdim", lambda lib, x: x.median(0, keepdim=True), (3, 2)),
    ("median ties", lambda lib, x: x.median(), TIES),
    ("cummax", lambda lib, x: x.cummax(1), (2, 4)),
    ("cummin", lambda lib, x: x.cummin(0), (3, 2)),
    ("aminmax", lambda lib, x: x.aminmax(), (2, 3)),
    ("aminmax dim", lambda lib, x: lib.aminmax(x, dim=1), (2, 3)),
    ("aminmax keepdim", lambda lib, x: x.aminmax(dim=0, keepdim=True), (2, 3)),
    ("nansum", lambda lib, x: x.nansum(), (2, 3)),
    ("nansum dim nan", lambda lib, x: lib.nansum(x, 1), WITH_NAN),
    ("nanmean", lambda lib, x: x.nanmean(), WITH_NAN),
    ("nanmean dim keepdim", lambda lib, x: lib.nanmean(x, 1, keepdim=True), WITH_NAN),
    ("var_mean", lambda lib, x: lib.var_mean(x), (2, 3)),
    ("var_mean dim", lambda lib, x: lib.var_mean(x, 1, correction=0), (2, 3)),
    ("std_mean", lambda lib, x: lib.std_mean(x, 0, keepdim=True), (3, 2)),
    ("std_mean unbiased", lambda lib, x: lib.std_mean(x, 1, False), (2, 3)),
    ("norm", lambda lib, x: x.norm(), (2, 3)),
    ("norm fro dim", lambda lib, x: lib.norm(x, "fro", dim=(0, 1)), (2, 3)),
    ("norm 2 dim", lambda lib, x: x.norm(2, 1), (2, 3)),
    ("norm 1", lambda lib, x: x.norm(p=1, dim=0, keepdim=True), (2, 3)),
    ("norm inf", lambda lib, x: lib.norm(x, float("inf")), (2, 3)),
    ("norm inf dim", lambda lib, x: x.norm(float("inf"), 1), (2, 3)),
    ("norm 3", lambda lib, x: x.norm(3, dim=1), (2, 3)),
    ("norm 0.5", lambda lib, x: lib.norm(x, 0.5), (2, 3)),
    ("norm -inf", lambda lib, x: x.norm(-float("inf"), 0, keepdim=True), (2, 3)),
    ("norm 0", lambda lib, x: x.norm(0, 1), (2, 3)),
    ("norm -1", lambda lib, x: x.norm(-1), (2, 3)),
]

# Ties: PyTorch's gradient picks one of the tied elements, where a finite difference splits
# it, so these rows check values and gradients against PyTorch but skip gradcheck.
TIE_CASES = [
    ("sort stable", lambda lib, x: x.sort(stable=True, dim=1), TIES),
    ("sort stable descending", lambda lib, x: x.sort(dim=1, descending=True, stable=True), TIES),
    ("cummax ties", lambda lib, x: lib.cummax(x, 1), TIES),
    ("cummin ties", lambda lib, x: lib.cummin(x, 1), -TIES),
]


def _ids(cases: list) -> list:
    return [c[0] for c in cases]


@pytest.mark.parametrize(
    ("fn", "specs"), [(c[1], c[2:]) for c in CASES + TIE_CASES], ids=_ids(CASES + TIE_CASES)
)
def test_parity(fn, specs) -> None:
    check_op(fn, *specs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("fn", "specs"), [(c[1], c[2:]) for c in CASES], ids=_ids(CASES))
def test_gradcheck(fn, specs) -> None:
    check_gradcheck(fn, *specs)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]]).argmax(),
        lambda lib: lib.tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]]).argmax(1),
        lambda lib: lib.tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]]).argmax(0, keepdim=True),
        lambda lib: lib.tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]]).argmax(keepdim=True),
        lambda lib: lib.tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]]).argmin(-1),
        lambda lib: lib.argmin(lib.tensor([3, 1, 1])),
        lambda lib: lib.tensor(2.0).argmax(),
        lambda lib: lib.tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]]).max(1),
        lambda lib: lib.tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]]).min(0),
        lambda lib: lib.tensor([[1, 5], [7, 0]]).max(1),
        lambda lib: lib.tensor([[1, 5], [7, 0]]).max(),
        lambda lib: lib.tensor([[1, 5], [7, 0]]).sum(0),
        lambda lib: lib.tensor([True, True, False]).sum(),
        lambda lib: lib.tensor([[1, 5], [7, 0]]).sum(dtype=lib.float64),
        lambda lib: lib.tensor([[1.0, 5.0]]).mean(dtype=lib.float64),
        lambda lib: lib.tensor([[1.0, 5.0], [7.0, 0.0]]).var(),
        lambda lib: lib.zeros(0, 3).sum(0),
        lambda lib: lib.zeros(0, 3).mean(),
        lambda lib: lib.zeros(0, 3).amax(1),
        lambda lib: lib.tensor([float("-inf"), float("-inf")]).logsumexp(0),
        lambda lib: lib.tensor([float("inf"), 1.0]).logsumexp(0),
        lambda lib: lib.tensor([1.0, 2.0]).softmax(0, dtype=lib.float64),
        lambda lib: lib.tensor(2.0).softmax(0),
        lambda lib: lib.tensor(2.0).log_softmax(-1),
        lambda lib: lib.tensor([[1, 0], [2, 2]]).count_nonzero(),
        lambda lib: lib.tensor([[1, 0], [2, 2]]).count_nonzero(0),
        lambda lib: lib.tensor([[True, False], [True, True]]).all(1),
        lambda lib: lib.tensor([[True, False], [False, False]]).any(),
        lambda lib: lib.tensor([[1, 5], [7, 0]]).argmax(axis=1),
        lambda lib: lib.tensor([[1, 5], [7, 0]]).argmin(axis=0, keepdims=True),
        lambda lib: lib.tensor([[True, False], [True, True]]).all(axis=1),
        lambda lib: lib.tensor([[1.0, 5.0], [7.0, 0.0]]).softmax(axis=0),
        lambda lib: lib.tensor([[1, 5], [7, 2]]).prod(),
        lambda lib: lib.tensor([[1, 5], [7, 2]], dtype=lib.int32).prod(1),
        lambda lib: lib.tensor([True, False]).prod(),
        lambda lib: lib.tensor([[1, 5], [7, 2]]).prod(0, dtype=lib.float64),
        lambda lib: lib.zeros(0, 2).prod(0),
        lambda lib: lib.zeros(0).prod(),
        lambda lib: lib.tensor([[1, 5], [7, 2]], dtype=lib.int32).cumsum(1),
        lambda lib: lib.tensor([True, True, False]).cumsum(0),
        lambda lib: lib.tensor([[1, 5], [7, 2]]).cumprod(0),
        lambda lib: lib.tensor([1.0, 2.0]).cumsum(0, dtype=lib.float64),
        lambda lib: lib.tensor([float("-inf"), float("-inf"), 1.0]).logcumsumexp(0),
        lambda lib: lib.tensor([[3, 1, 2, 1], [0, 0, 5, -1]]).sort(),
        lambda lib: lib.tensor([[3, 1, 2, 1], [0, 0, 5, -1]]).sort(descending=True, stable=True),
        lambda lib: lib.tensor([2.0, float("nan"), 1.0, float("nan")]).sort(),
        lambda lib: lib.tensor([2.0, float("nan"), 1.0]).sort(descending=True),
        lambda lib: lib.tensor([[3, 1, 2, 1], [0, 0, 5, -1]]).argsort(),
        lambda lib: lib.argsort(lib.tensor([[3, 1], [0, 0]]), dim=0, descending=True, stable=True),
        lambda lib: lib.tensor(3.0).argsort(),
        lambda lib: lib.tensor([[3, 1, 2, 4], [0, 7, 5, -1]]).topk(2),
        lambda lib: lib.tensor([[3, 1, 2, 4], [0, 7, 5, -1]]).topk(3, largest=False),
        lambda lib: lib.tensor([3, 1, 2]).topk(0),
        lambda lib: lib.tensor([[3, 1, 2, 1], [0, 0, 5, -1]]).kthvalue(3),
        lambda lib: lib.tensor([[3, 1, 2, 1], [0, 0, 5, -1]]).median(),
        lambda lib: lib.tensor([[3, 1, 2, 1], [0, 0, 5, -1]]).median(1),
        lambda lib: lib.tensor([[3.0, float("nan"), 2.0], [0.0, 1.0, 5.0]]).median(1),
        lambda lib: lib.tensor([[3.0, float("nan"), 2.0], [0.0, 1.0, 5.0]]).median(),
        lambda lib: lib.zeros(0).median(),
        lambda lib: lib.tensor([[3, 1, 3, 1], [0, 0, 5, -1]]).cummax(1),
        lambda lib: lib.tensor([[3, 1, 3, 1], [0, 0, 5, -1]]).cummin(1),
        lambda lib: lib.tensor([1.0, float("nan"), 3.0, 0.0]).cummax(0),
        lambda lib: lib.tensor([1.0, float("nan"), 3.0, 0.0]).cummin(0),
        lambda lib: lib.tensor([[3, 1, 3, 1], [0, 0, 5, -1]]).aminmax(),
        lambda lib: lib.tensor([[3, 1, 3, 1], [0, 0, 5, -1]]).aminmax(dim=1, keepdim=True),
        lambda lib: lib.tensor(2.0).aminmax(),
        lambda lib: lib.tensor([[3, 1], [0, 5]]).nansum(),
        lambda lib: lib.tensor([[float("nan"), 1.0], [float("nan"), float("nan")]]).nansum(1),
        lambda lib: lib.tensor([[float("nan"), 1.0], [float("nan"), float("nan")]]).nanmean(1),
        lambda lib: lib.var_mean(lib.tensor([[1.0, 5.0], [7.0, 0.0]]), 0),
        lambda lib: lib.std_mean(lib.tensor([[1.0, 5.0], [7.0, 0.0]]), unbiased=False),
        lambda lib: lib.tensor([[1.0, 5.0], [7.0, 0.0]]).norm(dim=1, keepdim=True),
        lambda lib: lib.tensor([[1.0, -5.0], [7.0, 0.0]]).norm(p=float("inf"), dim=0),
        lambda lib: lib.zeros(2, 3).norm(),
    ],
)
def test_values(make) -> None:
    check_same(make, rtol=1e-6, atol=1e-6)


def test_var_warns_without_degrees_of_freedom() -> None:
    for make in (lambda lib: lib.tensor([1.0]).var(), lambda lib: lib.ones(2).std(correction=3)):
        for lib in (torch, numtorch):
            with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
                out = make(lib)
            assert np.isnan(out.item())


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (
            lambda lib: lib.ones(2, 3).sum(2),
            r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)",
        ),
        (lambda lib: lib.ones(2, 3).sum(-3), "Dimension out of range"),
        (lambda lib: lib.ones(2, 3).mean((0, 5)), "Dimension out of range"),
        (lambda lib: lib.ones(2, 3).max(2), "Dimension out of range"),
        (lambda lib: lib.ones(2, 3).argmax(3), "Dimension out of range"),
        (lambda lib: lib.ones(2, 3).softmax(2), "Dimension out of range"),
        (lambda lib: lib.ones(2, 3).var(4), "Dimension out of range"),
        (lambda lib: lib.ones(2, 3).amax(-5), "Dimension out of range"),
        (lambda lib: lib.ones(2, 3).sum((0, 0)), "appears multiple times in the list of dims"),
        (
            lambda lib: lib.ones(2, dtype=lib.int64).mean(),
            "mean\\(\\): could not infer output dtype.*Got: Long",
        ),
        (lambda lib: lib.ones(2, dtype=lib.int64).std(), "std and var only support floating point"),
        (
            lambda lib: lib.ones(2, dtype=lib.int64).var(0),
            "std and var only support floating point",
        ),
        (
            lambda lib: lib.ones(2, dtype=lib.int64).softmax(0),
            "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'",
        ),
        (lambda lib: lib.ones(2, dtype=lib.int64).log_softmax(0), "not implemented for 'Long'"),
        (
            lambda lib: lib.zeros(0).max(),
            "Expected reduction dim to be specified for input.numel\\(\\) == 0",
        ),
        (
            lambda lib: lib.zeros(0).argmax(),
            "Expected reduction dim to be specified for input.numel\\(\\) == 0",
        ),
        (lambda lib: lib.zeros(0, 2).max(0), "Expected reduction dim 0 to have non-zero size"),
        (lambda lib: lib.ones(2).softmax(), "dim"),
        (lambda lib: lib.sum([1.0]), "must be Tensor"),
        (lambda lib: lib.ones(2, 3).prod(2), "Dimension out of range"),
        (lambda lib: lib.ones(2, 3).cumsum(-3), "Dimension out of range"),
        (lambda lib: lib.ones(2, 3).sort(2), "Dimension out of range"),
        (lambda lib: lib.ones(2, 3).topk(4), "selected index k out of range"),
        (lambda lib: lib.ones(2, 3).topk(-1), "selected index k out of range"),
        (
            lambda lib: lib.ones(2, 3).kthvalue(4),
            "kthvalue\\(\\): selected number k out of range for dimension 1",
        ),
        (lambda lib: lib.ones(2, 3).kthvalue(0), "selected number k out of range"),
        (lambda lib: lib.zeros(0, 2).median(0), "Expected reduction dim 0 to have non-zero size"),
        (lambda lib: lib.zeros(0).aminmax(), "cannot compute aminmax over an empty dimension"),
        (lambda lib: lib.ones(2, dtype=lib.int64).nanmean(), "nanmean\\(\\): expected input"),
        (lambda lib: lib.ones(2, dtype=lib.int64).norm(), "Expected a floating point"),
        (lambda lib: lib.ones(2, 3).norm(2, 2), "Dimension out of range"),
        (
            lambda lib: lib.ones(2, 3).sum(1, axis=0),
            "sum\\(\\) got an unexpected keyword argument 'axis'",
        ),
        (
            lambda lib: lib.tensor([1, 2]).logcumsumexp(0),
            "\"logcumsumexp_out_cpu\" not implemented for 'Long'",
        ),
    ],
)
def test_errors(fn, match: str) -> None:
    check_error(fn, match)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib: lib.ones(2).sum(dim="a"),
        lambda lib: lib.ones(2).sum(1.0),
        lambda lib: lib.ones(2).mean("x"),
        lambda lib: lib.ones(2).max("x"),
        lambda lib: lib.ones(2).argmax(0.5),
        lambda lib: lib.ones(2).softmax("a"),
        lambda lib: lib.ones(2).sort(True),
        lambda lib: lib.ones(2).cumsum("a"),
        lambda lib: lib.ones(2).cumprod(),
        lambda lib: lib.ones(2).topk(1.5),
        lambda lib: lib.ones(2).kthvalue(1.0),
        lambda lib: lib.ones(2).prod(0.5),
    ],
)
def test_wrong_argument_types(fn) -> None:
    check_error(fn, ".")


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape, dim", [((3,), 0), ((), 0), ((2, 3), -1), ((2, 3), 0)])
def test_softmax_rejects_integer_input(name: str, shape: tuple, dim: int) -> None:
    kernel = "lastdim_kernel_impl" if dim == -1 or len(shape) <= 1 else "kernel_impl"
    msg = f"\"{name}_{kernel}\" not implemented for 'Long'"
    check_error(lambda lib: getattr(lib, name)(lib.zeros(shape, dtype=lib.int64), dim), msg)
    check_error(lambda lib: getattr(lib.zeros(shape, dtype=lib.int64), name)(dim), msg)


# ---------------------------------------------------------------- NaN / inf / dof edge cases


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x: x.var(1, correction=3),  # dof < 0: PyTorch's backward divides by it
        lambda lib, x: x.var(1, correction=2),  # dof 0: inf * deviation
        lambda lib, x: x.std(1, correction=0),
        lambda lib, x: x.var(),
    ],
)
def test_var_backward_with_small_dof_matches_torch(fn):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch and numtorch: dof <= 0 warning
        check_op(fn, (3, 2), dtype=np.float64)


@pytest.mark.parametrize("row", [[1.0, np.inf, 3.0, 2.0], [1.0, -np.inf, 3.0, 2.0]])
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_backward_with_an_infinite_element_matches_torch(row, name):
    x = np.array([row, [1.0, 2.0, 3.0, 4.0]])
    check_op(lambda lib, t: getattr(t, name)(1), x, dtype=np.float64)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("nans", [[1], [1, 3]])
def test_full_max_min_send_the_gradient_to_the_nans(name, nans):
    x = np.arange(8.0).reshape(2, 4)
    x.reshape(-1)[nans] = np.nan
    check_op(lambda lib, t: getattr(t, name)(), x, dtype=np.float64)


@pytest.mark.parametrize(
    "x",
    [
        [[-np.inf, -np.inf], [1.0, 2.0]],
        [[np.inf, 1.0], [1.0, 2.0]],
        [[np.nan, 1.0], [1.0, 2.0]],
    ],
)
def test_logsumexp_backward_with_infinities_matches_torch(x):
    check_op(lambda lib, t: t.logsumexp(1), np.array(x), dtype=np.float64)


@pytest.mark.parametrize(
    "x",
    [
        [[-np.inf, -np.inf, 1.0], [1.0, 2.0, 3.0]],
        [[-np.inf, 0.5, -np.inf], [900.0, -900.0, 2.0]],
        [[np.nan, 1.0, 2.0], [1.0, 2.0, 3.0]],
    ],
)
def test_logcumsumexp_with_infinities_matches_torch(x):
    check_op(lambda lib, t: t.logcumsumexp(1), np.array(x), dtype=np.float64)


@pytest.mark.parametrize("p", [2, 1, 3, float("inf")])
def test_norm_of_zeros_matches_torch(p):
    check_op(lambda lib, t: t.norm(p, 1), np.array([[0.0, 0.0], [1.0, -2.0]]), dtype=np.float64)


def test_logsumexp_of_integers_is_floating():
    check_same(lambda lib: lib.logsumexp(lib.tensor([[1, 2], [3, 4]]), 1))


@pytest.mark.parametrize(
    ("fn", "spec"),
    [
        (lambda lib, x: lib.norm(x, "nuc"), (3, 4)),
        (lambda lib, x: lib.norm(x, "nuc", dim=(0, 2)), (2, 3, 4)),
        (lambda lib, x: x.norm(p="nuc", dim=(2, 0), keepdim=True), (2, 3, 4)),
    ],
)
def test_nuclear_norm_matches_torch(fn, spec) -> None:
    check_op(fn, spec)
    check_gradcheck(fn, spec)


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda lib: lib.norm(lib.ones(3), "nuc"), "must have at least 2 dimensions"),
        (lambda lib: lib.norm(lib.ones(2, 3, 4), "nuc"), "dim must be a 2-tuple. Got 0 1 2"),
    ],
)
def test_nuclear_norm_errors_match_torch(fn, match) -> None:
    check_error(fn, match)
