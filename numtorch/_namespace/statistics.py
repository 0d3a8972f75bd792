"""Statistics over values: quantiles, ``mode``, ``nanmedian``, covariance, ``renorm``, finite
differences and the trapezoid rule. The counting ops, which have no gradient (``unique``,
``bincount``, ``histc``, ``histogram``, ``bucketize``, ``searchsorted``), are declared in
``counting``, imported here so that importing this family declares them too."""

from __future__ import annotations

import builtins
import warnings
from collections import namedtuple
from collections.abc import Sequence

import numpy as np

from numtorch import _dtype
from numtorch._checks import check_tensor, normalize_dim, type_name
from numtorch._namespace import counting  # noqa: F401 - declares the counting ops
from numtorch._namespace._declare import op
from numtorch._namespace._operands import Number, named
from numtorch._namespace.comparison import logical_xor
from numtorch._namespace.linalg import mm
from numtorch._namespace.pointwise import clamp, div, mul, sqrt, sub
from numtorch._namespace.reduction import (
    _emulated,
    _rows_with_ties,
    _scan_input,
    _select,
    _sort_order,
)
from numtorch._namespace.shape import cat, narrow, squeeze
from numtorch.ops import statistics as st
from numtorch.ops import stl_order
from numtorch.tensor import Tensor

return_types_mode = namedtuple("mode", ["values", "indices"])
return_types_nanmedian = namedtuple("nanmedian", ["values", "indices"])


# ---------------------------------------------------------------- quantiles


@op(method=True, out=True)
def quantile(
    input: Tensor,
    q: float | Tensor,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
) -> Tensor:
    """The ``q``-th quantiles over ``dim`` (all elements when None); a NaN makes its row's NaN."""
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile")


@op(method=True, out=True)
def nanquantile(
    input: Tensor,
    q: float | Tensor,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
) -> Tensor:
    """``quantile`` of the values that are not NaN (NaN for a row of NaNs)."""
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")


def _quantile(input, q, dim, keepdim: bool, interpolation: str, ignore_nan: bool, name: str):
    check_tensor(input, name)
    if not isinstance(q, Tensor):
        if isinstance(q, bool) or not isinstance(q, (int, float, np.floating, np.integer)):
            raise TypeError(
                f"{name}() received an invalid combination of arguments - got (Tensor, "
                f"{type(q).__name__}), but expected q to be a float or a Tensor"
            )
        if not 0 <= q <= 1:
            raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q:g}")
        q = Tensor._make(np.asarray(q, input._data.dtype))
    if interpolation not in st.INTERPOLATIONS:
        raise RuntimeError(
            "quantile() interpolation must be one of linear, lower, higher, midpoint or "
            f"nearest, but got {interpolation}"
        )
    _quantile_checks(input, q)
    axis = None if dim is None else normalize_dim(dim, input.ndim)
    if not np.all((q._data >= 0) & (q._data <= 1)):
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    x = input if input.ndim else input.reshape(1)
    if axis is not None and not input.ndim:
        axis, keepdim = 0, False  # a 0-d input gives a 0-d result, keepdim or not
    rows = x._data.reshape(-1) if axis is None else np.moveaxis(x._data, axis, -1)
    order = _sort_order(rows, rows.ndim - 1, False, False)  # ties as PyTorch's sort leaves them
    out = st.Quantile.apply(x, q, axis, keepdim, interpolation, ignore_nan, order)
    return named(out, "SqueezeBackward4")  # PyTorch's last step, keepdim or not


def _quantile_checks(input: Tensor, q: Tensor) -> None:
    if input.numel() == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if q.ndim > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    if input.dtype not in (_dtype.float32, _dtype.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if q.dtype is not input.dtype:
        raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")


# ---------------------------------------------------------------- mode, nanmedian


@op(method=True)
def mode(input: Tensor, dim: int = -1, keepdim: bool = False):
    """The most frequent values along ``dim`` and their indices.

    The most frequent value along ``dim`` (the smallest of equally frequent ones) and an
    index of it, chosen as PyTorch's CPU kernel does (the last of its run after a
    ``std::sort`` of the row)."""
    x, axis = _scan_input(input, dim, "mode")
    if x.shape[axis] == 0:
        raise IndexError(f"mode(): Expected reduction dim {axis} to have non-zero size.")
    n = x.shape[axis]
    moved = np.moveaxis(x._data, axis, -1)
    idx = np.expand_dims(_stable_mode_index(moved.reshape(-1, n)).reshape(moved.shape[:-1]), axis)
    # std::sort keeps a row's order where it is an insertion sort (16 or fewer) and where no
    # two elements tie; elsewhere (and with NaNs, which compare equal to everything) it runs
    which = _rows_with_ties(x._data, axis) & (n > 16)
    if x.dtype.is_floating_point:
        which |= np.isnan(moved.reshape(-1, n)).any(-1)
    idx = _emulated(x._data, idx, axis, which, lambda row: [stl_order.mode_index(row)])
    values, indices = _select(input, x, idx, axis, "ModeBackward0")
    if input.ndim and not keepdim:
        values, indices = named(squeeze(values, axis), "ModeBackward0"), squeeze(indices, axis)
    return return_types_mode(values, indices)


@op(method=True)
def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False):
    """``median`` ignoring NaNs: the lower median of the values that are not NaN."""
    check_tensor(input, "nanmedian")
    if dim is None:
        if input.numel() == 0:
            return Tensor._make(np.asarray(np.nan, input._data.dtype))
        return st.Nanmedian.apply(input)
    x, axis = _scan_input(input, dim, "nanmedian")
    n = x.shape[axis]
    if n == 0:
        raise IndexError(f"median(): Expected reduction dim {axis} to have non-zero size.")
    idx = np.expand_dims(_nanmedian_index(x._data, axis), axis)
    values, indices = _select(input, x, idx, axis, "NanmedianBackward1")
    if input.ndim and not keepdim:
        values = named(squeeze(values, axis), "NanmedianBackward1")
        indices = squeeze(indices, axis)
    return return_types_nanmedian(values, indices)


def _stable_mode_index(rows: np.ndarray) -> np.ndarray:
    """Each row's ``mode`` index were PyTorch's sort stable: the last occurrence of the
    smallest of the most frequent values."""
    n_rows, n = rows.shape
    if not rows.size:
        return np.zeros(n_rows, np.int64)
    order = np.argsort(rows, axis=1, kind="stable")
    ordered = np.take_along_axis(rows, order, 1)
    starts = np.ones(rows.shape, bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    run = np.cumsum(starts, axis=1) - 1
    lengths = np.bincount((run + n * np.arange(n_rows)[:, None]).ravel(), minlength=rows.size)
    best = np.argmax(lengths.reshape(n_rows, n), axis=1)  # the first longest: smallest value
    last = np.sum(run <= best[:, None], axis=1) - 1
    return order[np.arange(n_rows), last]


def _nanmedian_index(arr: np.ndarray, axis: int) -> np.ndarray:
    """Index of each row's lower median of its non-NaN values (ties: the earlier index, as
    PyTorch's comparator orders them); a row of NaNs gets ``std::nth_element``'s pick."""
    rows = np.moveaxis(arr, axis, -1)
    n = rows.shape[-1]
    if n == 0:
        return np.zeros(rows.shape[:-1], np.int64)
    order = np.argsort(rows, axis=-1, kind="stable")
    valid = np.sum(~np.isnan(rows), axis=-1) if rows.dtype.kind == "f" else np.full(1, n)
    pos = np.broadcast_to(np.maximum(valid - 1, 0) // 2, rows.shape[:-1])
    idx = np.take_along_axis(order, pos[..., None], -1)[..., 0]
    all_nan = np.broadcast_to(valid == 0, rows.shape[:-1])
    return np.where(all_nan, stl_order.nth_element_of_equals(n, 0), idx)


# ---------------------------------------------------------------- covariance


@op(method=True)
def cov(
    input: Tensor,
    *,
    correction: int = 1,
    fweights: Tensor | None = None,
    aweights: Tensor | None = None,
) -> Tensor:
    """The covariance matrix of the variables in ``input``'s rows.

    Observations are in columns; frequency and importance weights apply as PyTorch computes
    them."""
    check_tensor(input, "cov")
    if input.ndim > 2:
        raise RuntimeError(
            "cov(): expected input to have two or fewer dimensions but got an input with "
            f"{input.ndim} dimensions"
        )
    if input.dtype is _dtype.bool:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    n = x.shape[1]
    w = None
    if fweights is not None:
        w = _check_weights(fweights, "fweights", n, integral=True)
    if aweights is not None:
        aw = _check_weights(aweights, "aweights", n, integral=False)
        w = aw if w is None else mul(w, aw)
    w_sum = n if w is None else w.sum()
    if w is not None and not w_sum.item():
        raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    avg = div((x if w is None else mul(x, w)).sum(1), w_sum)
    if w is not None and aweights is not None and correction != 0:
        norm_factor = sub(w_sum, div(mul(mul(w, aweights).sum(), correction), w_sum))
    else:
        norm_factor = sub(w_sum, correction) if isinstance(w_sum, Tensor) else w_sum - correction
    if float(norm_factor.item() if isinstance(norm_factor, Tensor) else norm_factor) <= 0:
        warnings.warn(
            "cov(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "number of observations.",
            UserWarning,
            stacklevel=2,
        )
        norm_factor = 0
    centred = sub(x, avg.unsqueeze(1))
    c = mm(centred, (centred if w is None else mul(centred, w)).t())
    return squeeze(div(c, norm_factor))


def _check_weights(w: object, name: str, n: int, integral: bool) -> Tensor:
    w = check_tensor(w, "cov", name, None)
    if w.ndim > 1:
        raise RuntimeError(
            f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
            f"{w.ndim} dimensions"
        )
    ok = w.dtype.is_floating_point if not integral else _is_integral(w.dtype)
    if not ok:
        kind = "integral" if integral else "floating point"
        raise RuntimeError(
            f"cov(): expected {name} to have {kind} dtype but got {name} with "
            f"{type_name(w.dtype)} dtype"
        )
    if w.numel() != n:
        raise RuntimeError(
            f"cov(): expected {name} to have the same numel as there are observations in the "
            f"input but got {w.numel()} != {n}"
        )
    if n and np.min(w._data) < 0:
        raise RuntimeError(f"cov(): {name} cannot be negative")
    return w


def _is_integral(dt: _dtype.dtype) -> bool:
    return not dt.is_floating_point and dt is not _dtype.bool


@op(method=True)
def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of ``input``'s rows, clipped to [-1, 1]."""
    check_tensor(input, "corrcoef")
    if input.ndim > 2:
        raise RuntimeError(
            "corrcoef(): expected input to have two or fewer dimensions but got an input with "
            f"{input.ndim} dimensions"
        )
    c = cov(input)
    if c.ndim == 0:
        return div(c, c)  # NaN for 0, inf or NaN, 1 otherwise
    k = Tensor._make(np.arange(c.shape[0]))
    stddev = sqrt(c[k, k])
    c = div(div(c, stddev.reshape(-1, 1)), stddev.reshape(1, -1))
    return clamp(c, -1, 1)


# ---------------------------------------------------------------- renorm


@op(method=True, inplace=True, out=True)
def renorm(input: Tensor, p: Number, dim: int, maxnorm: Number) -> Tensor:
    """Each slice along ``dim`` rescaled so its ``p``-norm is at most ``maxnorm``."""
    check_tensor(input, "renorm")
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm:g}")
    if input.ndim < 2:
        raise RuntimeError(
            f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions"
        )
    axis = normalize_dim(dim, input.ndim)
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. "
            f"Got {type_name(input.dtype)}"
        )
    return st.Renorm.apply(input, float(p), axis, float(maxnorm))


# ---------------------------------------------------------------- differences, integrals


@op(method=True, out=True)
def diff(
    input: Tensor,
    n: int = 1,
    dim: int = -1,
    prepend: Tensor | None = None,
    append: Tensor | None = None,
) -> Tensor:
    """The ``n``-th forward difference along ``dim``.

    ``xor`` for bools; ``prepend`` and ``append`` are joined first."""
    check_tensor(input, "diff")
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    axis = normalize_dim(dim, input.ndim)
    if n == 0:
        return named(input.clone(), "torch::autograd::CopyBackwards")
    extra = [_check_diff_part(t, input, axis) for t in (prepend, append)]
    x = input
    if prepend is not None or append is not None:
        x = cat([t for t in (extra[0], input, extra[1]) if t is not None], axis)
    length = x.shape[axis] - 1
    for _ in range(builtins.min(n, x.shape[axis])):
        hi, lo = narrow(x, axis, 1, length), narrow(x, axis, 0, length)
        x = logical_xor(hi, lo) if x.dtype is _dtype.bool else sub(hi, lo)
        length -= 1
    return x


def _check_diff_part(t: Tensor | None, input: Tensor, axis: int) -> Tensor | None:
    if t is None:
        return None
    check_tensor(t, "diff", "prepend")
    if t.ndim != input.ndim:
        raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    for d in range(input.ndim):
        if d != axis and t.shape[d] != input.shape[d]:
            raise RuntimeError(
                "diff expects the shape of tensor to prepend or append to match that of input "
                f"except along the differencing dimension; input.size({d}) = {input.shape[d]}, "
                f"but got tensor.size({d}) = {t.shape[d]}"
            )
    return t


def _trapezoid_dim(y: Tensor, dim: int) -> int:
    if not y.ndim:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return normalize_dim(dim, y.ndim)


def _spacing(y: Tensor, x: Tensor, axis: int, name: str) -> Tensor:
    """``x``'s differences along ``axis``, shaped to broadcast against ``y``'s (NumPy's rule:
    a 1-D ``x`` lies along ``axis``; a shorter one gets leading ones)."""
    if y.dtype is _dtype.bool or x.dtype is _dtype.bool:
        raise RuntimeError(
            f"{name}: received a bool input for `x` or `y`, but bool is not supported"
        )
    if x.ndim == 1:
        if x.shape[0] != y.shape[axis]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        shape = [1] * y.ndim
        shape[axis] = x.shape[0]
        x = x.reshape(shape)
    elif x.ndim < y.ndim:
        x = x.reshape((1,) * (y.ndim - x.ndim) + tuple(x.shape))
    return sub(_part(x, axis, 1, None), _part(x, axis, 0, -1))


def _part(t: Tensor, axis: int, start, stop) -> Tensor:
    return t[(slice(None),) * axis + (slice(start, stop),)]


def _check_dx(dx: object, name: str) -> float:
    if isinstance(dx, Tensor):
        dx = dx.item()
    if isinstance(dx, (bool, np.bool_)) or isinstance(dx, complex):
        raise RuntimeError(f"{name}: Currently, we only support dx as a real number.")
    return dx


def _check_trapezoid_args(y: object, x: object, dx: object, name: str) -> None:
    check_tensor(y, name, "y")
    if x is not None and (dx is not None or not isinstance(x, Tensor)):
        got = f"(Tensor, {type(x).__name__}" + (", dx=" + type(dx).__name__ if dx else "") + ")"
        raise TypeError(f"{name}() received an invalid combination of arguments - got {got}")


@op(aliases=("trapz",))
def trapezoid(y: Tensor, x: Tensor | None = None, *, dx: Number | None = None, dim: int = -1):
    """The trapezoid rule along ``dim``: samples ``y`` at points ``x`` or spaced ``dx``."""
    _check_trapezoid_args(y, x, dx, "trapezoid")
    axis = _trapezoid_dim(y, dim)
    if y.shape[axis] == 0:
        shape = tuple(n for d, n in enumerate(y.shape) if d != axis)
        return Tensor._make(np.zeros(shape, y._data.dtype))
    if x is not None:
        spacing = _spacing(y, x, axis, "trapezoid")
        both = _part(y, axis, 1, None) + _part(y, axis, 0, -1)
        return named(div(mul(spacing, both).sum(axis), 2.0), "DivBackward1")
    if y.dtype is _dtype.bool:
        raise RuntimeError("trapezoid: received a bool input for `y`, but bool is not supported")
    dx = _check_dx(1 if dx is None else dx, "trapezoid")
    ends = y[(slice(None),) * axis + (0,)] + y[(slice(None),) * axis + (-1,)]
    return named(mul(sub(y.sum(axis), mul(ends, 0.5)), dx), "MulBackward1")


@op()
def cumulative_trapezoid(
    y: Tensor, x: Tensor | None = None, *, dx: Number | None = None, dim: int = -1
) -> Tensor:
    """The running trapezoid rule along ``dim`` (one value fewer than ``y`` has samples)."""
    _check_trapezoid_args(y, x, dx, "cumulative_trapezoid")
    if not y.ndim:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    axis = normalize_dim(dim, y.ndim)
    both = _part(y, axis, 0, -1) + _part(y, axis, 1, None)
    if x is not None:
        spacing = _spacing(y, x, axis, "cumulative_trapezoid")
        return named(div(mul(spacing, both).cumsum(axis), 2.0), "DivBackward1")
    if y.dtype is _dtype.bool:
        raise RuntimeError(
            "cumulative_trapezoid: received a bool input for `y`, but bool is not supported"
        )
    dx = _check_dx(1 if dx is None else dx, "cumulative_trapezoid")
    return mul(both, dx / 2.0).cumsum(axis)


# ---------------------------------------------------------------- numerical gradient


@op()
def gradient(
    input: Tensor,
    *,
    spacing: Number | Sequence[Number] | Sequence[Tensor] = 1,
    dim: int | Sequence[int] | None = None,
    edge_order: int = 1,
) -> tuple:
    """Estimate the gradient of a function sampled in ``input``.

    The derivative estimated by central differences in the interior and one-sided ones
    (first or second order) at the edges, along each of ``dim``: samples spaced ``spacing``
    apart, or at the coordinates given as 1-D tensors."""
    check_tensor(input, "gradient")
    if input.dtype is _dtype.uint8:
        raise RuntimeError("torch.gradient does not support uint8 input.")
    dims = _gradient_dims(input, dim)
    spacings = _gradient_spacing(input, spacing, dim, dims)
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    if builtins.any(input.shape[d] < edge_order + 1 for d in dims):
        raise RuntimeError(
            "torch.gradient expected each dimension size to be at least edge_order+1"
        )
    return tuple(
        _gradient_along(input, s, d, edge_order)
        if isinstance(s, Tensor)
        else _gradient_uniform(input, s, d, edge_order)
        for s, d in zip(spacings, dims)
    )


def _gradient_dims(input: Tensor, dim) -> list:
    if dim is None:
        return list(range(input.ndim))
    dims = [dim] if isinstance(dim, (int, np.integer)) else list(dim)
    axes = [normalize_dim(d, input.ndim) for d in dims]
    for i, d in enumerate(axes):
        if d in axes[:i]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return axes


def _gradient_spacing(input: Tensor, spacing, dim, dims: list) -> list:
    if not isinstance(spacing, (list, tuple)):
        return [spacing] * len(dims)
    if dim is None and len(spacing) != input.ndim:
        raise RuntimeError(
            "torch.gradient expected spacing to be unspecified, a scalar, or a list of length "
            f"equal to 'self.dim() = {input.ndim}', since dim argument was not given, but got a "
            f"list of length {len(spacing)}"
        )
    if dim is not None and len(spacing) != len(dims):
        raise RuntimeError(
            "torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
            f"arguments to have the same length, but got a spacing argument of length "
            f"{len(spacing)} and a dim argument of length {len(dims)}."
        )
    for s in spacing:
        if isinstance(s, Tensor) and s.ndim != 1:
            raise RuntimeError(
                "torch.gradient expected each element of spacing to have one dimension, but got "
                f"an element with {s.ndim} dimensions!"
            )
    return list(spacing)


def _gradient_uniform(input: Tensor, h: Number, d: int, edge_order: int) -> Tensor:
    """PyTorch's ``gradient_helper_float``: samples ``h`` apart along ``d``."""
    center = div(sub(_part(input, d, 2, None), _part(input, d, 0, -2)), h)
    first, second, third = (_part(input, d, i, i + 1) for i in range(3))
    last3, last2, last = (_part(input, d, i, i + 1 or None) for i in (-3, -2, -1))
    if edge_order == 1:
        head, tail = div(sub(second, first), h), div(sub(last, last2), h)
    else:
        head = div(sub(mul(first, -1.5) + mul(second, 2), mul(third, 0.5)), h)
        tail = div(mul(last3, 0.5) + mul(last2, -2) + mul(last, 1.5), h)
    return cat([head, div(center, 2), tail], d)


def _gradient_along(input: Tensor, coords: Tensor, d: int, edge_order: int) -> Tensor:
    """PyTorch's ``gradient_helper``: samples at the coordinates ``coords`` along ``d``."""
    shape = [1] * input.ndim
    shape[d] = -1
    dx = diff(coords)
    dx1, dx2 = dx[:-1], dx[1:]
    a = div(-dx2, mul(dx1, dx1 + dx2)).reshape(shape)
    b = div(sub(dx2, dx1), mul(dx1, dx2)).reshape(shape)
    c = div(dx1, mul(dx2, dx1 + dx2)).reshape(shape)
    center = (
        mul(a, _part(input, d, 0, -2))
        + mul(b, _part(input, d, 1, -1))
        + mul(c, _part(input, d, 2, None))
    )
    first, second, third = (_part(input, d, i, i + 1) for i in range(3))
    last3, last2, last = (_part(input, d, i, i + 1 or None) for i in (-3, -2, -1))
    if edge_order == 1:
        head, tail = div(sub(second, first), dx[0]), div(sub(last, last2), dx[-1])
    else:
        d0, d1, dm1, dm2 = dx[0], dx[1], dx[-1], dx[-2]
        head = (
            mul(div(-(mul(d0, 2.0) + d1), mul(d0, d0 + d1)), first)
            + mul(div(d0 + d1, mul(d0, d1)), second)
            + mul(div(-d0, mul(d1, d0 + d1)), third)
        )
        tail = (
            mul(div(dm1, mul(dm2, dm1 + dm2)), last3)
            + mul(div(-(dm1 + dm2), mul(dm1, dm2)), last2)
            + mul(div(mul(dm1, 2) + dm2, mul(dm1, dm1 + dm2)), last)
        )
    return cat([head, center, tail], d)
