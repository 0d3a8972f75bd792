"""The counting ops of the statistics family: ``unique``, ``unique_consecutive``,
``bincount``, ``histc``, ``histogram``, ``bucketize`` and ``searchsorted``. None has a
gradient; each follows PyTorch's CPU kernel (its binning arithmetic, its errors)."""

from __future__ import annotations

import builtins
from collections import namedtuple
from collections.abc import Sequence

import numpy as np

from numtorch import _dtype
from numtorch._checks import check_tensor, normalize_dim, type_name
from numtorch._namespace._declare import op
from numtorch._namespace._operands import Number
from numtorch.autograd.grad_mode import is_recording
from numtorch.ops.statistics import NoDerivative
from numtorch.tensor import Tensor


def _is_integral(dt: _dtype.dtype) -> bool:
    return not dt.is_floating_point and dt is not _dtype.bool


def _no_derivative(results: tuple, inputs: tuple, aten: str | None, node: str) -> tuple:
    """``results`` as PyTorch gives them when an input requires grad: recorded on a node whose
    backward raises (``aten`` names the op in its RuntimeError; None: the NotImplementedError
    PyTorch's generated nodes raise, naming ``node``'s op)."""
    if not (is_recording() and builtins.any(
        isinstance(t, Tensor) and t.requires_grad for t in inputs
    )):  # fmt: skip
        return results
    if aten is None:
        op_name = {"Unique2Backward0": "_unique2", "UniqueDimBackward0": "unique_dim"}.get(
            node, "unique_consecutive"
        )
        error, message = NotImplementedError, f"the derivative for '{op_name}' is not implemented."
    else:
        error, message = RuntimeError, f"derivative for aten::{aten} is not implemented"
    tensors = [t for t in inputs if isinstance(t, Tensor)]
    values = tuple(r._data for r in results)
    out = NoDerivative.apply(*tensors, values=values, error=error, message=message, node=node)
    return out if isinstance(out, tuple) else (out,)


# ---------------------------------------------------------------- unique values

return_types_histogram = namedtuple("histogram", ["hist", "bin_edges"])
return_types_histogramdd = namedtuple("histogramdd", ["hist", "bin_edges"])


def _unique_result(input: Tensor, node: str, values, inverse, counts, return_inverse: bool,
                   return_counts: bool):  # fmt: skip
    """``values`` alone, or PyTorch's plain tuple with the inverse and/or the counts; the
    values carry PyTorch's derivative-less node when ``input`` requires grad."""
    out = list(_no_derivative((Tensor._make(np.ascontiguousarray(values)),), (input,), None, node))
    if return_inverse:
        out.append(Tensor._make(np.asarray(inverse, np.int64)))
    if return_counts:
        out.append(Tensor._make(np.asarray(counts, np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


@op(method=True)
def unique(
    input: Tensor,
    sorted: bool = True,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
):
    """The unique elements of ``input`` (optionally inverse indices and counts).

    The distinct elements (or slices along ``dim``), sorted; NaNs are all distinct. PyTorch's
    CPU kernel sorts whatever ``sorted`` says, and so does this."""
    check_tensor(input, "unique")
    arr = input._data
    if dim is None:
        flat = arr.reshape(-1)
        kw = {"equal_nan": False} if flat.dtype.kind == "f" else {}
        values, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True, **kw)
        inverse = inverse.reshape(arr.shape)
        return _unique_result(
            input, "Unique2Backward0", values, inverse, counts, return_inverse, return_counts
        )
    axis = _dim_of_tensor(dim, input)
    if arr.shape[axis] == 0:
        empty = np.zeros(0, np.int64)
        return _unique_result(
            input, "UniqueDimBackward0", arr, empty, empty, return_inverse, return_counts
        )
    values, inverse, counts = np.unique(arr, return_inverse=True, return_counts=True, axis=axis)
    return _unique_result(
        input, "UniqueDimBackward0", values, inverse.reshape(-1), counts, return_inverse,
        return_counts,
    )  # fmt: skip


def _dim_of_tensor(dim: int, input: Tensor) -> int:
    if not input.ndim:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return normalize_dim(dim, input.ndim)


@op(method=True)
def unique_consecutive(
    input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim: int | None = None
):
    """The first element of each run of equal consecutive elements (or slices along ``dim``)."""
    check_tensor(input, "unique_consecutive")
    arr = input._data
    axis = 0 if dim is None else _dim_of_tensor(dim, input)
    rows = arr.reshape(-1) if dim is None else np.moveaxis(arr, axis, 0)
    flat = rows.reshape(rows.shape[0], -1)
    starts = np.ones(rows.shape[0], bool)
    starts[1:] = np.any(flat[1:] != flat[:-1], axis=1)
    inverse = np.cumsum(starts) - 1
    counts = np.diff(np.append(np.flatnonzero(starts), rows.shape[0]))
    values = rows[starts] if dim is None else np.moveaxis(rows[starts], 0, axis)
    inverse = inverse.reshape(arr.shape) if dim is None else inverse
    return _unique_result(
        input, "UniqueConsecutiveBackward0", values, inverse, counts, return_inverse,
        return_counts,
    )  # fmt: skip


# ---------------------------------------------------------------- counts and histograms


@op(method=True)
def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """Count the occurrences of each non-negative integer in a 1-D int tensor.

    How often each non-negative integer occurs (the sum of its ``weights``, when given:
    float32 weights sum as float32, any others as float64)."""
    check_tensor(input, "bincount")
    if not _is_integral(input.dtype):
        raise NotImplementedError(
            f"\"bincount_cpu\" not implemented for '{type_name(input.dtype)}'"
        )
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if input.ndim == 1 and input.numel() == 0:
        return Tensor._make(np.zeros(minlength, np.int64))
    if input.ndim != 1 or np.min(input._data) < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return Tensor._make(np.bincount(input._data, minlength=minlength).astype(np.int64))
    check_tensor(weights, "bincount", "weights", 2)
    if weights.ndim != 1 or weights.shape[0] != input.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    out_dtype = np.float32 if weights.dtype is _dtype.float32 else np.float64
    counts = np.bincount(input._data, weights=weights._data.astype(np.float64), minlength=minlength)
    out = (Tensor._make(counts.astype(out_dtype)),)
    return _no_derivative(out, (weights,), "bincount", "torch::autograd::NotImplemented")[0]


def _fmt(v: float) -> str:
    """A double as C++'s ``ostream`` prints it (PyTorch's messages)."""
    return f"{v:g}"


def _linspace(start: float, end: float, steps: int, dt: np.dtype) -> np.ndarray:
    """PyTorch's ``linspace``: the first half counted from ``start``, the rest from ``end``."""
    start, end = dt.type(start), dt.type(end)
    step = (end - start) / dt.type(max(steps - 1, 1))
    i = np.arange(steps)
    half = steps // 2
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.where(
            i < half, start + step * i.astype(dt), end - step * (steps - 1 - i).astype(dt)
        )
    return out.astype(dt)


def _check_histogram_input(input: Tensor, bins: int, kernel: str) -> None:
    """PyTorch's first checks: a positive bin count, then a floating input."""
    if isinstance(bins, int) and bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(input.dtype)}'")


def _bin_positions(values: np.ndarray, edges: np.ndarray, search: str) -> np.ndarray:
    """Each value's bin among ``edges`` (-1 outside them, NaN included), as PyTorch's
    histogram kernel finds it: by division (``linear``), by division corrected against its
    neighbouring edges (``local``), or by binary search (``binary``)."""
    left, right = edges[0], edges[-1]
    inside = (values >= left) & (values <= right)
    n_edges = len(edges)
    if search == "binary":
        pos = np.searchsorted(edges, values, side="right") - 1
    else:
        dt = values.dtype.type
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            scaled = (values - left) * dt(n_edges - 1) / (right - left)
        pos = np.where(inside, scaled, 0).astype(np.int64)
        if search == "local":
            upper = np.searchsorted(edges, values, side="right")
            pos = np.clip(upper, np.maximum(pos - 1, 0), np.minimum(pos + 2, n_edges)) - 1
    pos = np.where(pos == n_edges - 1, pos - 1, pos)
    return np.where(inside, pos, -1)


def _accumulate(pos: np.ndarray, weight, n_bins: int, dt: np.dtype) -> np.ndarray:
    keep = pos >= 0
    w = None if weight is None else weight[keep].astype(np.float64)
    return np.bincount(pos[keep], weights=w, minlength=n_bins)[:n_bins].astype(dt)


@op(method=True, out=True)
def histc(input: Tensor, bins: int = 100, min: Number = 0, max: Number = 0) -> Tensor:
    """Histogram of ``input`` in ``bins`` equal bins between ``min`` and ``max``.

    Counts in ``bins`` equal bins over ``[min, max]`` (the data's range when they are equal);
    elements outside are ignored."""
    check_tensor(input, "histc")
    _check_histogram_input(input, bins, "histogram_cpu")
    arr = input._data.reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and arr.size:
        lo, hi = float(np.min(arr)), float(np.max(arr))
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{_fmt(lo)}, {_fmt(hi)}] is not finite")
    if not lo < hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    edges = _linspace(lo, hi, bins + 1, arr.dtype)
    return Tensor._make(_accumulate(_bin_positions(arr, edges, "linear"), None, bins, arr.dtype))


@op(method=True)
def histogram(
    input: Tensor,
    bins: int | Tensor,
    *,
    range: tuple[float, float] | None = None,
    weight: Tensor | None = None,
    density: bool = False,
):
    """Histogram of ``input``: ``(hist, bin_edges)``.

    ``(hist, bin_edges)``: counts (or summed ``weight``) in ``bins`` equal bins over
    ``range`` (the data's by default), or between the given increasing edges."""
    check_tensor(input, "histogram")
    _check_histogram_input(input, bins, "histogramdd")
    samples = input.reshape(-1, 1)
    if weight is not None:
        check_tensor(weight, "histogram", "weight", None)
        if tuple(weight.shape) != tuple(input.shape):
            _check_histogram_weight(samples, weight)
        weight = weight.reshape(-1)
    hist, edges = _histogramdd(samples, [bins], range, weight, density)
    node = "torch::autograd::NotImplemented"
    return return_types_histogram(
        *_no_derivative((hist, edges[0]), (input, weight), "histogram", node)
    )


@op()
def histogramdd(
    input: Tensor,
    bins: int | Sequence[int] | Sequence[Tensor],
    *,
    range: Sequence[float] | None = None,
    weight: Tensor | None = None,
    density: bool = False,
):
    """Multi-dimensional histogram of the points in ``input``'s rows.

    ``(hist, bin_edges)`` of the points in ``input``'s rows (its last dimension holds each
    point's coordinates): ``histogram`` in several dimensions at once."""
    check_tensor(input, "histogramdd")
    if input.ndim == 0:
        raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{type_name(input.dtype)}'")
    if input.ndim < 2:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 2 dimensions")
    n_dims = input.shape[-1]
    bins = [bins] * n_dims if isinstance(bins, (int, np.integer)) else list(bins)
    if len(bins) != n_dims:
        raise RuntimeError(
            "histogramdd: The size of bins must be equal to the innermost dimension of the input."
        )
    if weight is not None:
        check_tensor(weight, "histogramdd", "weight", None)
    hist, edges = _histogramdd(input, bins, range, weight, density)
    node = "torch::autograd::NotImplemented"
    hist = _no_derivative((hist,), (input, weight), "_histogramdd_from_bin_cts", node)[0]
    if not builtins.any(isinstance(b, Tensor) for b in bins):  # edges computed from the input
        edges = _no_derivative(tuple(edges), (input,), "_histogramdd_bin_edges", node)
    return return_types_histogramdd(hist, tuple(edges))


def _histogramdd(input: Tensor, bins: list, range, weight: Tensor | None, density: bool):
    """PyTorch's histogram kernel over the points in ``input``'s rows: the histogram and the
    edges of each dimension (``bins`` counts or edge tensors)."""
    n_dims = input.shape[-1]
    samples = input._data.reshape(-1, n_dims)
    if range is not None and len(range) != 2 * n_dims:
        raise RuntimeError(
            f"torch.histogramdd: for a {n_dims}-dimensional histogram range should have "
            f"{2 * n_dims} elements, but got {len(range)}"
        )
    edges, positions = [], []
    for d, b in enumerate(bins):
        if isinstance(b, Tensor):
            edge, search = _histogram_edges_given(input, b, d), "binary"
        else:
            if b <= 0:
                raise RuntimeError(
                    f"torch.histogram(): bins must be > 0, but got {b} for dimension {d}"
                )
            limits = None if range is None else range[2 * d : 2 * d + 2]
            edge, search = _histogram_edges(samples[:, d], b, limits, d), "local"
        edges.append(edge)
        positions.append(_bin_positions(samples[:, d], edge, search))
    if weight is not None:
        _check_histogram_weight(input, weight)
    shape = tuple(len(e) - 1 for e in edges)
    inside = np.all(np.stack(positions) >= 0, axis=0) if positions else np.ones(0, bool)
    flat = np.ravel_multi_index([p[inside] for p in positions], shape) if inside.size else inside
    w = None if weight is None else weight._data.reshape(-1)[inside].astype(np.float64)
    size = int(np.prod(shape))
    hist = np.bincount(flat.astype(np.int64), weights=w, minlength=size)[:size].reshape(shape)
    hist = hist.astype(samples.dtype)
    if density:
        with np.errstate(invalid="ignore", divide="ignore"):
            hist = hist / hist.sum()
            for d, e in enumerate(edges):
                hist = hist / np.diff(e).reshape(
                    [-1 if i == d else 1 for i in builtins.range(n_dims)]
                )
        hist = hist.astype(samples.dtype)
    return Tensor._make(np.ascontiguousarray(hist)), [Tensor._make(e) for e in edges]


def _check_histogram_weight(input: Tensor, weight: Tensor) -> None:
    if tuple(weight.shape) != tuple(input.shape[:-1]):
        raise RuntimeError(
            "torch.histogramdd: if weight tensor is provided it should have the same shape as "
            "the input tensor excluding its innermost dimension, but got input with shape "
            f"{list(input.shape)} and weight with shape {list(weight.shape)}"
        )
    if weight.dtype is not input.dtype:
        raise RuntimeError(
            "torch.histogramdd: if weight tensor is provided, input tensor and weight tensor "
            f"should have the same dtype, but got input({_meta_name(input.dtype)}), and "
            f"weight({_meta_name(weight.dtype)})"
        )


def _meta_name(dt: _dtype.dtype) -> str:
    """The C++ type name PyTorch's histogram messages print for a dtype (``float``)."""
    names = {"float32": "float", "float64": "double", "float16": "c10::Half"}
    return names.get(dt.name, dt.name)


def _histogram_edges(arr: np.ndarray, bins: int, limits, d: int) -> np.ndarray:
    """``bins + 1`` equal-width edges over ``limits`` (the data's range by default)."""
    if limits is not None:
        lo, hi = float(limits[0]), float(limits[1])
    elif arr.size:
        lo, hi = float(np.min(arr)), float(np.max(arr))
    else:
        lo, hi = 0.0, 1.0  # PyTorch's default range, for no data
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(
            f"torch.histogramdd: dimension {d}'s range [{_fmt(lo)}, {_fmt(hi)}] is not finite"
        )
    if lo > hi:
        raise RuntimeError(
            "torch.histogramdd: min should not exceed max, but got min "
            f"{_fmt(lo)} max {_fmt(hi)} for dimension {d}"
        )
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return _linspace(lo, hi, bins + 1, arr.dtype)


def _histogram_edges_given(input: Tensor, bins: Tensor, d: int) -> np.ndarray:
    if bins.ndim != 1:
        raise RuntimeError(
            "torch.histogramdd: bins tensor should have one dimension, but got "
            f"{bins.ndim} dimensions in the bins tensor for dimension {d}"
        )
    if bins.dtype is not input.dtype:
        raise RuntimeError(
            "torch.histogramdd: input tensor and bins tensors should have the same dtype, but "
            f"got input with dtype {_meta_name(input.dtype)} and bins for dimension {d} with "
            f"dtype {_meta_name(bins.dtype)}"
        )
    return bins._data.copy()


# ---------------------------------------------------------------- searching sorted values


@op(out=True)
def bucketize(
    input: Tensor | Number, boundaries: Tensor, *, out_int32: bool = False, right: bool = False
) -> Tensor:
    """The index of the bucket of ``boundaries`` (1-D, increasing) each value falls in."""
    check_tensor(boundaries, "bucketize", "boundaries", 2)
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return _search(boundaries._data, _values(input, "bucketize"), right, out_int32)


@op(out=True)
def searchsorted(
    sorted_sequence: Tensor,
    input: Tensor | Number,
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    sorter: Tensor | None = None,
) -> Tensor:
    """Indices at which to insert values to keep ``sorted_sequence`` sorted.

    Where each value would go in ``sorted_sequence`` (1-D, or one row per leading index of
    ``input``) to keep it sorted: before equal values, or after them with ``right``."""
    check_tensor(sorted_sequence, "searchsorted", "sorted_sequence")
    values = _values(input, "searchsorted")
    right = _side(side, right)
    seq = sorted_sequence._data
    if seq.ndim == 0:
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
            "dimension"
        )
    if seq.ndim > 1 and seq.shape[:-1] != values.shape[:-1]:
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            "dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {list(seq.shape)} and input value tensor {list(values.shape)}"
        )
    if sorter is not None:
        seq = _sorted_by(seq, sorter)
    if seq.ndim == 1:
        return _search(seq, values, right, out_int32)
    rows = seq.reshape(-1, seq.shape[-1])
    found = [
        np.searchsorted(row, v, side="right" if right else "left")
        for row, v in zip(rows, values.reshape(len(rows), -1))
    ]
    out = np.stack(found).reshape(values.shape) if found else np.zeros(values.shape, np.int64)
    return Tensor._make(out.astype(np.int32 if out_int32 else np.int64))


def _values(input: object, name: str) -> np.ndarray:
    """The values to look up: a tensor's, or a number's as a 0-d array."""
    if isinstance(input, Tensor):
        return input._data
    if isinstance(input, (bool, int, float, np.number, np.bool_)):
        return np.asarray(input)
    raise TypeError(
        f"{name}() received an invalid combination of arguments - got (Tensor, "
        f"{type(input).__name__})"
    )


def _side(side: str | None, right: bool) -> bool:
    if side is None:
        return right
    if side not in ("left", "right"):
        raise RuntimeError(
            f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}"
        )
    if side == "left" and right:
        raise RuntimeError(
            "torch.searchsorted(): side and right can't be set to opposites, got side of left "
            "while right was True"
        )
    return side == "right"


def _sorted_by(seq: np.ndarray, sorter: Tensor) -> np.ndarray:
    if sorter.dtype is not _dtype.int64:
        raise RuntimeError(
            "torch.searchsorted(): sorter must be a tensor of long dtype but got dtype "
            f"{type_name(sorter.dtype)}"
        )
    if tuple(sorter.shape) != seq.shape:
        raise RuntimeError(
            "torch.searchsorted(): boundary and sorter must have the same size, but got "
            f"boundary tensor {list(seq.shape)}and got sorter tensor {list(sorter.shape)}"
        )
    if sorter.numel() and (np.min(sorter._data) < 0 or np.max(sorter._data) >= seq.shape[-1]):
        raise RuntimeError("torch.searchsorted(): sorter index out of range")
    return np.take_along_axis(seq, sorter._data, -1)


def _search(seq: np.ndarray, values: np.ndarray, right: bool, out_int32: bool) -> Tensor:
    common = np.result_type(seq.dtype, values.dtype)
    out = np.searchsorted(seq.astype(common), values.astype(common), "right" if right else "left")
    return Tensor._make(np.asarray(out, np.int32 if out_int32 else np.int64))
