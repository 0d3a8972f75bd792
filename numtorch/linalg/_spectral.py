"""``numtorch.linalg``'s factorizations: ``svd``, ``svdvals``, ``eigh``, ``eigvalsh``, ``qr``,
``lu_factor``, ``lu_factor_ex``, ``lu``, ``lu_solve``, and what is built on the SVD
(``matrix_rank``). ``eig``/``eigvals`` need complex numbers, which numtorch has not:
they raise, naming the real alternatives."""

from __future__ import annotations

import numpy as np

from numtorch._checks import check_tensor, type_name
from numtorch._namespace.linalg import matmul
from numtorch._namespace.shape import transpose
from numtorch.linalg._common import (
    broadcast_batch,
    check_float,
    check_matrix,
    check_square,
    constant,
    raise_for_info,
    result,
)
from numtorch.linalg._solvers import _tolerances, solve_triangular
from numtorch.ops import factorizations as fac
from numtorch.tensor import Tensor

__all__ = [
    "svd",
    "svdvals",
    "eigh",
    "eigvalsh",
    "eig",
    "eigvals",
    "qr",
    "lu_factor",
    "lu_factor_ex",
    "lu",
    "lu_solve",
    "matrix_rank",
]


def _check_driver(driver: str | None) -> None:
    if driver is not None:
        raise RuntimeError(
            "torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs "
            "with cuSOLVER backend."
        )


def svd(A: Tensor, full_matrices: bool = True, *, driver: str | None = None) -> tuple:
    """``(U, S, Vh)`` with ``A = U diag(S) Vh``, ``S`` descending; ``full_matrices=False``
    gives the reduced factors (the ones whose gradient is defined)."""
    check_matrix(A, "linalg.svd")
    check_float(A, "linalg.svd", "linalg_svd_cpu")
    _check_driver(driver)
    return result("linalg_svd", *fac.Svd.apply(A, bool(full_matrices)))


def svdvals(A: Tensor, *, driver: str | None = None) -> Tensor:
    """The singular values of each matrix of ``A``, descending."""
    check_matrix(A, "linalg.svd")
    check_float(A, "linalg.svd", "linalg_svd_cpu")
    _check_driver(driver)
    return fac.Svd.apply(A, False, False)


def _check_uplo(UPLO: str) -> str:
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO


def _check_eigh(A: Tensor) -> None:
    check_matrix(A, "linalg.eigh")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"linalg.eigh: A must be batches of square matrices, but they are {A.shape[-2]} by "
            f"{A.shape[-1]} matrices"
        )
    if not A.dtype.is_floating_point or A._data.dtype.itemsize < 4:
        raise NotImplementedError(f"\"linalg_eigh_cpu\" not implemented for '{type_name(A.dtype)}'")


def eigh(A: Tensor, UPLO: str = "L") -> tuple:
    """``(eigenvalues, eigenvectors)`` of each symmetric matrix of ``A`` (reading its ``UPLO``
    triangle), eigenvalues ascending.

    Example:
        >>> import numtorch as torch
        >>> torch.linalg.eigh(torch.tensor([[4.0, 2.0], [2.0, 3.0]])).eigenvalues
        tensor([1.4384, 5.5616])
    """
    _check_eigh(A)
    return result("linalg_eigh", *fac.Eigh.apply(A, _check_uplo(UPLO)))


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """The eigenvalues of each symmetric matrix of ``A``, ascending."""
    _check_eigh(A)
    return fac.Eigh.apply(A, _check_uplo(UPLO), False)


_COMPLEX = (
    "{}: the eigenvalues of a general real matrix are complex, and numtorch has no complex "
    "dtypes. For a symmetric matrix use numtorch.linalg.eigh or numtorch.linalg.eigvalsh, "
    "whose eigenvalues are real."
)


def eig(A: Tensor) -> tuple:
    """Not available: PyTorch returns complex tensors, which numtorch has not (see ``eigh``)."""
    check_square(A, "linalg.eig")
    raise NotImplementedError(_COMPLEX.format("linalg.eig"))


def eigvals(A: Tensor) -> Tensor:
    """Not available: PyTorch returns complex tensors, which numtorch has not (see
    ``eigvalsh``)."""
    check_square(A, "linalg.eigvals")
    raise NotImplementedError(_COMPLEX.format("linalg.eigvals"))


def qr(A: Tensor, mode: str = "reduced") -> tuple:
    """``(Q, R)`` with ``A = Q R`` (``mode``: 'reduced', 'complete', or 'r' for ``R`` alone with
    an empty ``Q``)."""
    check_matrix(A, "linalg.qr")
    check_float(A, "linalg.qr", "geqrf_cpu")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
            "'r', or 'complete'"
        )
    return result("linalg_qr", *fac.Qr.apply(A, mode))


def _lu_input(A: Tensor, pivot: bool, fn: str) -> None:
    check_tensor(A, fn.replace(".", "_"), "A", 1)
    if A.ndim < 2:
        raise RuntimeError(
            f"torch.lu_factor: Expected tensor with 2 or more dimensions. Got size: "
            f"{list(A.shape)} instead"
        )
    if not A.dtype.is_floating_point or A._data.dtype.itemsize < 4:
        raise NotImplementedError(f"\"lu_cpu\" not implemented for '{type_name(A.dtype)}'")
    if not pivot:
        raise RuntimeError(f"{fn}: LU without pivoting is not implemented on the CPU")


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False) -> tuple:
    """``(LU, pivots, info)``: LAPACK's packed LU factorization with partial pivoting
    (``pivots`` 1-based, int32); ``info`` > 0 names a zero diagonal element of ``U``."""
    _lu_input(A, pivot, "linalg.lu_factor")
    lu_, piv, info = fac.LuFactor.apply(A, True)
    if check_errors:
        raise_for_info(
            info._data, "torch.linalg.lu_factor",
            "U[{0},{0}] is zero and using it on lu_solve would result in a division by zero. "
            "If you still want to perform the factorization, consider calling "
            "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)",
        )  # fmt: skip
    return result("linalg_lu_factor_ex", lu_, piv, info)


def lu_factor(A: Tensor, *, pivot: bool = True) -> tuple:
    """``(LU, pivots)`` of ``lu_factor_ex``; raises for an exactly singular matrix."""
    lu_, piv, _ = lu_factor_ex(A, pivot=pivot, check_errors=True)
    return result("linalg_lu_factor", lu_, piv)


def lu(A: Tensor, *, pivot: bool = True) -> tuple:
    """``(P, L, U)`` with ``A = P L U``: ``P`` a permutation, ``L`` unit lower triangular
    (``m x k``), ``U`` upper triangular (``k x n``), ``k = min(m, n)``."""
    _lu_input(A, pivot, "linalg.lu")
    return result("linalg_lu", *fac.Lu.apply(A, True))


def permutation(pivots: Tensor, m: int, dtype: np.dtype) -> np.ndarray:
    """The permutation matrix ``P`` of LAPACK's 1-based row swaps ``pivots``."""
    lu0 = np.zeros(tuple(pivots.shape[:-1]) + (m, m), dtype)
    return fac.lu_unpack_arrays(lu0, np.asarray(pivots._data), m, m)[0]


def lu_solve(
    LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False
) -> Tensor:
    """``X`` with ``A X = B`` (``left=False``: ``X A = B``; ``adjoint``: with ``A^T``) from
    ``lu_factor``'s ``(LU, pivots)``: two triangular solves and the permutation, so ``LU`` and
    ``B`` get their gradients."""
    fn = "linalg.lu_solve"
    check_square(LU, fn, "LU")
    check_tensor(pivots, "linalg_lu_solve", "pivots", 2)
    check_matrix(B, fn, "B", 3)
    if pivots._data.dtype != np.int32:
        raise RuntimeError(f"{fn}: pivots should be a Tensor of scalar type torch.int32")
    n = LU.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(
            f"{fn}: Incompatible shapes of A and B for the equation {eq} "
            f"({n}x{n} and {B.shape[-2]}x{B.shape[-1]})"
        )
    lu_, b = broadcast_batch(LU, B)
    p = constant(np.broadcast_to(permutation(pivots, n, LU._data.dtype), tuple(lu_.shape)))
    x = _lu_solve(lu_, p, b, left, adjoint)
    if x.grad_fn is not None:
        x.grad_fn._name = "LinalgLuSolveBackward0"
    return x


def _lu_solve(lu_: Tensor, p: Tensor, b: Tensor, left: bool, adjoint: bool) -> Tensor:
    """``A = P L U``: ``A X = B`` is ``X = U^{-1} L^{-1} P^T B``; the adjoint and right-hand
    forms transpose the same steps."""
    pt = transpose(p, -2, -1)
    if left and not adjoint:  # U^{-1} L^{-1} P^T B
        y = solve_triangular(lu_, matmul(pt, b), upper=False, unitriangular=True)
        return solve_triangular(lu_, y, upper=True)
    if left:  # A^T X = B: P L^{-T} U^{-T} B
        lt = transpose(lu_, -2, -1)
        y = solve_triangular(lt, b, upper=False)
        return matmul(p, solve_triangular(lt, y, upper=True, unitriangular=True))
    if not adjoint:  # X A = B: B U^{-1} L^{-1} P^T
        y = solve_triangular(lu_, b, upper=True, left=False)
        return matmul(solve_triangular(lu_, y, upper=False, left=False, unitriangular=True), pt)
    lt = transpose(lu_, -2, -1)  # X A^T = B: B P L^{-T} U^{-T}
    y = solve_triangular(lt, matmul(b, p), upper=True, left=False, unitriangular=True)
    return solve_triangular(lt, y, upper=False, left=False)


def matrix_rank(
    A: Tensor, tol=None, hermitian: bool = False, *, atol=None, rtol=None
) -> Tensor:  # fmt: skip
    """The number of singular values above ``max(atol, rtol * s_max)`` for each matrix (int64);
    ``tol`` is the older name of ``atol``."""
    check_tensor(A, "linalg_matrix_rank", "input", 1)
    if A.ndim < 2:
        raise RuntimeError(
            "torch.linalg.matrix_rank: The input tensor input must have at least 2 dimensions."
        )
    if not A.dtype.is_floating_point or A._data.dtype.itemsize < 4:
        raise RuntimeError("This function doesn't handle types other than float and double")
    a_tol, r_tol = _tolerances(A, atol if tol is None else tol, rtol)
    if hermitian:
        s = np.abs(np.linalg.eigvalsh(A._data))
    else:
        s = np.linalg.svd(A._data, compute_uv=False)
    smax = s.max(axis=-1, initial=0) if s.shape[-1] else np.zeros(s.shape[:-1], s.dtype)
    limit = np.maximum(a_tol, r_tol * smax)[..., None]
    return constant((s > limit).sum(-1).astype(np.int64))
