"""The matrix factorizations (SVD, symmetric eigendecomposition, QR, LU) with PyTorch's
gradients (``svd_backward``, ``linalg_eig_backward``, ``linalg_qr_backward``,
``linalg_lu_backward`` in PyTorch's ``FunctionsManual.cpp``), on batches ``(..., m, n)``."""

from __future__ import annotations

import math

import numpy as np

from numtorch.autograd.graph import Primitive
from numtorch.ops.decompositions import mT, tri_solve

__all__ = [
    "Svd", "Eigh", "Qr", "LuFactor", "Lu", "Geqrf", "lu_packed", "lu_unpack_arrays", "QR_R_ERROR",
]  # fmt: skip

QR_R_ERROR = (
    "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
    "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr."
)
_QR_COMPLETE_ERROR = (
    "The QR decomposition is not differentiable when mode='complete' and nrows > ncols."
)


def _skew(x: np.ndarray) -> np.ndarray:
    return x - mT(x)


def svd_backward(gu, gs, gvh, u, s, vh) -> np.ndarray:
    """PyTorch's ``svd_backward`` for the reduced SVD ``A = U diag(S) Vh`` (real case)."""
    m, n = u.shape[-2], vh.shape[-1]
    if gu is None and gvh is None:
        return u @ (gs[..., :, None] * vh) if m >= n else (u * gs[..., None, :]) @ vh
    if m < n:
        return mT(svd_backward(mT(gvh), gs, mT(gu), mT(vh), s, mT(u)))
    v, gv = mT(vh), mT(gvh)
    s2 = s * s
    e = s2[..., None, :] - s2[..., :, None]
    idx = np.arange(s.shape[-1])
    e[..., idx, idx] = 1
    ret = (_skew(mT(u) @ gu) * s[..., None, :] + s[..., :, None] * _skew(mT(v) @ gv)) / e
    ret[..., idx, idx] += gs
    if m > n:
        gu_sinv = gu / s[..., None, :]
        ga = u @ ret + gu_sinv - u @ (mT(u) @ gu_sinv)
        return ga @ vh
    return u @ ret @ vh


class Svd(Primitive):
    """``A = U diag(S) Vh``; with ``full_matrices`` the extra columns of ``U`` (rows of ``Vh``)
    get no gradient, as in PyTorch. ``compute_uv=False`` gives ``S`` alone (``svdvals``)."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, full_matrices: bool, compute_uv: bool = True):
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
        ctx.compute_uv = compute_uv
        ctx.save_for_backward(u, s, vh)  # the outputs themselves: in-place changes are caught
        if not compute_uv:
            return s
        return u, s, vh

    @staticmethod
    def backward(ctx: Primitive, *grads: np.ndarray) -> np.ndarray:
        u, s, vh = ctx.saved_tensors
        k = s.shape[-1]
        u, vh = u[..., :k], vh[..., :k, :]
        if not ctx.compute_uv:
            return svd_backward(None, grads[0], None, u, s, vh)
        gu, gs, gvh = grads
        return svd_backward(gu[..., :k], gs, gvh[..., :k, :], u, s, vh)

    def name(self) -> str:
        return self.__dict__.get("_name") or "LinalgSvdBackward0"


class Eigh(Primitive):
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix, reading the ``UPLO``
    triangle; ``eigenvectors=False`` gives the eigenvalues alone (``eigvalsh``)."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, uplo: str, eigenvectors: bool = True):
        w, v = np.linalg.eigh(a, UPLO=uplo)
        w, v = w.astype(a.dtype), v.astype(a.dtype)
        ctx.eigenvectors = eigenvectors
        ctx.save_for_backward(w, v)
        return (w, v) if eigenvectors else w

    @staticmethod
    def backward(ctx: Primitive, *grads: np.ndarray) -> np.ndarray:
        w, v = ctx.saved_tensors
        if not ctx.eigenvectors:
            return (v * grads[0][..., None, :]) @ mT(v)
        gw, gv = grads
        vhgv = mT(v) @ gv
        vhgv = 0.5 * (vhgv - mT(vhgv))
        e = w[..., None, :] - w[..., :, None]
        idx = np.arange(w.shape[-1])
        e[..., idx, idx] = 1
        ga = vhgv / e
        ga[..., idx, idx] = gw
        return v @ ga @ mT(v)

    def name(self) -> str:
        return self.__dict__.get("_name") or "LinalgEighBackward0"


def qr_square_backward(gq, gr, q, r) -> np.ndarray:
    """``linalg_qr_backward`` for ``m >= n`` (``R`` square): ``[gQ + Q syminvadj(triu(gR R^T
    - Q^T gQ))] R^{-T}``."""
    m_ = np.triu(gr @ mT(r) - mT(q) @ gq)
    sym = m_ + mT(m_)
    idx = np.arange(m_.shape[-1])
    sym[..., idx, idx] *= 0.5
    ga = q @ sym + gq
    return mT(tri_solve(r, mT(ga), upper=True))


class Qr(Primitive):
    """``A = Q R`` (``mode``: 'reduced', 'complete' or 'r'); Householder QR as LAPACK's."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, mode: str) -> tuple:
        m, n = a.shape[-2:]
        if mode == "r":
            r = np.linalg.qr(a, mode="r")
            q = np.zeros((0,), a.dtype)
        else:
            q, r = np.linalg.qr(a, mode=mode)
        q, r = np.asarray(q, a.dtype), np.asarray(r, a.dtype)
        ctx.mode, ctx.shape = mode, (m, n)
        ctx.save_for_backward(q, r)  # not A: PyTorch lets A change after the QR
        return q, r

    @staticmethod
    def backward(ctx: Primitive, gq: np.ndarray, gr: np.ndarray) -> np.ndarray:
        q, r = ctx.saved_tensors
        m, n = ctx.shape
        if ctx.mode == "r":
            raise RuntimeError(QR_R_ERROR)
        if ctx.mode == "complete" and m > n:
            raise RuntimeError(_QR_COMPLETE_ERROR)
        if m >= n:
            return qr_square_backward(gq, gr, q, r)
        # A = Q [R1 R2], X = A[:, :m] = Q R1, R2 = Q^T Y with Y = A[:, m:] = Q R2
        y = q @ r[..., m:]
        gy = q @ gr[..., m:]
        gx = qr_square_backward(gq + y @ mT(gr[..., m:]), gr[..., :m], q, r[..., :m])
        return np.concatenate([gx, gy], axis=-1)

    def name(self) -> str:
        return self.__dict__.get("_name") or "LinalgQrBackward0"


def lu_packed(a: np.ndarray, pivot: bool = True) -> tuple:
    """LAPACK's ``getrf``: ``(LU, pivots, info)``, ``LU`` packing the unit-lower ``L`` and the
    upper ``U``, ``pivots`` 1-based row swaps (int32), ``info`` the 1-based index of the first
    zero pivot (0 when none), per batch element."""
    m, n = a.shape[-2:]
    batch = a.shape[:-2]
    lu = np.array(a, copy=True).reshape((math.prod(batch), m, n))
    k = min(m, n)
    piv = np.zeros((lu.shape[0], k), np.int32)
    info = np.zeros(lu.shape[0], np.int32)
    rows = np.arange(lu.shape[0])
    for j in range(k):
        p = np.argmax(np.abs(lu[:, j:, j]), axis=1) + j if pivot else np.full(len(rows), j)
        piv[:, j] = p + 1
        top = lu[rows, j].copy()
        lu[rows, j] = lu[rows, p]
        lu[rows, p] = top
        d = lu[:, j, j]
        zero = d == 0
        info[(info == 0) & zero] = j + 1
        scale = np.where(zero, 1, d)[:, None]
        lu[:, j + 1 :, j] = np.where(zero[:, None], lu[:, j + 1 :, j], lu[:, j + 1 :, j] / scale)
        lu[:, j + 1 :, j + 1 :] -= lu[:, j + 1 :, j, None] * lu[:, j, None, j + 1 :]
    return lu.reshape(a.shape), piv.reshape(batch + (k,)), info.reshape(batch)


def lu_unpack_arrays(lu: np.ndarray, piv: np.ndarray, m: int, n: int) -> tuple:
    """``(P, L, U)`` from ``getrf``'s packed ``LU`` and 1-based pivots: ``A = P L U``."""
    k = min(m, n)
    eye = np.eye(m, k, dtype=lu.dtype)
    l = np.tril(lu[..., :, :k], -1) + eye
    u = np.triu(lu[..., :k, :])
    batch = piv.shape[:-1]
    flat = piv.reshape((math.prod(batch), piv.shape[-1])) - 1
    perm = np.tile(np.arange(m), (flat.shape[0], 1))
    rows = np.arange(flat.shape[0])
    for j in range(flat.shape[1]):
        pj = flat[:, j]
        top = perm[rows, j].copy()
        perm[rows, j] = perm[rows, pj]
        perm[rows, pj] = top
    p = np.zeros((flat.shape[0], m, m), lu.dtype)
    p[rows[:, None], perm, np.arange(m)[None, :]] = 1
    return p.reshape(batch + (m, m)), l, u


def lu_backward(gl, gu, p, l, u) -> np.ndarray:
    """PyTorch's ``linalg_lu_backward`` for ``A = P L U`` (square, wide and tall)."""
    m, n = l.shape[-2], u.shape[-1]
    k = min(m, n)
    if m == n:
        phi = np.tril(mT(l) @ gl, -1) + np.triu(gu @ mT(u))
        return p @ mT(tri_solve(u, mT(tri_solve(mT(l), phi, True, True)), True))
    if m < n:
        u1, u2, gu1, gu2 = u[..., :k], u[..., k:], gu[..., :k], gu[..., k:]
        phi = np.tril(mT(l) @ gl - gu2 @ mT(u2), -1) + np.triu(gu1 @ mT(u1))
        ga1 = mT(tri_solve(u1, mT(tri_solve(mT(l), phi, True, True)), True))
        ga2 = tri_solve(mT(l), gu2, True, True)
        return p @ np.concatenate([ga1, ga2], axis=-1)
    l1, l2, gl1, gl2 = l[..., :k, :], l[..., k:, :], gl[..., :k, :], gl[..., k:, :]
    phi = np.tril(mT(l1) @ gl1, -1) + np.triu(gu @ mT(u) - mT(l2) @ gl2)
    ga1 = mT(tri_solve(u, mT(tri_solve(mT(l1), phi, True, True)), True))
    ga2 = mT(tri_solve(u, mT(gl2), True))
    return p @ np.concatenate([ga1, ga2], axis=-2)


class LuFactor(Primitive):
    """``(LU, pivots, info)`` of ``getrf``; ``LU`` gets ``lu_backward`` of its two triangles."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, pivot: bool = True) -> tuple:
        lu, piv, info = lu_packed(a, pivot)
        ctx.save_for_backward(lu, piv)
        ctx.mark_non_differentiable(piv, info)
        return lu, piv, info

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray, *_: np.ndarray) -> np.ndarray:
        lu, piv = ctx.saved_tensors
        m, n = lu.shape[-2:]
        k = min(m, n)
        p, l, u = lu_unpack_arrays(lu, piv, m, n)
        return lu_backward(np.tril(g[..., :, :k], -1), np.triu(g[..., :k, :]), p, l, u)

    def name(self) -> str:
        return self.__dict__.get("_name") or "LinalgLuFactorExBackward0"


class Lu(Primitive):
    """``(P, L, U)`` with ``A = P L U``; ``P`` has no gradient."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, pivot: bool = True) -> tuple:
        lu, piv, _ = lu_packed(a, pivot)
        m, n = a.shape[-2:]
        p, l, u = lu_unpack_arrays(lu, piv, m, n)
        ctx.save_for_backward(p, l, u)
        ctx.mark_non_differentiable(p)
        return p, l, u

    @staticmethod
    def backward(ctx: Primitive, gp: np.ndarray, gl: np.ndarray, gu: np.ndarray) -> np.ndarray:
        p, l, u = ctx.saved_tensors
        return lu_backward(gl, gu, p, l, u)

    def name(self) -> str:
        return self.__dict__.get("_name") or "LinalgLuBackward0"


class Geqrf(Primitive):
    """LAPACK's ``geqrf``: ``R`` above the diagonal and the Householder vectors below it, and
    their scalars ``tau``. PyTorch defines no gradient: backward raises its error."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray) -> tuple:
        h, tau = np.linalg.qr(a, mode="raw")
        return np.ascontiguousarray(mT(h), a.dtype), np.asarray(tau, a.dtype)

    @staticmethod
    def backward(ctx: Primitive, *grads: np.ndarray) -> None:
        raise RuntimeError("the derivative for 'geqrf' is not implemented.")
