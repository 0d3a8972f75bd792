"""Matrix products."""

from __future__ import annotations

import numpy as np

from numtorch._checks import (
    check_tensor,
    type_name,
)
from numtorch._namespace._declare import op
from numtorch._namespace._operands import broadcast_shapes, named
from numtorch._namespace.shape import contiguous, expand, reshape, squeeze, t, transpose, unsqueeze
from numtorch.ops import linalg as la
from numtorch.tensor import Tensor


def _matmul_error(a: Tensor, b: Tensor) -> RuntimeError:
    """PyTorch's message for mismatched inner sizes, which depends on the operands' ranks."""
    if a.ndim == 1 and b.ndim == 1:
        return RuntimeError(
            f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to "
            f"have the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements "
            "respectively"
        )
    if a.ndim == 2 and b.ndim == 1:
        return RuntimeError(
            f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}), "
            f"vec ({b.shape[0]})"
        )
    if a.ndim <= 2 and b.ndim <= 2:
        sa = "x".join(str(n) for n in (a.shape if a.ndim > 1 else (1, a.shape[0])))
        sb = "x".join(str(n) for n in b.shape)
        return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa} and {sb})")
    batch = int(np.prod(broadcast_shapes(a.shape[:-2], b.shape[:-2])))
    k = a.shape[-1]
    got = b.shape[-2] if b.ndim > 1 else b.shape[0]
    return RuntimeError(
        f"Expected size for first two dimensions of batch2 tensor to be: [{batch}, {k}] but "
        f"got: [{batch}, {got}]."
    )


@op(method=True, out=True)
def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with NumPy/PyTorch broadcasting of batch dimensions and 1-D promotion."""
    check_tensor(input, "matmul")
    check_tensor(other, "matmul", "other", 2)
    sa, sb = input._data.shape, other._data.shape
    if not sa or not sb:
        raise RuntimeError(
            "both arguments to matmul need to be at least 1D, but they are "
            f"{len(sa)}D and {len(sb)}D"
        )
    if sa[-1] != sb[-2 if len(sb) > 1 else 0]:
        raise _matmul_error(input, other)
    _check_same_dtype(input, other)
    return _matmul(input, other)


def _check_same_dtype(a: Tensor, b: Tensor) -> None:
    if a.dtype is not b.dtype:
        raise RuntimeError(
            "expected m1 and m2 to have the same dtype, but got: "
            f"{type_name(a.dtype).lower()} != {type_name(b.dtype).lower()}"
        )


def _matmul(a: Tensor, b: Tensor) -> Tensor:
    """PyTorch's ``matmul`` reduced to ``dot``/``mv``/``mm``/``bmm`` the way PyTorch reduces
    it, so the same tensors are saved (views of the inputs, or copies where PyTorch copies)
    and the result's node has PyTorch's name."""
    sa, sb = a._data.shape, b._data.shape
    dims = (len(sa), len(sb))
    if dims in ((1, 1), (2, 1), (2, 2)):
        return la.Matmul.apply(a, b)
    if dims == (1, 2):
        return named(squeeze(la.Matmul.apply(unsqueeze(a, 0), b), 0), "SqueezeBackward4")
    if _should_fold(a, b):
        return _folded(a, b)
    if dims == (3, 3) and sa[0] != sb[0]:
        # a batch of one that needs a gradient is folded rather than broadcast
        if sa[0] == 1 and a.requires_grad:
            return _matmul(squeeze(a, 0), b)
        if sb[0] == 1 and b.requires_grad:
            return _matmul(a, squeeze(b, 0))
    return _batched(a, b)


def _should_fold(a: Tensor, b: Tensor) -> bool:
    """Whether PyTorch folds the batch of the N-D operand into one matrix (its ``mm``): when
    the other operand is 1-D or 2-D and needs a gradient, or when no copy is needed."""
    a_larger = a.ndim >= b.ndim
    big = a._data if a_larger else np.swapaxes(b._data, -1, -2)
    if big.ndim < 3 or (b.ndim if a_larger else a.ndim) > 2:
        return False
    if (b if a_larger else a).requires_grad:
        return True
    if a.ndim == 2:
        return False
    return big.size == 0 or _merges(big, big.ndim - 1)


def _merges(array: np.ndarray, n: int) -> bool:
    """Whether the first ``n`` dimensions of ``array`` merge into one without a copy."""
    dims = [(size, stride) for size, stride in zip(array.shape[:n], array.strides[:n]) if size != 1]
    return all(s0 == s1 * n1 for (_, s0), (n1, s1) in zip(dims, dims[1:]))


def _unsafe_view(x: Tensor, shape: tuple) -> Tensor:
    return named(reshape(x, shape), "UnsafeViewBackward0")


def _folded(a: Tensor, b: Tensor) -> Tensor:
    """The N-D operand folded to a matrix, one ``mm`` (or ``mv``), and the result unfolded."""
    flip = b.ndim > a.ndim
    big = transpose(b, -2, -1) if flip else a
    small = (t(a) if a.ndim == 2 else a) if flip else b
    shape = big.shape[:-1]
    rows = int(np.prod(shape))
    if small.ndim == 2:
        shape += (small.shape[1],)
    out = _unsafe_view(la.Matmul.apply(reshape(big, (rows, big.shape[-1])), small), shape)
    return contiguous(transpose(out, -2, -1)) if flip and small.ndim == 2 else out


def _batched(a: Tensor, b: Tensor) -> Tensor:
    """Batch dimensions broadcast and flattened into one ``bmm``."""
    sa, sb = a._data.shape, b._data.shape
    if sa[:-2] == sb[:-2] and len(sa) == len(sb) and _no_copy(a, b, len(sa) - 2):
        # PyTorch's expand and reshape are views here: one node does the same
        return named(la.Matmul.apply(a, b), "UnsafeViewBackward0")
    n, p = (sa[-2] if len(sa) > 1 else 1), (sb[-1] if len(sb) > 1 else 1)
    batch = broadcast_shapes(sa[:-2], sb[:-2])
    shape = batch + ((n,) if len(sa) > 1 else ()) + ((p,) if len(sb) > 1 else ())
    count, m = int(np.prod(batch)), sa[-1]
    a3 = reshape(expand(a, *batch, n, m), (count, n, m))
    if b.ndim == 1:
        b3 = unsqueeze(reshape(expand(b, *batch, m), (count, m)), 2)
        return _unsafe_view(squeeze(la.Matmul.apply(a3, b3), -1), shape)
    b3 = reshape(expand(b, *batch, m, p), (count, m, p))
    return _unsafe_view(la.Matmul.apply(a3, b3), shape)


def _no_copy(a: Tensor, b: Tensor, n: int) -> bool:
    """Whether both operands' ``n`` batch dimensions fold into one without a copy."""
    return n < 2 or (_merges(a._data, n) and _merges(b._data, n))


@op(method=True, out=True)
def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two matrices (no broadcasting)."""
    check_tensor(input, "mm")
    check_tensor(mat2, "mm", "mat2", 2)
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError("self must be a matrix" if input.ndim != 2 else "mat2 must be a matrix")
    return matmul(input, mat2)


@op(method=True, out=True)
def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched product of two 3-D tensors with equal batch sizes (no broadcasting)."""
    check_tensor(input, "bmm")
    check_tensor(mat2, "bmm", "mat2", 2)
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(
            "batch1 must be a 3D tensor" if input.ndim != 3 else "batch2 must be a 3D tensor"
        )
    if mat2.shape[:2] != (input.shape[0], input.shape[2]):
        raise RuntimeError(
            "Expected size for first two dimensions of batch2 tensor to be: "
            f"[{input.shape[0]}, {input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}]."
        )
    _check_same_dtype(input, mat2)
    return la.Matmul.apply(input, mat2)
