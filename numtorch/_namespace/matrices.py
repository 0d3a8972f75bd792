"""Building and reading matrices from vectors: ``diag``, ``diag_embed``, ``diagflat``,
``trace``, ``block_diag``, ``vander``, index sets (``tril_indices``, ``triu_indices``,
``unravel_index``) and index products (``cartesian_prod``, ``combinations``)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from numtorch import _dtype
from numtorch._checks import check_device, check_tensor, type_name
from numtorch._namespace._declare import op
from numtorch._namespace._operands import named
from numtorch._namespace.shape import flip, int_arg, meshgrid, reshape, stack, unbind
from numtorch._namespace.views import diagonal, diagonal_dims
from numtorch.ops import shape_ops
from numtorch.tensor import Tensor


@op(method=True)
def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """A tensor whose given diagonals hold ``input``'s last dimension.

    A tensor whose diagonal ``offset`` over ``dim1`` and ``dim2`` holds ``input``'s last
    dimension (zeros elsewhere): the inverse of ``diagonal``."""
    check_tensor(input, "diag_embed")
    offset = int_arg(offset, "diag_embed", "offset", 2)
    d1, d2 = diagonal_dims(input.ndim + 1, dim1, dim2)
    x = input if input.ndim else reshape(input, 1)
    return shape_ops.DiagEmbed.apply(x, offset, d1, d2)


@op(method=True, out=True)
def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """Build a diagonal matrix from a 1-D tensor, or take a 2-D tensor's diagonal.

    A 1-D ``input`` on the diagonal ``diagonal`` of a square matrix, or the diagonal
    ``diagonal`` of a 2-D ``input`` (a copy)."""
    check_tensor(input, "diag")
    offset = int_arg(diagonal, "diag", "diagonal", 2)
    if input.ndim == 1:
        return diag_embed(input, offset, 0, 1)
    if input.ndim != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    return named(_diagonal(input, offset).clone(), "DiagonalBackward0_copy")


def _diagonal(input: Tensor, offset: int) -> Tensor:
    return diagonal(input, offset, 0, 1)


@op(method=True)
def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """The flattened ``input`` on the diagonal ``offset`` of a square matrix."""
    check_tensor(input, "diagflat")
    offset = int_arg(offset, "diagflat", "offset", 2)
    return diag_embed(reshape(input, -1), offset, 0, 1)


@op(method=True)
def trace(input: Tensor) -> Tensor:
    """The sum of a matrix's main diagonal (integers sum to int64, as ``sum`` does)."""
    check_tensor(input, "trace")
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    if input.dtype is _dtype.bool:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return named(_diagonal(input, 0).sum(), "TraceBackward0")


def _index_dtype(dtype: object, fn: str) -> _dtype.dtype:
    dtype = _dtype.int64 if dtype is None else dtype
    if dtype not in (_dtype.int64, _dtype.int32):
        raise NotImplementedError(f"\"{fn}\" not implemented for '{type_name(dtype)}'")
    return dtype


def _triangle_indices(
    row: int, col: int, offset: int, dtype: object, device: object, upper: bool
) -> Tensor:
    fn = "triu_indices" if upper else "tril_indices"
    check_device(device)
    for name, n in (("row", row), ("col", col)):
        if n < 0:
            raise RuntimeError(f"{name} must be non-negative, got{n}")
    dt = _index_dtype(dtype, fn)
    rows, cols = (np.triu_indices if upper else np.tril_indices)(row, offset, col)
    return Tensor._make(np.stack([rows, cols]).astype(dt.numpy).reshape(2, -1))


@op()
def tril_indices(
    row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None
) -> Tensor:
    """The indices of the lower triangle of a ``row`` x ``col`` matrix.

    The (row, column) indices of a ``row`` x ``col`` matrix's lower triangle (on and below
    the diagonal ``offset``), row by row, as a 2 x N tensor."""
    return _triangle_indices(row, col, offset, dtype, device, upper=False)


@op()
def triu_indices(
    row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None
) -> Tensor:
    """The indices of the upper triangle of a ``row`` x ``col`` matrix.

    The (row, column) indices of a ``row`` x ``col`` matrix's upper triangle (on and above
    the diagonal ``offset``), row by row, as a 2 x N tensor."""
    return _triangle_indices(row, col, offset, dtype, device, upper=True)


@op()
def block_diag(*tensors: Tensor) -> Tensor:
    """A block-diagonal matrix made from the given tensors.

    The tensors (each 0-, 1- or 2-D, taken as a matrix) down the diagonal of a zero matrix,
    in their common dtype."""
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}"
            )
        if t.ndim > 2:
            raise RuntimeError(
                "torch.block_diag: Input tensors must have 2 or fewer dimensions. Input "
                f"{i} has {t.ndim} dimensions"
            )
    if not tensors:
        return Tensor._make(np.zeros((1, 0), _dtype.get_default_dtype().numpy))
    dt = _dtype.result_type(*tensors)
    blocks = [reshape(t, (1,) * (2 - t.ndim) + tuple(t.shape)) for t in tensors]
    blocks = [b if b.dtype is dt else b.to(dt) for b in blocks]
    return named(shape_ops.BlockDiag.apply(*blocks), "BlockDiagBackward0")


@op()
def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of a 1-D tensor.

    The Vandermonde matrix of the 1-D ``x``: column ``j`` is ``x ** j`` (reversed unless
    ``increasing``), computed as PyTorch does (a running product written into a ones matrix),
    so gradients and node names match. Integer and bool ``x`` give int64."""
    check_tensor(x, "vander", "x")
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else int(N)
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    dt = x.dtype if x.dtype.is_floating_point else _dtype.int64
    out = Tensor._make(np.ones((x.shape[0], n), dt.numpy))
    if n > 1:
        out[:, 1:] = reshape(x, (x.shape[0], 1))
        out[:, 1:] = out[:, 1:].cumprod(1)
    return out if increasing else flip(out, 1)


def _check_vector(t: Tensor) -> None:
    if t.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")


@op()
def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-``r`` combinations of the elements of a 1-D tensor.

    Every length-``r`` combination of ``input``'s elements, one per row (Python's
    ``itertools.combinations``, or ``combinations_with_replacement``)."""
    check_tensor(input, "combinations")
    _check_vector(input)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return input[Tensor._make(np.zeros(0, np.int64))]
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = list(pick(range(input.shape[0]), r))
    idx = np.array(rows, dtype=np.int64).reshape(len(rows), r)
    return stack([input[Tensor._make(idx[:, k].copy())] for k in range(r)], 1)


@op()
def cartesian_prod(*tensors: Tensor) -> Tensor:
    """The Cartesian product of the given 1-D tensors.

    Every tuple of one element from each 1-D tensor, one per row (``itertools.product``);
    one tensor comes back as it is."""
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}"
            )
        _check_vector(t)
    if len(tensors) == 1:
        return tensors[0]
    if len({t.dtype for t in tensors}) > 1:
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape(g, -1) for g in grids], 1)


@op()
def unravel_index(indices: Tensor, shape: int | Sequence[int]) -> tuple:
    """Convert flat indices into coordinates in a tensor of ``shape``.

    The coordinates, in a tensor of ``shape``, of the flat ``indices`` (one int64 tensor per
    dimension, each shaped like ``indices``); out-of-range indices wrap, as in PyTorch."""
    check_tensor(indices, "unravel_index", "indices")
    if indices.dtype.is_floating_point or indices.dtype is _dtype.bool:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    dims = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
            raise TypeError(f"expected 'shape' sequence to only contain ints, but got {type(d)}")
    if any(d < 0 for d in dims):
        raise ValueError(f"'shape' cannot have negative values, but got {tuple(dims)}")
    coefs = np.cumprod((dims[1:] + (1,))[::-1], dtype=np.int64)[::-1]
    flat = indices._data.astype(np.int64)[..., None]
    with np.errstate(all="ignore"):
        coords = np.floor_divide(flat, coefs) % np.array(dims, dtype=np.int64)
    return unbind(Tensor._make(coords), -1)
