"""The classical orthogonal polynomials of ``torch.special`` (Chebyshev T, U, V, W and their
shifted forms, Hermite H and He, Laguerre L, Legendre P) and ``spherical_bessel_j0``, on
arrays, as PyTorch computes them (``ATen/native/Math.h``): the three-term recurrence up to
degree ``n``, a trigonometric closed form inside ``(-1, 1)`` for high degrees, and PyTorch's
values at the ends of the interval. ``n`` is truncated to an integer; a negative degree
gives 0. PyTorch records no gradient for these."""

from __future__ import annotations

import numpy as np

__all__ = ["polynomial", "spherical_bessel_j0", "POLYNOMIALS"]


def _recurrence(y: np.ndarray, n: np.ndarray, q0: np.ndarray, step) -> np.ndarray:
    """Run ``r = step(k, y, q, p)`` from degree 1 (``q0``) up to each element's ``n``."""
    p, q = np.ones_like(y), np.asarray(q0, y.dtype)
    live = n >= 2
    k = 2
    while np.any(live):
        r = step(k, y, q, p)
        p = np.where(live, q, p)
        q = np.where(live, r, q)
        k += 1
        live &= (k <= n) & ~np.isnan(q)
    return np.where(n == 0, 1.0, np.where(n == 1, q0, q))


def _chebyshev_step(k: int, y: np.ndarray, q: np.ndarray, p: np.ndarray) -> np.ndarray:
    return (y + y) * q - p


def _chebyshev(kind: str, x: np.ndarray, n: np.ndarray, shifted: bool) -> np.ndarray:
    """Chebyshev polynomials of the first to fourth kinds (T, U, V, W), of ``2x - 1`` when
    ``shifted``."""
    y = x + x - 1.0 if shifted else x
    q0 = {"t": y, "u": y + y, "v": y + y - 1.0, "w": y + y + 1.0}[kind]
    out = _recurrence(y, n, q0, _chebyshev_step)
    odd = n % 2 == 1
    top = x == 1.0 if shifted else (np.abs(x) == 1.0) & (x > 0)
    bottom = x == 0.0 if shifted else (np.abs(x) == 1.0) & (x < 0)
    threshold = 6 if kind == "t" or shifted else 8
    threshold = 4 if shifted and kind == "w" else threshold
    inner = (n > threshold) & (np.abs(y) < 1.0)
    theta = np.arccos(np.where(inner, y, 0.0))
    if kind == "t":
        at_top, at_bottom = np.ones_like(y), np.where(odd, -1.0, 1.0)
        trig = np.cos(n * theta)
    elif kind == "u":
        at_top, at_bottom = n + 1.0, np.where(odd, -(n + 1.0), n + 1.0)
        s = np.sin(theta)
        trig = np.where(s != 0, np.sin((n + 1) * theta) / s, (n + 1) * np.cos((n + 1) * theta) / y)
    elif kind == "v":
        at_top, at_bottom = np.ones_like(y), np.where(odd, -(2 * n + 1.0), 2 * n + 1.0)
        trig = np.where(
            np.sin(theta / 2) != 1.0, np.cos((n + 0.5) * theta) / np.cos(theta / 2), at_bottom
        )
    else:
        at_top, at_bottom = 2 * n + 1.0, np.where(odd, -1.0, 1.0)
        edge = np.where(y > 0, at_top, at_bottom) if not shifted else at_bottom
        trig = np.where(
            np.cos(theta / 2) != 1.0, np.sin((n + 0.5) * theta) / np.sin(theta / 2), edge
        )
    out = np.where(inner, trig, out)
    out = np.where(bottom, at_bottom, np.where(top, at_top, out))
    return np.where(n < 0, 0.0, out)


def _hermite(x: np.ndarray, n: np.ndarray, probabilists: bool, limit: int) -> np.ndarray:
    """Hermite polynomials: the physicists' H (``2x H_k - 2k H_{k-1}``) or the probabilists'
    He (``x He_k - k He_{k-1}``); nan beyond PyTorch's degree limit for the dtype."""
    if probabilists:
        out = _recurrence(x, n, x.copy(), lambda k, y, q, p: y * q - (k - 1) * p)
    else:
        out = _recurrence(x, n, x + x, lambda k, y, q, p: (y + y) * q - (2 * k - 2) * p)
    out = np.where(n > limit, np.nan, out)
    return np.where(n < 0, 0.0, out)


def _laguerre(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Laguerre polynomials, ``((2k + 1 - x) L_k - k L_{k-1}) / (k + 1)``; 1 at 0."""

    def step(k: int, y: np.ndarray, q: np.ndarray, p: np.ndarray) -> np.ndarray:
        j = k - 1
        return (((j + j) + (1.0 - y)) * q - j * p) / (j + 1)

    out = _recurrence(x, n, 1.0 - x, step)
    return np.where(n < 0, 0.0, np.where(x == 0, 1.0, out))


def _legendre(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Legendre polynomials, ``((2k + 1) x P_k - k P_{k-1}) / (k + 1)``; +-1 at +-1."""

    def step(k: int, y: np.ndarray, q: np.ndarray, p: np.ndarray) -> np.ndarray:
        j = k - 1
        return ((j + j + 1) * y * q - j * p) / (j + 1)

    out = _recurrence(x, n, x.copy(), step)
    ends = np.where((x > 0) | (n % 2 == 0), 1.0, -1.0)
    out = np.where(np.abs(x) == 1.0, ends, out)
    return np.where(n < 0, 0.0, out)


def _degrees(n: np.ndarray) -> np.ndarray:
    """PyTorch's ``static_cast<int64_t>(n)``; nan and inf become -1 (so 0), as its Hermite."""
    n = np.asarray(n, dtype=np.float64)
    finite = np.isfinite(n)
    return np.where(finite, np.trunc(np.where(finite, n, -1.0)), -1.0)


POLYNOMIALS = {
    "chebyshev_polynomial_t": lambda x, n, lim: _chebyshev("t", x, n, False),
    "chebyshev_polynomial_u": lambda x, n, lim: _chebyshev("u", x, n, False),
    "chebyshev_polynomial_v": lambda x, n, lim: _chebyshev("v", x, n, False),
    "chebyshev_polynomial_w": lambda x, n, lim: _chebyshev("w", x, n, False),
    "shifted_chebyshev_polynomial_t": lambda x, n, lim: _chebyshev("t", x, n, True),
    "shifted_chebyshev_polynomial_u": lambda x, n, lim: _chebyshev("u", x, n, True),
    "shifted_chebyshev_polynomial_v": lambda x, n, lim: _chebyshev("v", x, n, True),
    "shifted_chebyshev_polynomial_w": lambda x, n, lim: _chebyshev("w", x, n, True),
    "hermite_polynomial_h": lambda x, n, lim: _hermite(x, n, False, lim),
    "hermite_polynomial_he": lambda x, n, lim: _hermite(x, n, True, lim),
    "laguerre_polynomial_l": lambda x, n, lim: _laguerre(x, n),
    "legendre_polynomial_p": lambda x, n, lim: _legendre(x, n),
}


def polynomial(name: str, x: np.ndarray, n: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``torch.special.<name>(x, n)`` on arrays, computed in ``dtype`` as PyTorch does (a
    float32 recurrence overflows where a float64 one would not)."""
    x, n = np.broadcast_arrays(np.asarray(x, dtype), _degrees(n))
    limit = 128 if np.dtype(dtype) == np.float32 else 512
    with np.errstate(all="ignore"):
        return np.asarray(POLYNOMIALS[name](x.copy(), n.copy(), limit), dtype=dtype)


def spherical_bessel_j0(x: np.ndarray) -> np.ndarray:
    """``sin(x) / x`` (its Taylor series below 0.5; 0 at +-inf)."""
    x = np.asarray(x, dtype=np.float64)
    x2 = x * x
    series = 1.0 + x2 * (-1 / 6 + x2 * (1 / 120 + x2 * (-1 / 5040 + x2 * (
        1 / 362880 + x2 * (-1 / 39916800 + x2 * (1 / 6227020800))))))  # fmt: skip
    with np.errstate(all="ignore"):
        out = np.where(np.abs(x) < 0.5, series, np.sin(x) / x)
    return np.where(np.isinf(x), 0.0, out)
