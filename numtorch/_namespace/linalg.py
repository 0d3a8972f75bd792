"""Matrix products."""

from __future__ import annotations

import numpy as np

from numtorch._checks import (
    check_tensor,
    type_name,
)
from numtorch._namespace._declare import op
from numtorch._namespace._operands import broadcast_shapes, expand_if_needed, named
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
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(
            "both arguments to matmul need to be at least 1D, but they are "
            f"{input.ndim}D and {other.ndim}D"
        )
    batch = broadcast_shapes(input.shape[:-2], other.shape[:-2])
    if input.shape[-1] != other.shape[-2 if other.ndim > 1 else 0]:
        raise _matmul_error(input, other)
    if input.dtype is not other.dtype:
        raise RuntimeError(
            "expected m1 and m2 to have the same dtype, but got: "
            f"{type_name(input.dtype).lower()} != {type_name(other.dtype).lower()}"
        )
    a = input.unsqueeze(0) if input.ndim == 1 else input
    b = other.unsqueeze(-1) if other.ndim == 1 else other
    a = expand_if_needed(a, batch + a.shape[-2:])
    b = expand_if_needed(b, batch + b.shape[-2:])
    out = la.Matmul.apply(a, b)
    if input.ndim == 1:
        out = out.squeeze(-2)
    if other.ndim == 1:
        out = out.squeeze(-1)
    return named(out, "MmBackward0") if input.ndim == 2 and other.ndim == 2 else out


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
    return matmul(input, mat2)
