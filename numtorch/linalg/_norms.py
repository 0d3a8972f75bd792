"""``numtorch.linalg``'s norms: ``vector_norm``, ``matrix_norm``, ``norm`` and ``cond``, built
the way PyTorch builds them (a matrix 1-norm is ``amax`` of a vector 1-norm, the nuclear norm
a sum of singular values), so the graph and the gradients are PyTorch's."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from numtorch._checks import check_tensor, normalize_dims, type_name
from numtorch._namespace.pointwise import where
from numtorch._namespace.reduction import amax, amin, sum
from numtorch._namespace.shape import movedim, narrow, squeeze, unsqueeze
from numtorch.linalg._common import check_float, check_matrix, constant
from numtorch.linalg._solvers import inv_ex
from numtorch.linalg._spectral import svdvals
from numtorch.ops.decompositions import VectorNorm
from numtorch.tensor import Tensor

__all__ = ["vector_norm", "matrix_norm", "norm", "cond"]

_MATRIX_ORDS = ("fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2)


def _ord_text(ord: float) -> str:
    """A norm order as PyTorch's messages print it (``inf``, ``-1``, ``0.5``)."""
    return f"{float(ord):g}"


def _cast(x: Tensor, dtype, fn: str) -> Tensor:
    """``x`` cast to ``dtype`` (None: as it is), refusing a narrowing cast as PyTorch does."""
    if dtype is None:
        return x
    dt = dtype
    if not dt.is_floating_point:
        raise RuntimeError(
            f"{fn}: dtype should be floating point or complex, but got {type_name(dt)}"
        )
    if np.dtype(dt.numpy).itemsize < x._data.dtype.itemsize:
        raise RuntimeError(
            f"{fn}: the dtype of the input ({type_name(x.dtype)}) should be convertible without "
            f"narrowing to the specified dtype ({type_name(dt)})"
        )
    return x if x.dtype is dt else x.to(dt)


def vector_norm(
    x: Tensor,
    ord: float = 2,
    dim: int | Sequence[int] | None = None,
    keepdim: bool = False,
    *,
    dtype=None,
) -> Tensor:
    """``sum(|x|^ord)^(1/ord)`` over ``dim`` (all dimensions when None or empty): ``inf`` the
    largest ``|x|``, ``-inf`` the smallest, 0 the number of non-zeros.

    Example:
        >>> import numtorch as torch
        >>> torch.linalg.vector_norm(torch.tensor([3.0, 4.0]))
        tensor(5.)
    """
    fn = "linalg.vector_norm"
    check_tensor(x, "linalg_vector_norm", "input", 1)
    if isinstance(ord, bool) or not isinstance(ord, (int, float, np.number)):
        raise TypeError(
            f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not "
            f"{type(ord).__name__}"
        )
    check_float(x, fn, half=True)
    x = _cast(x, dtype, fn)
    axes = _dims(dim, x.ndim)
    if ord < 0 or ord == math.inf:
        empty = x.numel() == 0 and (not axes or any(x.shape[a] == 0 for a in axes))
        if empty:
            raise RuntimeError(
                f"{fn} cannot compute the {_ord_text(ord)} norm on an empty tensor because the "
                "operation does not have an identity"
            )
    return VectorNorm.apply(x, float(ord), axes, bool(keepdim))


def _dims(dim, ndim: int) -> tuple:
    """Non-negative axes for ``dim`` (None or empty: all), refusing a repeated one with
    PyTorch's message."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    axes = tuple(normalize_dims(d, ndim)[0] if ndim else 0 for d in dims)
    for i, a in enumerate(axes):
        if a in axes[:i]:
            raise RuntimeError(f"dim {a} appears multiple times in the list of dims")
    return axes if axes and ndim else tuple(range(ndim))


def _matrix_dims(A: Tensor, dim: Sequence[int], fn: str) -> tuple[int, int]:
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) != 2:
        raise RuntimeError(f"{fn}: dim must be a 2-tuple. Got {', '.join(map(str, dims))}")
    d0, d1 = normalize_dims(dims[0], A.ndim)[0], normalize_dims(dims[1], A.ndim)[0]
    if d0 == d1:
        raise RuntimeError(f"{fn}: dims must be different. Got ({dims[0]}, {dims[1]})")
    return d0, d1


def matrix_norm(
    A: Tensor,
    ord: str | float = "fro",
    dim: Sequence[int] = (-2, -1),
    keepdim: bool = False,
    *,
    dtype=None,
) -> Tensor:
    """The matrix norm over the two dimensions ``dim``: 'fro', 'nuc' (the sum of the singular
    values), ``inf``/``-inf`` (max/min row sum of ``|A|``), 1/-1 (column sums), 2/-2 (the
    largest/smallest singular value).

    Example:
        >>> import numtorch as torch
        >>> torch.linalg.matrix_norm(torch.tensor([[4.0, 1.0], [2.0, 3.0]]), 1)
        tensor(6.)
    """
    fn = "linalg.matrix_norm"
    check_matrix(A, fn)
    check_float(A, fn)
    d0, d1 = _matrix_dims(A, dim, fn)
    if ord not in _MATRIX_ORDS or isinstance(ord, bool):
        raise RuntimeError(f"{fn}: Order {ord} not supported.")
    A = _cast(A, dtype, fn)
    if A.shape[d0] == 0 or A.shape[d1] == 0:
        return _zero_norm(A, (d0, d1), keepdim)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        s = svdvals(_last(A, d0, d1))
        out = sum(s, -1) if ord == "nuc" else (amax(s, -1) if ord == 2 else amin(s, -1))
        if keepdim:
            for d in sorted((d0, d1)):
                out = unsqueeze(out, d)
        return out
    if abs(ord) == math.inf:
        d0, d1 = d1, d0
    if not keepdim and d0 < d1:
        d1 -= 1
    extreme = amax if ord > 0 else amin
    return extreme(vector_norm(A, 1, d0, keepdim), d1, keepdim)


def _zero_norm(A: Tensor, dims: tuple[int, int], keepdim: bool) -> Tensor:
    """The norm of empty matrices: zeros (PyTorch's result), shaped as the reduction."""
    shape = [1 if i in dims else n for i, n in enumerate(A.shape) if keepdim or i not in dims]
    return constant(np.zeros(tuple(shape), A._data.dtype))


def _last(A: Tensor, d0: int, d1: int) -> Tensor:
    """``A`` with dimensions ``d0, d1`` moved to the end (PyTorch's ``movedim``)."""
    return movedim(A, (d0, d1), (-2, -1))


def norm(
    A: Tensor,
    ord: str | float | None = None,
    dim: int | Sequence[int] | None = None,
    keepdim: bool = False,
    *,
    dtype=None,
) -> Tensor:
    """A vector norm or a matrix norm, as ``dim`` and ``ord`` say: with neither, the 2-norm of
    all elements; with ``ord`` alone, the input must be 1-D (vector) or 2-D (matrix)."""
    check_tensor(A, "linalg_norm", "input", 1)
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 1 and not isinstance(ord, str):
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        if len(dims) in (1, 2):
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        raise RuntimeError(
            f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dims)}"
        )
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim not in (1, 2):
        raise RuntimeError(
            "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
            f"Got {A.ndim}D."
        )
    if A.ndim == 1 and not isinstance(ord, str):
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)


def cond(A: Tensor, p: str | float | None = None) -> Tensor:
    """The condition number of each matrix in the norm ``p``: for None/2/-2 the ratio of the
    extreme singular values; otherwise ``norm(A) * norm(inv(A))`` (inf where singular)."""
    check_tensor(A, "linalg_cond", "input", 1)
    if A.ndim < 2:
        raise RuntimeError("linalg.cond: The input tensor must have at least 2 dimensions.")
    if p is not None and (p not in _MATRIX_ORDS or isinstance(p, bool)):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if A.shape[-1] == 0 or A.shape[-2] == 0:
        return _zero_norm(A, (A.ndim - 2, A.ndim - 1), False)
    if p in (None, 2, -2):
        s = svdvals(A)
        k = s.shape[-1]
        big, small = narrow(s, -1, 0, 1), narrow(s, -1, k - 1, 1)
        ratio = big / small if p != -2 else small / big
        return squeeze(ratio, -1)
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"linalg.cond(ord={p}): A must be batches of square matrices, but they are "
            f"{A.shape[-2]} by {A.shape[-1]} matrices"
        )
    inverse, info = inv_ex(A)
    out = matrix_norm(A, p) * matrix_norm(inverse, p)
    singular = info._data > 0
    if singular.any():
        return where(constant(singular), constant(np.asarray(np.inf, out._data.dtype)), out)
    return out
