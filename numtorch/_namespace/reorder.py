"""Rearranging a tensor's elements into a new tensor: ``repeat_interleave``, ``rot90``,
``fliplr``/``flipud``, ``sum_to_size`` (the inverse of ``expand``) and ``narrow_copy``."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

import numpy as np

from numtorch import _dtype
from numtorch._checks import normalize_dim, type_name
from numtorch._namespace._declare import op
from numtorch._namespace._operands import named
from numtorch._namespace.shape import (
    expand,
    flip,
    int_arg,
    narrow,
    parse_shape,
    reshape,
    unsqueeze,
)
from numtorch.ops import movement, shape_ops
from numtorch.tensor import Tensor


@op(method=True)
def repeat_interleave(
    input: Tensor,
    repeats: int | Tensor | None = None,
    dim: int | None = None,
    *,
    output_size: int | None = None,
) -> Tensor:
    """Repeat each element (or slice along ``dim``) of ``input``.

    Repeat each element (each slice along ``dim``; without ``dim``, of the flattened input)
    ``repeats`` times, or ``repeats[i]`` times for the i-th. ``torch.repeat_interleave(r)``
    with only a 1-D integer tensor repeats each index ``i`` ``r[i]`` times."""
    if repeats is None:
        return _repeat_indices(input, output_size)
    x = reshape(input, -1) if dim is None else input
    axis = 0 if dim is None else normalize_dim(dim, input.ndim)
    if x.ndim == 0:
        x = reshape(x, 1)
    if isinstance(repeats, Tensor):
        return _repeat_each(x, repeats, axis, output_size)
    if int_arg(repeats, "repeat_interleave", "repeats", 2) < 0:
        raise RuntimeError("Repeats must be non-negative")
    total = x.shape[axis] * int(repeats)
    _check_output_size(
        output_size,
        total,
        f"repeat_interleave: Invalid output_size, expected {total} but got {output_size}",
    )
    wide = unsqueeze(x, axis + 1)
    wide = expand(wide, *(x.shape[: axis + 1] + (int(repeats),) + x.shape[axis + 1 :]))
    return named(reshape(wide, x.shape[:axis] + (total,) + x.shape[axis + 1 :]), "ViewBackward0")


def _repeat_each(x: Tensor, repeats: Tensor, axis: int, output_size: int | None) -> Tensor:
    """Slice ``i`` along ``axis`` repeated ``repeats[i]`` times (PyTorch's index_select)."""
    if repeats.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"repeat_interleave_cpu\" not implemented for '{type_name(repeats.dtype)}'"
        )
    n = x.shape[axis]
    idx = np.repeat(np.arange(n, dtype=np.int64), _repeat_counts(repeats, n))
    _check_output_size(output_size, idx.size, "allocated size does not match required size")
    out = movement.Index.apply(x, (slice(None),) * axis + (idx,))
    return named(out, "IndexSelectBackward0")


def _check_output_size(output_size: int | None, total: int, message: str) -> None:
    if output_size is not None and output_size != total:
        raise RuntimeError(message)


def _repeat_counts(repeats: Tensor, n: int) -> np.ndarray:
    """The per-slice counts of a repeats tensor (0-d or one element: the same for all)."""
    if repeats.ndim > 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    counts = repeats._data.reshape(-1).astype(np.int64)
    if counts.size == 1:
        counts = np.full(n, counts[0], dtype=np.int64)
    if counts.size != n:
        raise RuntimeError(
            "repeats must have the same size as input along dim, but got repeats.size(0) = "
            f"{counts.size} and input.size(0) = {n}"
        )
    if (counts < 0).any():
        raise RuntimeError("repeats can not be negative")
    return counts


def _repeat_indices(repeats: Tensor, output_size: int | None) -> Tensor:
    """``torch.repeat_interleave(repeats)``: index ``i`` repeated ``repeats[i]`` times, in
    ``repeats``' own integer dtype."""
    if repeats.ndim != 1:
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    if repeats.dtype not in (_dtype.int64, _dtype.int32):
        raise NotImplementedError(
            f"\"repeat_interleave_cpu\" not implemented for '{type_name(repeats.dtype)}'"
        )
    counts = repeats._data.astype(np.int64)
    if (counts < 0).any():
        raise RuntimeError("repeats can not be negative")
    idx = np.repeat(np.arange(counts.size, dtype=repeats._data.dtype), counts)
    _check_output_size(output_size, idx.size, "allocated size does not match required size")
    return Tensor._make(idx)


@op(method=True)
def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """Rotate by ``k`` quarter turns in the plane of ``dims``.

    From ``dims[0]`` towards ``dims[1]``; a copy (odd ``k`` gives PyTorch's transposed
    layout)."""
    k = int_arg(k, "rot90", "k", 2)
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    axes = (normalize_dim(dims[0], input.ndim), normalize_dim(dims[1], input.ndim))
    if axes[0] == axes[1]:
        raise RuntimeError(
            f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}"
        )
    return named(shape_ops.Rot90.apply(input, int(k) % 4, axes), "Rot90Backward0")


@op(method=True)
def fliplr(input: Tensor) -> Tensor:
    """Reverse the columns (dimension 1; a copy)."""
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


@op(method=True)
def flipud(input: Tensor) -> Tensor:
    """Reverse the rows (dimension 0; a copy)."""
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


@op(function=False, method=True)
def sum_to_size(input: Tensor, *size: int) -> Tensor:
    """Sum ``input`` down to ``size`` (the reverse of broadcasting).

    Sum ``input`` down to ``size``, which must broadcast to ``input``'s shape (the
    gradient of ``expand``); ``input`` itself when it already has that shape."""
    size = parse_shape(size, "size", "sum_to_size")
    lead = input.ndim - len(size)
    if lead < 0 or builtins.any(
        n != 1 and n != m for n, m in zip(size, input.shape[lead:], strict=True)
    ):
        raise RuntimeError(
            f"size {{{list(size)}}} is not expandable to size {{{list(input.shape)}}}."
        )
    if size == input.shape:
        return input
    keep = (1,) * lead + size
    out = input
    if builtins.any(n != m for n, m in zip(keep, input.shape, strict=True)):
        out = named(shape_ops.SumToSize.apply(input, keep), "SumBackward1")
    return named(reshape(out, size), "ViewBackward0") if lead else out


@op(method=True, out=True)
def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``narrow`` as a copy of its own."""
    return named(narrow(input, dim, start, length).clone(), "NarrowCopyBackward0")
