"""Conversion and queries: ``clone``, ``Tensor.to``, ``numel``, ``is_tensor``."""

from __future__ import annotations

import numpy as np

from numtorch import _dtype
from numtorch._checks import (
    check_device,
    check_tensor,
)
from numtorch._namespace._declare import op
from numtorch._namespace._operands import named
from numtorch._namespace.shape import check_materialise
from numtorch.ops import elementwise as ew
from numtorch.tensor import Tensor


@op()
def numel(input: Tensor) -> int:
    return input.numel()


@op()
def is_tensor(obj: object) -> bool:
    return isinstance(obj, Tensor)


@op()
def is_floating_point(input: Tensor) -> bool:
    return input.dtype.is_floating_point


@op(method=True)
def clone(input: Tensor) -> Tensor:
    """A copy with its own storage; gradients flow back to ``input``."""
    check_materialise(check_tensor(input, "clone"))
    return ew.Clone.apply(input)


def parse_to(args: tuple, kwargs: dict) -> tuple[_dtype.dtype | None, bool]:
    target = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    device_arg = kwargs.pop("device", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if isinstance(a, Tensor):
            target = a.dtype
        elif isinstance(a, str) or type(a).__name__ == "device":
            device_arg = a
        elif a is not None:
            target = _dtype.to_dtype(a)
    check_device(device_arg)
    return (None if target is None else _dtype.to_dtype(target)), copy


@op(function=False, method=True)
def to(input: Tensor, *args: object, **kwargs: object) -> Tensor:
    """Convert to a dtype; returns ``input`` itself when nothing changes (unless ``copy=True``)."""
    target, copy = parse_to(args, dict(kwargs))
    if target is None or target is input.dtype:
        return named(clone(input), "ToCopyBackward0") if copy else input
    if not target.is_floating_point:
        with np.errstate(invalid="ignore"):  # nan/inf to an integer: unspecified, as in C
            return Tensor._make(input._data.astype(target.numpy))
    return ew.Cast.apply(input, target.numpy)
