"""Distances and similarities: ``cdist``, ``dist``, ``pdist``, ``cosine_similarity`` and
``pairwise_distance`` (the last three are also ``torch.nn.functional``'s)."""

from __future__ import annotations

from numtorch import _dtype
from numtorch._checks import check_tensor, normalize_dim, type_name
from numtorch._namespace._declare import op
from numtorch._namespace._operands import broadcast_shapes, expand_if_needed, named
from numtorch._namespace.other import clone
from numtorch._namespace.pointwise import add, div, mul, sub
from numtorch._namespace.reduction import sum as _sum
from numtorch._namespace.shape import expand, reshape
from numtorch.autograd.grad_mode import no_grad
from numtorch.ops import distance as dist_ops
from numtorch.ops import reduce
from numtorch.tensor import Tensor

_MODES = {
    "use_mm_for_euclid_dist_if_necessary": None,
    "use_mm_for_euclid_dist": True,
    "donot_use_mm_for_euclid_dist": False,
}


@op()
def cdist(
    x1: Tensor,
    x2: Tensor,
    p: float = 2.0,
    compute_mode: str = "use_mm_for_euclid_dist_if_necessary",
) -> Tensor:
    """The ``p``-norm distance between each pair of rows of ``x1`` and ``x2``.

    The ``p``-norm distance between each row of ``x1`` (..., P, M) and each row of ``x2``
    (..., R, M): (..., P, R), batch dimensions broadcast. For ``p`` = 2 the distances expand
    through a matrix product when ``compute_mode`` asks, or (its default) when P or R
    exceeds 25, as in PyTorch."""
    check_tensor(x1, "cdist", "x1")
    check_tensor(x2, "cdist", "x2", 2)
    if compute_mode not in _MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    for x, name in ((x1, "X1"), (x2, "X2")):
        if not x.dtype.is_floating_point:
            raise RuntimeError(
                f"cdist only supports floating-point dtypes, {name} got: {type_name(x.dtype)}"
            )
    for x, name in ((x1, "X1"), (x2, "X2")):
        if x.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}"
        )
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if x1.dtype is not x2.dtype:
        raise RuntimeError(
            f"expected scalar type {type_name(x1.dtype)} but found {type_name(x2.dtype)}"
        )
    batch = broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
    x1 = expand_if_needed(x1, batch + x1.shape[-2:])
    x2 = expand_if_needed(x2, batch + x2.shape[-2:])
    mode = _MODES[compute_mode]
    mm = p == 2 and (mode or mode is None and (x1.shape[-2] > 25 or x2.shape[-2] > 25))
    out = dist_ops.Cdist.apply(x1, x2, p=float(p), mm=bool(mm))
    return reshape(out, *out.shape) if mm else out


@op(method=True)
def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The ``p``-norm of ``input - other`` (broadcast) over all elements."""
    check_tensor(input, "dist")
    check_tensor(other, "dist", "other", 2)
    dt = _dtype.result_type(input, other)
    if not dt.is_floating_point:
        raise RuntimeError(
            "norm(): input dtype should be either floating point or complex. Got "
            f"{type_name(dt)} instead."
        )
    broadcast_shapes(input.shape, other.shape)
    a, b = (x if x.dtype is dt else x.to(dt) for x in (input, other))
    return dist_ops.Dist.apply(a, b, p=float(p))


@op()
def pdist(input: Tensor, p: float = 2) -> Tensor:
    """The ``p``-norm distance between every pair of rows of a matrix.

    The ``p``-norm distance between every pair of rows ``i < j`` of the matrix ``input``,
    flattened in row-major order of the upper triangle."""
    check_tensor(input, "pdist")
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if not input.dtype.is_floating_point:
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    return dist_ops.Pdist.apply(input, p=float(p))


@op()
def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine similarity of ``x1`` and ``x2`` along ``dim``.

    The cosine of the angle between ``x1`` and ``x2`` along ``dim`` (broadcast), each
    divided by its norm clamped to at least ``eps`` (the clamp outside autograd, as in
    PyTorch, so the norm's gradient is the unclamped one)."""
    check_tensor(x1, "cosine_similarity", "x1")
    check_tensor(x2, "cosine_similarity", "x2", 2)
    dt = _dtype.result_type(x1, x2)
    if not dt.is_floating_point:
        raise RuntimeError(
            f"expected common dtype to be floating point, yet common dtype is {type_name(dt)}"
        )
    shape = broadcast_shapes(x1.shape, x2.shape)
    axis = normalize_dim(dim, len(shape))
    terms = []
    for x in (x1, x2):
        x = x if x.dtype is dt else x.to(dt)
        x = x if x.shape == shape else expand(x, shape)
        norm = clone(reduce.VectorNorm.apply(x, 2.0, (axis,), True))
        with no_grad():
            norm.clamp_min_(eps)
        terms.append(div(x, norm))
    return _sum(mul(*terms), axis)


@op()
def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """The ``p``-norm of ``x1 - x2 + eps`` over the last dimension (broadcast)."""
    check_tensor(x1, "pairwise_distance", "x1")
    check_tensor(x2, "pairwise_distance", "x2", 2)
    last = max(x1.ndim, x2.ndim) - 1
    diff = add(sub(x1, x2), eps)
    dims = (normalize_dim(last, diff.ndim),) if diff.ndim else None
    out = reduce.VectorNorm.apply(diff, float(p), dims, keepdim)
    return named(out, "NormBackward1")
