"""numba kernels for the error function and exact GELU on flat, C-contiguous float32 or float64
arrays (``numtorch._kernels.special``): glibc's ``erf`` (Python's ``math.erf``) bit for bit.

Serial and ``nogil``: ``numtorch._kernels.parallel.pointwise`` hands them flat ranges on its
threads. Each kernel works through blocks of ``_BLOCK`` elements. erf's arguments, in float64,
go through one vectorised loop that evaluates fdlibm's two rational forms for ``2**-28 <= |x|
< 1.25`` (``x + x P(x^2)/Q(x^2)`` below 0.84375, ``erx + P(|x|-1)/Q(|x|-1)`` above, with
glibc's order of operations, so the bits are glibc's), both forms on every lane and the right
one kept; the indices of the other elements (the tails, which need ``exp``, tiny values, inf
and NaN) are gathered without branches and handed to ``math.erf``, that is glibc's ``erf``,
one by one. Calling ``math.erf`` on every element instead costs about twice as much on GELU's
inputs: a scalar call, and a mispredicted branch between fdlibm's ranges for random data.

erf is rounded once to the array's dtype (float32: ``float32(math.erf(float64(x)))``); every
other operation runs in the array's dtype, with constants of that dtype (a Python float would
promote float32 arithmetic to float64), in the order of the NumPy expressions in
``numtorch._kernels.special``. ``error_model="numpy"``: a float division by zero gives inf or
NaN instead of raising, and that check no longer stops the loops from vectorising.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
from numba import njit

from numtorch.ops import _erf as _fdlibm

__all__ = ["warm_up", "erf", "gelu", "gelu_grad", "sigmoid", "silu", "silu_grad"]

_u = np.uint64
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_BLOCK = 1024  # elements per block: its float64 buffers stay in L1 cache

# fdlibm's coefficients, from the NumPy path's module (which lists them with their ranges),
# as module constants numba folds into the code
_ERX = _fdlibm._ERX
_PP0, _PP1, _PP2, _PP3, _PP4 = _fdlibm._PP
_QQ1, _QQ2, _QQ3, _QQ4, _QQ5 = _fdlibm._QQ[1:]
_PA0, _PA1, _PA2, _PA3, _PA4, _PA5, _PA6 = _fdlibm._PA
_QA1, _QA2, _QA3, _QA4, _QA5, _QA6 = _fdlibm._QA[1:]
# exp for float32 results (in float64, then rounded once): Cody-Waite reduction by fdlibm's
# split ln 2, and exp(r) = sum r^i / i! to degree 11 (|r| <= ln(2)/2: a relative error of
# about 1e-14, far inside a float32 ulp)
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # its low 32 bits are zero: k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_E2, _E3, _E4, _E5, _E6, _E7, _E8, _E9, _E10, _E11 = (1.0 / math.factorial(i) for i in range(2, 12))
_EXP_FLOOR = -150.0  # exp(-150) rounds to float32 zero
_TINY = 2.0**-28  # below: glibc's x + efx * x (with a subnormal guard)
_SMALL = 0.84375
_MID = 1.25  # from here on: 1 - erfc, with exp


@njit(cache=True, inline="always", error_model="numpy")
def _erf_rational(x):  # pragma: no cover
    """glibc's erf for ``2**-28 <= |x| < 1.25``, its operations in its order: ``x + x * (r /
    s)`` below 0.84375, ``erx + p / q`` (sign copied from ``x``: glibc's ``-erx - p/q`` for
    negative x is that, rounding being symmetric) from there; both on every lane, one division.
    """
    z = x * x  # |x| < 0.84375: r(z) / s(z)
    r1 = _PP0 + z * _PP1
    z2 = z * z
    r2 = _PP2 + z * _PP3
    z4 = z2 * z2
    s1 = 1.0 + z * _QQ1
    s2 = _QQ2 + z * _QQ3
    s3 = _QQ4 + z * _QQ5
    r = r1 + z2 * r2 + z4 * _PP4
    s = s1 + z2 * s2 + z4 * s3
    t = abs(x) - 1.0  # 0.84375 <= |x| < 1.25: p(t) / q(t)
    p1 = _PA0 + t * _PA1
    t2 = t * t
    q1 = 1.0 + t * _QA1
    t4 = t2 * t2
    p2 = _PA2 + t * _PA3
    t6 = t4 * t2
    q2 = _QA2 + t * _QA3
    p3 = _PA4 + t * _PA5
    q3 = _QA4 + t * _QA5
    p = p1 + t2 * p2 + t4 * p3 + t6 * _PA6
    q = q1 + t2 * q2 + t4 * q3 + t6 * _QA6
    near_zero = abs(x) < _SMALL
    y = (r if near_zero else p) / (s if near_zero else q)
    return x + x * y if near_zero else math.copysign(_ERX + y, x)


@njit(cache=True, inline="always", error_model="numpy")
def _exp_for_float32(y):  # pragma: no cover
    """``exp(y)`` in float64 for ``y <= 0`` (``y > 0`` is not used), within about 1e-14
    relative, 0 below -150; vectorises (glibc's ``expf`` is a call per element). Rounded to
    float32 it is ``expf``'s value but where that one is not correctly rounded (~1 in 1500)."""
    yc = y if y >= _EXP_FLOOR else _EXP_FLOOR
    k = math.floor(yc * _LOG2E + 0.5)
    r = (yc - k * _LN2_HI) - k * _LN2_LO
    p = _E9 + r * (_E10 + r * _E11)
    p = _E5 + r * (_E6 + r * (_E7 + r * (_E8 + r * p)))
    p = 1.0 + r * (1.0 + r * (_E2 + r * (_E3 + r * (_E4 + r * p))))
    result = p * np.int64((np.int64(k) + 1023) << 52).view(np.float64)  # p * 2**k
    return 0.0 if y < _EXP_FLOOR else (result if y == y else y)  # NaN stays NaN


@njit(cache=True, inline="always", error_model="numpy")
def _erf_block(u, e, idx, n):  # pragma: no cover
    """``e[:n] = erf(u[:n])`` (float64 buffers), glibc's bits: the rational forms vectorised,
    the other elements' indices gathered into ``idx`` and passed to ``math.erf``."""
    for i in range(n):
        e[_u(i)] = _erf_rational(u[_u(i)])
    m = 0
    for i in range(n):
        a = abs(u[_u(i)])
        idx[_u(m)] = i
        m += not (a >= _TINY and a < _MID)  # NaN included
    for k in range(m):
        j = idx[_u(k)]
        e[j] = math.erf(u[j])


@njit(cache=True, nogil=True, error_model="numpy")
def erf(x, out):  # pragma: no cover
    """``out = erf(x)``: glibc's float64 erf of each element, rounded once to ``out``'s
    dtype (for float32, ``float32(math.erf(float64(x)))``)."""
    u, e, idx = np.empty(_BLOCK), np.empty(_BLOCK), np.empty(_BLOCK, np.int64)
    for b in range(0, x.size, _BLOCK):
        n = min(_BLOCK, x.size - b)
        for i in range(n):
            u[_u(i)] = x[_u(b + i)]
        _erf_block(u, e, idx, n)
        for i in range(n):
            out[_u(b + i)] = e[_u(i)]


@njit(cache=True, nogil=True, error_model="numpy")
def gelu(x, out):  # pragma: no cover
    """``out = x * (0.5 * (1 + erf(x * (1/sqrt(2)))))`` in ``x``'s dtype, erf as :func:`erf`."""
    c = np.empty(3, out.dtype)  # the constants, rounded to the dtype
    c[0], c[1], c[2] = 1.0, 0.5, _INV_SQRT_2
    one, half, inv_sqrt_2 = c[0], c[1], c[2]
    u, e, idx = np.empty(_BLOCK), np.empty(_BLOCK), np.empty(_BLOCK, np.int64)
    rounded = np.empty(_BLOCK, out.dtype)
    for b in range(0, x.size, _BLOCK):
        n = min(_BLOCK, x.size - b)
        for i in range(n):
            u[_u(i)] = x[_u(b + i)] * inv_sqrt_2  # in the dtype, then widened
        _erf_block(u, e, idx, n)
        for i in range(n):
            rounded[_u(i)] = e[_u(i)]  # erf rounded to the dtype
        for i in range(n):
            out[_u(b + i)] = x[_u(b + i)] * (half * (one + rounded[_u(i)]))


@njit(cache=True, nogil=True, error_model="numpy")
def gelu_grad(g, x, out):  # pragma: no cover
    """``out = g * (cdf + x * (1/sqrt(2 pi)) * exp(-0.5 * x * x))``, ``cdf = 0.5 * (1 +
    erf(x * (1/sqrt(2))))``, in ``x``'s dtype: exp is glibc's for float64, and for float32
    :func:`_exp_for_float32` rounded once (NumPy's float32 ``np.exp`` and glibc's ``expf``
    are within an ulp of it)."""
    c = np.empty(5, out.dtype)
    c[0], c[1], c[2], c[3], c[4] = 1.0, 0.5, _INV_SQRT_2, _INV_SQRT_2PI, -0.5
    one, half, inv_sqrt_2, inv_sqrt_2pi, minus_half = c[0], c[1], c[2], c[3], c[4]
    u, e, idx = np.empty(_BLOCK), np.empty(_BLOCK), np.empty(_BLOCK, np.int64)
    rounded, gauss = np.empty(_BLOCK, out.dtype), np.empty(_BLOCK, out.dtype)
    for b in range(0, x.size, _BLOCK):
        n = min(_BLOCK, x.size - b)
        for i in range(n):
            u[_u(i)] = x[_u(b + i)] * inv_sqrt_2
        _erf_block(u, e, idx, n)
        for i in range(n):
            rounded[_u(i)] = e[_u(i)]  # erf rounded to the dtype
        if out.itemsize == 4:  # exp in float64, vectorised, rounded to float32
            for i in range(n):
                xi = x[_u(b + i)]
                gauss[_u(i)] = _exp_for_float32(np.float64(minus_half * xi * xi))
        else:  # glibc's exp
            for i in range(n):
                xi = x[_u(b + i)]
                gauss[_u(i)] = math.exp(minus_half * xi * xi)
        for i in range(n):
            xi = x[_u(b + i)]
            cdf = half * (one + rounded[_u(i)])
            out[_u(b + i)] = g[_u(b + i)] * (cdf + xi * inv_sqrt_2pi * gauss[_u(i)])


@njit(cache=True, inline="always", error_model="numpy")
def _sigmoid_wide(x):  # pragma: no cover
    """``1 / (1 + exp(-x))`` of a float64 ``x`` for a float32 result: ``exp`` of ``-|x|`` only
    (no overflow), by :func:`_exp_for_float32`; NaN stays NaN."""
    e = _exp_for_float32(-abs(x))
    s = 1.0 / (1.0 + e)
    return s if x >= 0 else e * s


@njit(cache=True, nogil=True, error_model="numpy")
def sigmoid(x, out):  # pragma: no cover
    """``out = sigmoid(x)`` for float32 arrays: computed in float64, rounded once."""
    for i in range(x.size):
        out[_u(i)] = _sigmoid_wide(np.float64(x[_u(i)]))


@njit(cache=True, nogil=True, error_model="numpy")
def silu(x, out):  # pragma: no cover
    """``out = x * sigmoid(x)`` for float32 arrays: computed in float64, rounded once."""
    for i in range(x.size):
        xi = np.float64(x[_u(i)])
        out[_u(i)] = xi * _sigmoid_wide(xi)


@njit(cache=True, nogil=True, error_model="numpy")
def silu_grad(g, x, out):  # pragma: no cover
    """``out = g * (s * (1 + x * (1 - s)))``, ``s = sigmoid(x)``, for float32 arrays:
    computed in float64, rounded once."""
    for i in range(x.size):
        xi = np.float64(x[_u(i)])
        s = _sigmoid_wide(xi)
        out[_u(i)] = np.float64(g[_u(i)]) * (s * (1.0 + xi * (1.0 - s)))


def warm_up(dtype: np.dtype) -> Iterator[None]:
    """Compile each kernel for ``dtype`` with the signatures ``numtorch._kernels.special``
    calls them with (1-D C-contiguous arrays)."""
    a = np.zeros(1, dtype)
    erf(a, a)
    yield
    gelu(a, a)
    yield
    gelu_grad(a, a, a)
    yield
    if dtype == np.float32:
        for kernel in (sigmoid, silu):
            kernel(a, a)
            yield
        silu_grad(a, a, a)
        yield
