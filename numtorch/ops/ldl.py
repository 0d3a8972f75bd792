"""LAPACK's symmetric indefinite factorization (``sytf2``, Bunch-Kaufman pivoting, lower) and
its solve (``sytrs``), for ``torch.linalg.ldl_factor`` / ``ldl_solve``. PyTorch defines no
gradient for either: the node raises its error when backward reaches it."""

from __future__ import annotations

import math

import numpy as np

from numtorch.autograd.graph import Primitive

__all__ = ["ldl_factor_array", "ldl_solve_array", "LdlFactor", "LdlSolve"]

_ALPHA = (1 + math.sqrt(17)) / 8


def _pivot(a: np.ndarray, k: int) -> tuple[int, int]:
    """Bunch-Kaufman's choice at column ``k``: ``(kp, kstep)``, kp == -1 for a zero column."""
    n = a.shape[0]
    absakk = abs(a[k, k])
    imax, colmax = k, 0.0
    if k < n - 1:
        imax = k + 1 + int(np.argmax(np.abs(a[k + 1 :, k])))
        colmax = abs(a[imax, k])
    if max(absakk, colmax) == 0:
        return -1, 1
    if absakk >= _ALPHA * colmax:
        return k, 1
    rowmax = np.abs(a[imax, k:imax]).max()
    if imax < n - 1:
        rowmax = max(rowmax, np.abs(a[imax + 1 :, imax]).max())
    if absakk >= _ALPHA * colmax * (colmax / rowmax):
        return k, 1
    if abs(a[imax, imax]) >= _ALPHA * rowmax:
        return imax, 1
    return imax, 2


def _interchange(a: np.ndarray, kk: int, kp: int) -> None:
    """Swap rows and columns ``kk`` and ``kp`` of the trailing lower triangle."""
    a[kp + 1 :, [kk, kp]] = a[kp + 1 :, [kp, kk]]
    between = a[kk + 1 : kp, kk].copy()
    a[kk + 1 : kp, kk] = a[kp, kk + 1 : kp]
    a[kp, kk + 1 : kp] = between
    a[kk, kk], a[kp, kp] = a[kp, kp], a[kk, kk]


def _sytf2(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """One matrix: ``(LD, pivots, info)`` as LAPACK's ``dsytf2`` with ``uplo='L'``."""
    a = np.tril(a).astype(a.dtype, copy=True)
    n = a.shape[0]
    piv = np.zeros(n, np.int32)
    info, k = 0, 0
    while k < n:
        kp, kstep = _pivot(a, k)
        if kp < 0:
            info = info or k + 1
            piv[k] = k + 1
            k += 1
            continue
        kk = k + kstep - 1
        if kp != kk:
            _interchange(a, kk, kp)
            if kstep == 2:
                a[k + 1, k], a[kp, k] = a[kp, k], a[k + 1, k]
        if kstep == 1:
            if k < n - 1:
                d11 = 1 / a[k, k]
                col = a[k + 1 :, k].copy()
                a[k + 1 :, k + 1 :] += np.tril(np.outer(col, -d11 * col))  # LAPACK's dsyr
                a[k + 1 :, k] = col * d11
            piv[k] = kp + 1
        else:
            if k < n - 2:
                d21 = a[k + 1, k]
                d11, d22 = a[k + 1, k + 1] / d21, a[k, k] / d21
                d21 = (1 / (d11 * d22 - 1)) / d21
                wk = d21 * (d11 * a[k + 2 :, k] - a[k + 2 :, k + 1])
                wkp1 = d21 * (d22 * a[k + 2 :, k + 1] - a[k + 2 :, k])
                trailing = a[k + 2 :, k + 2 :]
                updated = trailing - np.outer(a[k + 2 :, k], wk) - np.outer(a[k + 2 :, k + 1], wkp1)
                a[k + 2 :, k + 2 :] = np.tril(updated) + np.triu(trailing, 1)
                a[k + 2 :, k], a[k + 2 :, k + 1] = wk, wkp1
            piv[k] = piv[k + 1] = -(kp + 1)
        k += kstep
    return a, piv, info


def ldl_factor_array(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(LD, pivots, info)`` for each matrix of ``a`` (``sytf2`` on its lower triangle)."""
    n = a.shape[-1]
    flat = a.reshape((math.prod(a.shape[:-2]), n, n))
    out = [_sytf2(m) for m in flat]
    ld = np.stack([o[0] for o in out]).reshape(a.shape) if out else np.zeros_like(a)
    piv = np.stack([o[1] for o in out]).reshape(a.shape[:-1]) if out else np.zeros(a.shape[:-1])
    info = np.array([o[2] for o in out], np.int32).reshape(a.shape[:-2])
    return ld, piv.astype(np.int32), info


def _sytrs(a: np.ndarray, piv: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One system: LAPACK's ``dsytrs`` with ``uplo='L'`` (``A = L D L^T``, permuted)."""
    b = b.copy()
    n = a.shape[0]
    k = 0
    while k < n:  # L D y = b
        if piv[k] > 0:
            kp = piv[k] - 1
            b[[k, kp]] = b[[kp, k]]
            b[k + 1 :] -= np.outer(a[k + 1 :, k], b[k])
            b[k] /= a[k, k]
            k += 1
            continue
        kp = -piv[k] - 1
        b[[k + 1, kp]] = b[[kp, k + 1]]
        b[k + 2 :] -= np.outer(a[k + 2 :, k], b[k]) + np.outer(a[k + 2 :, k + 1], b[k + 1])
        akm1k = a[k + 1, k]
        akm1, ak = a[k, k] / akm1k, a[k + 1, k + 1] / akm1k
        denom = akm1 * ak - 1
        bkm1, bk = b[k] / akm1k, b[k + 1] / akm1k
        b[k], b[k + 1] = (ak * bkm1 - bk) / denom, (akm1 * bk - bkm1) / denom
        k += 2
    k = n - 1
    while k >= 0:  # L^T x = y
        b[k] -= a[k + 1 :, k] @ b[k + 1 :]
        if piv[k] > 0:
            kp = piv[k] - 1
            k_next = k - 1
        else:
            b[k - 1] -= a[k + 1 :, k - 1] @ b[k + 1 :]
            kp = -piv[k] - 1
            k_next = k - 2
        b[[k, kp]] = b[[kp, k]]
        k = k_next
    return b


def ldl_solve_array(ld: np.ndarray, piv: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``X`` with ``A X = B`` from ``ldl_factor``'s ``(LD, pivots)``; batches already broadcast."""
    n = ld.shape[-1]
    count = math.prod(ld.shape[:-2])
    lds, pivs = ld.reshape((count, n, n)), piv.reshape((count, n))
    bs = b.reshape((count,) + b.shape[-2:])
    out = [_sytrs(x, p, y) for x, p, y in zip(lds, pivs, bs)]
    return np.stack(out).reshape(b.shape) if out else np.zeros_like(b)


class _NotDifferentiable(Primitive):
    """A node whose backward raises PyTorch's error: the op has no derivative."""

    aten = ""

    @staticmethod
    def backward(ctx: Primitive, *grads: np.ndarray) -> tuple:
        raise RuntimeError(f"derivative for aten::{ctx.aten} is not implemented")

    def name(self) -> str:
        return "torch::autograd::NotImplemented"


class LdlFactor(_NotDifferentiable):
    """``(LD, pivots, info)`` of ``ldl_factor_array``."""

    aten = "linalg_ldl_factor_ex"

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray) -> tuple:
        ld, piv, info = ldl_factor_array(a)
        ctx.mark_non_differentiable(piv, info)
        return ld, piv, info


class LdlSolve(_NotDifferentiable):
    """``ldl_solve_array`` as a node (so a gradient request raises PyTorch's error)."""

    aten = "linalg_ldl_solve"

    @staticmethod
    def forward(ctx: Primitive, ld: np.ndarray, piv: np.ndarray, b: np.ndarray) -> np.ndarray:
        return ldl_solve_array(ld, piv, b)
