"""Well-conditioned inputs for the linear-algebra parity tests: general matrices with their
eigenvalues away from zero, symmetric positive-definite ones, symmetric ones with distinct
eigenvalues, and rectangular ones of full rank (fixed seeds, so every run sees the same)."""

from __future__ import annotations

import numpy as np


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(1000 + seed)


def general(n: int, batch: tuple = (), seed: int = 0) -> np.ndarray:
    """A square matrix (or batch) kept well away from singular: ``randn + n I``."""
    return _rng(seed).standard_normal(batch + (n, n)) + n * np.eye(n)


def spd(n: int, batch: tuple = (), seed: int = 0) -> np.ndarray:
    """A symmetric positive-definite matrix: ``a a^T + n I``."""
    a = _rng(seed).standard_normal(batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def sym(n: int, batch: tuple = (), seed: int = 0) -> np.ndarray:
    """A symmetric matrix with well-separated eigenvalues ``1, 2.5, 4, ...``."""
    q, _ = np.linalg.qr(_rng(seed).standard_normal(batch + (n, n)))
    w = 1 + 1.5 * np.arange(n)
    return (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)


def rect(m: int, n: int, batch: tuple = (), seed: int = 0) -> np.ndarray:
    """A rectangular matrix with well-separated singular values ``1, 2, 3, ...``."""
    rng = _rng(seed)
    k = min(m, n)
    u, _ = np.linalg.qr(rng.standard_normal(batch + (m, k)))
    v, _ = np.linalg.qr(rng.standard_normal(batch + (n, k)))
    return (u * (1.0 + np.arange(k))[::-1]) @ np.swapaxes(v, -1, -2)


def lower(n: int, batch: tuple = (), seed: int = 0) -> np.ndarray:
    """A lower-triangular matrix with a positive diagonal (a Cholesky factor)."""
    return np.tril(_rng(seed).standard_normal(batch + (n, n)), -1) + (1 + np.arange(n)) * np.eye(n)


def singular() -> np.ndarray:
    """A rank-2 3x3 matrix (its determinant is zero, its cofactor matrix is not)."""
    return np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
