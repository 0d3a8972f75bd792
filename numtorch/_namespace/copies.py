"""PyTorch's ``*_copy`` ops (``diagonal_copy``, ``t_copy``, ``view_copy``, ...): each view op's
result as a contiguous tensor of its own, its node named as the view's with ``_copy`` added
(``DiagonalBackward0_copy``), as PyTorch names them."""

from __future__ import annotations

from collections.abc import Sequence

from numtorch._checks import check_tensor
from numtorch._namespace import shape, views
from numtorch._namespace._declare import op
from numtorch._namespace._operands import named
from numtorch.ops import shape_ops
from numtorch.tensor import Tensor


def _copied(view: Tensor | tuple) -> Tensor | tuple:
    """A contiguous copy of ``view`` (of each, for several) whose node carries the view
    node's name plus ``_copy``."""
    if isinstance(view, tuple):
        return tuple(_copied(v) for v in view)
    node = view._grad_fn
    out = shape_ops.Copy.apply(view)
    return named(out, node.name() + "_copy") if node is not None else out


@op(out=True)
def alias_copy(input: Tensor) -> Tensor:
    """A copy of ``input`` (PyTorch's copy of its ``alias`` view)."""
    check_tensor(input, "alias_copy")
    return named(shape_ops.Copy.apply(input), "AliasBackward0_copy")


@op(out=True)
def as_strided_copy(
    input: Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None
) -> Tensor:
    """A copy of ``as_strided``'s view."""
    return _copied(views.as_strided(input, size, stride, storage_offset))


@op(out=True)
def diagonal_copy(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A copy of ``diagonal``'s view."""
    return _copied(views.diagonal(input, offset, dim1, dim2))


@op(out=True)
def expand_copy(input: Tensor, size: Sequence[int], *, implicit: bool = False) -> Tensor:
    """A copy of ``expand``'s view (the expanded elements materialised)."""
    check_tensor(input, "expand_copy")
    return _copied(named(shape.expand(input, tuple(size)), "ExpandBackward0"))


@op(out=True)
def permute_copy(input: Tensor, dims: Sequence[int]) -> Tensor:
    """A copy of ``permute``'s view."""
    return _copied(named(shape.permute(input, tuple(dims)), "PermuteBackward0"))


@op(out=True)
def select_copy(input: Tensor, dim: int, index: int) -> Tensor:
    """A copy of ``select``'s view."""
    return _copied(views.select(input, dim, index))


@op(out=True)
def slice_copy(
    input: Tensor, dim: int = 0, start: int | None = None, end: int | None = None, step: int = 1
) -> Tensor:
    """A copy of the slice ``start:end:step`` along ``dim``."""
    check_tensor(input, "slice_copy")
    axis = shape.normalize_dim(dim, input.ndim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    view = input[(slice(None),) * axis + (slice(start, end, step),)]
    return _copied(named(view, "SliceBackward0"))


@op(out=True)
def squeeze_copy(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """A copy of ``squeeze``'s view."""
    return _copied(shape.squeeze(input, dim))


@op(out=True)
def t_copy(input: Tensor) -> Tensor:
    """A copy of ``t``'s view."""
    return _copied(shape.t(input))


@op(out=True)
def transpose_copy(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """A copy of ``transpose``'s view."""
    return _copied(shape.transpose(input, dim0, dim1))


@op(out=True)
def unfold_copy(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """A copy of ``Tensor.unfold``'s view (overlapping windows materialised)."""
    return _copied(views.unfold(input, dimension, size, step))


@op(out=True)
def unsqueeze_copy(input: Tensor, dim: int) -> Tensor:
    """A copy of ``unsqueeze``'s view."""
    return _copied(shape.unsqueeze(input, dim))


@op(out=True)
def view_copy(input: Tensor, size: Sequence[int]) -> Tensor:
    """A copy of ``view``'s view."""
    check_tensor(input, "view_copy")
    return _copied(shape.view(input, *((size,) if isinstance(size, int) else tuple(size))))


@op()
def split_copy(input: Tensor, split_size: int, dim: int = 0) -> tuple:
    """Copies of ``split``'s pieces."""
    return _copied(shape.split(input, split_size, dim))


@op()
def split_with_sizes_copy(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple:
    """Copies of ``split_with_sizes``'s pieces."""
    return _copied(shape.split(input, list(split_sizes), dim))


@op()
def unbind_copy(input: Tensor, dim: int = 0) -> tuple:
    """Copies of ``unbind``'s pieces."""
    return _copied(shape.unbind(input, dim))
