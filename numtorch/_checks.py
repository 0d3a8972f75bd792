"""Argument checks shared by every public function, with PyTorch's exception types and
messages: one spelling of each, so a message fixed here is fixed everywhere."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from numtorch import _dtype
from numtorch.tensor import Tensor

__all__ = [
    "check_tensor",
    "check_device",
    "normalize_dim",
    "normalize_dims",
    "type_name",
    "empty_reduction_error",
    "broadcast_shapes",
    "SELF_OVERLAP_MESSAGE",
]


def check_tensor(x: object, fn: str, name: str = "input", position: int | None = 1) -> Tensor:
    """``x`` itself, or PyTorch's TypeError: ``abs(): argument 'input' (position 1) must be
    Tensor, not int``. PyTorch gives no position for a keyword-only argument (``out``): pass
    ``position=None``."""
    if not isinstance(x, Tensor):
        where = "" if position is None else f" (position {position})"
        raise TypeError(f"{fn}(): argument '{name}'{where} must be Tensor, not {type(x).__name__}")
    return x


def check_device(device: object) -> None:
    """numtorch has one device; anything but the CPU is PyTorch's RuntimeError for a device
    that is not available."""
    if device is not None and str(device) not in ("cpu", "cpu:0"):
        raise RuntimeError(f"numtorch only supports the 'cpu' device, but got {str(device)!r}")


def type_name(d: _dtype.dtype) -> str:
    """PyTorch's C++ scalar-type name (``Float``, ``Long``), as its messages print it."""
    return _dtype.scalar_type_name(d)


def normalize_dim(dim: int, ndim: int) -> int:
    """A non-negative axis for ``dim``, or PyTorch's IndexError."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"dim must be an int, but got {type(dim).__name__}")
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not lo <= dim <= hi:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})"
        )
    return int(dim) % max(ndim, 1)


def normalize_dims(dim: int | Sequence[int] | None, ndim: int) -> tuple | None:
    """Non-negative axes for ``dim`` (None: all), refusing repeats as PyTorch does."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if not dims:
        return None
    axes = tuple(normalize_dim(d, ndim) for d in dims)
    if not ndim:
        return ()
    if len(set(axes)) != len(axes):
        repeated = next(a for i, a in enumerate(axes) if a in axes[:i])
        raise RuntimeError(f"dim {repeated} appears multiple times in the list of dims")
    return axes


def empty_reduction_error(name: str, input: Tensor, dims: tuple | None) -> Exception | None:
    """PyTorch's error for reducing an empty tensor with no identity (max, amax, argmax...):
    with no ``dim`` a RuntimeError, along an empty ``dim`` an IndexError; None when fine."""
    if input.numel():
        return None
    if dims is None:
        return RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
            "Specify the reduction dim with the 'dim' argument."
        )
    for d in dims:
        if input.shape[d] == 0:
            return IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    return None


def broadcast_shapes(*shapes: Sequence[int]) -> tuple:
    """The broadcast of ``shapes``, with PyTorch's error naming the mismatch it names (the
    last dimension's first) (a plain tuple: numtorch's own ops call this;
    ``torch.broadcast_shapes`` returns a ``Size``)."""
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        for i, n in reversed(list(enumerate(s, ndim - len(s)))):
            if n != out[i] and n != 1 and out[i] != 1:
                raise RuntimeError(
                    f"The size of tensor a ({out[i]}) must match the size of tensor b ({n}) at "
                    f"non-singleton dimension {i}"
                )
            out[i] = n if out[i] == 1 else out[i]
    return tuple(out)


SELF_OVERLAP_MESSAGE = (
    "unsupported operation: more than one element of the written-to tensor refers to a single "
    "memory location. Please clone() the tensor before performing the operation."
)
