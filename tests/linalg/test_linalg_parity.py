"""numtorch.linalg against PyTorch: values and gradients (float32), and float64 gradcheck.

Decompositions whose factors are defined up to signs (SVD, eigh) are compared through
quantities that do not depend on the signs (PyTorch documents the same gauge rule for their
gradients): ``U @ Vh``, ``V * V`` and the like."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import check_gradcheck, check_op
from linalg_inputs import general, rect, singular, spd, sym

G3, G2x3, SPD3, SPD2x3, SYM3 = general(3), general(3, (2,)), spd(3), spd(3, (2,)), sym(3)
SYM2x3 = sym(3, (2,), seed=1)
TALL, WIDE, SQUARE = rect(4, 3), rect(3, 4, seed=1), rect(3, 3, seed=2)
W = np.linspace(0.5, 1.5, 3)  # weights that make sign-invariant losses non-trivial


def _svd_invariants(lib, a, full=False):
    u, s, vh = lib.linalg.svd(a, full_matrices=full)
    k = s.shape[-1]
    return s, u[..., :k] @ vh[..., :k, :], (u[..., :k] ** 2) * lib.tensor(W[:k], dtype=a.dtype)


def _diag(lib, v):
    return v.unsqueeze(-1) * lib.tensor(np.eye(v.shape[-1]), dtype=v.dtype)


def _eigh_inv(lib, a, uplo="L"):
    w, v = lib.linalg.eigh(a, UPLO=uplo)
    return w, (v * v) @ lib.tensor(np.diag(W), dtype=a.dtype), v @ _diag(lib, w * w) @ v.mT


CASES = [
    ("inv", lambda lib, a: lib.linalg.inv(a), G3),
    ("inv batched", lambda lib, a: lib.linalg.inv(a), G2x3),
    ("inv_ex", lambda lib, a: lib.linalg.inv_ex(a).inverse, G3),
    ("det", lambda lib, a: lib.linalg.det(a), G3),
    ("det batched", lambda lib, a: lib.linalg.det(a), G2x3),
    ("det singular", lambda lib, a: lib.linalg.det(a), singular()),
    ("slogdet", lambda lib, a: tuple(lib.linalg.slogdet(a)), G2x3),
    ("slogdet negative", lambda lib, a: tuple(lib.linalg.slogdet(-a)), G3),
    ("solve", lambda lib, a, b: lib.linalg.solve(a, b), G3, (3, 2)),
    ("solve vector", lambda lib, a, b: lib.linalg.solve(a, b), G3, (3,)),
    ("solve batch vector", lambda lib, a, b: lib.linalg.solve(a, b), G2x3, (2, 3)),
    ("solve broadcast", lambda lib, a, b: lib.linalg.solve(a, b), G2x3, (3, 4)),
    ("solve broadcast A", lambda lib, a, b: lib.linalg.solve(a, b), G3, (2, 3, 2)),
    ("solve left=False", lambda lib, a, b: lib.linalg.solve(a, b, left=False), G3, (2, 3)),
    ("solve_ex", lambda lib, a, b: lib.linalg.solve_ex(a, b).result, G3, (3, 2)),
    ("solve_triangular upper",
     lambda lib, a, b: lib.linalg.solve_triangular(a, b, upper=True), G3, (3, 2)),
    ("solve_triangular lower",
     lambda lib, a, b: lib.linalg.solve_triangular(a, b, upper=False), G2x3, (3, 2)),
    ("solve_triangular right",
     lambda lib, a, b: lib.linalg.solve_triangular(a, b, upper=True, left=False), G3, (2, 3)),
    ("solve_triangular unit",
     lambda lib, a, b: lib.linalg.solve_triangular(a, b, upper=False, unitriangular=True),
     G3, (3, 2)),
    ("solve_triangular unit right", lambda lib, a, b: lib.linalg.solve_triangular(
        a, b, upper=True, left=False, unitriangular=True), G3, (4, 3)),
    ("cholesky", lambda lib, a: lib.linalg.cholesky(a), SPD3),
    ("cholesky upper", lambda lib, a: lib.linalg.cholesky(a, upper=True), SPD2x3),
    ("cholesky_ex", lambda lib, a: lib.linalg.cholesky_ex(a).L, SPD2x3),
    ("qr square", lambda lib, a: tuple(lib.linalg.qr(a)), SQUARE),
    ("qr tall", lambda lib, a: tuple(lib.linalg.qr(a)), TALL),
    ("qr wide", lambda lib, a: tuple(lib.linalg.qr(a)), WIDE),
    ("qr complete wide", lambda lib, a: tuple(lib.linalg.qr(a, mode="complete")), WIDE),
    ("qr batched", lambda lib, a: tuple(lib.linalg.qr(a)), rect(4, 3, (2,))),
    ("svd square", _svd_invariants, SQUARE),
    ("svd tall", _svd_invariants, TALL),
    ("svd wide", _svd_invariants, WIDE),
    ("svd full tall", lambda lib, a: _svd_invariants(lib, a, True), TALL),
    ("svd full wide", lambda lib, a: _svd_invariants(lib, a, True), WIDE),
    ("svd batched", _svd_invariants, rect(3, 2, (2,))),
    ("svdvals", lambda lib, a: lib.linalg.svdvals(a), TALL),
    ("eigh", _eigh_inv, SYM3),
    ("eigh upper", lambda lib, a: _eigh_inv(lib, a, "U"), SYM2x3),
    ("eigvalsh", lambda lib, a: lib.linalg.eigvalsh(a), SYM3),
    ("eigvalsh upper", lambda lib, a: lib.linalg.eigvalsh(a, UPLO="U"), SYM2x3),
    ("lstsq", lambda lib, a, b: lib.linalg.lstsq(a, b).solution, TALL, (4, 2)),
    ("lstsq vector", lambda lib, a, b: lib.linalg.lstsq(a, b).solution, TALL, (4,)),
    ("lstsq batch broadcast",
     lambda lib, a, b: lib.linalg.lstsq(a, b).solution, rect(4, 3, (2, 1)), (1, 3, 4, 2)),
    ("lu_solve broadcast", lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b),
     G2x3, (4, 1, 3, 2)),
    ("lstsq wide", lambda lib, a, b: lib.linalg.lstsq(a, b).solution, WIDE, (3, 2)),
    ("lstsq gelsd", lambda lib, a, b: lib.linalg.lstsq(a, b, driver="gelsd")[:2], TALL, (4, 2)),
    ("pinv square", lambda lib, a: lib.linalg.pinv(a), SQUARE),
    ("pinv tall", lambda lib, a: lib.linalg.pinv(a), TALL),
    ("pinv wide", lambda lib, a: lib.linalg.pinv(a), WIDE),
    ("pinv hermitian", lambda lib, a: lib.linalg.pinv(a, hermitian=True), SPD3),
    ("pinv atol", lambda lib, a: lib.linalg.pinv(a, atol=0.1, rtol=0.01), rect(3, 2, (2,))),
    ("matrix_exp", lambda lib, a: lib.linalg.matrix_exp(a), G3 * 0.3),
    ("matrix_exp large", lambda lib, a: lib.linalg.matrix_exp(a), G2x3 * 0.8),
    ("matrix_power 3", lambda lib, a: lib.linalg.matrix_power(a, 3), G3),
    ("matrix_power 5", lambda lib, a: lib.linalg.matrix_power(a, 5), G3 * 0.3),
    ("matrix_power -2", lambda lib, a: lib.linalg.matrix_power(a, -2), G2x3),
    ("matrix_power 0", lambda lib, a: lib.linalg.matrix_power(a, 0), G3),
    ("vector_norm", lambda lib, x: lib.linalg.vector_norm(x), (3, 4)),
    ("vector_norm 1", lambda lib, x: lib.linalg.vector_norm(x, 1, dim=1), (3, 4)),
    ("vector_norm inf", lambda lib, x: lib.linalg.vector_norm(x, float("inf"), dim=0), (3, 4)),
    ("vector_norm -inf", lambda lib, x: lib.linalg.vector_norm(x, -float("inf")), (3, 4)),
    ("vector_norm 0", lambda lib, x: lib.linalg.vector_norm(x, 0, dim=-1), (3, 4)),
    ("vector_norm 3", lambda lib, x: lib.linalg.vector_norm(x, 3, dim=(0, 1)), (2, 3, 4)),
    ("vector_norm 0.5", lambda lib, x: lib.linalg.vector_norm(x, 0.5, dim=1, keepdim=True),
     (3, 4)),
    ("vector_norm -1.5", lambda lib, x: lib.linalg.vector_norm(x, -1.5, dim=0), (3, 4)),
    ("vector_norm dtype",
     lambda lib, x: lib.linalg.vector_norm(x, dtype=lib.float64), (3, 4)),
    ("matrix_norm fro", lambda lib, a: lib.linalg.matrix_norm(a), (2, 3, 4)),
    ("matrix_norm nuc", lambda lib, a: lib.linalg.matrix_norm(a, "nuc"), TALL),
    ("matrix_norm 2", lambda lib, a: lib.linalg.matrix_norm(a, 2), WIDE),
    ("matrix_norm -2", lambda lib, a: lib.linalg.matrix_norm(a, -2, keepdim=True), TALL),
    ("matrix_norm 1", lambda lib, a: lib.linalg.matrix_norm(a, 1), (2, 3, 4)),
    ("matrix_norm -1", lambda lib, a: lib.linalg.matrix_norm(a, -1, keepdim=True), (3, 4)),
    ("matrix_norm inf", lambda lib, a: lib.linalg.matrix_norm(a, float("inf")), (3, 4)),
    ("matrix_norm -inf",
     lambda lib, a: lib.linalg.matrix_norm(a, -float("inf"), dim=(0, 2)), (3, 2, 4)),
    ("matrix_norm nuc dims",
     lambda lib, a: lib.linalg.matrix_norm(a, "nuc", dim=(2, 0), keepdim=True),
     rect(3, 4, (2,)).transpose(1, 0, 2).copy()),
    ("norm", lambda lib, x: lib.linalg.norm(x), (2, 3, 4)),
    ("norm vector ord", lambda lib, x: lib.linalg.norm(x, 3), (5,)),
    ("norm matrix ord", lambda lib, x: lib.linalg.norm(x, "nuc"), SQUARE),
    ("norm matrix 1", lambda lib, x: lib.linalg.norm(x, 1), (3, 4)),
    ("norm dim", lambda lib, x: lib.linalg.norm(x, dim=1), (3, 4)),
    ("norm dims", lambda lib, x: lib.linalg.norm(x, float("inf"), dim=(0, 1)), (3, 4)),
    ("cond", lambda lib, a: lib.linalg.cond(a), SQUARE),
    ("cond -2", lambda lib, a: lib.linalg.cond(a, -2), TALL),
    ("cond 1", lambda lib, a: lib.linalg.cond(a, 1), G3),
    ("cond fro", lambda lib, a: lib.linalg.cond(a, "fro"), G2x3),
    ("cond inf", lambda lib, a: lib.linalg.cond(a, float("inf")), G3),
    ("lu_factor", lambda lib, a: lib.linalg.lu_factor(a)[0], G2x3),
    ("lu_factor_ex", lambda lib, a: lib.linalg.lu_factor_ex(a)[0], (3, 3)),
    ("lu", lambda lib, a: tuple(lib.linalg.lu(a)), (3, 3)),
    ("lu batched", lambda lib, a: tuple(lib.linalg.lu(a)), (2, 4, 4)),
    ("lu tall", lambda lib, a: tuple(lib.linalg.lu(a)), (5, 3)),
    ("lu wide", lambda lib, a: tuple(lib.linalg.lu(a)), (3, 5)),
    ("lu_factor tall", lambda lib, a: lib.linalg.lu_factor(a)[0], (4, 3)),
    ("lu_factor wide", lambda lib, a: lib.linalg.lu_factor(a)[0], (3, 4)),
    ("lu_solve", lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b), G3, (3, 2)),
    ("lu_solve adjoint",
     lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b, adjoint=True), G3, (3, 2)),
    ("lu_solve right",
     lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b, left=False), G2x3, (2, 3)),
    ("lu_solve right adjoint", lambda lib, a, b: lib.linalg.lu_solve(
        *lib.linalg.lu_factor(a), b, left=False, adjoint=True), G3, (2, 3)),
    ("tensorinv", lambda lib, a: lib.linalg.tensorinv(a, ind=1), general(4).reshape(4, 2, 2)),
    ("tensorinv ind 2",
     lambda lib, a: lib.linalg.tensorinv(a.reshape(2, 3, 6)), general(6).reshape(2, 3, 6)),
    ("tensorsolve", lambda lib, a, b: lib.linalg.tensorsolve(a, b),
     general(6).reshape(2, 3, 6), (2, 3)),
    ("tensorsolve dims", lambda lib, a, b: lib.linalg.tensorsolve(a, b, dims=(0,)),
     general(6).T.reshape(6, 2, 3).copy(), (2, 3)),
    ("householder_product",
     lambda lib, a, t: lib.linalg.householder_product(a, t), (4, 3), np.array([1.2, 0.6, 1.5])),
    ("diagonal", lambda lib, a: lib.linalg.diagonal(a), (2, 3, 4)),
    ("diagonal offset", lambda lib, a: lib.linalg.diagonal(a, offset=-1, dim1=0, dim2=2),
     (3, 2, 4)),
    ("multi_dot", lambda lib, a, b, c: lib.linalg.multi_dot([a, b, c]), (3,), (3, 4), (4, 2)),
    ("cross", lambda lib, a, b: lib.linalg.cross(a, b), (2, 3), (1, 3)),
    ("vecdot", lambda lib, a, b: lib.linalg.vecdot(a, b), (2, 3), (3,)),
    ("matmul", lambda lib, a, b: lib.linalg.matmul(a, b), (2, 3), (3, 2)),
    ("vander", lambda lib, x: lib.linalg.vander(x), (2, 3)),
    ("vander N", lambda lib, x: lib.linalg.vander(x, N=5), (4,)),
]  # fmt: skip

# PyTorch's own backward of these fails ("modified by an inplace operation" inside its cond):
# their values are compared here, their gradients by gradcheck.
_VALUES_ONLY = {"cond 1", "cond fro", "cond inf"}
_TOL = {"matrix_exp large": 1e-4, "cond fro": 1e-4, "matrix_power 5": 1e-4}


@pytest.mark.parametrize(("name", "fn", "specs"), [(c[0], c[1], c[2:]) for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_values_and_gradients_match_pytorch(name, fn, specs) -> None:
    rtol = _TOL.get(name, 2e-5)
    check_op(fn, *specs, rtol=rtol, atol=2e-5, grad=name not in _VALUES_ONLY)


# Functions that read one triangle of a symmetric input: gradcheck perturbs every element, so
# it checks them on the symmetric part of its input, as PyTorch's own tests do.
_SYMMETRIC_INPUT = {
    "cholesky", "cholesky upper", "cholesky_ex", "eigh", "eigh upper", "eigvalsh",
    "eigvalsh upper", "pinv hermitian",
}  # fmt: skip


def _for_gradcheck(name, fn):
    """``fn`` with a symmetrised first input where needed, returning only the outputs that have
    a gradient (``P`` of ``lu`` has none)."""

    def wrapped(lib, a, *rest):
        if name in _SYMMETRIC_INPUT:
            a = (a + a.mT) / 2
        out = fn(lib, a, *rest)
        outs = out if isinstance(out, tuple) else (out,)
        return outs[1:] if name.split()[0] == "lu" else outs

    return wrapped


@pytest.mark.parametrize(("name", "fn", "specs"), [(c[0], c[1], c[2:]) for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_gradcheck_float64(name, fn, specs) -> None:
    check_gradcheck(_for_gradcheck(name, fn), *specs)
