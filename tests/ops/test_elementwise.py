"""Element-wise ops: values and gradients against PyTorch, float64 gradcheck, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from helpers import check_error, check_gradcheck, check_op, check_same

import numtorch

TIES_A = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
TIES_B = np.array([[1.0, 0.0, 3.0], [0.5, 4.0, -2.0]])
UNIT = np.array([[-0.9, -0.3, 0.0], [0.2, 0.55, 0.95]])  # inside (-1, 1): asin, atanh, erfinv
ABOVE_ONE = np.array([[1.1, 1.5, 3.0], [2.2, 1.05, 7.0]])  # acosh


def pos(x):
    """A strictly positive function of ``x`` (log, sqrt and real powers need one)."""
    return x.abs() + 0.5


# (id, fn(lib, *inputs), *input specs): each gets a parity check and a float64 gradcheck
CASES = [
    ("add", lambda lib, x, y: x + y, (2, 3), (2, 3)),
    ("add broadcast", lambda lib, x, y: x + y, (2, 3), (3,)),
    ("add broadcast both", lambda lib, x, y: x + y, (2, 1, 3), (4, 1)),
    ("add 0-d", lambda lib, x, y: x + y, (2, 3), ()),
    ("add scalar", lambda lib, x: x + 2, (3,)),
    ("radd scalar", lambda lib, x: 2.5 + x, (3,)),
    ("add alpha", lambda lib, x, y: x.add(y, alpha=2.5), (2, 3), (3,)),
    ("torch.add alpha", lambda lib, x, y: lib.add(x, y, alpha=-2), (3,), (2, 3)),
    ("add self", lambda lib, x: x + x, (3,)),
    ("sub", lambda lib, x, y: x - y, (2, 3), (2, 1)),
    ("rsub scalar", lambda lib, x: 1 - x, (3,)),
    ("sub scalar", lambda lib, x: x - 1.5, (3,)),
    ("sub alpha", lambda lib, x, y: lib.sub(x, y, alpha=0.5), (4,), (4,)),
    ("mul", lambda lib, x, y: x * y, (2, 3), (2, 3)),
    ("mul broadcast", lambda lib, x, y: lib.mul(x, y), (4, 1), (1, 3)),
    ("rmul scalar", lambda lib, x: 3 * x, (3,)),
    ("mul self", lambda lib, x: x * x, (2, 2)),
    ("div", lambda lib, x, y: x / pos(y), (2, 3), (3,)),
    ("div method", lambda lib, x, y: x.div(pos(y)), (2, 3), (2, 3)),
    ("rdiv scalar", lambda lib, x: 2 / pos(x), (3,)),
    ("div scalar", lambda lib, x: x / 4, (3,)),
    ("div number first", lambda lib, x: lib.div(2.0, pos(x)), (3,)),
    ("div floor", lambda lib, x, y: x.div(pos(y), rounding_mode="floor") + x, (2, 3), (2, 3)),
    ("remainder", lambda lib, x, y: x % pos(y), (2, 3), (2, 3)),
    ("remainder scalar", lambda lib, x: lib.remainder(x, 0.7), (2, 3)),
    ("remainder negative divisor", lambda lib, x, y: x.remainder(-pos(y)), (2, 3), (3,)),
    ("reciprocal", lambda lib, x: pos(x).reciprocal(), (2, 3)),
    ("torch.reciprocal", lambda lib, x: lib.reciprocal(x), (2, 3)),
    ("rsub", lambda lib, x: lib.rsub(x, 2.5), (2, 3)),
    ("rsub tensor alpha", lambda lib, x, y: lib.rsub(x, y, alpha=-1.5), (2, 3), (3,)),
    ("rsqrt", lambda lib, x: pos(x).rsqrt(), (2, 3)),
    ("square", lambda lib, x: x.square(), (2, 3)),
    ("neg", lambda lib, x: -x, (2, 3)),
    ("neg method", lambda lib, x: lib.neg(x).neg(), (3,)),
    ("pow int", lambda lib, x: x**2, (2, 3)),
    ("pow 3", lambda lib, x: lib.pow(x, 3), (4,)),
    ("pow 0", lambda lib, x: x**0, (4,)),
    ("pow negative real", lambda lib, x: pos(x) ** -1.5, (4,)),
    ("pow tensor", lambda lib, x, y: pos(x) ** y, (2, 3), (3,)),
    ("pow method tensor", lambda lib, x, y: pos(x).pow(y), (3,), (3,)),
    ("rpow scalar", lambda lib, x: 2**x, (3,)),
    ("exp", lambda lib, x: x.exp(), (2, 3)),
    ("torch.exp", lambda lib, x: lib.exp(x), (3,)),
    ("erf", lambda lib, x: lib.erf(x) + x.erf(), (2, 3)),
    ("log", lambda lib, x: pos(x).log(), (2, 3)),
    ("sqrt", lambda lib, x: lib.sqrt(pos(x)), (2, 3)),
    ("abs", lambda lib, x: x.abs(), (2, 3)),
    ("abs builtin", lambda lib, x: abs(x), (3,)),
    ("clamp min", lambda lib, x: x.clamp(min=-0.2), (3, 4)),
    ("clamp max", lambda lib, x: x.clamp(max=0.3), (3, 4)),
    ("clamp both", lambda lib, x: lib.clamp(x, -0.5, 0.5), (3, 4)),
    ("clamp tensor bounds", lambda lib, x, lo: x.clamp(min=lo), (3, 4), (4,)),
    ("clip", lambda lib, x: x.clip(-0.1, 0.1), (5,)),
    ("clamp tensor both", lambda lib, x, lo, hi: x.clamp(lo, hi + 1), (3, 4), (4,), (3, 1)),
    ("clamp tensor max", lambda lib, x, hi: lib.clamp(x, max=hi), (3, 4), (3, 4)),
    ("clamp tensor crossed", lambda lib, x, lo, hi: x.clamp(lo + 1, hi - 1), (3, 4), (4,), (4,)),
    ("maximum", lambda lib, x, y: lib.maximum(x, y), (2, 3), (2, 3)),
    ("maximum broadcast", lambda lib, x, y: x.maximum(y), (2, 3), (3,)),
    ("maximum ties", lambda lib, x, y: lib.maximum(x, y), TIES_A, TIES_B),
    ("minimum", lambda lib, x, y: lib.minimum(x, y), (2, 3), (1, 3)),
    ("minimum ties", lambda lib, x, y: x.minimum(y), TIES_A, TIES_B),
    ("where", lambda lib, x, y: lib.where(x > 0, x, y), (2, 3), (2, 3)),
    ("where broadcast", lambda lib, x, y: lib.where(y > 0, x, y * 2), (2, 3), (3,)),
    ("where scalar", lambda lib, x: lib.where(x > 0, x, 0.0), (2, 3)),
    ("where scalar first", lambda lib, x: lib.where(x > 0, 1.0, x), (2, 3)),
    ("tensor.where", lambda lib, x, y: x.where(x < 0, y), (4,), (4,)),
    ("relu", lambda lib, x: lib.relu(x), (2, 3)),
    ("relu method", lambda lib, x: x.relu() * x, (5,)),
    ("sigmoid", lambda lib, x: x.sigmoid(), (2, 3)),
    ("torch.sigmoid", lambda lib, x: lib.sigmoid(x * 20), (6,)),
    ("tanh", lambda lib, x: lib.tanh(x), (2, 3)),
    ("sin", lambda lib, x: lib.sin(x) + x.sin(), (2, 3)),
    ("cos", lambda lib, x: x.cos(), (2, 3)),
    ("tan", lambda lib, x: lib.tan(x), (2, 3)),
    ("asin", lambda lib, x: x.asin(), UNIT),
    ("arcsin", lambda lib, x: lib.arcsin(x), UNIT),
    ("acos", lambda lib, x: lib.acos(x), UNIT),
    ("arccos", lambda lib, x: x.arccos(), UNIT),
    ("atan", lambda lib, x: x.atan(), (2, 3)),
    ("arctan", lambda lib, x: lib.arctan(x * 3), (2, 3)),
    ("sinh", lambda lib, x: lib.sinh(x), (2, 3)),
    ("cosh", lambda lib, x: x.cosh(), (2, 3)),
    ("asinh", lambda lib, x: lib.asinh(x * 4), (2, 3)),
    ("arcsinh", lambda lib, x: x.arcsinh(), (2, 3)),
    ("acosh", lambda lib, x: x.acosh(), ABOVE_ONE),
    ("arccosh", lambda lib, x: lib.arccosh(x), ABOVE_ONE),
    ("atanh", lambda lib, x: lib.atanh(x), UNIT),
    ("arctanh", lambda lib, x: x.arctanh(), UNIT),
    ("expm1", lambda lib, x: lib.expm1(x) + (x * 1e-5).expm1(), (2, 3)),
    ("log1p", lambda lib, x: pos(x).log1p() + lib.log1p(x * 1e-5), (2, 3)),
    ("log2", lambda lib, x: lib.log2(pos(x)), (2, 3)),
    ("log10", lambda lib, x: pos(x).log10(), (2, 3)),
    ("exp2", lambda lib, x: lib.exp2(x) + x.exp2(), (2, 3)),
    ("erfc", lambda lib, x: lib.erfc(x * 3) + x.erfc(), (2, 3)),
    ("sgn", lambda lib, x: lib.sgn(x) * x, (2, 3)),
    ("clamp_min", lambda lib, x: lib.clamp_min(x, -0.2), (3, 4)),
    ("clamp_min tensor", lambda lib, x, lo: x.clamp_min(lo), (3, 4), (4,)),
    ("clamp_max", lambda lib, x: x.clamp_max(0.3), (3, 4)),
    ("clamp_max tensor", lambda lib, x, hi: lib.clamp_max(x, hi), (3, 4), (3, 4)),
    ("atan2", lambda lib, x, y: lib.atan2(x, y), (2, 3), (2, 3)),
    ("atan2 broadcast", lambda lib, x, y: x.atan2(y), (2, 3), (3,)),
    ("arctan2", lambda lib, x, y: lib.arctan2(x, y), (2, 3), (2, 1)),
    ("hypot", lambda lib, x, y: lib.hypot(x, y), (2, 3), (2, 3)),
    ("hypot broadcast", lambda lib, x, y: x.hypot(y), (2, 3), (3,)),
    ("logaddexp", lambda lib, x, y: lib.logaddexp(x, y), (2, 3), (2, 3)),
    ("logaddexp broadcast", lambda lib, x, y: x.logaddexp(y * 30), (2, 3), (3,)),
    ("xlogy", lambda lib, x, y: lib.xlogy(x, pos(y)), (2, 3), (2, 3)),
    ("xlogy broadcast", lambda lib, x, y: x.xlogy(pos(y)), (2, 3), (3,)),
    ("xlogy scalar other", lambda lib, x: lib.xlogy(x, 2.5), (2, 3)),
    ("xlogy scalar self", lambda lib, y: lib.xlogy(1.5, pos(y)), (2, 3)),
    ("lerp", lambda lib, x, y: lib.lerp(x, y, 0.3), (2, 3), (2, 3)),
    ("lerp method high weight", lambda lib, x, y: x.lerp(y, 0.8), (2, 3), (3,)),
    ("lerp tensor weight", lambda lib, x, y, w: lib.lerp(x, y, w), (2, 3), (2, 3), (2, 3)),
    ("lerp tensor weight broadcast", lambda lib, x, y, w: x.lerp(y, w), (2, 3), (3,), (2, 1)),
    ("fmod", lambda lib, x, y: lib.fmod(x, pos(y)), (2, 3), (2, 3)),
    ("fmod scalar", lambda lib, x: x.fmod(0.7), (2, 3)),
    ("fmod negative divisor", lambda lib, x, y: x.fmod(-pos(y)), (2, 3), (3,)),
    ("nan_to_num", lambda lib, x: lib.nan_to_num(x) + x.nan_to_num(1.0, 2.0, -2.0), (2, 3)),
    ("erfinv", lambda lib, x: lib.erfinv(x) + x.erfinv(), UNIT),
    ("masked_fill", lambda lib, x: x.masked_fill(x > 0.5, -1.0), (3, 4)),
    ("masked_fill broadcast", lambda lib, x, y: x.masked_fill(y > 0, 2.0), (3, 4), (4,)),
    ("mul mixed dtypes", lambda lib, x, y: x * y.double(), (2, 3), (3,)),
    ("rmul mixed dtypes", lambda lib, x, y: y.double() * x, (2, 3), (2, 3)),
    ("div mixed dtypes", lambda lib, x, y: x / pos(y).double(), (2, 3), (2, 3)),
    ("div by mixed dtypes", lambda lib, x, y: x.double() / pos(y), (2, 3), (2, 3)),
    ("pow mixed dtypes", lambda lib, x, y: pos(x) ** y.double(), (2, 3), (2, 3)),
    ("maximum mixed dtypes", lambda lib, x, y: lib.maximum(x, y.double()), (2, 3), (2, 3)),
    ("remainder mixed dtypes", lambda lib, x, y: x.double() % pos(y), (2, 3), (2, 3)),
    ("mul int tensor", lambda lib, x: x * lib.tensor([1, -2, 3]), (2, 3)),
    ("mul bool tensor", lambda lib, x, y: x * (y > 0), (2, 3), (2, 3)),
    ("int tensor div", lambda lib, x: lib.tensor([1, 2, 3]) / pos(x), (2, 3)),
    ("clone", lambda lib, x: x.clone() * 2, (2, 3)),
    ("to float64", lambda lib, x: x.to(lib.float64) * x.to(lib.float64), (3,)),
    ("non-contiguous", lambda lib, x, y: x.t() * y + x.t().exp(), (3, 2), (2, 3)),
    ("chain", lambda lib, x, y: (x * y - x / pos(y)) ** 2 + (-x).exp(), (2, 2), (2, 2)),
    ("size-1 dims", lambda lib, x, y: x * y, (1, 1), (1, 5)),
    ("empty", lambda lib, x, y: x * y + 1, (0, 3), (3,)),
]


@pytest.mark.parametrize(("fn", "specs"), [(c[1], c[2:]) for c in CASES], ids=[c[0] for c in CASES])
def test_parity(fn, specs) -> None:
    check_op(fn, *specs)


@pytest.mark.parametrize(("fn", "specs"), [(c[1], c[2:]) for c in CASES], ids=[c[0] for c in CASES])
def test_gradcheck(fn, specs) -> None:
    check_gradcheck(fn, *specs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parity_float64(dtype) -> None:
    check_op(lambda lib, x, y: (x * y + x / pos(y)).exp().log(), (2, 3), (3,), dtype=dtype)


@pytest.mark.parametrize(
    "op",
    [
        lambda a, b: a == b,
        lambda a, b: a != b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
        lambda a, b: a.eq(b),
        lambda a, b: a.ne(b),
        lambda a, b: a.lt(b),
        lambda a, b: a.le(b),
        lambda a, b: a.gt(b),
        lambda a, b: a.ge(b),
    ],
)
def test_comparisons_return_bool(op) -> None:
    a, b = [[1.0, 2.0, 3.0]], [[2.0], [1.0]]
    check_same(lambda lib: op(lib.tensor(a), lib.tensor(b)))
    check_same(lambda lib: op(lib.tensor(a), 2))
    check_same(lambda lib: op(lib.tensor([1, 2, 3]), 2.5))
    r = op(numtorch.tensor(a, requires_grad=True), 2.0)
    assert r.dtype is numtorch.bool and not r.requires_grad


def test_logical_ops() -> None:
    a, b = [True, False, True], [True, True, False]
    for op in (lambda x, y: x & y, lambda x, y: x | y, lambda x, y: x ^ y, lambda x, y: ~x):
        check_same(lambda lib, op=op: op(lib.tensor(a), lib.tensor(b)))
    check_same(lambda lib: lib.tensor([1, 2]) & lib.tensor([3, 3]))
    check_same(lambda lib: lib.tensor([True, False]).logical_not())


def test_gradient_through_constant_operand_is_none() -> None:
    x = numtorch.ones(3, requires_grad=True)
    c = numtorch.ones(3)
    (x * c).sum().backward()
    assert c.grad is None and x.grad.tolist() == [1.0, 1.0, 1.0]


def test_clamp_tensor_bounds_ties_go_to_the_input() -> None:
    check_op(lambda lib, x, lo: x.clamp(min=lo), TIES_A, TIES_B)
    check_op(lambda lib, x, hi: x.clamp(max=hi), TIES_A, TIES_B)
    check_op(lambda lib, x, lo, hi: x.clamp(lo, hi), TIES_A, TIES_B, TIES_B)


def test_relu_gradient_at_zero_is_zero() -> None:
    check_op(lambda lib, x: lib.relu(x), np.array([-1.0, 0.0, 2.0]))
    check_op(lambda lib, x: x.abs(), np.array([-1.0, 0.0, 2.0]))
    check_op(lambda lib, x: x.clamp(0.0, 1.0), np.array([-1.0, 0.0, 0.5, 1.0, 2.0]))
    check_op(lambda lib, x: x**2.0, np.array([0.0, 1.0]))
    check_op(lambda lib, x: lib.sqrt(x), np.array([0.0, 4.0]))


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (
            lambda lib: lib.ones(2, 3) + lib.ones(4),
            r"The size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 1",
        ),
        (
            lambda lib: lib.ones(2, 3) * lib.ones(3, 3),
            r"The size of tensor a \(2\) must match the size of tensor b \(3\) at non-singleton dimension 0",
        ),
        (lambda lib: lib.ones(2) - lib.ones(3), r"must match the size"),
        (  # two mismatches: PyTorch names the last dimension's
            lambda lib: lib.ones(2, 3) + lib.ones(4, 5),
            r"The size of tensor a \(3\) must match the size of tensor b \(5\) at non-singleton dimension 1",
        ),
        (lambda lib: lib.ones(2) + "a", r"."),
        (lambda lib: lib.ones(2) * [1, 2], r"."),
        (
            lambda lib: lib.tensor([True]) - lib.tensor([False]),
            "Subtraction, the `-` operator, with two bool tensors",
        ),
        (lambda lib: -lib.tensor([True]), "Negation, the `-` operator, on a bool tensor"),
        (lambda lib: lib.tensor([2]) ** -1, "Integers to negative integer powers are not allowed"),
        (lambda lib: lib.clamp(lib.ones(2)), "At least one of 'min' or 'max' must not be None"),
        (
            lambda lib: lib.where(lib.ones(2), lib.ones(2), lib.ones(2)),
            "where expected condition to be a boolean tensor, but got a tensor with dtype Float",
        ),
        (lambda lib: lib.exp([1.0]), "must be Tensor"),
        (lambda lib: lib.maximum(lib.ones(2), 1.0), "must be Tensor"),
        (
            lambda lib: lib.ones(2).masked_fill(lib.ones(2), 0.0),
            "masked_fill_ only supports boolean masks, but got mask with dtype float",
        ),
        (
            lambda lib: lib.ones(2).masked_fill(lib.ones(2, dtype=lib.bool), lib.ones(2)),
            "masked_fill_ only supports a 0-dimensional value tensor",
        ),
        (
            lambda lib: lib.ones(2).div(lib.ones(2), rounding_mode="round"),
            "div expected rounding_mode to be one of None, 'trunc', or 'floor'",
        ),
    ],
)
def test_errors(fn, match: str) -> None:
    check_error(fn, match)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.tensor([7.0, -7.5]).div(2, rounding_mode="trunc"),
        lambda lib: lib.tensor([7, -7]).div(2, rounding_mode="floor"),
        lambda lib: lib.tensor([7, -7]).div(2, rounding_mode="trunc"),
        lambda lib: lib.tensor([1.4, -2.6]).round(),
        lambda lib: lib.tensor([1.4, -2.6]).floor(),
        lambda lib: lib.tensor([1.4, -2.6]).ceil(),
        lambda lib: lib.tensor([1.4, -2.6, 0.0]).sign(),
        lambda lib: lib.tensor([1.0, float("nan"), float("inf")]).isnan(),
        lambda lib: lib.tensor([1.0, float("nan"), float("inf")]).isinf(),
        lambda lib: lib.tensor([1.0, float("nan"), float("inf")]).isfinite(),
        lambda lib: lib.tensor([4.0, 9.0]).rsqrt(),
        lambda lib: lib.tensor([-3.0, 2.0]).square(),
        lambda lib: lib.tensor([[1000.0, -1000.0]]).sigmoid(),
        lambda lib: lib.tensor([[1000.0, -1000.0]]).tanh(),
        lambda lib: lib.tensor([0.0, -1.0]).log(),
        lambda lib: lib.tensor([-1.0]).sqrt(),
    ],
)
def test_values(make) -> None:
    check_same(make)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib: lib.add(lib.ones(2), "a"),
        lambda lib: lib.ones(2) + [1, 2],
        lambda lib: lib.ones(2) ** "a",
        lambda lib: lib.exp([1.0]),
        lambda lib: lib.log("a"),
        lambda lib: lib.ones(2).clamp("a"),
        lambda lib: lib.where([True], lib.ones(1), lib.ones(1)),
        lambda lib: lib.maximum(lib.ones(2), lib.ones(3)),
        lambda lib: lib.where(lib.ones(2, dtype=lib.bool), lib.ones(3), 0.0),
        lambda lib: lib.ones(2) == lib.ones(3),
        lambda lib: lib.ones(2).masked_fill([True, False], 0.0),
    ],
)
def test_wrong_argument_types_and_shapes(fn) -> None:
    check_error(fn, ".")


EDGE = np.array([0.0, -1.0, 1000.0, -1000.0, np.inf, -np.inf, np.nan])


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x: x / 0,
        lambda lib, x: 1 / x,
        lambda lib, x: x.exp(),
        lambda lib, x: x.log(),
        lambda lib, x: x.sqrt(),
        lambda lib, x: x * 0,
        lambda lib, x: x - x,
        lambda lib, x: x.sigmoid(),
        lambda lib, x: x.tanh(),
        lambda lib, x: x.relu(),
        lambda lib, x: x.abs(),
        lambda lib, x: x.clamp(-1, 1),
        lambda lib, x: lib.maximum(x, lib.zeros(7)),
        lambda lib, x: lib.minimum(lib.zeros(7), x),
        lambda lib, x: x.softmax(0),
        lambda lib, x: x.sum(),
    ],
)
def test_non_finite_values_propagate_silently(fn) -> None:
    """inf and nan flow through values and gradients without NumPy warnings, as in PyTorch."""
    check_op(fn, EDGE)
    check_same(lambda lib: fn(lib, lib.tensor([1.0, 0.0, -1.0, 2.0, 0.0, 0.0, 5.0])))


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x: x**0.5,
        lambda lib, x: x**-1,
        lambda lib, x: x**2,
        lambda lib, x: 2**x,
        lambda lib, x: x % 0,
        lambda lib, x: x.div(0, rounding_mode="trunc"),
    ],
)
def test_non_finite_powers_and_rounding(fn) -> None:
    check_op(fn, EDGE[EDGE != -np.inf])


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_rounded_division(mode: str) -> None:
    check_op(lambda lib, x, y: lib.div(x * 3, y, rounding_mode=mode), (2, 3), (3,))
    a, b = [7, -7, 7, -7, 6, -6, 0, 2**40 + 1], [2, 2, -2, -2, 3, -3, 5, -3]
    check_same(lambda lib: lib.tensor(a).div(lib.tensor(b), rounding_mode=mode))
    check_same(lambda lib: lib.tensor(a, dtype=lib.float64).div(-2.5, rounding_mode=mode))
    check_error(lambda lib: lib.tensor([1]).div(0, rounding_mode=mode), "ZeroDivisionError")


# ---------------------------------------------------------------- step functions
# floor/ceil/round/trunc/sign have a zero gradient in PyTorch (not "no grad"); frac passes it.


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "fix", "sign", "frac"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_step_functions_parity_and_grad(name: str, dtype) -> None:
    x = np.array([-2.5, -1.5, -0.3, 0.0, 0.5, 1.5, 2.7, np.nan], dtype=dtype)
    check_op(lambda lib, t: getattr(lib, name)(t), x, dtype=dtype)
    check_op(lambda lib, t: getattr(t, name)(), x, dtype=dtype)


def test_step_functions_grad_fn_names() -> None:
    check_same(lambda lib: lib.floor(lib.ones(2, requires_grad=True)).grad_fn.name())
    check_same(lambda lib: lib.round(lib.ones(2, requires_grad=True), decimals=1).grad_fn.name())
    check_same(lambda lib: lib.frac(lib.ones(2, requires_grad=True)).grad_fn.name())


def test_round_decimals_parity() -> None:
    x = np.array([0.125, 1.25, -2.35, 10.05])
    check_op(lambda lib, t: lib.round(t, decimals=1), x, dtype=np.float64)


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "sign"])
def test_step_functions_on_integers(name: str) -> None:
    check_same(lambda lib: getattr(lib, name)(lib.tensor([3, -2, 0])))


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc"])
def test_step_functions_reject_bool(name: str) -> None:
    check_error(lambda lib: getattr(lib, name)(lib.tensor([True])), "not implemented for 'Bool'")


def test_frac_rejects_integers() -> None:
    check_error(lambda lib: lib.frac(lib.tensor([1, 2])), "\"frac_cpu\" not implemented for 'Long'")


# ---------------------------------------------------------------- trigonometric, hyperbolic,
# exponential and logarithmic maps and the binary float maps: edges, dtypes, accuracy

# (fn(lib, x), values at and beyond the domain's edges): values and gradients as PyTorch's
DOMAIN_EDGES = [
    ("asin", lambda lib, x: x.asin(), [-1.0, 1.0, 1.5, -2.0, 0.0, np.nan]),
    ("acos", lambda lib, x: x.acos(), [-1.0, 1.0, 1.5, 0.0]),
    ("atan", lambda lib, x: x.atan(), [np.inf, -np.inf, 0.0, 1e30]),
    ("acosh", lambda lib, x: x.acosh(), [1.0, 0.5, -1.0, np.inf]),
    ("asinh", lambda lib, x: x.asinh(), [0.0, 1e30, -np.inf]),
    ("atanh", lambda lib, x: x.atanh(), [1.0, -1.0, 2.0, 0.0]),
    ("sinh cosh", lambda lib, x: x.sinh() + x.cosh(), [0.0, 100.0, -100.0, np.inf]),
    ("tan", lambda lib, x: x.tan(), [0.0, 1.5707963, np.inf]),
    ("sin cos", lambda lib, x: x.sin() * x.cos(), [0.0, np.inf, np.nan]),
    ("log1p", lambda lib, x: x.log1p(), [-1.0, -2.0, 0.0, np.inf]),
    ("log2", lambda lib, x: x.log2(), [0.0, -1.0, np.inf]),
    ("log10", lambda lib, x: x.log10(), [0.0, -1.0, np.inf]),
    ("expm1", lambda lib, x: x.expm1(), [-np.inf, 100.0, 0.0]),
    ("exp2", lambda lib, x: x.exp2(), [-np.inf, 200.0, 0.0]),
    ("erfc", lambda lib, x: x.erfc(), [-np.inf, np.inf, 10.0, 0.0]),
    ("erfinv", lambda lib, x: x.erfinv(), [1.0, -1.0, 1.5, 0.0, -0.999999]),
    ("sgn", lambda lib, x: x.sgn() + x, [0.0, -0.0, np.nan, np.inf, -3.0]),
    ("nan_to_num", lambda lib, x: x.nan_to_num(), [np.nan, np.inf, -np.inf, 1.0]),
    ("clamp_min ties", lambda lib, x: x.clamp_min(1.0), [1.0, 0.0, 2.0, np.nan]),
    ("clamp_max ties", lambda lib, x: x.clamp_max(1.0), [1.0, 0.0, 2.0, np.nan]),
    ("atan2 origin", lambda lib, x: lib.atan2(x, x * 0), [0.0, 1.0, -1.0]),
    ("hypot origin", lambda lib, x: lib.hypot(x, x * 0), [0.0, 1.0, np.inf]),
    ("logaddexp infinities", lambda lib, x: lib.logaddexp(x, x), [np.inf, -np.inf, 0.0]),
    ("xlogy zeros", lambda lib, x: lib.xlogy(x * 0, x), [0.0, -1.0, np.nan, 2.0]),
    ("xlogy zero other", lambda lib, x: lib.xlogy(x, x * 0), [0.0, -1.0, 2.0]),
    ("fmod by zero", lambda lib, x: lib.fmod(x, x * 0), [0.0, 1.0, -2.0]),
    ("lerp ends", lambda lib, x: lib.lerp(x, x * 3 + 1, 1.0) + x.lerp(x * 2, 0.0), [1e30, -1.0]),
]


@pytest.mark.parametrize(
    ("fn", "values"), [r[1:] for r in DOMAIN_EDGES], ids=[r[0] for r in DOMAIN_EDGES]
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_domain_edges(fn, values, dtype) -> None:
    check_op(fn, np.array(values, dtype=dtype), dtype=dtype)


@pytest.mark.parametrize(
    "name",
    "sin cos tan asin acos atan sinh cosh asinh acosh atanh expm1 log1p log2 log10 exp2 erfc "
    "erfinv".split(),
)
def test_float_maps_promote_integers_and_bools(name: str) -> None:
    check_same(lambda lib: getattr(lib, name)(lib.tensor([0, 1, 2, -3])))
    check_same(lambda lib: getattr(lib, name)(lib.tensor(0.3, dtype=lib.float64)))  # 0-d
    check_same(lambda lib: getattr(lib, name)(lib.ones(0, 2)))  # empty
    check_same(lambda lib: getattr(lib, name)(lib.tensor([True, False])))


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.sgn(lib.tensor([3, -4, 0])),
        lambda lib: lib.sgn(lib.tensor([True, False])),
        lambda lib: lib.clamp_min(lib.tensor([3, -4, 0]), 1),
        lambda lib: lib.clamp_max(lib.tensor([3, -4, 0]), 1.5),
        lambda lib: lib.nan_to_num(lib.tensor([3, -4])),
        lambda lib: lib.nan_to_num(lib.tensor([np.nan, np.inf, -np.inf], dtype=lib.float64)),
        lambda lib: lib.nan_to_num(lib.tensor([np.nan, np.inf]), nan=1.5, posinf=9.0),
        lambda lib: lib.atan2(lib.tensor([3, 4]), lib.tensor([2, -2])),
        lambda lib: lib.xlogy(lib.tensor([3, 0]), lib.tensor([2, 0])),
        lambda lib: lib.xlogy(lib.tensor([1.0, 0.0, 0.0]), lib.tensor([np.nan, np.nan, 0.0])),
        lambda lib: lib.fmod(lib.tensor([5, -5, 7]), 3),
        lambda lib: lib.fmod(lib.tensor([5, -5, 7]), lib.tensor([-3, 3, 2])),
        lambda lib: lib.fmod(lib.tensor([5.5, -5.5]), 2),
        lambda lib: lib.atan2(lib.ones(2), lib.ones(2, dtype=lib.float64)),
        lambda lib: lib.hypot(lib.tensor([3.0]), lib.tensor([4.0], dtype=lib.float64)),
        lambda lib: lib.erfinv(lib.tensor([0.5, -0.999, 1e-10], dtype=lib.float64)),
    ],
)
def test_new_pointwise_values_and_dtypes(make) -> None:
    check_same(make)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib: lib.hypot(lib.tensor([3]), lib.tensor([4])),
        lambda lib: lib.logaddexp(lib.tensor([3]), lib.tensor([4])),
        lambda lib: lib.lerp(lib.tensor([1]), lib.tensor([3]), 0.5),
        lambda lib: lib.lerp(lib.ones(2), lib.ones(2, dtype=lib.float64), 0.5),
        lambda lib: lib.fmod(lib.tensor([1]), 0),
        lambda lib: lib.atan2(lib.ones(2), 1.0),
        lambda lib: lib.sin([1.0]),
    ],
)
def test_new_pointwise_errors(fn) -> None:
    check_error(fn, ".")


def test_erfinv_is_accurate_to_float64_rounding() -> None:
    """erfinv(erf(x)) recovers x where that is well-conditioned, and near +-1 (where erf
    flattens) erfc(erfinv(y)) recovers 1 - y: the residual is measured in the stable form."""
    x = np.linspace(-2.5, 2.5, 2001)
    y = np.array([math.erf(v) for v in x])
    inv = numtorch.erfinv(numtorch.tensor(y, dtype=numtorch.float64)).numpy()
    np.testing.assert_allclose(inv, x, rtol=1e-12, atol=1e-15)
    tail = 1 - np.logspace(-16, -1, 60)
    inv = numtorch.erfinv(numtorch.tensor(tail, dtype=numtorch.float64)).numpy()
    back = np.array([math.erfc(v) for v in inv])
    np.testing.assert_allclose(back, 1 - tail, rtol=1e-13)
    check_same(lambda lib: lib.erfinv(lib.tensor(tail, dtype=lib.float64)), rtol=1e-14, atol=0)


def test_sgn_node_keeps_input_and_result_with_a_zero_gradient() -> None:
    """``sgn``'s root node is ``SgnBackward0``; a change to its input or its result is refused
    (PyTorch keeps both), and its gradient is zero."""
    check_same(lambda lib: lib.sgn(lib.ones(2, requires_grad=True)).grad_fn.name())
    for lib in (numtorch,):
        for change_result in (False, True):
            x = lib.tensor([0.5, -1.0], requires_grad=True)
            out = x.sgn()
            with lib.no_grad():
                (out if change_result else x).add_(1.0)
            with pytest.raises(RuntimeError, match="modified by an inplace operation"):
                out.sum().backward()
    x = numtorch.tensor([0.5, -1.0, 0.0], requires_grad=True)
    x.sgn().sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("exponent", [3, -2, -0.5, 3.0])
def test_pow_by_a_constant_3_minus_2_and_minus_half_is_pytorch_s_bit_for_bit(dtype, exponent):
    """PyTorch computes these constant exponents as ``x*x*x``, ``1/(x*x)`` and ``1/sqrt(x)``
    (not C's pow): the same bits, infinities, signed zeros and NaN included, and the
    gradient (which raises ``x`` to ``exponent - 1``) too."""
    x = np.random.default_rng(0).standard_normal(1000).astype(dtype) * 3
    x[:8] = [-np.inf, -2.0, -0.0, 0.0, 1e-30, 2.5, np.inf, np.nan]
    results = []
    for lib in (numtorch, torch):
        t = lib.tensor(x, requires_grad=True)
        y = lib.pow(t, exponent)
        y.backward(lib.ones(x.shape, dtype=y.dtype))
        results.append((y.detach().numpy(), t.grad.numpy()))
    (ours, our_grad), (theirs, their_grad) = results
    assert ours.tobytes() == theirs.tobytes()
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-6, equal_nan=True)
