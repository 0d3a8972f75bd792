"""Special functions on float64 arrays, without SciPy: the gamma family (``lgamma``,
``digamma``, ``trigamma``, ``polygamma`` through Hurwitz's zeta), the modified Bessel
functions ``i0`` and ``i1``, the normal distribution's ``erfcx``, ``log_ndtr`` and ``ndtri``,
and (from ``special_igamma``) the regularised incomplete gamma functions.

The algorithms are PyTorch's own (``ATen/native/Math.h``, derived from Cephes and SciPy),
vectorised, so values at poles and edges (inf, nan) come out where PyTorch's do. Every
function takes and returns float64 arrays; callers cast to the tensor's dtype.
"""

from __future__ import annotations

import math

import numpy as np

from numtorch.ops.special_igamma import igamma, igammac

__all__ = [
    "lgamma", "digamma", "trigamma", "zeta", "polygamma", "i0", "i1", "i0e", "i1e", "igamma",
    "igammac", "erfcx", "log_ndtr", "ndtri",
]  # fmt: skip

_MACHEP = 1.11022302462515654042e-16


def _lgamma_scalar(v: float) -> float:
    """``math.lgamma``, with inf at the poles (where it raises) as C's ``lgamma``."""
    try:
        return math.lgamma(v)
    except ValueError:
        return math.inf


_lgamma_ufunc = np.frompyfunc(_lgamma_scalar, 1, 1)


def lgamma(x: np.ndarray) -> np.ndarray:
    """``log|gamma(x)|``: inf at 0 and the negative integers."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return x.copy()
    return np.asarray(_lgamma_ufunc(x), dtype=np.float64)


_PSI_10 = 2.25175258906672110764
_DIGAMMA_A = (
    8.33333333333333333333e-2, -2.10927960927960927961e-2, 7.57575757575757575758e-3,
    -4.16666666666666666667e-3, 3.96825396825396825397e-3, -8.33333333333333333333e-3,
    8.33333333333333333333e-2,
)  # fmt: skip


def _polevl(z: np.ndarray, coeffs: tuple) -> np.ndarray:
    out = np.zeros_like(z)
    for c in coeffs:
        out = out * z + c
    return out


def _digamma_positive(x: np.ndarray) -> np.ndarray:
    """Digamma for ``x > 0`` (or nan, inf): shift to ``x >= 10``, then the asymptotic series."""
    result = np.zeros_like(x)
    x = x.copy()
    small = x < 10
    while np.any(small):
        result[small] -= 1 / x[small]
        x[small] += 1
        small = x < 10
    z = 1.0 / (x * x)
    y = np.where(x < 1.0e17, z * _polevl(z, _DIGAMMA_A), 0.0)
    asymptotic = result + np.log(x) - 0.5 / x - y
    return np.where(x == 10, result + _PSI_10, asymptotic)


def digamma(x: np.ndarray) -> np.ndarray:
    """``d/dx lgamma(x)``: -inf at +0, inf at -0, nan at the negative integers and -inf; the
    reflection formula below 0 (PyTorch's ``calc_digamma``)."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        negative = x < 0
        out = _digamma_positive(np.where(negative, 1 - x, x))
        reflected = out - np.pi / np.tan(np.pi * np.fmod(x, 1.0))
        out = np.where(negative, reflected, out)
        out = np.where(negative & (x == np.trunc(x)), np.nan, out)
        return np.where(x == 0, np.copysign(np.inf, -x), out)


def trigamma(x: np.ndarray) -> np.ndarray:
    """``polygamma(1, x)`` (PyTorch's ``trigamma``: reflection below 0.5, six recurrence
    steps, then the asymptotic series)."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        low = x < 0.5
        sin_pi_x = np.sin(np.pi * x)
        result = np.where(low, -(np.pi * np.pi) / (sin_pi_x * sin_pi_x), 0.0)
        x = np.where(low, 1 - x, x)
        for _ in range(6):
            result = result + 1 / (x * x)
            x = x + 1
        ixx = 1 / (x * x)
        result = result + (1 + 1 / (2 * x) + ixx * (1 / 6 - ixx * (1 / 30 - ixx * (1 / 42)))) / x
        return np.where(low, -result, result)


_ZETA_A = (
    12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
    -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
    1.8152105401943546773e17, -7.1661652561756670113e18,
)  # fmt: skip


def zeta(s: float | np.ndarray, q: np.ndarray) -> np.ndarray:
    """Hurwitz's ``zeta(s, q) = sum_k (k + q) ** -s`` (Cephes: direct sum until ``q + k > 9``,
    then Euler-Maclaurin); inf at ``s == 1`` and at the poles ``q = 0, -1, ...``, nan for
    ``s < 1`` and for a negative ``q`` with a fractional ``s``."""
    s, q = np.broadcast_arrays(np.asarray(s, np.float64), np.asarray(q, np.float64))
    shape = q.shape
    s, q = s.ravel().copy(), q.ravel().copy()  # one axis: the sum below indexes elements
    with np.errstate(all="ignore"):
        out = np.full(q.shape, np.nan)
        pole = ((q <= 0) & (q == np.floor(q))) | (s == 1)
        live = ~pole & ~np.isnan(q) & ~np.isnan(s) & (s > 1)
        live &= (q > 0) | (s == np.floor(s))
        out[pole & ~(s < 1) & ~np.isnan(s)] = np.inf
        total = q**-s
        a, b = q.copy(), np.zeros_like(q)
        i, idx = 0, np.flatnonzero(live)  # the elements still summing directly
        while idx.size:
            i += 1
            a[idx] += 1
            b[idx] = term = a[idx] ** -s[idx]
            total[idx] += term
            so_far = total[idx]
            done = (-_MACHEP * so_far < term) & (term < _MACHEP * so_far)
            out[idx[done]] = so_far[done]
            live[idx[done]] = False
            idx = idx[~done]
            idx = idx[(i < 9) | (a[idx] <= 9)]
        w = a
        total = total + b * w / (s - 1) - 0.5 * b
        a_, k = np.ones_like(q), 0.0
        for coeff in _ZETA_A:
            a_ = a_ * (s + k)
            b = b / w
            t = a_ * b / coeff
            total = total + t
            finished = live & (np.abs(t / total) < _MACHEP)
            out[finished] = total[finished]
            live &= ~finished
            k += 1
            a_ = a_ * (s + k)
            b = b / w
            k += 1
        out[live] = total[live]
        return out.reshape(shape)


def polygamma(n: int, x: np.ndarray) -> np.ndarray:
    """The ``n``-th derivative of digamma (``n >= 0``)."""
    if n == 0:
        return digamma(x)
    if n == 1:
        return trigamma(x)
    sign = 1.0 if n % 2 else -1.0
    with np.errstate(all="ignore"):
        return sign * math.exp(math.lgamma(n + 1.0)) * zeta(n + 1.0, x)


# ---------------------------------------------------------------- modified Bessel functions

_I0_A = (
    -4.41534164647933937950e-18, 3.33079451882223809783e-17, -2.43127984654795469359e-16,
    1.71539128555513303061e-15, -1.16853328779934516808e-14, 7.67618549860493561688e-14,
    -4.85644678311192946090e-13, 2.95505266312963983461e-12, -1.72682629144155570723e-11,
    9.67580903537323691224e-11, -5.18979560163526290666e-10, 2.65982372468238665035e-9,
    -1.30002500998624804212e-8, 6.04699502254191894932e-8, -2.67079385394061173391e-7,
    1.11738753912010371815e-6, -4.41673835845875056359e-6, 1.64484480707288970893e-5,
    -5.75419501008210370398e-5, 1.88502885095841655729e-4, -5.76375574538582365885e-4,
    1.63947561694133579842e-3, -4.32430999505057594430e-3, 1.05464603945949983183e-2,
    -2.37374148058994688156e-2, 4.93052842396707084878e-2, -9.49010970480476444210e-2,
    1.71620901522208775349e-1, -3.04682672343198398683e-1, 6.76795274409476084995e-1,
)  # fmt: skip
_I0_B = (
    -7.23318048787475395456e-18, -4.83050448594418207126e-18, 4.46562142029675999901e-17,
    3.46122286769746109310e-17, -2.82762398051658348494e-16, -3.42548561967721913462e-16,
    1.77256013305652638360e-15, 3.81168066935262242075e-15, -9.55484669882830764870e-15,
    -4.15056934728722208663e-14, 1.54008621752140982691e-14, 3.85277838274214270114e-13,
    7.18012445138366623367e-13, -1.79417853150680611778e-12, -1.32158118404477131188e-11,
    -3.14991652796324136454e-11, 1.18891471078464383424e-11, 4.94060238822496958910e-10,
    3.39623202570838634515e-9, 2.26666899049817806459e-8, 2.04891858946906374183e-7,
    2.89137052083475648297e-6, 6.88975834691682398426e-5, 3.36911647825569408990e-3,
    8.04490411014108831608e-1,
)  # fmt: skip
_I1_A = (
    2.77791411276104639959e-18, -2.11142121435816608115e-17, 1.55363195773620046921e-16,
    -1.10559694773538630805e-15, 7.60068429473540693410e-15, -5.04218550472791168711e-14,
    3.22379336594557470981e-13, -1.98397439776494371520e-12, 1.17361862988909016308e-11,
    -6.66348972350202774223e-11, 3.62559028155211703701e-10, -1.88724975172282928790e-9,
    9.38153738649577178388e-9, -4.44505912879632808065e-8, 2.00329475355213526229e-7,
    -8.56872026469545474066e-7, 3.47025130813767847674e-6, -1.32731636560394358279e-5,
    4.78156510755005422638e-5, -1.61760815825896745588e-4, 5.12285956168575772895e-4,
    -1.51357245063125314899e-3, 4.15642294431288815669e-3, -1.05640848946261981558e-2,
    2.47264490306265168283e-2, -5.29459812080949914269e-2, 1.02643658689847095384e-1,
    -1.76416518357834055153e-1, 2.52587186443633654823e-1,
)  # fmt: skip
_I1_B = (
    7.51729631084210481353e-18, 4.41434832307170791151e-18, -4.65030536848935832153e-17,
    -3.20952592199342395980e-17, 2.96262899764595013876e-16, 3.30820231092092828324e-16,
    -1.88035477551078244854e-15, -3.81440307243700780478e-15, 1.04202769841288027642e-14,
    4.27244001671195135429e-14, -2.10154184277266431302e-14, -4.08355111109219731823e-13,
    -7.19855177624590851209e-13, 2.03562854414708950722e-12, 1.41258074366137813316e-11,
    3.25260358301548823856e-11, -1.89749581235054123450e-11, -5.58974346219658380687e-10,
    -3.83538038596423702205e-9, -2.63146884688951950684e-8, -2.51223623787020892529e-7,
    -3.88256480887769039346e-6, -1.10588938762623716291e-4, -9.76109749136146840777e-3,
    7.78576235018280120474e-1,
)  # fmt: skip


def _chbevl(x: np.ndarray, coeffs: tuple) -> np.ndarray:
    """A Chebyshev series at ``x`` (Clenshaw's recurrence, as Cephes' ``chbevl``)."""
    b0, b1, b2 = np.full_like(x, coeffs[0]), np.zeros_like(x), np.zeros_like(x)
    for c in coeffs[1:]:
        b2, b1 = b1, b0
        b0 = x * b1 - b2 + c
    return 0.5 * (b0 - b2)


def _bessel(x: np.ndarray, a: tuple, b: tuple, times_x: bool, scaled: bool) -> np.ndarray:
    """Cephes' two Chebyshev expansions of ``exp(-|x|) I(|x|)`` (on ``[0, 8]`` and beyond),
    times ``exp(|x|)`` unless ``scaled``."""
    ax = np.abs(np.asarray(x, dtype=np.float64))
    with np.errstate(all="ignore"):
        grow = 1.0 if scaled else np.exp(ax)
        near = grow * _chbevl(ax / 2 - 2, a) * (ax if times_x else 1.0)
        far = grow * _chbevl(32 / ax - 2, b) / np.sqrt(ax)
        return np.where(ax <= 8, near, far)


def i0(x: np.ndarray) -> np.ndarray:
    """The modified Bessel function of the first kind, order 0 (even)."""
    return _bessel(x, _I0_A, _I0_B, times_x=False, scaled=False)


def i0e(x: np.ndarray) -> np.ndarray:
    """``exp(-|x|) i0(x)``, without overflow."""
    return _bessel(x, _I0_A, _I0_B, times_x=False, scaled=True)


def i1(x: np.ndarray) -> np.ndarray:
    """The modified Bessel function of the first kind, order 1 (odd): ``i0``'s derivative."""
    out = _bessel(x, _I1_A, _I1_B, times_x=True, scaled=False)
    return np.where(np.asarray(x) < 0, -out, out)


def i1e(x: np.ndarray) -> np.ndarray:
    """``exp(-|x|) i1(x)``, without overflow."""
    out = _bessel(x, _I1_A, _I1_B, times_x=True, scaled=True)
    return np.where(np.asarray(x) < 0, -out, out)


# ---------------------------------------------------------------- the normal distribution

_erfc_ufunc = np.frompyfunc(math.erfc, 1, 1)
_SQRT_PI = math.sqrt(math.pi)


def _erfc(x: np.ndarray) -> np.ndarray:
    return np.asarray(_erfc_ufunc(x), dtype=np.float64) if np.size(x) else np.asarray(x, float)


def erfcx(x: np.ndarray) -> np.ndarray:
    """The scaled complementary error function ``exp(x**2) erfc(x)``: directly up to 25, by its
    asymptotic series beyond (to float64 rounding), and ``2 exp(x**2) - erfcx(-x)`` below 0."""
    x = np.asarray(x, dtype=np.float64)
    ax = np.abs(x)
    with np.errstate(all="ignore"):
        direct = np.exp(ax * ax) * _erfc(np.minimum(ax, 25.0))
        inv2 = 1 / (2 * ax * ax)
        series, term = np.ones_like(ax), np.ones_like(ax)
        for n in range(1, 12):
            term = -term * (2 * n - 1) * inv2
            series = series + term
        far = np.where(np.isinf(ax), 0.0, series / (ax * _SQRT_PI))
        positive = np.where(ax < 25, direct, far)
        negative = 2 * np.exp(x * x) - positive
        return np.where(np.isnan(x), x, np.where(x < 0, negative, positive))


def log_ndtr(x: np.ndarray) -> np.ndarray:
    """``log`` of the standard normal CDF, accurate far in both tails (PyTorch's formula)."""
    x = np.asarray(x, dtype=np.float64)
    t = x * math.sqrt(0.5)
    with np.errstate(all="ignore"):
        low = np.log(erfcx(-t) / 2) - t * t
        high = np.log1p(-_erfc(t) / 2)
        return np.where(x < -1, low, high)


def ndtri(p: np.ndarray) -> np.ndarray:
    """The inverse of the standard normal CDF: Abramowitz and Stegun's 26.2.23 guess on the
    smaller tail ``q = min(p, 1 - p)`` (exact in floating point), then Newton's method on
    ``log_ndtr(x) = log(q)``, which keeps full relative accuracy deep in the tail."""
    p = np.asarray(p, dtype=np.float64)
    with np.errstate(all="ignore"):
        q = np.minimum(p, 1 - p)
        inside = (q > 0) & (p != 0.5)
        qs = np.where(inside, q, 0.25)
        t = np.sqrt(-2 * np.log(qs))
        x = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t)
              / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t**3))  # fmt: skip
        log_q = np.log(qs)
        for _ in range(8):
            ln = log_ndtr(x)
            step = (ln - log_q) * np.exp(ln + 0.5 * x * x + 0.5 * math.log(2 * math.pi))
            x = x - step
            if not np.any(np.abs(step) > 1e-15 * np.abs(x)):
                break
        x = np.where(p > 0.5, -x, x)
        x = np.where(p == 0.5, 0.0, np.where(p == 0, -np.inf, np.where(p == 1, np.inf, x)))
        return np.where((p < 0) | (p > 1) | np.isnan(p), np.nan, x)
