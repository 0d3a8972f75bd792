"""The error function and exact GELU (forward and gradient), and for float32 the sigmoid and
SiLU (forward and gradient), on the numba or the NumPy path (one call each; the caller splits
large arrays over the threads with ``numtorch._kernels.parallel.pointwise``).

The float32 sigmoid kernels compute in float64 with a vectorised ``exp``
(``_numba_special._exp_for_float32``, about 1e-14 relative) and round once, so they are at
least as close to the true value as the NumPy path's float32 arithmetic (which its callers keep
for float64 and where numba does not serve); the two paths differ by an ulp here and there.

NumPy has no erf: the NumPy path evaluates fdlibm's erf with whole-array operations
(:func:`numtorch.ops._erf.erf`, ~20 ns an element); the numba kernels (``_numba_special``)
compute glibc's ``erf``, the function Python's ``math.erf`` is, bit for bit: fdlibm's rational
forms for ``2**-28 <= |x| < 1.25`` vectorised in glibc's order of operations, glibc's ``erf``
itself called for the rest (~3-4 ns an element on GELU's inputs, one thread). Both paths
compute erf in float64 and round it once to float32 for float32 arrays, and GELU takes the same
rounding steps on both: ``x * (0.5 * (1 + erf(x / sqrt(2))))`` in ``x``'s dtype.

**The two paths may differ by an ulp.** Unlike the ``BACKGROUND_FAMILIES`` of
``numtorch._kernels``, this family is not bit-identical to its NumPy twin, so it loads
synchronously (as ``pickle_scan`` does: a process never switches paths mid-run). erf's ``exp``
(for ``|x| >= 1.25``) is glibc's in the numba kernels and NumPy's own SIMD ``np.exp`` on the NumPy
path, and these differ by an ulp on a few inputs; the gradient's ``exp`` is glibc's for float64
and, for float32, a vectorised float64 exp rounded once (where NumPy uses its float32
``np.exp``). So the numba path is ``math.erf`` exactly (``tests/test_special_kernels.py``), the
NumPy path within an ulp of it, and GELU's results agree to an ulp of erf (times ``|x|``:
``1 + erf`` cancels for negative x). Each path is element-wise, so splitting an array over
threads does not change its bits. Dtypes other than float32 and float64 take the NumPy path
(computed in float64).

Example:
    >>> import numpy as np
    >>> from numtorch._kernels import special
    >>> special.erf(np.array([0.0, 0.5], dtype=np.float32)).dtype
    dtype('float32')
"""

from __future__ import annotations

import math

import numpy as np

from numtorch._kernels import numba_module
from numtorch.ops._erf import erf as _fdlibm_erf

__all__ = ["erf", "gelu", "gelu_grad", "sigmoid", "silu", "silu_grad"]

_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_FAST_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def erf(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The error function of a float array in its dtype (float32 computed in float64 and
    rounded once), into ``out`` (a new array when None, laid out like ``x``)."""
    given = np.asarray(x)
    fast, x = _fast(x, out=out)
    if fast is None:
        return _put(_erf_numpy(x), out, given)
    return _into(fast.erf, given, out, x)


def gelu(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Exact GELU ``x * (0.5 * (1 + erf(x / sqrt(2))))`` of a float array, into ``out`` (a
    new array when None, laid out like ``x``)."""
    given = np.asarray(x)
    fast, x = _fast(x, out=out)
    if fast is None:
        t = x.dtype.type
        return _put(x * (t(0.5) * (1 + _erf_numpy(x * t(_INV_SQRT_2)))), out, given)
    return _into(fast.gelu, given, out, x)


def gelu_grad(g: np.ndarray, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Exact GELU's gradient ``g * (cdf + x / sqrt(2 pi) * exp(-x*x / 2))`` with ``cdf = 0.5 *
    (1 + erf(x / sqrt(2)))``, into ``out`` (a new array when None, laid out like ``x``)."""
    given = np.asarray(x)
    fast, x, g = _fast(x, g, out=out)
    if fast is None:
        return _put(g * gelu_derivative_numpy(x), out, given)
    return _into(fast.gelu_grad, given, out, g, x)


def gelu_derivative_numpy(x: np.ndarray) -> np.ndarray:
    """Exact GELU's derivative on the NumPy path, in ``x``'s dtype."""
    t = x.dtype.type
    cdf = t(0.5) * (1 + _erf_numpy(x * t(_INV_SQRT_2)))
    return cdf + x * t(_INV_SQRT_2PI) * np.exp(t(-0.5) * x * x)


def _erf_numpy(x: np.ndarray) -> np.ndarray:
    """fdlibm's erf vectorised (:func:`numtorch.ops._erf.erf`), in ``x``'s dtype."""
    return _fdlibm_erf(x).astype(x.dtype, copy=False)


def _put(result: np.ndarray, out: np.ndarray | None, given: np.ndarray) -> np.ndarray:
    """``result``, copied into ``out`` when given (copied, not computed into it: NumPy's
    in-place rewrite of ``g * tmp`` as ``tmp *= g`` picks a NaN's sign, see
    ``numtorch._kernels.parallel.pointwise``), else laid out like the input ``given``."""
    if out is None:
        return _laid_out_like(given, result)
    np.copyto(out, result)
    return out


def _fast(x: np.ndarray, *others: np.ndarray, out: np.ndarray | None):
    """The numba module (or None) and the arrays, C-contiguous when it can run on them: float32
    or float64, one dtype and shape, ``out`` C-contiguous."""
    x = np.asarray(x)
    fast = None
    if (
        x.dtype in _FAST_DTYPES
        and all(isinstance(a, np.ndarray) and a.dtype == x.dtype for a in others)
        and all(a.shape == x.shape for a in others)
        and (out is None or (out.dtype == x.dtype and out.shape == x.shape))
        and (out is None or out.flags.c_contiguous)
    ):
        fast = numba_module("special", x.dtype)
    if fast is not None:  # (not np.ascontiguousarray: it makes a 0-d array 1-d)
        x, others = _contiguous(x), tuple(_contiguous(a) for a in others)
    return (fast, x, *others)


def _into(kernel, given: np.ndarray, out: np.ndarray | None, *arrays: np.ndarray) -> np.ndarray:
    """``kernel(*arrays, result)`` on the flattened C-contiguous ``arrays``: the result in
    ``out``, or in a new array laid out like the input ``given``."""
    result = np.empty(given.shape, given.dtype) if out is None else out
    kernel(*[a.reshape(-1) for a in arrays], result.reshape(-1))
    return result if out is not None else _laid_out_like(given, result)


def _contiguous(a: np.ndarray) -> np.ndarray:
    return a if a.flags.c_contiguous else a.copy(order="C")


def _laid_out_like(x: np.ndarray, result: np.ndarray) -> np.ndarray:
    """``result`` (C-contiguous) in ``x``'s memory layout, as PyTorch lays out an element-wise
    op's result (a transposed input gives a transposed result)."""
    if x.flags.c_contiguous:
        return result
    laid = np.empty_like(x)  # x's strides when x is dense (a transposed view), else C order
    if laid.strides == result.strides:
        return result
    laid[...] = result
    return laid


def sigmoid(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray | None:
    """The logistic sigmoid of a float32 array into ``out`` by the numba kernel (computed in
    float64 and rounded once: at least as close as the NumPy path's float32 arithmetic), laid
    out like ``x``; None where the kernel does not serve (the caller computes it with NumPy)."""
    return _float32_kernel("sigmoid", out, x)


def silu(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray | None:
    """``x * sigmoid(x)`` of a float32 array, as :func:`sigmoid`; None where not served."""
    return _float32_kernel("silu", out, x)


def silu_grad(g: np.ndarray, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray | None:
    """SiLU's gradient ``g * (s * (1 + x * (1 - s)))``, as :func:`sigmoid`; None where not
    served."""
    return _float32_kernel("silu_grad", out, g, x)


def _float32_kernel(name: str, out: np.ndarray | None, *arrays: np.ndarray) -> np.ndarray | None:
    """Kernel ``name`` of the float32 sigmoid family on ``arrays`` (its last one the input
    whose layout the result takes), or None where it does not serve."""
    x = np.asarray(arrays[-1])
    if x.dtype != np.float32:  # float64 keeps NumPy's float64 arithmetic
        return None
    fast, *flat = _fast(x, *arrays[:-1], out=out)
    if fast is None:
        return None
    return _into(getattr(fast, name), x, out, *flat[1:], flat[0])
