"""The legacy ``torch.*`` forms of the matrix decompositions and solvers (``torch.det``,
``torch.inverse``, ``torch.svd``, ...); the modern forms live in ``numtorch.linalg``, which
these call. The deprecated ones warn once, with PyTorch's message, as PyTorch does."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from numtorch._checks import check_tensor, type_name
from numtorch._namespace._declare import op
from numtorch._namespace.linalg import matmul as _linalg_matmul
from numtorch._namespace.shape import expand, narrow, transpose, tril, triu
from numtorch.linalg import _norms, _products, _solvers, _spectral
from numtorch.linalg._common import (
    broadcast_batch,
    check_matrix,
    check_square,
    constant,
    named,
    result,
)
from numtorch.ops import decompositions as dec
from numtorch.ops import factorizations as fac
from numtorch.tensor import Tensor

_WARNED: set[str] = set()

_DEPRECATED = {
    "cholesky": (
        "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a "
        "future PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\n"
        "L = torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, upper=True)\nshould be "
        "replaced with\nU = torch.linalg.cholesky(A).mH\nThis transform will produce equivalent "
        "results for all valid (symmetric positive definite) inputs."
    ),
    "qr": (
        "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future "
        "PyTorch release.\nThe boolean parameter 'some' has been replaced with a string parameter "
        "'mode'.\nQ, R = torch.qr(A, some)\nshould be replaced with\n"
        "Q, R = torch.linalg.qr(A, 'reduced' if some else 'complete')"
    ),
    "lu": (
        "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex "
        "and will be removed in a future PyTorch release.\nLU, pivots = torch.lu(A, "
        "compute_pivots)\nshould be replaced with\nLU, pivots = torch.linalg.lu_factor(A, "
        "compute_pivots)\nand\nLU, pivots, info = torch.lu(A, compute_pivots, get_infos=True)\n"
        "should be replaced with\nLU, pivots, info = torch.linalg.lu_factor_ex(A, compute_pivots)"
    ),
    "triangular_solve": (
        "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangularand will "
        "be removed in a future PyTorch release.\ntorch.linalg.solve_triangular has its "
        "arguments reversed and does not return a copy of one of the inputs.\n"
        "X = torch.triangular_solve(B, A).solution\nshould be replaced with\n"
        "X = torch.linalg.solve_triangular(A, B)."
    ),
    "nuclear_norm": (
        "at::nuclear_norm is deprecated and it is just left for JIT compatibility. It will be "
        "removed in a future PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, "
        "keepdim)` instead"
    ),
}


def _deprecated(name: str) -> None:
    """PyTorch's deprecation warning for ``name``, once per process (its ``TORCH_WARN_ONCE``)."""
    if name not in _WARNED:
        _WARNED.add(name)
        warnings.warn(_DEPRECATED[name], UserWarning, stacklevel=3)


@op(method=True)
def det(input: Tensor) -> Tensor:
    """The determinant of each square matrix (``torch.linalg.det``)."""
    return _solvers.det(input)


@op(method=True)
def logdet(input: Tensor) -> Tensor:
    """``log(det(A))``: nan for a negative determinant, -inf for a zero one."""
    return _solvers.logdet(input)


@op(method=True)
def slogdet(input: Tensor) -> tuple:
    """``(sign, logabsdet)`` of each determinant (``torch.linalg.slogdet``)."""
    return result("slogdet", *_solvers.slogdet(input))


@op(method=True)
def inverse(input: Tensor) -> Tensor:
    """The inverse of each square matrix (``torch.linalg.inv``)."""
    return _solvers.inv(input)


@op(method=True)
def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """The pseudo-inverse, singular values below ``rcond * s_max`` taken as zero."""
    return _solvers.pinv(input, rtol=rcond)


@op(method=True)
def matrix_exp(input: Tensor) -> Tensor:
    """The matrix exponential (``torch.linalg.matrix_exp``)."""
    return _solvers.matrix_exp(input)


@op(method=True)
def matrix_power(input: Tensor, n: int) -> Tensor:
    """``input`` to the integer power ``n`` (``torch.linalg.matrix_power``)."""
    return _solvers.matrix_power(input, n)


@op(method=True)
def cholesky(input: Tensor, upper: bool = False) -> Tensor:
    """Deprecated ``torch.linalg.cholesky`` (node ``CholeskyBackward0``)."""
    _deprecated("cholesky")
    return named(_solvers.cholesky(input, upper=upper), "CholeskyBackward0")


@op(method=True)
def cholesky_inverse(input: Tensor, upper: bool = False) -> Tensor:
    """``(L L^T)^{-1}`` from a Cholesky factor ``L`` (``upper``: from ``U = L^T``)."""
    check_square(input, "cholesky_inverse", "input")
    return dec.CholeskyInverse.apply(input, bool(upper))


@op(method=True)
def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False) -> Tensor:
    """``X`` with ``A X = B`` for ``B = input`` and ``A = L L^T`` given its factor ``input2``."""
    check_matrix(input, "cholesky_solve", "input")
    check_square(input2, "cholesky_solve", "input2", 2)
    if input.dtype is not input2.dtype:
        raise RuntimeError(
            f"Expected b and A to have the same dtype, but found b of type "
            f"{type_name(input.dtype)} and A of type {type_name(input2.dtype)} instead."
        )
    b, factor = broadcast_batch(input, input2)
    return dec.CholeskySolve.apply(b, factor, bool(upper))


@op(method=True)
def qr(input: Tensor, some: bool = True) -> tuple:
    """Deprecated ``torch.linalg.qr(input, 'reduced' if some else 'complete')``."""
    _deprecated("qr")
    q, r = _spectral.qr(input, "reduced" if some else "complete")
    return result("qr", q, r)


@op(method=True)
def svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> tuple:
    """Singular value decomposition ``(U, S, V)`` of a matrix or a batch of them.

    ``(U, S, V)`` with ``input = U diag(S) V^T`` (``V``, not ``Vh``); ``compute_uv=False``
    gives zero-filled ``U`` and ``V`` of shapes ``(m, m)`` and ``(n, n)``."""
    check_tensor(input, "svd", "input", 1)
    if input.ndim < 2:
        raise RuntimeError(
            f"linalg.svd: input should have at least 2 dimensions, but has {input.ndim} "
            "dimensions instead"
        )
    if not compute_uv:
        s = _spectral.svdvals(input)
        batch, (m, n) = tuple(input.shape[:-2]), tuple(input.shape[-2:])
        dt = input._data.dtype
        zeros = (constant(np.zeros(batch + (m, m), dt)), constant(np.zeros(batch + (n, n), dt)))
        return result("svd", zeros[0], s, zeros[1])
    u, s, vh = _spectral.svd(input, full_matrices=not some)
    return result("svd", u, s, transpose(vh, -2, -1))


@op(method=True)
def lu(A: Tensor, pivot: bool = True, get_infos: bool = False) -> tuple:
    """Deprecated LU factorisation (``torch.linalg.lu_factor``) of ``A``.

    Deprecated ``torch.linalg.lu_factor`` (``get_infos``: ``lu_factor_ex``'s ``info`` too);
    a plain tuple, as in PyTorch."""
    _deprecated("lu")
    lu_, piv, info = _spectral.lu_factor_ex(A, pivot=pivot, check_errors=not get_infos)
    return (lu_, piv, info) if get_infos else (lu_, piv)


@op(method=True)
def lu_solve(input: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:
    """``X`` with ``A X = b`` from ``torch.lu``'s ``(LU_data, LU_pivots)`` of ``A``."""
    return _spectral.lu_solve(LU_data, LU_pivots, input)


@op()
def lu_unpack(
    LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True
) -> tuple:
    """Unpack ``lu_factor``'s packed ``LU`` and pivots into ``(P, L, U)``.

    ``(P, L, U)`` from ``lu_factor``'s packed ``LU`` and pivots (``L`` and ``U``
    differentiable); an unrequested part is an empty tensor."""
    check_matrix(LU_data, "torch.lu_unpack", "LU_data")
    m, n = LU_data.shape[-2:]
    k = min(m, n)
    dt = LU_data._data.dtype
    empty = constant(np.zeros((0,), dt))
    l_ = u_ = empty
    if unpack_data:
        eye = constant(np.eye(m, k, dtype=dt))
        l_ = named(tril(narrow(LU_data, -1, 0, k), -1) + eye, "LuUnpackBackward0")
        u_ = named(triu(narrow(LU_data, -2, 0, k)), "LuUnpackBackward0")
    p = constant(_spectral.permutation(LU_pivots, m, dt)) if unpack_pivots else empty
    return result("lu_unpack", p, l_, u_)


@op(method=True)
def triangular_solve(
    input: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
    unitriangular: bool = False,
) -> tuple:  # fmt: skip
    """Deprecated: solve ``A X = input`` for a triangular matrix ``A``.

    Deprecated ``(solution, cloned_coefficient)`` of ``A X = input`` (``transpose``: of
    ``A^T X = input``) for triangular ``A``."""
    _deprecated("triangular_solve")
    check_tensor(input, "triangular_solve", "input", 1)
    check_tensor(A, "triangular_solve", "A", 2)
    a = _swap(A) if transpose else A
    x = _solvers.solve_triangular(
        a, input, upper=bool(upper) != bool(transpose), unitriangular=unitriangular
    )
    batch = tuple(x.shape[:-2]) + tuple(A.shape[-2:])
    coefficient = (A if tuple(A.shape) == batch else expand(A, *batch)).clone()
    return result("triangular_solve", named(x, "TriangularSolveBackward0"), coefficient)


def _swap(x: Tensor) -> Tensor:
    return transpose(x, -2, -1)


@op()
def nuclear_norm(input: Tensor, dim: Sequence[int] | bool | None = None, keepdim: bool = False):
    """Deprecated nuclear norm (sum of singular values) of a matrix.

    Deprecated ``torch.linalg.matrix_norm(input, 'nuc', dim, keepdim)``; ``dim`` may be
    left out (``nuclear_norm(input, keepdim)``)."""
    _deprecated("nuclear_norm")
    if isinstance(dim, bool):
        dim, keepdim = None, dim
    return _norms.matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim)


@op()
def frobenius_norm(input: Tensor, dim: int | Sequence[int], keepdim: bool = False) -> Tensor:
    """The 2-norm of the elements over ``dim`` (at most two dimensions)."""
    check_tensor(input, "frobenius_norm", "input", 1)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) > 2:
        raise RuntimeError(
            f"Expected at most 2 dimensions, but got {len(dims)} dimensions instead."
        )
    return named(_norms.vector_norm(input, 2, dims, keepdim), "NormBackward1")


@op(method=True)
def orgqr(input: Tensor, input2: Tensor) -> Tensor:
    """``torch.linalg.householder_product``'s older name."""
    return _products.householder_product(input, input2)


@op(method=True)
def geqrf(input: Tensor) -> tuple:
    """The QR decomposition in LAPACK's ``geqrf`` form: ``(a, tau)``.

    LAPACK's ``geqrf``: ``(a, tau)``, ``R`` on and above ``a``'s diagonal and the
    Householder reflectors below it (not differentiable, as in PyTorch)."""
    check_tensor(input, "geqrf", "input", 1)
    if input.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"geqrf_cpu\" not implemented for '{type_name(input.dtype)}'")
    return result("geqrf", *fac.Geqrf.apply(input))


@op(method=True)
def ormqr(
    input: Tensor, input2: Tensor, input3: Tensor, left: bool = True, transpose: bool = False
) -> Tensor:
    """Multiply ``other`` by the ``Q`` of a ``geqrf`` QR decomposition.

    ``Q @ other`` (``transpose``: ``Q^T``; ``left=False``: ``other @ Q``) for the ``Q`` of
    ``geqrf``'s reflectors ``(input, input2)``, with ``other = input3``."""
    fn = "torch.ormqr"
    for i, t in enumerate((input, input2, input3)):
        check_tensor(t, "ormqr", ("input", "input2", "input3")[i], i + 1)
    if input.ndim < 2 or input3.ndim < 2:
        raise RuntimeError(f"{fn}: input must have at least 2 dimensions.")
    if input.dtype is not input3.dtype:
        raise RuntimeError(
            f"{fn}: Expected input and other to have the same dtype, but input has dtype"
            f"{type_name(input.dtype)} and other has dtype {type_name(input3.dtype)}"
        )
    side = -2 if left else -1
    if input3.shape[side] != input.shape[-2]:
        raise RuntimeError(f"{fn}: other.shape[{side}] must be equal to input.shape[-2]")
    if input2.shape[-1] > min(input3.shape[side], input.shape[-1]):
        raise RuntimeError(
            f"{fn}: tau.shape[-1] must be equal to min(other.shape[-2], input.shape[-1])"
        )
    q = _products.householder_q(input, input2)
    if transpose:
        q = _swap(q)
    out = _linalg_matmul(q, input3) if left else _linalg_matmul(input3, q)
    return named(out, "OrmqrBackward0")
