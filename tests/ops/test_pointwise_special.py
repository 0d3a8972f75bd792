"""Special functions and the newer pointwise maps: values and gradients against PyTorch,
float64 gradcheck, accuracy sweeps over wide ranges (poles and negatives included), node
names, dtypes, the in-place forms declared by hand, and PyTorch's errors."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from helpers import assert_close, check_error, check_gradcheck, check_op, check_same

import numtorch

POS = np.array([[0.3, 1.7, 4.5], [2.2, 0.8, 9.0]])  # gamma family, igamma
PROB = np.array([[0.1, 0.35, 0.5], [0.62, 0.8, 0.97]])  # logit
NEG = np.array([[-2.5, -0.7, -1.3], [-3.6, 0.4, 2.5]])  # the reflection branches
TIES = np.array([[0.5, 1.5, -2.0], [-2.0, 1.5, 0.5]])  # equal where mirrored: nextafter
EXPO = np.array([[1, 4, 0], [3, 2, 1]])


# (id, fn(lib, *inputs), *input specs): each gets a parity check (values and gradients) and a
# float64 gradcheck
CASES = [
    ("lgamma", lambda lib, x: lib.lgamma(x), POS),
    ("lgamma negative", lambda lib, x: x.lgamma(), NEG),
    ("digamma", lambda lib, x: lib.digamma(x), POS),
    ("digamma negative", lambda lib, x: x.digamma(), NEG),
    ("polygamma 1", lambda lib, x: lib.polygamma(1, x), POS),
    ("polygamma 2", lambda lib, x: x.polygamma(2), POS),
    ("polygamma 3 negative", lambda lib, x: lib.polygamma(3, x), NEG),
    ("polygamma 0", lambda lib, x: lib.polygamma(0, x), POS),
    ("mvlgamma 1", lambda lib, x: lib.mvlgamma(x, 1), POS),
    ("mvlgamma 3", lambda lib, x: x.mvlgamma(p=3), POS + 1.5),
    ("i0", lambda lib, x: lib.i0(x * 4), (2, 3)),
    ("i0 large", lambda lib, x: x.i0(), NEG * 5),
    (
        "igamma other",
        lambda lib, x: lib.igamma(lib.tensor(POS, dtype=x.dtype), x),
        POS[::-1].copy(),
    ),
    ("igammac other", lambda lib, x: lib.tensor(POS[::-1].copy(), dtype=x.dtype).igammac(x), POS),
    ("sinc", lambda lib, x: lib.sinc(x), (2, 3)),
    ("sinc zero", lambda lib, x: (x * 0).sinc() + x.sinc(), (3,)),
    ("logit", lambda lib, x: lib.logit(x), PROB),
    ("logit eps", lambda lib, x: x.logit(eps=0.3), PROB),
    ("deg2rad", lambda lib, x: lib.deg2rad(x), (2, 3)),
    ("rad2deg", lambda lib, x: x.rad2deg(), (2, 3)),
    ("angle", lambda lib, x: lib.angle(x) + x, (2, 3)),
    ("copysign", lambda lib, x, y: lib.copysign(x, y), (2, 3), (3,)),
    ("copysign number", lambda lib, x: x.copysign(-1.0), (2, 3)),
    ("fmax", lambda lib, x, y: lib.fmax(x, y), (2, 3), (2, 3)),
    ("fmin broadcast", lambda lib, x, y: x.fmin(y), (2, 3), (3,)),
    ("ldexp", lambda lib, x, e: lib.ldexp(x, e), (2, 3), EXPO),
    ("ldexp float exponent", lambda lib, x, e: x.ldexp(e), (2, 3), (2, 3)),
    ("logaddexp2", lambda lib, x, y: lib.logaddexp2(x, y), (2, 3), (3,)),
    ("nextafter", lambda lib, x, y: lib.nextafter(x, y), (2, 3), (2, 3)),
    ("frexp", lambda lib, x: lib.frexp(x * 10)[0], (2, 3)),
    ("hardshrink", lambda lib, x: lib.hardshrink(x), (3, 4)),
    ("hardshrink lambd", lambda lib, x: x.hardshrink(1.0), (3, 4)),
    ("threshold", lambda lib, x: lib.threshold(x, 0.1, -2.0), (3, 4)),
    ("float_power", lambda lib, x: lib.float_power(x.abs() + 0.5, 2.5), (2, 3)),
    ("float_power tensor", lambda lib, x, y: (x.abs() + 0.5).float_power(y), (2, 3), (3,)),
    ("float_power number base", lambda lib, x: lib.float_power(2, x), (2, 3)),
    ("positive", lambda lib, x: lib.positive(x) * 2, (2, 3)),
    ("real", lambda lib, x: lib.real(x) * 2 + x.real, (2, 3)),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_pytorch(case) -> None:
    _, fn, *specs = case
    check_op(fn, *specs, atol=1e-5)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_gradcheck(case) -> None:
    _, fn, *specs = case
    if case[0].startswith("frexp"):  # piecewise linear: keep away from powers of 2
        specs = [np.array([[0.3, -1.3, 2.6], [5.5, -0.7, 3.3]])]
    check_gradcheck(fn, *specs)


NODES = [
    ("lgamma", lambda lib, x: x.lgamma()),
    ("digamma", lambda lib, x: x.digamma()),
    ("polygamma", lambda lib, x: lib.polygamma(2, x)),
    ("polygamma 0", lambda lib, x: lib.polygamma(0, x)),
    ("mvlgamma", lambda lib, x: lib.mvlgamma(x, 2)),
    ("i0", lambda lib, x: x.i0()),
    ("igamma", lambda lib, x: lib.igamma(x, x)),
    ("igammac", lambda lib, x: lib.igammac(x, x)),
    ("sinc", lambda lib, x: x.sinc()),
    ("logit", lambda lib, x: x.logit()),
    ("deg2rad", lambda lib, x: x.deg2rad()),
    ("rad2deg", lambda lib, x: x.rad2deg()),
    ("angle", lambda lib, x: x.angle()),
    ("copysign", lambda lib, x: x.copysign(x)),
    ("copysign number", lambda lib, x: x.copysign(2.0)),
    ("fmax", lambda lib, x: x.fmax(x)),
    ("fmin", lambda lib, x: x.fmin(x)),
    ("ldexp", lambda lib, x: x.ldexp(x)),
    ("logaddexp2", lambda lib, x: x.logaddexp2(x)),
    ("nextafter", lambda lib, x: x.nextafter(x)),
    ("frexp", lambda lib, x: x.frexp()[0]),
    ("hardshrink", lambda lib, x: x.hardshrink()),
    ("threshold", lambda lib, x: lib.threshold(x, 0.5, 0.0)),
    ("threshold_", lambda lib, x: lib.threshold_(x * 1, 0.5, 0.0)),
    ("float_power", lambda lib, x: x.float_power(2)),
    ("float_power tensor", lambda lib, x: x.float_power(x)),
    ("float_power number", lambda lib, x: lib.float_power(2, x)),
    ("floor_divide", lambda lib, x: x.floor_divide(0.3)),
    ("heaviside", lambda lib, x: x.heaviside(x)),
]


@pytest.mark.parametrize("case", NODES, ids=[c[0] for c in NODES])
def test_node_names_are_pytorchs(case) -> None:
    _, fn = case
    names = []
    for lib in (torch, numtorch):
        x = lib.tensor([0.3, 1.5, 2.0], requires_grad=True)
        names.append(fn(lib, x).grad_fn.name())
    assert names[1] == names[0]


# ---------------------------------------------------------------- accuracy sweeps

_RNG = np.random.default_rng(7)
_WIDE = np.concatenate([
    _RNG.uniform(-30, 30, 400), _RNG.uniform(-3, 3, 400), _RNG.uniform(0, 1e-3, 50),
    np.arange(-6.0, 7.0), np.arange(-6.0, 7.0) + 0.5,
    [0.0, -0.0, 1e-30, -1e-30, np.inf, -np.inf, np.nan, 1e17, 1e20, 150.0, 700.0],
])  # fmt: skip
_POLES = np.concatenate([_RNG.uniform(0.01, 30, 400), np.arange(1.0, 7.0), [0.0, np.inf, np.nan]])

SWEEPS = [
    ("lgamma", lambda lib, x: lib.lgamma(x), _WIDE),
    ("digamma", lambda lib, x: lib.digamma(x), _WIDE),
    ("polygamma 1", lambda lib, x: lib.polygamma(1, x), _WIDE),
    ("polygamma 2", lambda lib, x: lib.polygamma(2, x), _WIDE),
    ("polygamma 3", lambda lib, x: lib.polygamma(3, x), _WIDE),
    ("polygamma 4", lambda lib, x: lib.polygamma(4, x), _WIDE),
    ("i0", lambda lib, x: lib.i0(x), _WIDE),
    ("mvlgamma", lambda lib, x: lib.mvlgamma(x, 4), _WIDE),
    ("sinc", lambda lib, x: lib.sinc(x), _WIDE),
    ("logit", lambda lib, x: lib.logit(x), _WIDE / 30),
    ("angle", lambda lib, x: lib.angle(x), _WIDE),
    ("deg2rad", lambda lib, x: lib.deg2rad(x), _WIDE),
]


@pytest.mark.parametrize("case", SWEEPS, ids=[c[0] for c in SWEEPS])
def test_float64_accuracy_over_a_wide_range(case) -> None:
    _, fn, values = case
    out = fn(numtorch, numtorch.tensor(values))
    expected = fn(torch, torch.tensor(values))
    assert_close(out, expected, 1e-10, 1e-12, case[0])


@pytest.mark.parametrize("case", SWEEPS, ids=[c[0] for c in SWEEPS])
def test_float32_accuracy_away_from_poles(case) -> None:
    """float32 (computed in float64 here, in float32 by PyTorch) to float32 rounding; at the
    poles PyTorch's float32 arithmetic gives finite garbage, so those are left to float64."""
    name, fn, _ = case
    values = (_POLES / 30 if name == "logit" else _POLES).astype(np.float32)
    out = fn(numtorch, numtorch.tensor(values))
    expected = fn(torch, torch.tensor(values))
    assert_close(out, expected, 2e-5, 1e-5, name)


def test_incomplete_gamma_accuracy() -> None:
    """igamma/igammac over ``a`` in (0, 60) and (0, 600), ``x`` around it, with their domain
    edges; the uniform asymptotic expansion PyTorch uses for large ``a`` near ``x`` included."""
    rng = np.random.default_rng(3)
    edges_a = [0.0, 0.0, 1.0, np.inf, 2.0, -1.0, np.nan, 3.0, np.inf, 1.0, 250.0, 30.0]
    edges_x = [0.0, 1.0, 0.0, 1.0, np.inf, 1.0, 1.0, -1.0, np.inf, 1e-300, 250.0, 31.0]
    a = np.concatenate(
        [rng.uniform(0, 60, 600), rng.uniform(0, 2, 200), rng.uniform(0, 600, 200), edges_a]
    )
    x = np.concatenate(
        [rng.uniform(0, 80, 600), rng.uniform(0, 2, 200), rng.uniform(0, 700, 200), edges_x]
    )
    for name in ("igamma", "igammac"):
        out = getattr(numtorch, name)(numtorch.tensor(a), numtorch.tensor(x))
        expected = getattr(torch, name)(torch.tensor(a), torch.tensor(x))
        assert_close(out, expected, 1e-10, 1e-300, name)
        out32 = getattr(numtorch, name)(numtorch.tensor(a[:800], dtype=numtorch.float32),
                                        numtorch.tensor(x[:800], dtype=numtorch.float32))  # fmt: skip
        expected32 = getattr(torch, name)(torch.tensor(a[:800], dtype=torch.float32),
                                          torch.tensor(x[:800], dtype=torch.float32))  # fmt: skip
        assert_close(out32, expected32, 1e-4, 1e-6, name)


# ---------------------------------------------------------------- values, dtypes, integers

VALUES = [
    ("lgamma int", lambda lib: lib.lgamma(lib.tensor([1, 2, 5, 0, -3]))),
    ("digamma bool", lambda lib: lib.tensor([True, False]).digamma()),
    ("i0 int", lambda lib: lib.i0(lib.tensor([-3, 0, 4]))),
    ("polygamma int", lambda lib: lib.polygamma(2, lib.tensor([1, 2, 3]))),
    ("mvlgamma int", lambda lib: lib.mvlgamma(lib.tensor([3, 4]), 2)),
    ("sinc int", lambda lib: lib.sinc(lib.tensor([-1, 0, 2]))),
    ("logit int", lambda lib: lib.logit(lib.tensor([0, 1]))),
    ("deg2rad int", lambda lib: lib.deg2rad(lib.tensor([90, -180]))),
    ("rad2deg bool", lambda lib: lib.rad2deg(lib.tensor([True, False]))),
    ("angle int", lambda lib: lib.angle(lib.tensor([-3, 0, 4]))),
    ("angle nan", lambda lib: lib.angle(lib.tensor([float("nan"), -0.0, -2.0]))),
    ("copysign ints", lambda lib: lib.copysign(lib.tensor([3, 0, 4]), lib.tensor([-1, 1, -2]))),
    ("copysign float64", lambda lib: lib.copysign(lib.tensor([1]), lib.tensor([-1.0], dtype=lib.float64))),
    ("copysign -0", lambda lib: lib.copysign(lib.tensor([1.0, 2.0]), lib.tensor([-0.0, 0.0]))),
    ("fmax nan", lambda lib: lib.fmax(lib.tensor([float("nan"), 1.0, float("nan")]), lib.tensor([2.0, float("nan"), float("nan")]))),
    ("fmin ints", lambda lib: lib.fmin(lib.tensor([1, 5]), lib.tensor([3, 2]))),
    ("fmax mixed", lambda lib: lib.fmax(lib.tensor([1, 5]), lib.tensor([3.5, 2.0]))),
    ("ldexp ints", lambda lib: lib.ldexp(lib.tensor([3, -1]), lib.tensor([2, 3]))),
    ("logaddexp2 float64", lambda lib: lib.logaddexp2(lib.tensor([1.0, -3.0]), lib.tensor(2.0, dtype=lib.float64))),
    ("nextafter", lambda lib: lib.nextafter(lib.tensor([1.0, 0.0, -1.0]), lib.tensor([2.0, -1.0, -1.0]))),
    ("nextafter float64", lambda lib: lib.nextafter(lib.tensor([1.0], dtype=lib.float64), lib.tensor([2.0], dtype=lib.float64))),
    ("frexp", lambda lib: lib.frexp(lib.tensor([0.0, float("inf"), float("nan"), -3.0, 1024.0]))),
    ("frexp float64", lambda lib: lib.tensor([0.1, -7.5], dtype=lib.float64).frexp()),
    ("gcd", lambda lib: lib.gcd(lib.tensor([-4, 6, 0, 9]), lib.tensor([6, -9, 5, 0]))),
    ("lcm", lambda lib: lib.tensor([-4, 6, 0, 9]).lcm(lib.tensor([6, -9, 5, 3]))),
    ("gcd promotes", lambda lib: lib.gcd(lib.tensor([4], dtype=lib.int8), lib.tensor([6]))),
    ("heaviside", lambda lib: lib.heaviside(lib.tensor([-1.5, 0.0, 2.0]), lib.tensor([0.5]))),
    ("heaviside ints", lambda lib: lib.tensor([-1, 0, 2]).heaviside(lib.tensor([7, 8, 9]))),
    ("heaviside bool", lambda lib: lib.heaviside(lib.tensor([True, False]), lib.tensor([True]))),
    ("floor_divide", lambda lib: lib.floor_divide(lib.tensor([-3.5, 2.0, 7.0]), 2)),
    ("floor_divide ints", lambda lib: lib.tensor([-7, 7, 5]).floor_divide(lib.tensor([2, -2, 5]))),
    ("floor_divide number", lambda lib: lib.floor_divide(5, lib.tensor([2, -3]))),
    ("floor_divide mixed", lambda lib: lib.floor_divide(lib.tensor([5]), lib.tensor([-2.0]))),
    ("float_power ints", lambda lib: lib.float_power(lib.tensor([2, 3], dtype=lib.int32), lib.tensor([2, -1]))),
    ("float_power float32", lambda lib: lib.tensor([1.5, 2.0]).float_power(0.5)),
    ("hardshrink", lambda lib: lib.hardshrink(lib.tensor([-0.5, -0.2, 0.5, 0.7]))),
    ("threshold int", lambda lib: lib.threshold(lib.tensor([-1, 0, 4]), 0, 5)),
    ("threshold tensor bound", lambda lib: lib.threshold(lib.tensor([0.5, 1.5]), lib.tensor(1.0), 0.0)),
    ("igamma broadcast", lambda lib: lib.igamma(lib.tensor([[1.0], [2.5]]), lib.tensor([0.5, 3.0]))),
    ("igammac float64", lambda lib: lib.igammac(lib.tensor([1.0, 4.0], dtype=lib.float64), lib.tensor([0.5, 3.0]))),
]  # fmt: skip


@pytest.mark.parametrize("case", VALUES, ids=[c[0] for c in VALUES])
def test_values_and_dtypes_match_pytorch(case) -> None:
    check_same(case[1], rtol=1e-6, atol=1e-7)


def _frexp_into(lib, dtype: str):
    return lib.frexp(lib.ones(2), out=(lib.empty(2), lib.empty(2, dtype=getattr(lib, dtype))))


def test_nextafter_gradient_is_zero_where_the_operands_tie() -> None:
    """PyTorch's ``input`` gradient is 0 where ``input == other`` (a numerical gradcheck would
    see 1 there, so this is a parity check only)."""
    check_op(lambda lib, x, y: lib.nextafter(x, y), TIES, TIES[::-1].copy())


def test_frexp_writes_into_a_pair_of_out_tensors() -> None:
    def fn(lib):
        out = (lib.empty(3), lib.empty(3, dtype=lib.int32))
        result = lib.frexp(lib.tensor([1.5, -3.0, 0.1]), out=out)
        assert result[0] is out[0] and result[1] is out[1]
        return result

    check_same(fn)
    for dtype, c_name in (("float32", "float"), ("float64", "double"), ("int64", "long int")):
        check_error(
            functools.partial(_frexp_into, dtype=dtype),
            f"torch.frexp\\(\\) expects exponent to have int dtype but got {c_name}$",
        )
    check_error(
        lambda lib: lib.frexp(lib.ones(2), out=lib.empty(2)),
        "frexp\\(\\): argument 'out' must be tuple of Tensors, not Tensor",
    )


def test_ldexp_gradient_for_negative_integer_exponents_is_pytorchs() -> None:
    """PyTorch scales ``input``'s gradient by ``2**other`` computed in integers for an integer
    exponent: 0 where it is negative (its own gradcheck fails there; numtorch follows it)."""
    check_op(lambda lib, x, e: lib.ldexp(x, e), (2, 3), np.array([[1, -2, 0], [3, 2, -1]]))


def test_frexp_is_a_named_pair_and_positive_and_real_are_the_tensor_itself() -> None:
    x = numtorch.tensor([1.5, -3.0])
    pair = numtorch.frexp(x)
    assert pair._fields == ("mantissa", "exponent")
    assert pair.exponent.dtype is numtorch.int32
    assert numtorch.positive(x) is x and x.positive() is x
    assert numtorch.real(x) is x and x.real is x


# ---------------------------------------------------------------- no derivative


@pytest.mark.parametrize(
    ("fn", "exc", "match"),
    [
        (lambda lib, x: lib.floor_divide(x, 0.7), RuntimeError, "derivative for aten::floor_divide is not implemented"),
        (lambda lib, x: x.floor_divide(x), RuntimeError, "derivative for aten::floor_divide is not implemented"),
        (lambda lib, x: lib.heaviside(x, x), RuntimeError, "derivative for aten::heaviside is not implemented"),
        (lambda lib, x: lib.igamma(x, x), NotImplementedError, "the derivative for 'igamma: input' is not implemented."),
        (lambda lib, x: x.igammac(x.detach()), NotImplementedError, "the derivative for 'igammac: input' is not implemented."),
    ],
)  # fmt: skip
def test_ops_without_a_derivative_raise_pytorchs_error_in_backward(fn, exc, match) -> None:
    for lib in (torch, numtorch):
        x = lib.tensor([0.5, 1.5, 2.0], requires_grad=True)
        y = fn(lib, x)
        with pytest.raises(exc, match=match):
            y.sum().backward()


# ---------------------------------------------------------------- in-place forms


INPLACE = [
    ("polygamma_", lambda y: y.polygamma_(1), True),
    ("mvlgamma_", lambda y: y.mvlgamma_(1), True),
    ("igamma_", lambda y: y.igamma_(y.detach() + 1), False),
    ("igammac_", lambda y: y.igammac_(y.detach() * 2), False),
    ("floor_divide_", lambda y: y.floor_divide_(0.3), False),
    ("heaviside_", lambda y: y.heaviside_(y.detach() - 1), False),
]


@pytest.mark.parametrize(("name", "fn", "differentiable"), INPLACE, ids=[c[0] for c in INPLACE])
def test_hand_declared_inplace_methods_match_pytorch(name, fn, differentiable) -> None:
    results = []
    for lib in (torch, numtorch):
        x = lib.tensor([0.75, 1.25, 1.9], requires_grad=True)
        y = x * 1
        assert fn(y) is y
        if differentiable:
            y.backward(lib.tensor([1.0, -2.0, 0.5]))
            results.append((y.detach(), x.grad))
        else:
            results.append((y.detach(), y.grad_fn.name()))
    (ty, tg), (ny, ng) = results
    assert_close(ny, ty, 1e-6, 1e-6, name)
    if differentiable:
        assert_close(ng, tg, 1e-5, 1e-6, f"{name} gradient")
    else:
        assert ng == tg


TORCH_INPLACE = [
    ("abs_", lambda lib, y: lib.abs_(y), [-0.75, 1.25, -1.9]),
    ("asinh_", lambda lib, y: lib.asinh_(y), [-0.75, 1.25, 1.9]),
    ("arcsinh_", lambda lib, y: lib.arcsinh_(y), [-0.75, 1.25, 1.9]),
    ("acosh_", lambda lib, y: lib.acosh_(y), [1.75, 1.25, 1.9]),
    ("arccosh_", lambda lib, y: lib.arccosh_(y), [1.75, 1.25, 1.9]),
    ("atanh_", lambda lib, y: lib.atanh_(y), [-0.75, 0.25, 0.9]),
    ("arctanh_", lambda lib, y: lib.arctanh_(y), [-0.75, 0.25, 0.9]),
    ("gcd_", lambda lib, y: lib.gcd_(y, lib.tensor([4, 6, 9])), [6, -4, 0]),
    ("lcm_", lambda lib, y: lib.lcm_(y, lib.tensor([4, 6, 9])), [6, -4, 0]),
    ("Tensor.gcd_", lambda lib, y: y.gcd_(lib.tensor([4, 6, 9])), [6, -4, 0]),
    ("Tensor.lcm_", lambda lib, y: y.lcm_(lib.tensor([4, 6, 9])), [6, -4, 0]),
    ("threshold_", lambda lib, y: lib.threshold_(y, 1.0, -1.0), [0.75, 1.25, 1.9]),
    ("float_power_", lambda lib, y: y.to(lib.float64).float_power_(2), [0.75, 1.25, 1.9]),
    ("float_power_ tensor", lambda lib, y: y.to(lib.float64).float_power_(y), [0.75, 1.25, 1.9]),
    ("heaviside_ bool", lambda lib, y: (y > 1).heaviside_(lib.tensor([True])), [0.75, 1.25, 1.9]),
    ("floor_divide_ int", lambda lib, y: y.floor_divide_(lib.tensor([2, 2, -2])), [5, -5, 7]),
]


@pytest.mark.parametrize(("name", "fn", "values"), TORCH_INPLACE, ids=[c[0] for c in TORCH_INPLACE])
def test_inplace_functions_write_into_their_input(name, fn, values) -> None:
    results = []
    for lib in (torch, numtorch):
        y = lib.tensor(values)
        out = fn(lib, y)
        if not name.startswith(("float_power_", "heaviside_")):
            assert out is y
        results.append(out)
    assert_close(results[1], results[0], 1e-6, 1e-6, name)


def test_threshold_inplace_keeps_history_with_pytorchs_node() -> None:
    grads = []
    for lib in (torch, numtorch):
        x = lib.tensor([0.5, 1.5, -2.0], requires_grad=True)
        y = lib.threshold_(x * 2, 1.0, 7.0)
        assert y.grad_fn.name() == "ThresholdBackward1"
        y.backward(lib.tensor([1.0, 2.0, 3.0]))
        grads.append(x.grad)
    assert_close(grads[1], grads[0], 1e-6, 1e-6, "threshold_ gradient")


# ---------------------------------------------------------------- errors

X = lambda lib: lib.tensor([0.5, 1.5])  # noqa: E731
I = lambda lib: lib.tensor([2, 3])  # noqa: E731

ERRORS = [
    ("polygamma negative", lambda lib: lib.polygamma(-1, X(lib)), "does not support negative n"),
    ("polygamma float n", lambda lib: lib.polygamma(1.5, X(lib)), r"argument 'n' \(position 1\) must be int, not float"),
    ("polygamma bool n", lambda lib: lib.polygamma(True, X(lib)), "must be int, not bool"),
    ("polygamma not tensor", lambda lib: lib.polygamma(1, 2.0), r"argument 'input' \(position 2\) must be Tensor"),
    ("mvlgamma p", lambda lib: lib.mvlgamma(X(lib), 0), "p has to be greater than or equal to 1"),
    ("lgamma not tensor", lambda lib: lib.lgamma(2.0), r"lgamma\(\): argument 'input' \(position 1\) must be Tensor, not float"),
    ("igamma ints", lambda lib: lib.igamma(I(lib), I(lib)), "\"igamma_cpu\" not implemented for 'Long'"),
    ("igammac number", lambda lib: lib.igammac(X(lib), 2.0), r"argument 'other' \(position 2\) must be Tensor, not float"),
    ("fmax number", lambda lib: lib.fmax(X(lib), 1.0), r"fmax\(\): argument 'other' \(position 2\) must be Tensor"),
    ("fmin shapes", lambda lib: lib.fmin(X(lib), lib.ones(3)), "must match the size"),
    ("ldexp number", lambda lib: lib.ldexp(X(lib), 2), r"argument 'other' \(position 2\) must be Tensor, not int"),
    ("logaddexp2 ints", lambda lib: lib.logaddexp2(I(lib), I(lib)), "\"logaddexp2_cpu\" not implemented for 'Long'"),
    ("nextafter ints", lambda lib: lib.nextafter(I(lib), I(lib)), "\"nextafter_cpu\" not implemented for 'Long'"),
    ("gcd floats", lambda lib: lib.gcd(X(lib), X(lib)), "\"gcd_cpu\" not implemented for 'Float'"),
    ("lcm bools", lambda lib: lib.lcm(I(lib) > 2, I(lib) > 2), "\"lcm_cpu\" not implemented for 'Bool'"),
    ("gcd number", lambda lib: lib.gcd(I(lib), 2), r"argument 'other' \(position 2\) must be Tensor, not int"),
    ("heaviside dtypes", lambda lib: lib.heaviside(X(lib), I(lib)), "heaviside is not yet implemented for tensors with different dtypes"),
    ("heaviside number", lambda lib: lib.heaviside(X(lib), 0.5), r"argument 'values' \(position 2\) must be Tensor, not float"),
    ("floor_divide zero", lambda lib: lib.floor_divide(I(lib), 0), "ZeroDivisionError"),
    ("float_power numbers", lambda lib: lib.float_power(2, 3), r"float_power\(\) received an invalid combination of arguments - got \(int, int\)"),
    ("float_power_ float32", lambda lib: X(lib).float_power_(2), "the base given to float_power_ has dtype Float but the operation's result requires dtype Double"),
    ("frexp ints", lambda lib: lib.frexp(I(lib)), r"torch.frexp\(\) only supports floating-point dtypes"),
    ("frexp not tensor", lambda lib: lib.frexp(1.0), r"frexp\(\): argument 'input' \(position 1\) must be Tensor"),
    ("hardshrink ints", lambda lib: lib.hardshrink(I(lib)), "\"hardshrink_cpu\" not implemented for 'Long'"),
    ("positive bool", lambda lib: lib.positive(I(lib) > 2), r"The `\+` operator, on a bool tensor is not supported."),
    ("positive not tensor", lambda lib: lib.positive(1), r"positive\(\): argument 'input' \(position 1\) must be Tensor, not int"),
    ("real not tensor", lambda lib: lib.real(1), r"real\(\): argument 'input' \(position 1\) must be Tensor, not int"),
    ("lgamma_ int", lambda lib: I(lib).lgamma_(), "result type Float can't be cast to the desired output type Long"),
    ("deg2rad_ int", lambda lib: lib.deg2rad_(I(lib)), "result type Float can't be cast to the desired output type Long"),
    ("i0_ leaf", lambda lib: lib.i0_(lib.ones(2, requires_grad=True)), "a leaf Variable that requires grad"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "fn", "match"), ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_match_pytorch(name, fn, match) -> None:
    check_error(fn, match)


# ---------------------------------------------------------------- complex views of real tensors


@pytest.mark.parametrize("name", ["conj", "conj_physical", "resolve_conj", "resolve_neg"])
def test_conjugation_of_a_real_tensor_is_the_tensor_itself(name: str) -> None:
    for lib in (torch, numtorch):
        x = lib.tensor([1.0, -2.0], requires_grad=True)
        assert getattr(lib, name)(x) is x and getattr(x, name)() is x
    for lib in (torch, numtorch):
        y = lib.tensor([1, 2])
        assert lib.conj_physical_(y) is y and y.conj_physical_() is y


def test_imag_of_a_real_tensor_is_refused() -> None:
    match = "imag is not implemented for tensors with non-complex dtypes."
    check_error(lambda lib: lib.imag(lib.ones(2)), match)
    check_error(lambda lib: lib.ones(2).imag, match)
    check_error(
        lambda lib: lib.conj(1), r"conj\(\): argument 'input' \(position 1\) must be Tensor"
    )
