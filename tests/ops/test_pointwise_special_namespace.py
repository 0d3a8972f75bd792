"""``torch.special`` (``numtorch.special``): values and gradients against PyTorch, float64
gradcheck, accuracy sweeps, node names, ``out=`` and errors."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from helpers import (
    assert_close,
    check_error,
    check_gradcheck,
    check_op,
    check_same,
    check_saved_versions,
)

import numtorch
import numtorch.special

POS = np.array([[0.3, 1.7, 4.5], [2.2, 0.8, 9.0]])
PROB = np.array([[0.01, 0.35, 0.5], [0.62, 0.8, 0.999]])

CASES = [
    ("expit", lambda lib, x: lib.special.expit(x), (2, 3)),
    ("logit", lambda lib, x: lib.special.logit(x, eps=0.05), PROB),
    ("psi", lambda lib, x: lib.special.psi(x), POS),
    ("digamma", lambda lib, x: lib.special.digamma(x), POS),
    ("gammaln", lambda lib, x: lib.special.gammaln(x), POS),
    ("polygamma", lambda lib, x: lib.special.polygamma(2, x), POS),
    ("multigammaln", lambda lib, x: lib.special.multigammaln(x + 2, 3), POS),
    ("i0", lambda lib, x: lib.special.i0(x * 3), (2, 3)),
    ("i1", lambda lib, x: lib.special.i1(x * 3), (2, 3)),
    ("i1 large", lambda lib, x: lib.special.i1(x * 6), (2, 3)),
    ("i0e", lambda lib, x: lib.special.i0e(x * 6), (2, 3)),
    ("i1e", lambda lib, x: lib.special.i1e(x * 6), (2, 3)),
    ("entr", lambda lib, x: lib.special.entr(x), POS),
    ("erf", lambda lib, x: lib.special.erf(x), (2, 3)),
    ("erfc", lambda lib, x: lib.special.erfc(x), (2, 3)),
    ("erfcx", lambda lib, x: lib.special.erfcx(x * 3), (2, 3)),
    ("erfinv", lambda lib, x: lib.special.erfinv(x * 2 - 1), PROB),
    ("exp2", lambda lib, x: lib.special.exp2(x), (2, 3)),
    ("expm1", lambda lib, x: lib.special.expm1(x), (2, 3)),
    ("log1p", lambda lib, x: lib.special.log1p(x), POS),
    ("ndtr", lambda lib, x: lib.special.ndtr(x * 2), (2, 3)),
    ("log_ndtr", lambda lib, x: lib.special.log_ndtr(x * 4), (2, 3)),
    ("ndtri", lambda lib, x: lib.special.ndtri(x), PROB),
    ("sinc", lambda lib, x: lib.special.sinc(x), (2, 3)),
    ("xlogy", lambda lib, x, y: lib.special.xlogy(x, y), (2, 3), POS),
    ("xlog1py", lambda lib, x, y: lib.special.xlog1py(x, y), (2, 3), POS),
    ("xlog1py number first", lambda lib, y: lib.special.xlog1py(2.0, y), POS),
    ("xlog1py number second", lambda lib, x: lib.special.xlog1py(x, 2.0), (2, 3)),
    ("zeta", lambda lib, q: lib.special.zeta(lib.tensor(POS + 1.5, dtype=q.dtype), q), POS),
    ("zeta number", lambda lib, q: lib.special.zeta(3.0, q), POS),
    ("gammainc", lambda lib, x: lib.special.gammainc(lib.tensor(POS, dtype=x.dtype), x), POS),
    ("gammaincc", lambda lib, x: lib.special.gammaincc(lib.tensor(POS, dtype=x.dtype), x), POS),
    ("softmax", lambda lib, x: lib.special.softmax(x, 1), (2, 3)),
    ("log_softmax", lambda lib, x: lib.special.log_softmax(x, 0), (2, 3)),
    ("logsumexp", lambda lib, x: lib.special.logsumexp(x, 1), (2, 3)),
    ("round", lambda lib, x: lib.special.round(x * 3) + x, (2, 3)),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_pytorch(case) -> None:
    _, fn, *specs = case
    check_op(fn, *specs, atol=1e-5)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_gradcheck(case) -> None:
    _, fn, *specs = case
    check_gradcheck(fn, *specs)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_node_names_are_pytorchs(case) -> None:
    _, fn, *specs = case
    names = []
    for lib in (torch, numtorch):
        arrays = [s if isinstance(s, np.ndarray) else np.full(s, 0.3) for s in specs]
        inputs = [lib.tensor(a.astype(np.float32), requires_grad=True) for a in arrays]
        names.append(fn(lib, *inputs).grad_fn.name())
    assert names[1] == names[0]


_RNG = np.random.default_rng(11)
_WIDE = np.concatenate([
    _RNG.uniform(-40, 40, 400), _RNG.uniform(-3, 3, 400), np.arange(-6.0, 7.0),
    [0.0, -0.0, 1e-30, np.inf, -np.inf, np.nan, 24.9, 25.0, 25.1, 300.0, 1e5],
])  # fmt: skip
_PROBS = np.concatenate([
    _RNG.uniform(0, 1, 400), 10.0 ** -_RNG.uniform(0, 300, 200),
    1 - 10.0 ** -_RNG.uniform(0, 15, 100), [0.0, 0.5, 1.0, -0.5, 1.5, np.nan],
])  # fmt: skip

SWEEPS = [
    ("i1", lambda lib, x: lib.special.i1(x), _WIDE),
    ("i0e", lambda lib, x: lib.special.i0e(x), _WIDE),
    ("i1e", lambda lib, x: lib.special.i1e(x), _WIDE),
    ("erfcx", lambda lib, x: lib.special.erfcx(x), _WIDE),
    ("log_ndtr", lambda lib, x: lib.special.log_ndtr(x), _WIDE),
    ("ndtr", lambda lib, x: lib.special.ndtr(x), _WIDE),
    ("entr", lambda lib, x: lib.special.entr(x), _WIDE),
    ("ndtri", lambda lib, x: lib.special.ndtri(x), _PROBS),
    ("zeta", lambda lib, x: lib.special.zeta(x / 4 + 1, x), _WIDE),
    ("xlog1py", lambda lib, x: lib.special.xlog1py(x, x), _WIDE),
]


@pytest.mark.parametrize("case", SWEEPS, ids=[c[0] for c in SWEEPS])
def test_float64_accuracy_over_a_wide_range(case) -> None:
    name, fn, values = case
    out = fn(numtorch, numtorch.tensor(values))
    expected = fn(torch, torch.tensor(values))
    assert_close(out, expected, 1e-10, 1e-300, name)


@pytest.mark.parametrize("case", SWEEPS, ids=[c[0] for c in SWEEPS])
def test_float32_values(case) -> None:
    name, fn, values = case
    values = values[np.isnan(values) | (np.abs(values) < 30)].astype(np.float32)
    out = fn(numtorch, numtorch.tensor(values))
    expected = fn(torch, torch.tensor(values))
    assert_close(out, expected, 2e-5, 1e-6, name)


def test_integer_inputs_give_floats() -> None:
    for name in ("i1", "i0e", "i1e", "entr", "erfcx", "ndtr", "log_ndtr", "ndtri", "expit"):
        t_out = getattr(torch.special, name)(torch.tensor([0, 1, 2]))
        n_out = getattr(numtorch.special, name)(numtorch.tensor([0, 1, 2]))
        assert_close(n_out, t_out, 1e-6, 1e-7, name)
    t_out = torch.special.zeta(torch.tensor([1, 2]), torch.tensor([1, 2]))
    assert_close(numtorch.special.zeta(numtorch.tensor([1, 2]), numtorch.tensor([1, 2])), t_out,
                 1e-6, 1e-7, "zeta")  # fmt: skip


def test_out_writes_into_the_given_tensor() -> None:
    results = []
    for lib in (torch, numtorch):
        x = lib.tensor([0.25, 0.5, 0.75])
        outs = [lib.empty(3) for _ in range(4)]
        lib.special.i1e(x, out=outs[0])
        lib.special.xlog1py(x, x, out=outs[1])
        lib.special.expit(x, out=outs[2])
        assert lib.special.ndtri(x, out=outs[3]) is outs[3]
        results.append(outs)
    for n, t in zip(*results[::-1]):
        assert_close(t, n, 1e-6, 1e-7, "out=")


def test_zeta_has_no_gradient_for_its_first_argument() -> None:
    for lib in (torch, numtorch):
        s = lib.tensor([2.0, 3.0], requires_grad=True)
        out = lib.special.zeta(s, lib.tensor([1.0, 2.0]))
        with pytest.raises(
            NotImplementedError, match="the derivative for 'zeta' is not implemented"
        ):
            out.sum().backward()


ERRORS = [
    ("i1 number", lambda lib: lib.special.i1(2.0), r"special_i1\(\): argument 'input' \(position 1\) must be Tensor"),
    ("ndtr number", lambda lib: lib.special.ndtr(2.0), r"special_ndtr\(\): argument 'input' \(position 1\) must be Tensor"),
    ("zeta numbers", lambda lib: lib.special.zeta(2, 3), r"special_zeta\(\) received an invalid combination of arguments - got \(int, int\)"),
    ("xlog1py numbers", lambda lib: lib.special.xlog1py(2.0, 3.0), r"special_xlog1py\(\) received an invalid combination"),
    ("polygamma negative", lambda lib: lib.special.polygamma(-1, lib.ones(2)), "does not support negative n"),
    ("gammainc ints", lambda lib: lib.special.gammainc(lib.ones(2, dtype=lib.int64), lib.ones(2, dtype=lib.int64)), "not implemented for 'Long'"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "fn", "match"), ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_match_pytorch(name, fn, match) -> None:
    check_error(fn, match)


# ---------------------------------------------------------------- without a derivative

_POLY_X = np.concatenate([_RNG.uniform(-2, 2, 200), [-1.0, 1.0, 0.0, 0.5, np.inf, -np.inf, 2.5]])
_POLYNOMIALS = sorted(numtorch.special.polynomials.POLYNOMIALS)


@pytest.mark.parametrize("name", _POLYNOMIALS)
@pytest.mark.parametrize("n", [-1, 0, 1, 2, 3, 5, 7, 9, 12, 30, 40.7])
def test_polynomials_match_pytorch(name: str, n: float) -> None:
    """float64 to ~1e-10 at every degree; float32 (PyTorch's float32 recurrence, repeated here)
    at low degrees, where its rounding stays small. (PyTorch returns an uninitialised value for
    a nan ``x`` in most of these, so nan is left out.)"""
    out = getattr(numtorch.special, name)(numtorch.tensor(_POLY_X), n)
    expected = getattr(torch.special, name)(torch.tensor(_POLY_X), n)
    assert_close(out, expected, 1e-9, 1e-9, f"{name}({n})")
    if n <= 5:
        x32 = _POLY_X.astype(np.float32)
        out = getattr(numtorch.special, name)(numtorch.tensor(x32), n)
        expected = getattr(torch.special, name)(torch.tensor(x32), n)
        assert_close(out, expected, 1e-5, 1e-5, f"{name}({n}) float32")


@pytest.mark.parametrize("name", _POLYNOMIALS)
def test_polynomials_take_tensor_degrees_and_number_points(name: str) -> None:
    def fn(lib):
        x = lib.tensor([0.3, -0.7, 1.0, -1.0, 2.0, 0.0, 0.5])
        n = lib.tensor([0, 1, 2, 3, 9, 10, -2])
        return (
            getattr(lib.special, name)(x, n),
            getattr(lib.special, name)(0.25, n),
            getattr(lib.special, name)(lib.tensor([1, 2]), 3),
            getattr(lib.special, name)(x.to(lib.float64), lib.tensor([4.9])),
        )

    check_same(fn, rtol=1e-5, atol=1e-5)


def test_functions_without_a_derivative_record_no_graph() -> None:
    for lib in (torch, numtorch):
        x = lib.tensor([0.25, 0.5], requires_grad=True)
        for out in (
            lib.special.chebyshev_polynomial_t(x, 3),
            lib.special.spherical_bessel_j0(x),
            lib.special.modified_bessel_i0(x),
        ):
            assert not out.requires_grad and out.grad_fn is None


@pytest.mark.parametrize(
    "name", ["spherical_bessel_j0", "modified_bessel_i0", "modified_bessel_i1"]
)
def test_bessel_maps_without_a_derivative(name: str) -> None:
    values = np.concatenate([_WIDE[np.abs(_WIDE) < 600], [0.1, 0.49, 0.5, -0.3]])
    out = getattr(numtorch.special, name)(numtorch.tensor(values))
    expected = getattr(torch.special, name)(torch.tensor(values))
    assert_close(out, expected, 1e-12, 1e-300, name)
    check_same(lambda lib: getattr(lib.special, name)(lib.tensor([0, 1, 2])))


MORE_ERRORS = [
    ("polynomial numbers", lambda lib: lib.special.chebyshev_polynomial_t(2.0, 3), r"special_chebyshev_polynomial_t\(\) received an invalid combination of arguments - got \(float, int\)"),
    ("polynomial list", lambda lib: lib.special.legendre_polynomial_p([0.5], 3), r"got \(list, int\)"),
    ("j0 number", lambda lib: lib.special.spherical_bessel_j0(2.0), r"special_spherical_bessel_j0\(\): argument 'x' \(position 1\) must be Tensor, not float"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "fn", "match"), MORE_ERRORS, ids=[c[0] for c in MORE_ERRORS])
def test_more_errors_match_pytorch(name, fn, match) -> None:
    check_error(fn, match)


_BESSEL = sorted(numtorch.special.bessel.BESSEL)


@pytest.mark.parametrize("name", _BESSEL)
def test_bessel_functions_match_pytorch(name: str) -> None:
    values = np.concatenate([
        _WIDE, _RNG.uniform(0, 6, 200), [1e-6, 1e-300, 2.0, 5.0, 5.0000001, 750.0, -1.0],
    ])  # fmt: skip
    out = getattr(numtorch.special, name)(numtorch.tensor(values))
    expected = getattr(torch.special, name)(torch.tensor(values))
    assert_close(out, expected, 1e-10, 1e-300, name)
    x32 = values[np.abs(values) < 50].astype(np.float32)
    out = getattr(numtorch.special, name)(numtorch.tensor(x32))
    expected = getattr(torch.special, name)(torch.tensor(x32))
    assert_close(out, expected, 1e-4, 1e-5, f"{name} float32")
    check_same(lambda lib: getattr(lib.special, name)(lib.tensor([1, 2, 7])))
    with pytest.raises(TypeError) as info:
        getattr(torch.special, name)(2.0)
    check_error(lambda lib: getattr(lib.special, name)(2.0), re.escape(str(info.value)))
    for lib in (torch, numtorch):
        assert not getattr(lib.special, name)(lib.ones(2, requires_grad=True)).requires_grad


_ZERO_DIM_AND_EMPTY = [
    lambda lib, v: lib.polygamma(2, v),
    lambda lib, v: lib.mvlgamma(v + 2, 2),
    lambda lib, v: lib.lgamma(v),
    lambda lib, v: lib.digamma(v),
    lambda lib, v: lib.frexp(v),
    lambda lib, v: lib.igamma(v, v),
    lambda lib, v: lib.float_power(v, v),
    lambda lib, v: lib.heaviside(v, v),
    lambda lib, v: lib.gcd(v.long(), v.long()),
    lambda lib, v: lib.special.zeta(v + 2, v),
    lambda lib, v: lib.special.ndtri(v),
    lambda lib, v: lib.special.airy_ai(v),
    lambda lib, v: lib.special.chebyshev_polynomial_t(v, 3),
    lambda lib, v: lib.special.xlog1py(v, v),
]


@pytest.mark.parametrize("shape", [(), (0,), (2, 0, 3)])
@pytest.mark.parametrize("index", range(len(_ZERO_DIM_AND_EMPTY)))
def test_zero_dim_and_empty_inputs(shape: tuple, index: int) -> None:
    fn = _ZERO_DIM_AND_EMPTY[index]
    check_same(lambda lib: fn(lib, lib.tensor(np.full(shape, 0.3, np.float32))), rtol=1e-6)


# ---------------------------------------------------------------- saved values, as PyTorch's

_POS = np.array([[0.3, 1.7, 4.5], [2.2, 0.8, 9.0]])
_UNIT = np.array([[0.1, 0.35, 0.5], [0.62, 0.8, 0.97]])
SAVED = [
    ("lgamma", lambda lib, x: lib.lgamma(x), _POS),
    ("digamma", lambda lib, x: lib.digamma(x), _POS),
    ("polygamma", lambda lib, x: lib.polygamma(2, x), _POS),
    ("mvlgamma", lambda lib, x: lib.mvlgamma(x, 1), _POS),
    ("i0", lambda lib, x: lib.i0(x), _POS),
    ("sinc", lambda lib, x: lib.sinc(x), _POS),
    ("logit", lambda lib, x: lib.logit(x), _UNIT),
    ("deg2rad", lambda lib, x: lib.deg2rad(x), _POS),
    ("angle", lambda lib, x: lib.angle(x), _POS),
    ("copysign", lambda lib, x, y: lib.copysign(x, y), _POS, _UNIT),
    ("copysign number", lambda lib, x: lib.copysign(x, -1.0), _POS),
    ("fmax", lambda lib, x, y: lib.fmax(x, y), _POS, _UNIT),
    ("fmin", lambda lib, x, y: lib.fmin(x, y), _POS, _UNIT),
    ("ldexp", lambda lib, x, y: lib.ldexp(x, y), _POS, _UNIT),
    ("logaddexp2", lambda lib, x, y: lib.logaddexp2(x, y), _POS, _UNIT),
    ("nextafter", lambda lib, x, y: lib.nextafter(x, y), _POS, _UNIT),
    ("frexp", lambda lib, x: lib.frexp(x)[0], _POS),
    ("hardshrink", lambda lib, x: lib.hardshrink(x), _POS),
    ("threshold", lambda lib, x: lib.threshold(x, 1.0, 0.0), _POS),
    ("igamma", lambda lib, x: lib.igamma(lib.tensor(_POS, dtype=x.dtype), x), _UNIT),
    ("float_power", lambda lib, x: lib.float_power(x, 2.0), _POS),
    ("special.i1", lambda lib, x: lib.special.i1(x), _POS),
    ("special.i0e", lambda lib, x: lib.special.i0e(x), _POS),
    ("special.i1e", lambda lib, x: lib.special.i1e(x), _POS),
    ("special.entr", lambda lib, x: lib.special.entr(x), _POS),
    ("special.erfcx", lambda lib, x: lib.special.erfcx(x), _POS),
    ("special.log_ndtr", lambda lib, x: lib.special.log_ndtr(x), _POS),
    ("special.ndtri", lambda lib, x: lib.special.ndtri(x), _UNIT),
    ("special.xlog1py", lambda lib, x, y: lib.special.xlog1py(x, y), _POS, _UNIT),
    (
        "special.zeta",
        lambda lib, x: lib.special.zeta(lib.tensor(_POS + 1, dtype=x.dtype), x),
        _UNIT,
    ),
]


@pytest.mark.parametrize("case", SAVED, ids=[c[0] for c in SAVED])
def test_inplace_changes_after_the_op_are_refused_where_pytorch_refuses(case) -> None:
    """The node keeps what PyTorch's keeps: changing an input or the output in place before
    backward is refused exactly where PyTorch refuses it."""
    _, fn, *specs = case
    check_saved_versions(fn, *specs)
