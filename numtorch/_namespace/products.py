"""The fused products of PyTorch's BLAS family, ``beta * input + alpha * (a ∘ b)``:
``addmm``, ``addmv``, ``addr``, ``addbmm`` and ``baddbmm``; and the element-wise ``addcmul``
and ``addcdiv``, which PyTorch documents with them."""

from __future__ import annotations

from numtorch import _dtype
from numtorch._checks import check_tensor, normalize_dim, type_name
from numtorch._namespace._declare import op
from numtorch._namespace._operands import elementwise
from numtorch.ops import linalg as la
from numtorch.tensor import Tensor


def _c_name(x: Tensor) -> str:
    """The dtype as PyTorch's C++ messages spell it in lower case (``float``, ``double``)."""
    return type_name(x.dtype).lower()


def _shape_str(x: Tensor) -> str:
    return "x".join(str(n) for n in x.shape)


def _check_scalars(result: Tensor, beta: object, alpha: object) -> None:
    for value, name in ((beta, "beta"), (alpha, "alpha")):
        if isinstance(value, bool) and result.dtype is not _dtype.bool:
            raise RuntimeError(f"Boolean {name} only supported for Boolean results.")


def _check_expandable(input: Tensor, target: tuple) -> None:
    """PyTorch's ``expand`` error when ``input`` does not broadcast to ``target``."""
    lead = len(target) - input.ndim
    for i in reversed(range(input.ndim)):
        n, want = input.shape[i], target[lead + i]
        if n != 1 and n != want or lead < 0:
            raise RuntimeError(
                f"The expanded size of the tensor ({want}) must match the existing size ({n}) "
                f"at non-singleton dimension {lead + i}.  Target sizes: {list(target)}.  "
                f"Tensor sizes: {list(input.shape)}"
            )


def _add_product(kind: str, input: Tensor, a: Tensor, b: Tensor, shape: tuple, beta, alpha):
    _check_expandable(input, shape)
    if kind == "r":  # only addr refuses a boolean scale for a non-boolean result
        _check_scalars(input, beta, alpha)
    return la.AddProduct.apply(input, a, b, kind=kind, beta=beta, alpha=alpha)


@op(method=True, inplace=True, out=True)
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``, ``input`` broadcast to the product."""
    check_tensor(input, "addmm")
    check_tensor(mat1, "addmm", "mat1", 2)
    check_tensor(mat2, "addmm", "mat2", 3)
    _same_dtypes(input, mat1, mat2)
    for m, name in ((mat1, "mat1"), (mat2, "mat2")):
        if m.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m.ndim}-D tensor")
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(mat1)} and {_shape_str(mat2)})"
        )
    shape = (mat1.shape[0], mat2.shape[1])
    return _add_product("mm", input, mat1, mat2, shape, beta, alpha)


def _same_dtypes(input: Tensor, mat1: Tensor, mat2: Tensor) -> None:
    """``addmm``/``addbmm``'s dtype checks, in PyTorch's order."""
    for x, name in ((input, "self"), (mat1, "mat1")):
        if x.dtype is not mat2.dtype:
            raise RuntimeError(
                f"{name} and mat2 must have the same dtype, but got "
                f"{type_name(x.dtype)} and {type_name(mat2.dtype)}"
            )


@op(method=True, inplace="function", out=True)
def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``, ``input`` (0-D or 1-D) broadcast."""
    check_tensor(input, "addmv")
    check_tensor(mat, "addmv", "mat", 2)
    check_tensor(vec, "addmv", "vec", 3)
    if mat.ndim != 2 or vec.ndim != 1 or input.ndim > 1:
        raise RuntimeError(
            f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, {vec.ndim}"
        )
    rows = mat.shape[0]
    if mat.shape[1] != vec.shape[0] or input.numel() not in (1, rows):
        got = input.shape[0] if input.ndim and input.numel() != 1 else rows
        raise RuntimeError(
            f"size mismatch, got input ({got}), mat ({_shape_str(mat)}), vec ({vec.shape[0]})"
        )
    if not input.dtype is mat.dtype is vec.dtype:
        raise RuntimeError(
            "addmv input tensors must have the same dtype, but got "
            f"{type_name(input.dtype)}, {type_name(mat.dtype)}, and {type_name(vec.dtype)}"
        )
    return _add_product("mv", input, mat, vec, (rows,), beta, alpha)


@op(method=True, inplace=True, out=True)
def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)`` (dtypes promote, as in PyTorch)."""
    check_tensor(input, "addr")
    check_tensor(vec1, "addr", "vec1", 2)
    check_tensor(vec2, "addr", "vec2", 3)
    for v, name in ((vec1, "vec1"), (vec2, "vec2")):
        if v.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v.ndim}-D")
    dt = _dtype.result_type(input, vec1, vec2)
    input, vec1, vec2 = (x if x.dtype is dt else x.to(dt) for x in (input, vec1, vec2))
    return _add_product("r", input, vec1, vec2, (vec1.shape[0], vec2.shape[0]), beta, alpha)


def _check_batches(batch1: Tensor, batch2: Tensor) -> None:
    for b, name in ((batch1, "batch1"), (batch2, "batch2")):
        if b.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")


@op(method=True, inplace=True, out=True)
def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``."""
    check_tensor(input, "addbmm")
    check_tensor(batch1, "addbmm", "batch1", 2)
    check_tensor(batch2, "addbmm", "batch2", 3)
    # PyTorch sizes the result (and broadcasts the input to it) before any other check
    shape = (
        batch1.shape[normalize_dim(1, batch1.ndim)],
        batch2.shape[normalize_dim(2, batch2.ndim)],
    )
    _check_expandable(input, shape)
    _check_batches(batch1, batch2)
    if batch1.shape[0] != batch2.shape[0]:
        raise RuntimeError(
            "batch1 and batch2 must have same number of batches, got "
            f"{batch1.shape[0]} and {batch2.shape[0]}"
        )
    if batch1.shape[2] != batch2.shape[1]:
        raise RuntimeError(
            f"Incompatible matrix sizes for bmm ({batch1.shape[1]}x{batch1.shape[2]} and "
            f"{batch2.shape[1]}x{batch2.shape[2]})"
        )
    _same_dtypes(input, batch1, batch2)
    return _add_product("addbmm", input, batch1, batch2, shape, beta, alpha)


@op(method=True, inplace=True, out=True)
def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (batch1 @ batch2)`` per batch, ``input`` broadcast."""
    check_tensor(input, "baddbmm")
    check_tensor(batch1, "baddbmm", "batch1", 2)
    check_tensor(batch2, "baddbmm", "batch2", 3)
    # PyTorch sizes the result (and broadcasts the input to it) before any other check
    sizes = (batch1, 0), (batch1, 1), (batch2, 2)
    shape = tuple(b.shape[normalize_dim(d, b.ndim)] for b, d in sizes)
    _check_expandable(input, shape)
    _check_batches(batch1, batch2)
    n, _, k = batch1.shape
    if batch2.shape[:2] != (n, k):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{n}, {k}] but "
            f"got: [{batch2.shape[0]}, {batch2.shape[1]}]."
        )
    if batch1.dtype is not batch2.dtype:
        raise RuntimeError(
            f"expected scalar type {type_name(batch1.dtype)} but found {type_name(batch2.dtype)}"
        )
    if input.dtype is not batch1.dtype:
        raise RuntimeError(
            f"Input dtypes must be the same, got: input {_c_name(input)}, batch1: "
            f"{_c_name(batch1)}, batch2: {_c_name(batch2)}"
        )
    return _add_product("bmm", input, batch1, batch2, shape, beta, alpha)


@op(method=True, inplace=True, out=True)
def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """``input + value * tensor1 * tensor2``, element-wise with broadcasting."""
    check_tensor(input, "addcmul")
    check_tensor(tensor1, "addcmul", "tensor1", 2)
    check_tensor(tensor2, "addcmul", "tensor2", 3)
    return elementwise(la.Addcmul, input, tensor1, tensor2, value=value)


_ADDCDIV_INT = (
    "Integer division with addcdiv is no longer supported, and in a future  release addcdiv "
    "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can "
    "be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
    "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
    "addcdiv behavior is just the latter implementation: (input + value * tensor1 / "
    "tensor2), for all dtypes."
)


@op(method=True, inplace=True, out=True)
def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """Element-wise ``input + value * tensor1 / tensor2``.

    ``input + value * tensor1 / tensor2``, element-wise with broadcasting (integer
    ``tensor1`` and ``tensor2`` are refused, as in PyTorch)."""
    check_tensor(input, "addcdiv")
    check_tensor(tensor1, "addcdiv", "tensor1", 2)
    check_tensor(tensor2, "addcdiv", "tensor2", 3)
    if not (tensor1.dtype.is_floating_point or tensor2.dtype.is_floating_point):
        raise RuntimeError(_ADDCDIV_INT)
    return elementwise(la.Addcdiv, input, tensor1, tensor2, value=value)
