"""Matrix and vector products: ``matmul``/``mm``/``bmm``, ``dot``/``vdot``/``mv``,
``outer``/``inner``/``tensordot``/``kron``, ``cross``, ``chain_matmul`` (and the plain
``multi_dot``, ``vecdot``, ``linalg_cross`` and ``matrix_power`` that ``torch.linalg`` wires).

Importing this module also declares the ops of ``contractions`` (``einsum``), ``products``
(``addmm`` and the other fused products, ``addcmul``/``addcdiv``) and ``distances``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from numtorch._checks import (
    check_tensor,
    normalize_dim,
    type_name,
)
from numtorch._namespace import contractions, distances, products  # noqa: F401 - they declare ops
from numtorch._namespace._declare import op
from numtorch._namespace._operands import broadcast_shapes, expand_if_needed, named
from numtorch._namespace.other import clone
from numtorch._namespace.pointwise import mul
from numtorch._namespace.reduction import sum as _sum
from numtorch._namespace.shape import (
    contiguous,
    expand,
    permute,
    reshape,
    squeeze,
    t,
    transpose,
    unsqueeze,
)
from numtorch.autograd.grad_mode import is_recording
from numtorch.ops import elementwise as ew
from numtorch.ops import linalg as la
from numtorch.ops.decompositions import LinAlgError
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


def _dims_error(a: Tensor, b: Tensor) -> RuntimeError:
    return RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")


def _check_vectors(input: Tensor, other: Tensor, name: str) -> None:
    """``dot``/``vdot``'s checks: two 1-D tensors of one dtype and one length."""
    check_tensor(input, name)
    check_tensor(other, name, "tensor" if name == "dot" else "other", 2)
    if input.ndim != 1 or other.ndim != 1:
        raise _dims_error(input, other)
    if input.dtype is not other.dtype:
        raise RuntimeError(
            "dot : expected both vectors to have same dtype, but found "
            f"{type_name(input.dtype)} and {type_name(other.dtype)}"
        )
    if input.shape != other.shape:
        raise _matmul_error(input, other)


@op(method=True, out=True)
def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """The inner product of two 1-D tensors of one dtype (no broadcasting)."""
    _check_vectors(input, tensor, "dot")
    return la.Matmul.apply(input, tensor)


@op(method=True, out=True)
def vdot(input: Tensor, other: Tensor) -> Tensor:
    """``dot`` with the first vector conjugated: for real tensors, ``dot``."""
    _check_vectors(input, other, "vdot")
    return named(la.Matmul.apply(input, other), "VdotBackward0")


@op(method=True, out=True)
def mv(input: Tensor, vec: Tensor) -> Tensor:
    """A matrix times a vector."""
    check_tensor(input, "mv")
    check_tensor(vec, "mv", "vec", 2)
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    if input.shape[1] != vec.shape[0]:
        raise _matmul_error(input, vec)
    if input.dtype is not vec.dtype:
        raise RuntimeError(
            "addmv input tensors must have the same dtype, but got "
            f"{type_name(vec.dtype)}, {type_name(input.dtype)}, and {type_name(vec.dtype)}"
        )
    return la.Matmul.apply(input, vec)


@op(method=True, out=True, aliases=("ger",))
def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """The outer product of two 1-D tensors, ``input[:, None] * vec2`` (dtypes promote)."""
    check_tensor(input, "outer")
    check_tensor(vec2, "outer", "vec2", 2)
    for x, what in ((input, "self"), (vec2, "vec2")):
        if x.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {what}, but got {x.ndim}-D")
    return mul(reshape(input, input.shape[0], 1), vec2)


@op(method=True, out=True)
def inner(input: Tensor, other: Tensor) -> Tensor:
    """The inner product over the last dimension of two tensors.

    Sums of products over the last dimension of both operands (a scalar operand
    multiplies)."""
    check_tensor(input, "inner")
    check_tensor(other, "inner", "other", 2)
    if input.ndim == 0 or other.ndim == 0:
        return mul(input, other)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(
            "inner() the last dimension must match on both input tensors but got shapes "
            f"{list(input.shape)} and {list(other.shape)}"
        )
    return tensordot(input, other, ([-1], [-1]))


_DIMS_TYPE = (
    "tensordot expects dims to be int or tuple[list[int], list[int]] or list[list[int]] "
    "containing two lists, but got dims={}"
)


@op(out=True)
def tensordot(a: Tensor, b: Tensor, dims: int | Sequence | Tensor = 2) -> Tensor:
    """Sum products of ``a`` and ``b`` over the given dimensions.

    Sums of products over ``dims``: the last ``dims`` dimensions of ``a`` with the first
    of ``b``, or the two lists of dimensions ``dims`` pairs. A contracted size-1 dimension
    broadcasts against the other (it is summed first), as in PyTorch."""
    for x in (a, b):
        if isinstance(dims, int) and not isinstance(x, Tensor):  # PyTorch reads x.dim() first
            raise AttributeError(f"'{type(x).__name__}' object has no attribute 'dim'")
    check_tensor(a, "tensordot", "self")
    check_tensor(b, "tensordot", "other", 2)
    dims_a, dims_b = _tensordot_dims(a, b, dims)
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    if a.dtype is not b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    axes_a = [normalize_dim(d, a.ndim) for d in dims_a]
    axes_b = [normalize_dim(d, b.ndim) for d in dims_b]
    for da, db, i, j in zip(dims_a, dims_b, axes_a, axes_b):
        na, nb = a.shape[i], b.shape[j]
        if nb == 1:  # b is constant along this dimension: a is summed over it first
            a = _sum(a, i, keepdim=True)
        elif na == 1:
            b = _sum(b, j, keepdim=True)
        elif na != nb:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {na} in dim {da} "
                f"and second has size {nb} in dim {db}"
            )
    free_a = [i for i in range(a.ndim) if i not in axes_a]
    free_b = [j for j in range(b.ndim) if j not in axes_b]
    size = int(np.prod([a.shape[i] for i in axes_a]))
    rows = int(np.prod([a.shape[i] for i in free_a]))  # explicit: -1 is ambiguous when empty
    cols = int(np.prod([b.shape[j] for j in free_b]))
    left = reshape(permute(a, *free_a, *axes_a), rows, size)
    right = reshape(permute(b, *axes_b, *free_b), size, cols)
    shape = [a.shape[i] for i in free_a] + [b.shape[j] for j in free_b]
    return reshape(mm(left, right), *shape)


def _tensordot_dims(a: Tensor, b: Tensor, dims: object) -> tuple:
    """``dims`` as two lists, with the checks of PyTorch's ``tensordot``."""
    if isinstance(dims, Tensor):
        if dims.numel() > 1:
            return dims[0].tolist(), dims[1].tolist()
        dims = int(dims.item())
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        return list(range(-dims, 0)), list(range(dims))
    if isinstance(dims, (tuple, list)):
        dims_a, dims_b = dims
        for i, d in enumerate((dims_a, dims_b)):
            if not isinstance(d, (list, tuple)):
                name, pos = ("dims_self", 3) if i == 0 else ("dims_other", 4)
                raise TypeError(
                    f"tensordot(): argument '{name}' (position {pos}) must be tuple of ints, "
                    f"not {type(d).__name__}"
                )
        return list(dims_a), list(dims_b)
    if isinstance(dims, bool) or not isinstance(dims, (int, np.integer)):
        raise RuntimeError(_DIMS_TYPE.format(dims))
    if dims < 0:
        raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
    if dims > min(a.ndim, b.ndim):
        raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
    return list(range(-dims, 0)), list(range(dims))


@op(method=True, out=True)
def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product of ``input`` and ``other``.

    The Kronecker product: every element of ``input`` times the whole of ``other``, laid
    out blockwise (the shorter shape padded with leading ones)."""
    check_tensor(input, "kron")
    check_tensor(other, "kron", "other", 2)
    n = max(input.ndim, other.ndim)
    sa = (1,) * (n - input.ndim) + input.shape
    sb = (1,) * (n - other.ndim) + other.shape
    left = reshape(input, *[k for m in sa for k in (m, 1)])
    right = reshape(other, *[k for m in sb for k in (1, m)])
    out = reshape(mul(left, right), *[x * y for x, y in zip(sa, sb)])
    return named(out, "UnsafeViewBackward0")


_WARNED: set = set()


def _warn_once(key: str, message: str) -> None:
    """A deprecation warning given once per process, as PyTorch's ``TORCH_WARN_ONCE``."""
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(message, UserWarning, stacklevel=3)


_CROSS_WARNING = (
    "Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
    "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to "
    "agree with that of linalg.cross in a future release."
)


@op(method=True, out=True)
def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """The cross product of 3-vectors along a dimension.

    Along ``dim``; without ``dim`` (deprecated, with PyTorch's warning) along the first
    dimension of ``input`` of size 3."""
    check_tensor(input, "cross")
    check_tensor(other, "cross", "other", 2)
    if dim is None:
        _warn_once("cross", _CROSS_WARNING)
        dim = next((i for i, n in enumerate(input.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(input, other, dim=dim)


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """``torch.linalg.cross``: the cross product along ``dim`` (default the last), the
    operands broadcast (they must have the same number of dimensions)."""
    check_tensor(input, "linalg_cross")
    check_tensor(other, "linalg_cross", "other", 2)
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    axis = normalize_dim(dim, input.ndim)
    if input.shape[axis] != 3 or other.shape[axis] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got "
            f"{input.shape[axis]} and {other.shape[axis]}"
        )
    shape = broadcast_shapes(input.shape, other.shape)
    if input.dtype is not other.dtype:
        raise RuntimeError(
            f"expected scalar type {type_name(input.dtype)} but found {type_name(other.dtype)}"
        )
    return la.Cross.apply(expand_if_needed(input, shape), expand_if_needed(other, shape), axis=axis)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """``torch.linalg.vecdot``: ``(x * y).sum(dim)`` with broadcasting (one dtype)."""
    check_tensor(x, "linalg_vecdot", "x")
    check_tensor(y, "linalg_vecdot", "y", 2)
    if x.dtype is not y.dtype:
        raise RuntimeError(
            "linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
            f"{type_name(x.dtype)} and y of type {type_name(y.dtype)} instead"
        )
    return _sum(mul(x, y), dim)


_CHAIN_WARNING = (
    "torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
    "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than "
    "multiple parameters."
)


@op(out=True)
def chain_matmul(*matrices: Tensor) -> Tensor:
    """Deprecated: the matrix product of several 2-D tensors.

    The product of the 2-D ``matrices`` in the cheapest order (deprecated, with PyTorch's
    warning: ``linalg.multi_dot`` is its replacement)."""
    _warn_once("chain_matmul", _CHAIN_WARNING)
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for m in matrices:
        check_tensor(m, "chain_matmul", "matrices", 1)
        if m.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m.ndim}, expected 2 instead.")
    if len(matrices) == 1:
        return clone(matrices[0])
    return multi_dot(matrices)


def multi_dot(tensors: Sequence[Tensor]) -> Tensor:
    """``torch.linalg.multi_dot``: the product of two or more matrices in the cheapest order;
    the first may be a row vector and the last a column vector (1-D)."""
    tensors = list(tensors)
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    for i, x in enumerate(tensors):
        check_tensor(x, "linalg_multi_dot", "tensors", 1)
        where = "the first tensor" if i == 0 else "the last tensor" if i == n - 1 else None
        if where and x.ndim not in (1, 2):
            raise RuntimeError(f"multi_dot(): {where} must be 1D or 2D but got {x.ndim}D")
        if not where and x.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {x.ndim}D")
        if x.dtype is not tensors[0].dtype:
            raise RuntimeError(
                "multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                f"{type_name(tensors[0].dtype).lower()} and tensor {i} {type_name(x.dtype).lower()}"
            )
    shape = [tensors[0].shape[0]] if tensors[0].ndim == 2 else []
    shape += [tensors[-1].shape[1]] if tensors[-1].ndim == 2 else []
    if tensors[0].ndim == 1:
        tensors[0] = unsqueeze(tensors[0], 0)
    if tensors[-1].ndim == 1:
        tensors[-1] = unsqueeze(tensors[-1], 1)
    for i in range(n - 1):
        if tensors[i].shape[1] != tensors[i + 1].shape[0]:
            raise RuntimeError(
                f"multi_dot(): tensors {i} and {i + 1} with shapes {list(tensors[i].shape)} "
                f"and {list(tensors[i + 1].shape)} cannot be multiplied"
            )
    return reshape(_chain(tensors, _chain_order(tensors), 0, n - 1), *shape)


def _chain_order(tensors: list) -> list:
    """PyTorch's split table for the cheapest product order (three matrices: its closed
    form, ties to ``(AB)C``; more: the textbook dynamic programme, ties to the first split)."""
    dims = [x.shape[0] for x in tensors] + [tensors[-1].shape[1]]
    n = len(tensors)
    split = [[0] * n for _ in range(n)]
    if n == 3:
        a, b, c, d = dims
        split[0][2] = 0 if (a * c) * (b + d) > (b * d) * (a + c) else 1
        split[1][2] = 1
        return split
    cost = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                q = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or q < cost[i][j]:
                    cost[i][j], split[i][j] = q, k
    return split


def _chain(tensors: list, split: list, i: int, j: int) -> Tensor:
    if i == j:
        return tensors[i]
    k = split[i][j]
    return mm(_chain(tensors, split, i, k), _chain(tensors, split, k + 1, j))


def matrix_power(input: Tensor, n: int) -> Tensor:
    """``input`` (a batch of square matrices) to the integer power ``n``: the identity for 0,
    the inverse's power for a negative ``n``, by repeated squaring as PyTorch computes it."""
    check_tensor(input, "matrix_power")
    if input.ndim < 2:
        raise RuntimeError(
            "linalg.matrix_power: The input tensor A must have at least 2 dimensions."
        )
    if input.shape[-1] != input.shape[-2]:
        raise RuntimeError(
            "linalg.matrix_power: A must be batches of square matrices, but they are "
            f"{input.shape[-2]} by {input.shape[-1]} matrices"
        )
    if n == 0:
        return _identity_like(input)
    if n == 1:
        return clone(input)
    a = input
    if n < 0:
        a, n = _inverse(input), -n
        if n == 1:
            return a
    if n == 2:
        return matmul(a, a)
    if n == 3:
        return matmul(matmul(a, a), a)
    z = result = None
    while n > 0:
        bit, n = n % 2, n // 2
        z = a if z is None else matmul(z, z)
        if bit:
            result = z if result is None else matmul(result, z)
    return result


def _identity_like(input: Tensor) -> Tensor:
    """Identity matrices of ``input``'s shape and dtype; the gradient to ``input`` is zero
    (PyTorch copies the identity into a clone: ``CopyBackwards``)."""
    eye = np.broadcast_to(np.eye(input.shape[-1], dtype=input._data.dtype), input.shape)
    if not (input.requires_grad and is_recording()):
        return Tensor._make(eye.copy())
    return named(
        ew.Where.apply(np.zeros(input.shape, bool), input, eye), "torch::autograd::CopyBackwards"
    )


def _inverse(input: Tensor) -> Tensor:
    """The inverse of each matrix, with ``linalg.inv``'s errors."""
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            "linalg.inv: Expected a floating point or complex tensor as input. Got "
            f"{type_name(input.dtype)}"
        )
    zero = _zero_pivot(input._data)
    if zero is not None:
        batch = f"(Batch element {zero[0]}): " if input.ndim > 2 else ""
        raise LinAlgError(
            f"linalg.inv: {batch}The diagonal element {zero[1]} is zero, the inversion could "
            "not be completed because the input matrix is singular."
        )
    return la.Inverse.apply(input)


def _zero_pivot(a: np.ndarray) -> tuple | None:
    """``(batch index, 1-based diagonal position)`` of the first exactly-zero pivot of LU
    with partial pivoting (LAPACK's ``getrf``, which reports it), or None."""
    flat = a.reshape(-1, a.shape[-1], a.shape[-1]).astype(np.float64)
    for b, m in enumerate(flat):
        m = m.copy()
        for k in range(m.shape[0]):
            p = k + int(np.argmax(np.abs(m[k:, k])))
            if m[p, k] == 0:
                return b, k + 1
            m[[k, p]] = m[[p, k]]
            m[k + 1 :, k:] -= np.outer(m[k + 1 :, k] / m[k, k], m[k, k:])
    return None
