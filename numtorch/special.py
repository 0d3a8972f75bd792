"""``torch.special``: the special functions under SciPy's names (``expit``, ``gammaln``,
``psi``, ``i0e``, ``ndtr``, ``log_ndtr``, ``ndtri``, ``erfcx``, ``entr``, ``xlog1py``,
``zeta``, ...). Most are the namespace's own ops under another name; the rest are primitives
of ``numtorch.ops.special``. Every function takes ``out=`` as PyTorch's do."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np

import numtorch._namespace as _ns
from numtorch import _dtype
from numtorch._checks import check_tensor
from numtorch._namespace._operands import Number, elementwise, float_type, named, unary_float
from numtorch._namespace.inplace import write_out
from numtorch.ops import special as sp
from numtorch.ops import special_bessel as bessel
from numtorch.ops import special_numerics as sn
from numtorch.ops import special_polynomials as polynomials
from numtorch.tensor import Tensor

__all__ = [
    "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc",
    "gammaincc", "gammaln", "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr", "log_softmax",
    "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round", "sinc",
    "softmax", "xlog1py", "xlogy", "zeta", "spherical_bessel_j0", "modified_bessel_i0",
    "modified_bessel_i1", *polynomials.POLYNOMIALS, *bessel.BESSEL,
]  # fmt: skip


def _with_out(fn: Callable) -> Callable:
    """``fn`` with PyTorch's ``out=`` keyword (the result written into ``out``)."""

    @functools.wraps(fn)
    def with_out(*args, out: Tensor | None = None, **kwargs):
        result = fn(*args, **kwargs)
        return result if out is None else write_out(out, result, fn.__name__)

    return with_out


def _alias(name: str, op: Callable, doc: str) -> Callable:
    """``torch.special.<name>``: the namespace's ``op`` (with ``out=``) under its SciPy name."""

    def fn(*args, **kwargs):
        return op(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    fn.__wrapped__ = op  # so ``inspect.signature`` (and ``help``) show the op's arguments
    return _with_out(fn)


digamma = _alias("digamma", _ns.special.digamma, "The logarithmic derivative of gamma.")
psi = _alias("psi", _ns.special.digamma, "``digamma``.")
gammaln = _alias("gammaln", _ns.special.lgamma, "``log|gamma(input)|`` (``torch.lgamma``).")
polygamma = _alias("polygamma", _ns.special.polygamma, "The ``n``-th derivative of digamma.")
multigammaln = _alias("multigammaln", _ns.special.mvlgamma, "``torch.mvlgamma``.")
i0 = _alias("i0", _ns.special.i0, "The modified Bessel function of the first kind, order 0.")
gammainc = _alias("gammainc", _ns.special.igamma, "The regularised lower incomplete gamma.")
gammaincc = _alias("gammaincc", _ns.special.igammac, "The regularised upper incomplete gamma.")
erf = _alias("erf", _ns.pointwise.erf, "The error function.")
erfc = _alias("erfc", _ns.pointwise.erfc, "``1 - erf(input)``.")
erfinv = _alias("erfinv", _ns.pointwise.erfinv, "The inverse error function.")
exp2 = _alias("exp2", _ns.pointwise.exp2, "``2 ** input``.")
expm1 = _alias("expm1", _ns.pointwise.expm1, "``exp(input) - 1``.")
log1p = _alias("log1p", _ns.pointwise.log1p, "``log(1 + input)``.")
expit = _alias("expit", _ns.pointwise.sigmoid, "The logistic sigmoid (``torch.sigmoid``).")
logit = _alias("logit", _ns.special.logit, "``log(p / (1 - p))``, optionally clamped.")
sinc = _alias("sinc", _ns.special.sinc, "The normalised sinc.")
xlogy = _alias("xlogy", _ns.pointwise.xlogy, "``input * log(other)``, 0 where input is 0.")
softmax = _alias("softmax", _ns.reduction.softmax, "``torch.softmax``.")
log_softmax = _alias("log_softmax", _ns.reduction.log_softmax, "``torch.log_softmax``.")
logsumexp = _alias("logsumexp", _ns.reduction.logsumexp, "``torch.logsumexp``.")


@_with_out
def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """``torch.round`` (PyTorch's node is ``RoundBackward1``, its ``decimals`` overload)."""
    return named(_ns.pointwise.round(input, decimals=decimals), "RoundBackward1")


@_with_out
def i1(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind, order 1."""
    return unary_float(sp.I1, input, "special_i1")


@_with_out
def i0e(input: Tensor) -> Tensor:
    """``exp(-|input|) i0(input)``, without overflow."""
    return unary_float(sp.I0e, input, "special_i0e")


@_with_out
def i1e(input: Tensor) -> Tensor:
    """``exp(-|input|) i1(input)``, without overflow."""
    return unary_float(sp.I1e, input, "special_i1e")


@_with_out
def entr(input: Tensor) -> Tensor:
    """The elementwise entropy ``-input log(input)`` (0 at 0, -inf below)."""
    return unary_float(sp.Entr, input, "special_entr")


@_with_out
def erfcx(input: Tensor) -> Tensor:
    """The scaled complementary error function ``exp(input**2) erfc(input)``."""
    return unary_float(sp.Erfcx, input, "special_erfcx")


@_with_out
def ndtr(input: Tensor) -> Tensor:
    """The standard normal CDF, ``(1 + erf(input / sqrt(2))) / 2``."""
    x = check_tensor(input, "special_ndtr")
    x = x if x.dtype.is_floating_point else x.to(_dtype.get_default_dtype())
    out = (1 + _ns.pointwise.erf(x * math.sqrt(0.5))) * 0.5
    return named(out, "MulBackward1")


@_with_out
def log_ndtr(input: Tensor) -> Tensor:
    """``log`` of the standard normal CDF, accurate in both tails."""
    return unary_float(sp.LogNdtr, input, "special_log_ndtr")


@_with_out
def ndtri(input: Tensor) -> Tensor:
    """The inverse of the standard normal CDF (-inf at 0, inf at 1, nan outside)."""
    return unary_float(sp.Ndtri, input, "special_ndtri")


def _binary(name: str, input: Tensor | Number, other: Tensor | Number) -> None:
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(
            f"{name}() received an invalid combination of arguments - got "
            f"({type(input).__name__}, {type(other).__name__}), but expected one of:\n"
            " * (Tensor input, Tensor other, *, Tensor out = None)\n"
            " * (Number self, Tensor other, *, Tensor out = None)\n"
            " * (Tensor input, Number other, *, Tensor out = None)\n"
        )


def _overload(out: Tensor, node: str, input: object, other: object) -> Tensor:
    """PyTorch's node names by overload: Tensor-Tensor 0, Scalar-Tensor 1, Tensor-Scalar 2."""
    suffix = 0 if isinstance(other, Tensor) and isinstance(input, Tensor) else 1
    suffix = 2 if not isinstance(other, Tensor) else suffix
    return named(out, f"{node}Backward{suffix}")


@_with_out
def xlog1py(input: Tensor | Number, other: Tensor | Number) -> Tensor:
    """``input * log1p(other)``, 0 where ``input`` is 0 (unless ``other`` is nan)."""
    _binary("special_xlog1py", input, other)
    out = elementwise(sp.Xlog1py, input, other, dt=float_type(input, other))
    return _overload(out, "SpecialXlog1Py", input, other)


@_with_out
def zeta(input: Tensor | Number, other: Tensor | Number) -> Tensor:
    """Hurwitz's zeta ``sum_k (k + other) ** -input``; only ``other`` has a gradient."""
    _binary("special_zeta", input, other)
    out = elementwise(sp.Zeta, input, other, dt=float_type(input, other))
    return _overload(out, "SpecialZeta", input, other)


# ---------------------------------------------------------------- without a derivative


def _no_grad_map(name: str, fn: Callable, doc: str, arg: str = "input") -> Callable:
    """``torch.special.<name>``: ``fn`` on the values, with no graph node (PyTorch's result
    never requires grad); ``arg`` is the argument's name in PyTorch's messages."""

    def special(input: Tensor) -> Tensor:
        check_tensor(input, f"special_{name}", arg)
        dt = float_type(input)
        return Tensor._make(np.asarray(fn(input._data), dtype=dt.numpy))

    special.__name__ = special.__qualname__ = name
    special.__doc__ = doc
    return _with_out(special)


spherical_bessel_j0 = _no_grad_map(
    "spherical_bessel_j0", polynomials.spherical_bessel_j0, "The spherical Bessel ``j0``.", "x"
)
modified_bessel_i0 = _no_grad_map("modified_bessel_i0", sn.i0, "The modified Bessel ``I0``.")
modified_bessel_i1 = _no_grad_map("modified_bessel_i1", sn.i1, "The modified Bessel ``I1``.")


def _polynomial(name: str) -> Callable:
    """``torch.special.<name>(x, n)``: the polynomial of degree ``n`` (truncated) at ``x``."""

    def special(x: Tensor | Number, n: Tensor | Number) -> Tensor:
        if (
            not isinstance(x, Tensor)
            and not isinstance(n, Tensor)
            or not all(isinstance(v, (Tensor, int, float)) for v in (x, n))
        ):
            raise TypeError(
                f"special_{name}() received an invalid combination of arguments - got "
                f"({type(x).__name__}, {type(n).__name__}), but expected one of:\n"
                " * (Tensor x, Tensor n, *, Tensor out = None)\n"
                " * (Number x, Tensor n, *, Tensor out = None)\n"
                " * (Tensor x, Number n, *, Tensor out = None)\n"
            )
        dt = float_type(x, n)
        values = [v._data if isinstance(v, Tensor) else v for v in (x, n)]
        return Tensor._make(polynomials.polynomial(name, *values, dt.numpy))

    special.__name__ = special.__qualname__ = name
    special.__doc__ = f"``torch.special.{name}``, by PyTorch's recurrence."
    return _with_out(special)


globals().update({name: _polynomial(name) for name in polynomials.POLYNOMIALS})
globals().update({
    name: _no_grad_map(name, fn, f"``torch.special.{name}``.", "x" if "scaled" in name or "airy" in name else "input")
    for name, fn in bessel.BESSEL.items()
})  # fmt: skip
