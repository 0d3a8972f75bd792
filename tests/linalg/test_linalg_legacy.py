"""The legacy ``torch.*`` decompositions and solvers (``torch.det``, ``torch.svd``,
``torch.lu``, ``torch.triangular_solve`` ...) and their ``Tensor`` methods against PyTorch:
values, gradients, gradcheck, return types, node names and deprecation warnings."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from helpers import check_error, check_gradcheck, check_op, check_same
from linalg_inputs import general, lower, rect, spd, sym

import numtorch
from numtorch._namespace import decompositions

G3, G2x3, SPD3, LOW, LOW2 = general(3), general(3, (2,)), spd(3), lower(3), lower(3, (2,))
TALL, WIDE, SQUARE = rect(4, 3), rect(3, 4, seed=1), rect(3, 3, seed=2)
W = np.linspace(0.5, 1.5, 4)
_H, _TAU = np.linalg.qr(rect(4, 3), mode="raw")
REFLECTORS, TAU = _H.T.copy(), _TAU  # geqrf's output for a 4x3 matrix


def _svd(lib, a, some=True):
    u, s, v = lib.svd(a, some=some)
    k = s.shape[-1]
    return s, u[..., :k] @ v[..., :k].mT, (v[..., :k] ** 2) * lib.tensor(W[:k], dtype=a.dtype)


CASES = [
    ("det", lambda lib, a: lib.det(a), G3),
    ("Tensor.det", lambda lib, a: a.det(), G2x3),
    ("logdet", lambda lib, a: lib.logdet(a), SPD3),
    ("Tensor.logdet", lambda lib, a: a.logdet(), G2x3),
    ("slogdet", lambda lib, a: tuple(lib.slogdet(a)), G3),
    ("Tensor.slogdet", lambda lib, a: tuple(a.slogdet()), G2x3),
    ("inverse", lambda lib, a: lib.inverse(a), G3),
    ("Tensor.inverse", lambda lib, a: a.inverse(), G2x3),
    ("pinverse", lambda lib, a: lib.pinverse(a), TALL),
    ("Tensor.pinverse", lambda lib, a: a.pinverse(rcond=0.3), WIDE),
    ("cholesky", lambda lib, a: lib.cholesky(a), SPD3),
    ("Tensor.cholesky upper", lambda lib, a: a.cholesky(upper=True), SPD3),
    ("cholesky_inverse", lambda lib, a: lib.cholesky_inverse(a), LOW),
    ("Tensor.cholesky_inverse upper",
     lambda lib, a: a.mT.cholesky_inverse(upper=True), LOW2),
    ("cholesky_solve", lambda lib, b, a: lib.cholesky_solve(b, a), (3, 2), LOW),
    ("cholesky_solve upper broadcast",
     lambda lib, b, a: b.cholesky_solve(a.mT, upper=True), (2, 3, 2), LOW),
    ("cholesky_solve batch of factors", lambda lib, b, a: lib.cholesky_solve(b, a), (3, 1), LOW2),
    ("qr", lambda lib, a: tuple(lib.qr(a)), TALL),
    ("Tensor.qr some=False", lambda lib, a: tuple(a.qr(some=False)), WIDE),
    ("svd", _svd, TALL),
    ("Tensor.svd", lambda lib, a: _svd(lib, a), WIDE),
    ("svd some=False", lambda lib, a: _svd(lib, a, some=False), SQUARE),
    ("svd compute_uv=False", lambda lib, a: lib.svd(a, compute_uv=False).S, TALL),
    ("lu", lambda lib, a: lib.lu(a)[0], G2x3),
    ("Tensor.lu get_infos", lambda lib, a: a.lu(get_infos=True)[0], G3),
    ("lu_solve", lambda lib, b, a: lib.lu_solve(b, *lib.linalg.lu_factor(a)), (3, 2), G3),
    ("Tensor.lu_solve", lambda lib, b, a: b.lu_solve(*lib.linalg.lu_factor(a)), (2, 3, 1), G2x3),
    ("lu_unpack", lambda lib, a: tuple(lib.lu_unpack(*lib.linalg.lu_factor(a)))[1:], G2x3),
    ("lu_unpack tall", lambda lib, a: tuple(lib.lu_unpack(*lib.linalg.lu_factor(a)))[1:], TALL),
    ("lu_unpack wide", lambda lib, a: tuple(lib.lu_unpack(*lib.linalg.lu_factor(a)))[1:], WIDE),
    ("triangular_solve", lambda lib, b, a: tuple(lib.triangular_solve(b, a)), (3, 2), G3),
    ("triangular_solve lower transpose",
     lambda lib, b, a: tuple(lib.triangular_solve(b, a, upper=False, transpose=True)), (3, 2), G3),
    ("Tensor.triangular_solve unit",
     lambda lib, b, a: tuple(b.triangular_solve(a, unitriangular=True)), (2, 3, 2), G3),
    ("matrix_exp", lambda lib, a: lib.matrix_exp(a), G3 * 0.3),
    ("matrix_power", lambda lib, a: lib.matrix_power(a, 4), G3 * 0.5),
    ("Tensor.matrix_power", lambda lib, a: a.matrix_power(-3), G2x3),
    ("Tensor.matrix_exp", lambda lib, a: a.matrix_exp(), G2x3 * 0.3),
    ("nuclear_norm", lambda lib, a: lib.nuclear_norm(a), TALL),
    ("nuclear_norm keepdim", lambda lib, a: lib.nuclear_norm(a, True), WIDE),
    ("nuclear_norm dim", lambda lib, a: lib.nuclear_norm(a, (0, 2)), rect(3, 4, (2,))),
    ("frobenius_norm", lambda lib, a: lib.frobenius_norm(a, (0, 1)), (3, 4)),
    ("frobenius_norm one dim", lambda lib, a: lib.frobenius_norm(a, 1, keepdim=True), (3, 4)),
    ("orgqr", lambda lib, a, t: lib.orgqr(a, t), (4, 3), np.array([1.2, 0.6, 1.5])),
    ("Tensor.orgqr", lambda lib, a, t: a.orgqr(t), (2, 4, 2), np.array([[1.2, 0.6], [0.2, 1.5]])),
    ("ormqr", lambda lib, a, t, c: lib.ormqr(a, t, c), REFLECTORS, TAU, (4, 2)),
    ("ormqr transpose", lambda lib, a, t, c: lib.ormqr(a, t, c, transpose=True),
     REFLECTORS, TAU, (4, 2)),
    ("Tensor.ormqr right", lambda lib, a, t, c: a.ormqr(t, c, left=False), REFLECTORS, TAU, (2, 4)),
    ("ormqr right transpose", lambda lib, a, t, c: lib.ormqr(a, t, c, left=False, transpose=True),
     REFLECTORS, TAU, (3, 4)),
]  # fmt: skip

# Inputs of which only a triangle is read: gradcheck perturbs every element, so it checks
# these on the symmetric part (or the lower triangle) of its input, as PyTorch's tests do.
_SYMMETRIC_INPUT = {"cholesky", "Tensor.cholesky upper", "logdet"}
_TRIANGULAR_FACTOR = {
    "cholesky_inverse", "Tensor.cholesky_inverse upper", "cholesky_solve",
    "cholesky_solve upper broadcast", "cholesky_solve batch of factors",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _quiet_deprecations():
    """torch.cholesky, torch.qr, torch.lu, ... warn (once per process) on both libraries."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


@pytest.mark.parametrize(("name", "fn", "specs"), [(c[0], c[1], c[2:]) for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_values_and_gradients_match_pytorch(name, fn, specs) -> None:
    check_op(fn, *specs, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize(("name", "fn", "specs"), [(c[0], c[1], c[2:]) for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_gradcheck_float64(name, fn, specs) -> None:
    def symmetric_first(lib, a, *rest):
        return fn(lib, (a + a.mT) / 2, *rest)

    def triangular_factor(lib, *args):
        return fn(lib, *args[:-1], args[-1].tril())

    if name in _SYMMETRIC_INPUT:
        check_gradcheck(symmetric_first, *specs)
    elif name in _TRIANGULAR_FACTOR:
        check_gradcheck(triangular_factor, *specs)
    else:
        check_gradcheck(fn, *specs)


def _f32(lib, a):
    return lib.tensor(np.asarray(a, np.float32))


SAME = [
    ("logdet negative", lambda lib: lib.logdet(_f32(lib, -general(3)))),
    ("logdet singular", lambda lib: lib.logdet(lib.zeros(3, 3))),
    ("slogdet fields", lambda lib: lib.slogdet(_f32(lib, general(3)))),
    ("qr fields", lambda lib: lib.qr(_f32(lib, rect(4, 3)))),
    ("svd compute_uv=False", lambda lib: lib.svd(_f32(lib, rect(4, 3)), compute_uv=False)),
    ("svd fields", lambda lib: [t.shape for t in lib.svd(_f32(lib, rect(4, 3)), some=False)]),
    ("lu tuple", lambda lib: lib.lu(_f32(lib, general(3)))),
    ("lu infos", lambda lib: lib.lu(lib.zeros(2, 3, 3), get_infos=True)),
    ("lu_unpack", lambda lib: lib.lu_unpack(*lib.linalg.lu_factor(_f32(lib, general(4, (2,)))))),
    ("lu_unpack no data",
     lambda lib: lib.lu_unpack(*lib.linalg.lu_factor(_f32(lib, general(3))), unpack_data=False)),
    ("lu_unpack no pivots", lambda lib: lib.lu_unpack(
        *lib.linalg.lu_factor(_f32(lib, general(3))), unpack_pivots=False)),
    ("triangular_solve fields", lambda lib: lib.triangular_solve(lib.ones(3, 2), _f32(lib, G3))),
    ("cholesky_inverse", lambda lib: lib.cholesky_inverse(_f32(lib, LOW))),
    ("eigvalsh of a product", lambda lib: lib.linalg.eigvalsh(_f32(lib, sym(4)))),
    ("geqrf", lambda lib: lib.geqrf(_f32(lib, rect(4, 3)))),
    ("geqrf wide batched", lambda lib: lib.geqrf(_f32(lib, rect(3, 5, (2,))))),
    ("Tensor.geqrf", lambda lib: _f32(lib, rect(3, 3)).geqrf()),
]  # fmt: skip


@pytest.mark.parametrize(("name", "fn"), SAME, ids=[s[0] for s in SAME])
def test_results_and_return_types_match_pytorch(name, fn) -> None:
    check_same(fn, rtol=1e-5, atol=1e-5)


def _leaf(lib, a):
    return lib.tensor(np.asarray(a, np.float32), requires_grad=True)


NODES = [
    ("det", lambda lib: lib.det(_leaf(lib, G3))),
    ("logdet", lambda lib: lib.logdet(_leaf(lib, SPD3))),
    ("inverse", lambda lib: lib.inverse(_leaf(lib, G3))),
    ("pinverse", lambda lib: lib.pinverse(_leaf(lib, G3))),
    ("cholesky", lambda lib: lib.cholesky(_leaf(lib, SPD3))),
    ("cholesky_inverse", lambda lib: lib.cholesky_inverse(_leaf(lib, LOW))),
    ("cholesky_solve", lambda lib: lib.cholesky_solve(lib.ones(3, 2), _leaf(lib, LOW))),
    ("qr", lambda lib: lib.qr(_leaf(lib, G3)).R),
    ("svd", lambda lib: lib.svd(_leaf(lib, G3)).U),
    ("lu", lambda lib: lib.lu(_leaf(lib, G3))[0]),
    ("lu_unpack", lambda lib: lib.lu_unpack(*lib.linalg.lu_factor(_leaf(lib, G3))).L),
    ("triangular_solve", lambda lib: lib.triangular_solve(lib.ones(3, 2), _leaf(lib, G3))[0]),
    ("matrix_exp", lambda lib: lib.matrix_exp(_leaf(lib, G3))),
    ("nuclear_norm", lambda lib: lib.nuclear_norm(_leaf(lib, G3))),
    ("frobenius_norm", lambda lib: lib.frobenius_norm(_leaf(lib, G3), (0, 1))),
    ("geqrf", lambda lib: lib.geqrf(_leaf(lib, G3)).a),
    ("ormqr", lambda lib: lib.ormqr(_leaf(lib, REFLECTORS), lib.tensor(TAU.astype(np.float32)),
                                    lib.ones(4, 2))),
]  # fmt: skip


@pytest.mark.parametrize(("name", "fn"), NODES, ids=[n[0] for n in NODES])
def test_node_names_match_pytorch(name, fn) -> None:
    assert fn(numtorch).grad_fn.name() == fn(torch).grad_fn.name()


ERRORS = [
    ("det non-square", lambda lib: lib.det(lib.ones(2, 3)),
     r"linalg.det: A must be batches of square matrices, but they are 2 by 3 matrices"),
    ("inverse int", lambda lib: lib.inverse(lib.ones(3, 3, dtype=lib.int64)),
     r"linalg.inv: Expected a floating point or complex tensor as input. Got Long"),
    ("frobenius_norm 3 dims", lambda lib: lib.frobenius_norm(lib.ones(2, 2, 2), (0, 1, 2)),
     r"Expected at most 2 dimensions, but got 3 dimensions instead."),
    ("cholesky_solve dtypes",
     lambda lib: lib.cholesky_solve(lib.ones(3, 2), lib.eye(3, dtype=lib.float64)),
     r"Expected b and A to have the same dtype, but found b of type Float and A of type Double "
     r"instead."),
    ("cholesky_inverse non-square", lambda lib: lib.cholesky_inverse(lib.ones(2, 3)),
     r"cholesky_inverse: A must be batches of square matrices, but they are 2 by 3 matrices"),
    ("geqrf 1-D", lambda lib: lib.geqrf(lib.ones(3)),
     r"torch.geqrf: input must have at least 2 dimensions."),
    ("geqrf int", lambda lib: lib.geqrf(lib.ones(3, 3, dtype=lib.int64)),
     r"\"geqrf_cpu\" not implemented for 'Long'"),
    ("ormqr rows", lambda lib: lib.ormqr(lib.ones(4, 3), lib.ones(3), lib.ones(3, 2)),
     r"torch.ormqr: other.shape\[-2\] must be equal to input.shape\[-2\]"),
    ("ormqr right cols", lambda lib: lib.ormqr(lib.ones(4, 3), lib.ones(3), lib.ones(2, 3),
                                               left=False),
     r"torch.ormqr: other.shape\[-1\] must be equal to input.shape\[-2\]"),
    ("ormqr dtypes", lambda lib: lib.ormqr(lib.ones(4, 3, dtype=lib.float64),
                                           lib.ones(3, dtype=lib.float64), lib.ones(4, 2)),
     r"torch.ormqr: Expected input and other to have the same dtype, but input has dtypeDouble "
     r"and other has dtype Float"),
    ("svd 1-D", lambda lib: lib.svd(lib.ones(3)),
     r"linalg.svd: input should have at least 2 dimensions, but has 1 dimensions instead"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "fn", "match"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_pytorch(name, fn, match) -> None:
    check_error(fn, match)


def test_inverse_of_a_singular_matrix_is_a_linalgerror() -> None:
    check_error(lambda lib: lib.inverse(lib.zeros(3, 3)), "The diagonal element 1 is zero",
                exc=RuntimeError)  # fmt: skip
    with pytest.raises(numtorch.linalg.LinAlgError):
        numtorch.inverse(numtorch.zeros(3, 3))


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("cholesky", lambda: numtorch.cholesky(numtorch.eye(2))),
        ("qr", lambda: numtorch.qr(numtorch.eye(2))),
        ("lu", lambda: numtorch.lu(numtorch.eye(2))),
        ("triangular_solve", lambda: numtorch.triangular_solve(numtorch.eye(2), numtorch.eye(2))),
        ("nuclear_norm", lambda: numtorch.nuclear_norm(numtorch.eye(2))),
    ],
)
def test_deprecated_forms_warn_once_with_pytorchs_message(name: str, call) -> None:
    decompositions._WARNED.discard(name)
    first = decompositions._DEPRECATED[name].split("\n")[0][:40]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
        call()
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert len(messages) == 1 and messages[0].startswith(first)


def test_geqrf_has_no_gradient_like_pytorch() -> None:
    for lib in (torch, numtorch):
        a, _ = lib.geqrf(_leaf(lib, G3))
        with pytest.raises(RuntimeError, match="the derivative for 'geqrf' is not implemented."):
            a.sum().backward()
