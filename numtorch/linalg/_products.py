"""``numtorch.linalg``'s products and tensor reshapes of the solvers: ``diagonal``,
``tensorinv``, ``tensorsolve`` and ``householder_product``; ``matmul``, ``cross``, ``vecdot``
and ``multi_dot`` are the matrix-product family's (``numtorch/_namespace/linalg.py``)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from numtorch._checks import check_tensor, normalize_dim
from numtorch._namespace.linalg import linalg_cross as cross
from numtorch._namespace.linalg import matmul, multi_dot, vecdot
from numtorch._namespace.reduction import cumprod
from numtorch._namespace.shape import (
    cat,
    expand,
    movedim,
    narrow,
    reshape,
    transpose,
    tril,
    unsqueeze,
)
from numtorch.linalg._common import check_float, constant, named
from numtorch.linalg._solvers import inv, solve
from numtorch.ops.decompositions import Diagonal
from numtorch.tensor import Tensor

__all__ = [
    "matmul",
    "cross",
    "vecdot",
    "multi_dot",
    "diagonal",
    "tensorinv",
    "tensorsolve",
    "householder_product",
    "householder_q",
    "vander",
]


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The ``offset`` diagonal of the matrices in the planes ``(dim1, dim2)``, as the last
    dimension."""
    check_tensor(A, "linalg_diagonal", "A", 1)
    d1, d2 = normalize_dim(dim1, A.ndim), normalize_dim(dim2, A.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(A, int(offset), d1, d2)


def tensorinv(A: Tensor, ind: int = 2) -> Tensor:
    """The inverse of ``A`` seen as a matrix of ``prod(A.shape[:ind])`` rows: shaped
    ``A.shape[ind:] + A.shape[:ind]``, so that ``tensordot(tensorinv(A), A, ind)`` is the
    identity."""
    check_tensor(A, "linalg_tensorinv", "input", 1)
    if isinstance(ind, bool) or not isinstance(ind, int) or ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = math.prod(A.shape[:ind]), math.prod(A.shape[ind:])
    if rows != cols:
        raise RuntimeError(
            "Expected self to satisfy the requirement prod(self.shape[ind:]) == "
            f"prod(self.shape[:ind]), but got {cols} != {rows}"
        )
    out = inv(reshape(A, (rows, cols)))
    return named(reshape(out, tuple(A.shape[ind:]) + tuple(A.shape[:ind])), "ReshapeAliasBackward0")


def tensorsolve(A: Tensor, B: Tensor, dims: Sequence[int] | None = None) -> Tensor:
    """``X`` with ``tensordot(A, X, X.ndim) = B``: ``A`` seen as a matrix of
    ``prod(B.shape)`` rows (``dims``: dimensions of ``A`` moved to the end first)."""
    check_tensor(A, "linalg_tensorsolve", "input", 1)
    check_tensor(B, "linalg_tensorsolve", "other", 2)
    if dims is not None:
        dims = tuple(dims)
        A = movedim(A, dims, tuple(range(A.ndim - len(dims), A.ndim)))
    rest = tuple(A.shape[B.ndim :])
    rows, cols = math.prod(B.shape), math.prod(rest)
    if math.prod(A.shape[: B.ndim]) != rows or rows != cols:
        raise RuntimeError(
            "Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
            f"prod(self.shape[:other.ndim]), but got {cols} != {rows}"
        )
    x = solve(reshape(A, (rows, cols)), reshape(B, (rows,)))
    return reshape(x, rest)


def householder_product(A: Tensor, tau: Tensor) -> Tensor:
    """``Q = H_1 ... H_k`` (the first ``n`` columns) with ``H_i = I - tau_i v_i v_i^T`` and
    ``v_i`` the ``i``-th column of ``A`` below the diagonal, with a 1 on it (LAPACK's
    ``orgqr``), composed from differentiable products."""
    fn = "torch.linalg.householder_product"
    check_tensor(A, "linalg_householder_product", "input", 1)
    check_tensor(tau, "linalg_householder_product", "tau", 2)
    if A.ndim < 2:
        raise RuntimeError(f"{fn}: input must have at least 2 dimensions.")
    check_float(A, "linalg.householder_product")
    m, n = A.shape[-2:]
    k = tau.shape[-1] if tau.ndim else 0
    if m < n:
        raise RuntimeError(
            f"{fn}: input.shape[-2] must be greater than or equal to input.shape[-1]"
        )
    if n < k:
        raise RuntimeError(f"{fn}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if tau.ndim != A.ndim - 1:
        raise RuntimeError(
            f"{fn}: Expected tau to have one dimension less than input, but got tau.ndim equal "
            f"to {tau.ndim} and input.ndim is equal to {A.ndim}"
        )
    return named(narrow(householder_q(A, tau), -1, 0, n), "LinalgHouseholderProductBackward0")


def householder_q(A: Tensor, tau: Tensor) -> Tensor:
    """The full ``m x m`` product ``H_1 ... H_k`` of the reflectors stored in ``A`` and
    ``tau`` (``geqrf``'s output), from differentiable products."""
    m, n = A.shape[-2:]
    k = tau.shape[-1] if tau.ndim else 0
    eye = np.broadcast_to(np.eye(m, n, dtype=A._data.dtype), tuple(A.shape))
    v = tril(A, -1) + constant(eye)
    q = constant(np.broadcast_to(np.eye(m, dtype=A._data.dtype), tuple(A.shape[:-2]) + (m, m)))
    for i in range(k):
        vi = narrow(v, -1, i, 1)
        ti = unsqueeze(narrow(tau, -1, i, 1), -1)
        q = q - matmul(matmul(q, vi) * ti, transpose(vi, -2, -1))
    return q


def vander(x: Tensor, N: int | None = None) -> Tensor:
    """The Vandermonde matrix of ``x``: columns ``x^0, x^1, ..., x^(N-1)`` (``N`` defaults to
    ``x``'s last size), the powers as a cumulative product, as PyTorch builds it."""
    check_tensor(x, "linalg_vander", "x", 1)
    x_ = unsqueeze(x, -1) if x.ndim == 0 else x
    n = x_.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    shape = tuple(x_.shape) + (n - 1,)
    powers = cumprod(expand(unsqueeze(x_, -1), *shape), -1)
    ones = constant(np.ones(tuple(x_.shape) + (1,), powers._data.dtype))
    return cat([ones, powers], -1)
