"""numtorch.linalg's errors, return types, info outputs and node names against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import check_error, check_same, check_saved_versions
from linalg_inputs import general, rect, spd, sym

import numtorch

ONES3 = np.ones((3, 3), np.float32)
SINGULAR_BATCH = np.stack([np.eye(3), np.zeros((3, 3))]).astype(np.float32)
NOT_PD_BATCH = np.stack([np.eye(3), -np.eye(3)]).astype(np.float32)


def _t(lib, a):
    return lib.tensor(np.asarray(a, np.float32))


ERRORS = [
    ("inv non-square", lambda lib: lib.linalg.inv(lib.ones(2, 3)),
     r"linalg.inv: A must be batches of square matrices, but they are 2 by 3 matrices"),
    ("inv int", lambda lib: lib.linalg.inv(lib.ones(3, 3, dtype=lib.int64)),
     r"linalg.inv: Expected a floating point or complex tensor as input. Got Long"),
    ("inv 1-D", lambda lib: lib.linalg.inv(lib.ones(3)),
     r"linalg.inv: The input tensor A must have at least 2 dimensions."),
    ("inv not a tensor", lambda lib: lib.linalg.inv([[1.0]]),
     r"linalg_inv\(\): argument 'A' \(position 1\) must be Tensor, not list"),
    ("det non-square", lambda lib: lib.linalg.det(lib.ones(2, 3)),
     r"linalg.det: A must be batches of square matrices"),
    ("slogdet 1-D", lambda lib: lib.linalg.slogdet(lib.ones(3)),
     r"linalg.slogdet: The input tensor A must have at least 2 dimensions."),
    ("cholesky int", lambda lib: lib.linalg.cholesky(lib.ones(3, 3, dtype=lib.int64)),
     r"linalg.cholesky: Expected a floating point or complex tensor as input. Got Long"),
    ("solve shapes", lambda lib: lib.linalg.solve(lib.eye(3), lib.ones(4)),
     r"linalg.solve: Incompatible shapes of A and B for the equation AX = B \(3x3 and 4x1\)"),
    ("solve right shapes", lambda lib: lib.linalg.solve(lib.eye(3), lib.ones(3, 1), left=False),
     r"Incompatible shapes of A and B for the equation XA = B \(3x3 and 3x1\)"),
    ("solve dtypes", lambda lib: lib.linalg.solve(lib.eye(3), lib.ones(3, 4, dtype=lib.float64)),
     r"linalg.solve: Expected A and B to have the same dtype, but found A of type Float and B "
     r"of type Double instead"),
    ("solve 0-d B", lambda lib: lib.linalg.solve(lib.eye(3), lib.ones(3)[0]),
     r"linalg.solve: The input tensor B must have at least 2 dimensions."),
    ("solve non-square", lambda lib: lib.linalg.solve(lib.eye(2, 3), lib.ones(3)),
     r"linalg.solve: A must be batches of square matrices, but they are 2 by 3 matrices"),
    ("solve batch", lambda lib: lib.linalg.solve(lib.eye(3), lib.ones(2, 4, 3)),
     r"Incompatible shapes of A and B for the equation AX = B \(3x3 and 4x3\)"),
    ("solve_triangular upper missing",
     lambda lib: lib.linalg.solve_triangular(lib.eye(3), lib.ones(3, 1)), r"upper"),
    ("solve_triangular shapes",
     lambda lib: lib.linalg.solve_triangular(lib.eye(3), lib.ones(3, 2), upper=True, left=False),
     r"linalg.solve_triangular: Incompatible shapes of A and B for the equation XA = B "
     r"\(3x3 and 3x2\)"),
    ("solve_triangular non-square",
     lambda lib: lib.linalg.solve_triangular(lib.eye(2, 3), lib.ones(2, 3), upper=True),
     r"linalg.solve_triangular: A must be batches of square matrices"),
    ("eigh UPLO", lambda lib: lib.linalg.eigh(lib.eye(3), UPLO="X"),
     r"Expected UPLO argument to be 'L' or 'U', but got X"),
    ("eigh int", lambda lib: lib.linalg.eigh(lib.ones(3, 3, dtype=lib.int64)),
     r"\"linalg_eigh_cpu\" not implemented for 'Long'"),
    ("eigvalsh non-square", lambda lib: lib.linalg.eigvalsh(lib.ones(2, 3)),
     r"linalg.eigh: A must be batches of square matrices, but they are 2 by 3 matrices"),
    ("svd driver", lambda lib: lib.linalg.svd(lib.eye(3), driver="gesvd"),
     r"keyword argument `driver=` is only supported on CUDA inputs"),
    ("svd 1-D", lambda lib: lib.linalg.svd(lib.ones(3)),
     r"linalg.svd: The input tensor A must have at least 2 dimensions."),
    ("qr mode", lambda lib: lib.linalg.qr(lib.eye(3), mode="x"),
     r"qr received unrecognized mode 'x' but expected one of 'reduced' \(default\), 'r', or "
     r"'complete'"),
    ("qr int", lambda lib: lib.linalg.qr(lib.ones(3, 3, dtype=lib.int64)),
     r"linalg.qr: Expected a floating point or complex tensor as input. Got Long"),
    ("pinv int", lambda lib: lib.linalg.pinv(lib.ones(3, 3, dtype=lib.int64)),
     r"linalg.pinv\(Long\{\[3, 3\]\}\): expected a tensor with 2 or more dimensions of float, "
     r"double, cfloat or cdouble types"),
    ("matrix_exp non-square", lambda lib: lib.linalg.matrix_exp(lib.ones(2, 3)),
     r"linalg.matrix_exp: A must be batches of square matrices"),
    ("matrix_power non-square", lambda lib: lib.linalg.matrix_power(lib.ones(2, 3), 2),
     r"linalg.matrix_power: A must be batches of square matrices"),
    ("matrix_rank 1-D", lambda lib: lib.linalg.matrix_rank(lib.ones(3)),
     r"torch.linalg.matrix_rank: The input tensor input must have at least 2 dimensions."),
    ("matrix_rank int", lambda lib: lib.linalg.matrix_rank(lib.ones(3, 3, dtype=lib.int64)),
     r"This function doesn't handle types other than float and double"),
    ("lstsq driver", lambda lib: lib.linalg.lstsq(lib.ones(4, 3), lib.ones(4, 2), driver="bad"),
     r"torch.linalg.lstsq: parameter `driver` should be one of \(gels, gelsy, gelsd, gelss\)"),
    ("lstsq ranks", lambda lib: lib.linalg.lstsq(lib.ones(4, 3), lib.ones(2, 4, 2)),
     r"torch.linalg.lstsq: input.dim\(\) must be greater or equal to other.dim\(\) and "
     r"\(input.dim\(\) - other.dim\(\)\) <= 1"),
    ("lstsq rows", lambda lib: lib.linalg.lstsq(lib.ones(4, 3), lib.ones(3, 2)),
     r"torch.linalg.lstsq: input.size\(-2\) should match other.size\(-2\)"),
    ("lstsq dtypes",
     lambda lib: lib.linalg.lstsq(lib.ones(4, 3), lib.ones(4, 2, dtype=lib.float64)),
     r"torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's "
     r"dtype Float and other's dtype Double"),
    ("vector_norm int", lambda lib: lib.linalg.vector_norm(lib.ones(3, dtype=lib.int64)),
     r"linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"),
    ("vector_norm str ord", lambda lib: lib.linalg.vector_norm(lib.ones(3), "fro"),
     r"linalg_vector_norm\(\): argument 'ord' \(position 2\) must be Number, not str"),
    ("vector_norm repeated dim", lambda lib: lib.linalg.vector_norm(lib.ones(3, 3), 2, (0, 0)),
     r"dim 0 appears multiple times in the list of dims"),
    ("vector_norm int dtype",
     lambda lib: lib.linalg.vector_norm(lib.ones(3), dtype=lib.int64),
     r"linalg.vector_norm: dtype should be floating point or complex, but got Long"),
    ("vector_norm narrowing",
     lambda lib: lib.linalg.vector_norm(lib.ones(3, dtype=lib.float64), dtype=lib.float32),
     r"the dtype of the input \(Double\) should be convertible without narrowing to the "
     r"specified dtype \(Float\)"),
    ("vector_norm inf of empty", lambda lib: lib.linalg.vector_norm(lib.ones(0, 3), float("inf")),
     r"linalg.vector_norm cannot compute the inf norm on an empty tensor because the operation "
     r"does not have an identity"),
    ("vector_norm -1 of empty", lambda lib: lib.linalg.vector_norm(lib.ones(0, 3), -1),
     r"linalg.vector_norm cannot compute the -1 norm on an empty tensor"),
    ("matrix_norm ord", lambda lib: lib.linalg.matrix_norm(lib.eye(3), ord=3),
     r"linalg.matrix_norm: Order 3 not supported."),
    ("matrix_norm str ord", lambda lib: lib.linalg.matrix_norm(lib.eye(3), "abc"),
     r"linalg.matrix_norm: Order abc not supported."),
    ("matrix_norm dim", lambda lib: lib.linalg.matrix_norm(lib.eye(3), dim=(0,)),
     r"linalg.matrix_norm: dim must be a 2-tuple. Got 0"),
    ("matrix_norm same dims", lambda lib: lib.linalg.matrix_norm(lib.eye(3), dim=(0, 0)),
     r"linalg.matrix_norm: dims must be different. Got \(0, 0\)"),
    ("norm 3-D with ord", lambda lib: lib.linalg.norm(lib.ones(3, 3, 3), 2),
     r"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got 3D."),
    ("norm 3 dims", lambda lib: lib.linalg.norm(lib.ones(3, 3, 3), dim=(0, 1, 2)),
     r"linalg.norm: If dim is specified, it must be of length 1 or 2. Got \[0, 1, 2\]"),
    ("norm fro of vector", lambda lib: lib.linalg.norm(lib.ones(3), "fro"),
     r"linalg.matrix_norm: The input tensor A must have at least 2 dimensions."),
    ("cond 1-D", lambda lib: lib.linalg.cond(lib.ones(3)),
     r"linalg.cond: The input tensor must have at least 2 dimensions."),
    ("cond non-square", lambda lib: lib.linalg.cond(lib.ones(2, 3), 1),
     r"linalg.cond\(ord=1\): A must be batches of square matrices, but they are 2 by 3 "
     r"matrices"),
    ("cond ord", lambda lib: lib.linalg.cond(lib.eye(3), 3),
     r"linalg.cond got an invalid norm type: 3"),
    ("lu_factor 1-D", lambda lib: lib.linalg.lu_factor(lib.ones(3)),
     r"torch.lu_factor: Expected tensor with 2 or more dimensions. Got size: \[3\] instead"),
    ("lu_factor no pivot", lambda lib: lib.linalg.lu_factor(lib.eye(3), pivot=False),
     r"linalg.lu_factor: LU without pivoting is not implemented on the CPU"),
    ("lu_factor int", lambda lib: lib.linalg.lu_factor(lib.ones(3, 3, dtype=lib.int64)),
     r"\"lu_cpu\" not implemented for 'Long'"),
    ("lu_solve pivots dtype", lambda lib: lib.linalg.lu_solve(
        lib.eye(3), lib.ones(3, dtype=lib.int64), lib.ones(3, 2)),
     r"linalg.lu_solve: pivots should be a Tensor of scalar type torch.int32"),
    ("lu_solve shapes", lambda lib: lib.linalg.lu_solve(
        lib.eye(3), lib.ones(3, dtype=lib.int32), lib.ones(4, 2)),
     r"linalg.lu_solve: Incompatible shapes of A and B for the equation AX = B \(3x3 and 4x2\)"),
    ("lu_solve 1-D B", lambda lib: lib.linalg.lu_solve(
        lib.eye(3), lib.ones(3, dtype=lib.int32), lib.ones(3)),
     r"linalg.lu_solve: The input tensor B must have at least 2 dimensions."),
    ("tensorinv ind", lambda lib: lib.linalg.tensorinv(lib.ones(4, 6, 8, 3), ind=0),
     r"Expected a strictly positive integer for 'ind', but got 0"),
    ("tensorsolve shapes", lambda lib: lib.linalg.tensorsolve(lib.ones(2, 3, 6), lib.ones(2, 4)),
     r"Expected self to satisfy the requirement prod\(self.shape\[other.ndim:\]\) == "
     r"prod\(self.shape\[:other.ndim\]\), but got 6 != 8"),
    ("tensorinv shapes", lambda lib: lib.linalg.tensorinv(lib.ones(4, 5), ind=1),
     r"Expected self to satisfy the requirement prod\(self.shape\[ind:\]\) == "
     r"prod\(self.shape\[:ind\]\), but got 5 != 4"),
    ("householder wide", lambda lib: lib.linalg.householder_product(lib.ones(3, 4), lib.ones(2)),
     r"torch.linalg.householder_product: input.shape\[-2\] must be greater than or equal to "
     r"input.shape\[-1\]"),
    ("householder tau", lambda lib: lib.linalg.householder_product(lib.ones(4, 3), lib.ones(4)),
     r"input.shape\[-1\] must be greater than or equal to tau.shape\[-1\]"),
    ("householder tau ndim",
     lambda lib: lib.linalg.householder_product(lib.ones(4, 3), lib.ones(2, 2)),
     r"Expected tau to have one dimension less than input, but got tau.ndim equal to 2 and "
     r"input.ndim is equal to 2"),
    ("householder 1-D", lambda lib: lib.linalg.householder_product(lib.ones(4), lib.ones(2)),
     r"torch.linalg.householder_product: input must have at least 2 dimensions."),
    ("diagonal same dims", lambda lib: lib.linalg.diagonal(lib.ones(4, 3), dim1=0, dim2=0),
     r"diagonal dimensions cannot be identical 0, 0"),
    ("vander N", lambda lib: lib.linalg.vander(lib.ones(2), N=1), r"N must be greater than 1."),
    ("solve batches", lambda lib: lib.linalg.solve(lib.ones(2, 3, 3), lib.ones(3, 3, 2)),
     r"The size of tensor a \(3\) must match the size of tensor b \(2\) at non-singleton "
     r"dimension 0"),
    ("lu_solve batches", lambda lib: lib.linalg.lu_solve(
        lib.ones(2, 3, 3), lib.ones(2, 3, dtype=lib.int32), lib.ones(3, 3, 2)),
     r"The size of tensor a \(3\) must match the size of tensor b \(2\)"),
    ("matrix_power float n", lambda lib: lib.linalg.matrix_power(lib.eye(3), 2.0),
     r"linalg_matrix_power\(\): argument 'n' \(position 2\) must be int, not float"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "fn", "match"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_pytorch(name, fn, match) -> None:
    check_error(fn, match)


LINALG_ERRORS = [
    ("inv singular", lambda lib: lib.linalg.inv(lib.zeros(3, 3)),
     r"linalg.inv: The diagonal element 1 is zero, the inversion could not be completed "
     r"because the input matrix is singular."),
    ("inv singular later pivot", lambda lib: lib.linalg.inv(_t(lib, ONES3)),
     r"linalg.inv: The diagonal element 2 is zero"),
    ("inv singular batch", lambda lib: lib.linalg.inv(_t(lib, SINGULAR_BATCH)),
     r"linalg.inv: \(Batch element 1\): The diagonal element 1 is zero"),
    ("solve singular", lambda lib: lib.linalg.solve(lib.zeros(3, 3), lib.ones(3)),
     r"torch.linalg.solve: The solver failed because the input matrix is singular."),
    ("solve singular batch", lambda lib: lib.linalg.solve(_t(lib, SINGULAR_BATCH), lib.ones(3, 1)),
     r"torch.linalg.solve: \(Batch element 1\): The solver failed because the input matrix is "
     r"singular."),
    ("cholesky not PD", lambda lib: lib.linalg.cholesky(_t(lib, [[1.0, 2.0], [2.0, 1.0]])),
     r"linalg.cholesky: The factorization could not be completed because the input is not "
     r"positive-definite \(the leading minor of order 2 is not positive-definite\)."),
    ("cholesky not PD batch", lambda lib: lib.linalg.cholesky(_t(lib, NOT_PD_BATCH)),
     r"linalg.cholesky: \(Batch element 1\): The factorization could not be completed because "
     r"the input is not positive-definite \(the leading minor of order 1"),
    ("lu_factor singular", lambda lib: lib.linalg.lu_factor(lib.zeros(2, 3, 3)),
     r"torch.linalg.lu_factor: \(Batch element 0\): U\[1,1\] is zero and using it on lu_solve "
     r"would result in a division by zero. If you still want to perform the factorization, "
     r"consider calling linalg.lu\(A, pivot\) or linalg.lu_factor_ex\(A, pivot\)"),
    ("matrix_power singular", lambda lib: lib.linalg.matrix_power(lib.zeros(3, 3), -1),
     r"linalg.inv: The diagonal element 1 is zero"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "fn", "match"), LINALG_ERRORS, ids=[e[0] for e in LINALG_ERRORS])
def test_linalg_errors_are_linalgerror_with_pytorchs_message(name, fn, match) -> None:
    check_error(fn, match, exc=RuntimeError)
    with pytest.raises(numtorch.linalg.LinAlgError, match=match):
        fn(numtorch)


def test_linalgerror_is_a_runtimeerror_like_pytorchs() -> None:
    assert issubclass(numtorch.linalg.LinAlgError, RuntimeError)
    assert issubclass(torch.linalg.LinAlgError, RuntimeError)


@pytest.mark.parametrize("name", ["eig", "eigvals"])
def test_eig_names_complex_results_and_the_real_alternatives(name: str) -> None:
    with pytest.raises(NotImplementedError, match="complex.*eigh.*eigvalsh"):
        getattr(numtorch.linalg, name)(numtorch.eye(3))
    with pytest.raises(RuntimeError, match="A must be batches of square matrices"):
        getattr(numtorch.linalg, name)(numtorch.ones(2, 3))


# ---------------------------------------------------------------- return types and info

SAME = [
    ("inv_ex info", lambda lib: lib.linalg.inv_ex(_t(lib, SINGULAR_BATCH)).info),
    ("inv_ex later pivot", lambda lib: lib.linalg.inv_ex(_t(lib, ONES3)).info),
    ("cholesky_ex info", lambda lib: lib.linalg.cholesky_ex(_t(lib, NOT_PD_BATCH)).info),
    ("cholesky_ex ok", lambda lib: tuple(lib.linalg.cholesky_ex(_t(lib, spd(3))))),
    ("solve_ex", lambda lib: tuple(lib.linalg.solve_ex(_t(lib, general(3)), lib.ones(3)))),
    ("lu_factor_ex info", lambda lib: lib.linalg.lu_factor_ex(lib.zeros(2, 3, 3)).info),
    ("lu_factor_ex", lambda lib: lib.linalg.lu_factor_ex(_t(lib, general(4, (2,))))),
    ("lu_factor pivots", lambda lib: lib.linalg.lu_factor(_t(lib, rect(4, 3))).pivots),
    ("lu wide", lambda lib: lib.linalg.lu(_t(lib, rect(3, 5)))),
    ("slogdet", lambda lib: lib.linalg.slogdet(_t(lib, -general(3)))),
    ("qr r", lambda lib: lib.linalg.qr(_t(lib, rect(4, 3)), mode="r")),
    ("qr complete tall", lambda lib: lib.linalg.qr(_t(lib, rect(4, 3)), mode="complete")),
    ("svd values", lambda lib: lib.linalg.svd(_t(lib, rect(4, 3))).S),
    ("svd full shapes", lambda lib: [t.shape for t in lib.linalg.svd(_t(lib, rect(4, 3)))]),
    ("eigh fields", lambda lib: lib.linalg.eigh(_t(lib, sym(3))).eigenvalues),
    ("lstsq", lambda lib: lib.linalg.lstsq(_t(lib, rect(4, 3)), _t(lib, rect(4, 2)))),
    ("lstsq gelsd", lambda lib: lib.linalg.lstsq(_t(lib, rect(4, 3)), _t(lib, rect(4, 2)),
                                                 driver="gelsd")),
    ("lstsq gelss vector", lambda lib: lib.linalg.lstsq(_t(lib, rect(4, 3)), lib.ones(4),
                                                        driver="gelss")),
    ("lstsq gels", lambda lib: lib.linalg.lstsq(_t(lib, rect(4, 3)), _t(lib, rect(4, 2)),
                                                driver="gels")),
    ("lstsq batch vector", lambda lib: lib.linalg.lstsq(_t(lib, rect(4, 3, (2,))), lib.ones(2, 4))),
    ("lstsq rank-deficient", lambda lib: lib.linalg.lstsq(lib.ones(4, 3), _t(lib, rect(4, 2)),
                                                          driver="gelsd")),
    ("matrix_rank", lambda lib: lib.linalg.matrix_rank(lib.ones(2, 3, 3))),
    ("matrix_rank full", lambda lib: lib.linalg.matrix_rank(_t(lib, rect(3, 5)))),
    ("matrix_rank hermitian", lambda lib: lib.linalg.matrix_rank(_t(lib, sym(3)), hermitian=True)),
    ("matrix_rank atol", lambda lib: lib.linalg.matrix_rank(_t(lib, rect(4, 3)), atol=1.5)),
    ("matrix_rank rtol", lambda lib: lib.linalg.matrix_rank(_t(lib, rect(4, 3)), rtol=0.5)),
    ("matrix_rank tol", lambda lib: lib.linalg.matrix_rank(_t(lib, rect(4, 3)), tol=2.5)),
    ("pinv rank-deficient", lambda lib: lib.linalg.pinv(lib.ones(3, 4))),
    ("pinv rtol cut", lambda lib: lib.linalg.pinv(_t(lib, rect(3, 3)), rtol=0.4)),
    ("cond singular 1", lambda lib: lib.linalg.cond(lib.zeros(3, 3), 1)),
    ("cond singular", lambda lib: lib.linalg.cond(lib.zeros(3, 3))),
    ("det empty", lambda lib: lib.linalg.det(lib.ones(2, 0, 0))),
    ("vector_norm empty dim", lambda lib: lib.linalg.vector_norm(lib.ones(0, 3), 2, dim=1)),
    ("vector_norm inf over non-empty dim",
     lambda lib: lib.linalg.vector_norm(lib.ones(0, 3), float("inf"), dim=1)),
    ("vector_norm keepdim all", lambda lib: lib.linalg.vector_norm(lib.ones(2, 3), keepdim=True)),
    ("matrix_norm float64", lambda lib: lib.linalg.matrix_norm(lib.eye(3), dtype=lib.float64)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "fn"), SAME, ids=[s[0] for s in SAME])
def test_results_and_return_types_match_pytorch(name, fn) -> None:
    check_same(fn, rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------- node names


def _leaf(lib, a):
    return lib.tensor(np.asarray(a, np.float32), requires_grad=True)


NODES = [
    ("inv", lambda lib: lib.linalg.inv(_leaf(lib, general(3)))),
    ("det", lambda lib: lib.linalg.det(_leaf(lib, general(3)))),
    ("slogdet", lambda lib: lib.linalg.slogdet(_leaf(lib, general(3))).logabsdet),
    ("solve", lambda lib: lib.linalg.solve(_leaf(lib, general(3)), lib.ones(3, 2))),
    ("solve vector", lambda lib: lib.linalg.solve(_leaf(lib, general(3)), lib.ones(3))),
    ("solve_triangular",
     lambda lib: lib.linalg.solve_triangular(_leaf(lib, general(3)), lib.ones(3, 2), upper=True)),
    ("cholesky", lambda lib: lib.linalg.cholesky(_leaf(lib, spd(3)))),
    ("qr", lambda lib: lib.linalg.qr(_leaf(lib, rect(4, 3))).Q),
    ("svd", lambda lib: lib.linalg.svd(_leaf(lib, rect(4, 3))).U),
    ("svdvals", lambda lib: lib.linalg.svdvals(_leaf(lib, rect(4, 3)))),
    ("eigh", lambda lib: lib.linalg.eigh(_leaf(lib, sym(3))).eigenvectors),
    ("eigvalsh", lambda lib: lib.linalg.eigvalsh(_leaf(lib, sym(3)))),
    ("lstsq", lambda lib: lib.linalg.lstsq(_leaf(lib, rect(4, 3)), lib.ones(4, 2)).solution),
    ("pinv", lambda lib: lib.linalg.pinv(_leaf(lib, rect(4, 3)))),
    ("matrix_exp", lambda lib: lib.linalg.matrix_exp(_leaf(lib, general(3)))),
    ("vector_norm", lambda lib: lib.linalg.vector_norm(_leaf(lib, general(3)))),
    ("matrix_norm nuc", lambda lib: lib.linalg.matrix_norm(_leaf(lib, general(3)), "nuc")),
    ("matrix_norm 1", lambda lib: lib.linalg.matrix_norm(_leaf(lib, general(3)), 1)),
    ("matrix_norm fro", lambda lib: lib.linalg.matrix_norm(_leaf(lib, general(3)))),
    ("lu_factor", lambda lib: lib.linalg.lu_factor(_leaf(lib, general(3))).LU),
    ("lu", lambda lib: lib.linalg.lu(_leaf(lib, general(3))).L),
    ("lu_solve", lambda lib: lib.linalg.lu_solve(
        *lib.linalg.lu_factor(_leaf(lib, general(3))), lib.ones(3, 2))),
    ("diagonal", lambda lib: lib.linalg.diagonal(_leaf(lib, general(3)))),
    ("cond", lambda lib: lib.linalg.cond(_leaf(lib, general(3)))),
    ("matrix_power 0", lambda lib: lib.linalg.matrix_power(_leaf(lib, general(3)), 0)),
    ("matrix_power 3", lambda lib: lib.linalg.matrix_power(_leaf(lib, general(3)), 3)),
    ("householder_product",
     lambda lib: lib.linalg.householder_product(_leaf(lib, rect(4, 3)), lib.ones(2))),
    ("tensorinv", lambda lib: lib.linalg.tensorinv(_leaf(lib, general(4)).reshape(4, 2, 2), 1)),
    ("vander", lambda lib: lib.linalg.vander(_leaf(lib, general(3)))),
    ("matrix_norm 2", lambda lib: lib.linalg.matrix_norm(_leaf(lib, general(3)), 2)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "fn"), NODES, ids=[n[0] for n in NODES])
def test_node_names_match_pytorch(name, fn) -> None:
    assert fn(numtorch).grad_fn.name() == fn(torch).grad_fn.name()


def test_qr_backward_errors_match_pytorch() -> None:
    for mode, shape, match in [
        ("r", (3, 3), "The derivative of linalg.qr depends on Q, which is not computed when "
         "mode='r'"),
        ("complete", (4, 3), "The QR decomposition is not differentiable when mode='complete' "
         "and nrows > ncols."),
    ]:  # fmt: skip
        for lib in (torch, numtorch):
            a = _leaf(lib, rect(*shape))
            _, r = lib.linalg.qr(a, mode=mode)
            with pytest.raises(RuntimeError, match=match):
                r.sum().backward()


# ---------------------------------------------------------------- saved values


SAVED = [
    ("inv", lambda lib, a: lib.linalg.inv(a), general(3)),
    ("det", lambda lib, a: lib.linalg.det(a), general(3)),
    ("slogdet", lambda lib, a: lib.linalg.slogdet(a).logabsdet, general(3)),
    ("solve", lambda lib, a, b: lib.linalg.solve(a, b), general(3), (3, 2)),
    ("cholesky", lambda lib, a: lib.linalg.cholesky(a), spd(3)),
    ("matrix_exp", lambda lib, a: lib.linalg.matrix_exp(a), general(3) * 0.3),
    ("pinv", lambda lib, a: lib.linalg.pinv(a), rect(4, 3)),
    ("vector_norm", lambda lib, a: lib.linalg.vector_norm(a), (3, 4)),
    ("solve_triangular",
     lambda lib, a, b: lib.linalg.solve_triangular(a, b, upper=True), general(3), (3, 2)),
    ("svd", lambda lib, a: lib.linalg.svd(a, full_matrices=False).S, rect(4, 3)),
    ("eigvalsh", lambda lib, a: lib.linalg.eigvalsh(a), sym(3)),
    ("qr", lambda lib, a: lib.linalg.qr(a).R, rect(4, 3)),
    ("lu", lambda lib, a: lib.linalg.lu(a).U, general(3)),
    ("lu_factor", lambda lib, a: lib.linalg.lu_factor(a).LU, general(3)),
    ("eigh", lambda lib, a: lib.linalg.eigh(a).eigenvectors, sym(3)),
    ("lstsq", lambda lib, a, b: lib.linalg.lstsq(a, b).solution, rect(4, 3), (4, 2)),
    ("lu_solve", lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b),
     general(3), (3, 2)),
    ("cholesky_inverse", lambda lib, a: lib.cholesky_inverse(a), np.tril(spd(3))),
    ("cholesky_solve", lambda lib, b, a: lib.cholesky_solve(b, a), (3, 2), np.tril(spd(3))),
]  # fmt: skip


@pytest.mark.parametrize(("name", "fn", "specs"), [(s[0], s[1], s[2:]) for s in SAVED],
                         ids=[s[0] for s in SAVED])  # fmt: skip
def test_in_place_changes_of_saved_values_are_caught_like_pytorch(name, fn, specs) -> None:
    assert check_saved_versions(fn, *specs)


# ---------------------------------------------------------------- half precision

HALF = [
    ("inv", lambda lib, a: lib.linalg.inv(a)),
    ("det", lambda lib, a: lib.linalg.det(a)),
    ("solve", lambda lib, a: lib.linalg.solve(a, a)),
    ("svd", lambda lib, a: lib.linalg.svd(a)),
    ("svdvals", lambda lib, a: lib.linalg.svdvals(a)),
    ("cholesky", lambda lib, a: lib.linalg.cholesky(a)),
    ("eigh", lambda lib, a: lib.linalg.eigh(a)),
    ("qr", lambda lib, a: lib.linalg.qr(a)),
    ("matrix_norm", lambda lib, a: lib.linalg.matrix_norm(a, "nuc")),
    ("lu_factor", lambda lib, a: lib.linalg.lu_factor(a)),
    ("pinv", lambda lib, a: lib.linalg.pinv(a)),
]


@pytest.mark.parametrize(("name", "fn"), HALF, ids=[h[0] for h in HALF])
def test_half_precision_is_refused_like_pytorch(name, fn) -> None:
    check_error(lambda lib: fn(lib, lib.eye(3, dtype=lib.float16)), r"Half")


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, a: lib.linalg.vector_norm(a),
        lambda lib, a: lib.linalg.matrix_power(a, 3),
    ],
    ids=["vector_norm", "matrix_power"],
)
def test_half_precision_works_where_pytorch_computes_it(fn) -> None:
    a = np.asarray(general(3) * 0.3, np.float16)
    check_same(lambda lib: fn(lib, lib.tensor(a)), rtol=1e-2, atol=1e-2)


def test_half_precision_matrix_exp_is_the_float64_result_rounded() -> None:
    """PyTorch computes a float16 ``matrix_exp`` (its own result overflows here); numtorch's is
    the float64 exponential rounded to float16."""
    a = np.asarray(general(3) * 0.3, np.float16)
    out = numtorch.linalg.matrix_exp(numtorch.tensor(a))
    assert out.dtype == numtorch.float16
    exact = torch.linalg.matrix_exp(torch.tensor(a.astype(np.float64)))
    np.testing.assert_allclose(out.numpy(), exact.numpy().astype(np.float16), rtol=2e-3)


# ---------------------------------------------------------------- empty batches and matrices

EMPTY = {
    "inv": lambda lib, a: lib.linalg.inv(a),
    "det": lambda lib, a: lib.linalg.det(a),
    "slogdet": lambda lib, a: lib.linalg.slogdet(a),
    "solve": lambda lib, a: lib.linalg.solve(a, a),
    "cholesky": lambda lib, a: lib.linalg.cholesky(a),
    "qr": lambda lib, a: lib.linalg.qr(a),
    "svdvals": lambda lib, a: lib.linalg.svdvals(a),
    "eigvalsh": lambda lib, a: lib.linalg.eigvalsh(a),
    "lu_factor": lambda lib, a: lib.linalg.lu_factor(a),
    "lu": lambda lib, a: lib.linalg.lu(a),
    "lu_solve": lambda lib, a: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), a),
    "ldl_factor": lambda lib, a: lib.linalg.ldl_factor(a),
    "pinv": lambda lib, a: lib.linalg.pinv(a),
    "matrix_exp": lambda lib, a: lib.linalg.matrix_exp(a),
    "matrix_rank": lambda lib, a: lib.linalg.matrix_rank(a),
    "matrix_norm 2": lambda lib, a: lib.linalg.matrix_norm(a, 2),
    "matrix_norm 1": lambda lib, a: lib.linalg.matrix_norm(a, 1),
    "matrix_norm fro keepdim": lambda lib, a: lib.linalg.matrix_norm(a, keepdim=True),
    "cond": lambda lib, a: lib.linalg.cond(a),
    "cond 1": lambda lib, a: lib.linalg.cond(a, 1),
}


@pytest.mark.parametrize("shape", [(0, 3, 3), (2, 0, 0)], ids=["empty batch", "0x0 matrices"])
@pytest.mark.parametrize("name", list(EMPTY))
def test_empty_inputs_give_pytorchs_results(name: str, shape: tuple) -> None:
    check_same(lambda lib: EMPTY[name](lib, lib.zeros(shape)))
