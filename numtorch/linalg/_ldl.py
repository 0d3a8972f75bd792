"""``numtorch.linalg.ldl_factor``, ``ldl_factor_ex`` and ``ldl_solve``: the symmetric
indefinite factorization ``A = P L D L^T P^T`` (LAPACK's Bunch-Kaufman ``sytrf``, lower), and
solves with it. PyTorch defines no gradient for either (their nodes raise in backward)."""

from __future__ import annotations

import numpy as np

from numtorch._checks import check_tensor, normalize_dim
from numtorch.linalg._common import (
    LinAlgError,
    broadcast_batch,
    check_square,
    constant,
    result,
)
from numtorch.ops import ldl
from numtorch.tensor import Tensor

__all__ = ["ldl_factor_ex", "ldl_factor", "ldl_solve"]


def ldl_factor_ex(A: Tensor, *, hermitian: bool = False, check_errors: bool = False) -> tuple:
    """``(LD, pivots, info)``: ``L`` below the diagonal of ``LD``, the 1x1 and 2x2 blocks of
    ``D`` on and next to it, LAPACK's ``pivots`` (negative for a 2x2 block), and ``info`` > 0
    where ``D`` is exactly singular. Only ``A``'s lower triangle is read."""
    check_tensor(A, "linalg_ldl_factor_ex", "A", 1)
    check_square(A, "torch.linalg.ldl_factor_ex")
    ld_, piv, info = ldl.LdlFactor.apply(A)
    if check_errors:
        bad = np.flatnonzero(info._data.reshape(-1))
        if bad.size:
            where = f"(Batch element {int(bad[0])}): " if A.ndim > 2 else ""
            k = int(info._data.reshape(-1)[bad[0]])
            raise LinAlgError(
                f"torch.linalg.ldl_factor: {where}The factorization could not be completed "
                f"because the block diagonal matrix D is exactly singular (D[{k},{k}] is zero)."
            )
    return result("linalg_ldl_factor_ex", ld_, piv, info)


def ldl_factor(A: Tensor, *, hermitian: bool = False) -> tuple:
    """``(LD, pivots)`` of ``ldl_factor_ex``, raising ``LinAlgError`` where ``D`` is singular."""
    ld_, piv, _ = ldl_factor_ex(A, hermitian=hermitian, check_errors=True)
    return result("linalg_ldl_factor", ld_, piv)


def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False) -> Tensor:
    """``X`` with ``A X = B`` from ``ldl_factor``'s ``(LD, pivots)`` of ``A`` (LAPACK's
    ``sytrs``); batch dimensions broadcast."""
    check_tensor(LD, "linalg_ldl_solve", "LD", 1)
    check_tensor(pivots, "linalg_ldl_solve", "pivots", 2)
    check_tensor(B, "linalg_ldl_solve", "B", 3)
    normalize_dim(-2, B.ndim)
    n = LD.shape[-1]
    if B.shape[-2] != n:
        raise RuntimeError(
            f"Incompatible matrix sizes for torch.linalg.ldl_solve: each A matrix is {n} by {n} "
            f"but each b matrix is {B.shape[-2]} by {B.shape[-1]}"
        )
    ld_, b = broadcast_batch(LD, B)
    piv = np.broadcast_to(np.asarray(pivots._data, np.int64), tuple(ld_.shape[:-1]))
    return ldl.LdlSolve.apply(ld_, constant(piv), b)
