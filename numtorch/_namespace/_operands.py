"""Operand preparation shared by the op families: constants to arrays, dtype promotion, and
broadcasting through ``Expand`` (the one op whose backward un-broadcasts)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from numtorch import _dtype
from numtorch._checks import (
    broadcast_shapes,
    check_tensor,
)
from numtorch._namespace._declare import op
from numtorch.autograd.grad_mode import is_recording
from numtorch.ops import movement
from numtorch.tensor import Size, Tensor

Number = int | float | bool


def operand(x: object, dt: _dtype.dtype) -> Tensor | np.ndarray:
    """A tensor cast to ``dt`` (recorded, so gradients flow), or a constant as a 0-d array."""
    if isinstance(x, Tensor):
        return x if x.dtype is dt else x.to(dt)
    if isinstance(x, (bool, int, float, np.number, np.bool_)):
        return np.asarray(x, dtype=dt.numpy)
    raise TypeError(
        f"unsupported operand type: expected a Tensor or a number, but got {type(x).__name__}"
    )


@op(name="broadcast_shapes")
def public_broadcast_shapes(*shapes: Sequence[int]) -> Size:
    """The shape that ``shapes`` broadcast to, as a ``torch.Size``."""
    return Size(broadcast_shapes(*shapes))


def expand_if_needed(x: Tensor | np.ndarray, shape: tuple) -> Tensor | np.ndarray:
    if isinstance(x, Tensor) and x.requires_grad and is_recording() and x.shape != shape:
        return movement.Expand.apply(x, shape)
    return x


def elementwise(op: type, *args: object, dt: _dtype.dtype | None = None, **kw: object) -> Tensor:
    """``op`` applied to ``args`` promoted to one dtype (``dt``, or PyTorch's promotion of
    them) and broadcast to one shape. A tensor is cast by a recorded ``to``, or by ``op`` itself
    where it ``casts_operands``."""
    if _alike(args) and (dt is None or args[0]._data.dtype == dt.numpy):
        return op.apply(*args, **kw)  # the common case: nothing to promote or broadcast
    dt = dt or _dtype.result_type(*args)
    if getattr(op, "casts_operands", False) and any(
        isinstance(a, Tensor) and a.dtype is not dt for a in args
    ):
        # the primitive casts, so it keeps the operands as given (PyTorch refuses a change to
        # one of those, not to a cast copy of it)
        ops = [a if isinstance(a, Tensor) else operand(a, dt) for a in args]
        kw = {**kw, "dt": dt.numpy}
    else:
        ops = [operand(a, dt) for a in args]
    shape = broadcast_shapes(*(np.shape(o._data if isinstance(o, Tensor) else o) for o in ops))
    return op.apply(*(expand_if_needed(o, shape) for o in ops), **kw)


def _alike(args: tuple) -> bool:
    """Whether ``args`` are tensors of one dtype and one shape."""
    first = args[0]
    if not isinstance(first, Tensor):
        return False
    dtype, shape = first._data.dtype, first._data.shape
    return all(
        isinstance(a, Tensor) and a._data.dtype is dtype and a._data.shape == shape
        for a in args[1:]
    )


def float_type(*args: object) -> _dtype.dtype:
    dt = _dtype.result_type(*args)
    return dt if dt.is_floating_point else _dtype.get_default_dtype()


def unary_float(op: type, x: Tensor, name: str) -> Tensor:
    check_tensor(x, name)
    return op.apply(x if x.dtype.is_floating_point else x.to(_dtype.get_default_dtype()))


def named(out: Tensor, name: str) -> Tensor:
    """Give ``out``'s fresh graph node PyTorch's name for the op (what ``repr`` shows)."""
    node = out._grad_fn  # the node just made: no stale-view check needed
    if node is not None:
        node._name = name
    elif out._base is not None and isinstance(out.__dict__.get("_no_grad_view"), str):
        # a view of a no_grad view: the op PyTorch's error names
        out._no_grad_view = name[: name.rfind("Backward")]
    return out


def as_like(value: object, like: Tensor) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor._make(np.asarray(value, like._data.dtype))
