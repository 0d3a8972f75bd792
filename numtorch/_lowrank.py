"""Randomized low-rank SVD and PCA (``torch.svd_lowrank``, ``torch.pca_lowrank``), PyTorch's
algorithm (Halko, Martinsson & Tropp, 2009, https://arxiv.org/abs/0909.4061, Algorithm 4.4
with ``niter`` subspace iterations) on numtorch's differentiable ops, so gradients flow
through ``qr`` and ``svd`` as in PyTorch. The random test matrix comes from numtorch's
default generator: results are reproducible under ``manual_seed``, not equal to PyTorch's."""

from __future__ import annotations

from numtorch import _namespace as _ops
from numtorch import linalg
from numtorch.tensor import Tensor

__all__ = ["svd_lowrank", "pca_lowrank"]


def _basis(a: Tensor, q: int, niter: int, m: Tensor | None) -> Tensor:
    """An orthonormal basis ``Q`` (n x q) with ``a - m ~ Q Q^T (a - m)``."""

    def times(x: Tensor) -> Tensor:
        return _ops.matmul(a, x) if m is None else _ops.matmul(a, x) - _ops.matmul(m, x)

    def times_t(x: Tensor) -> Tensor:
        at = a.mT
        return _ops.matmul(at, x) if m is None else _ops.matmul(at, x) - _ops.matmul(m.mT, x)

    r = _ops.randn(a.shape[-1], q, dtype=a.dtype)
    basis = linalg.qr(times(r)).Q
    for _ in range(niter):
        basis = linalg.qr(times_t(basis)).Q
        basis = linalg.qr(times(basis)).Q
    return basis


def svd_lowrank(
    A: Tensor, q: int | None = 6, niter: int | None = 2, M: Tensor | None = None
) -> tuple[Tensor, Tensor, Tensor]:
    """``(U, S, V)`` of a rank-``q`` approximation of ``A - M`` (``A ~ U diag(S) V^T``)."""
    q = 6 if q is None else q
    niter = 2 if niter is None else niter
    rows, cols = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(A.shape)
    if rows < cols:
        A = A.mT
        M = None if M is None else M.mT
    basis = _basis(A, q, niter, M)
    projected = _ops.matmul(basis.mT, A)
    if M is not None:
        projected = projected - _ops.matmul(basis.mT, M)
    u, s, vh = linalg.svd(projected, full_matrices=False)
    u, v = _ops.matmul(basis, u), vh.mT
    return (v, s, u) if rows < cols else (u, s, v)


def pca_lowrank(
    A: Tensor, q: int | None = None, center: bool = True, niter: int = 2
) -> tuple[Tensor, Tensor, Tensor]:
    """Principal component analysis of a low-rank matrix ``A``: ``(U, S, V)``.

    ``(U, S, V)`` of the principal components of ``A`` (rows are samples), centred on the
    column means unless ``center=False``; ``q`` defaults to ``min(6, m, n)``."""
    rows, cols = A.shape[-2:]
    if q is None:
        q = min(6, rows, cols)
    elif not 0 <= q <= min(rows, cols):
        raise ValueError(
            f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(rows, cols)}"
        )
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if not center:
        return svd_lowrank(A, q, niter=niter)
    return svd_lowrank(A - A.mean(dim=(-2,), keepdim=True), q, niter=niter)
