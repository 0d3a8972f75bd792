"""In-place writes: how ``Tensor.add_`` and every other in-place method keeps autograd correct."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from numtorch._checks import (
    check_tensor,
    type_name,
)
from numtorch._namespace._declare import op
from numtorch._namespace._operands import broadcast_shapes, expand_if_needed
from numtorch._namespace.other import to
from numtorch._namespace.shape import expand
from numtorch.autograd.function import capture_nodes
from numtorch.autograd.grad_mode import is_grad_enabled
from numtorch.ops import elementwise as ew
from numtorch.tensor import Tensor


def check_leaf_inplace(target: Tensor) -> None:
    if is_grad_enabled() and target.requires_grad and target.is_leaf:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )


def inplace(target: Tensor, op: Callable, *args: object, **kwargs: object) -> Tensor:
    """Run ``op(target, ...)`` and write the result into ``target``'s storage.

    When autograd records, ``target`` takes over the result's history. Every node recorded
    while ``op`` ran that saved ``target``'s storage for backward gets a private copy of it
    first, so backward still reads the value from before the write (PyTorch saves the
    ``original_self`` of an in-place op the same way); nothing is copied when no node saved it.
    """
    check_leaf_inplace(target)
    if not is_grad_enabled():
        return _write_result(target, op(target, *args, **kwargs))
    with capture_nodes() as recorded:
        out = op(target, *args, **kwargs)
    for node in recorded:
        node._privatise(target._data)
    return _write_result(target, out)


def _write_result(target: Tensor, out: Tensor) -> Tensor:
    if out is target:
        target._version[0] += 1
        return target
    if out.dtype is not target.dtype and out.requires_grad:
        out = out.to(target.dtype)
    _write_into(target, out)
    return target


def _write_into(target: Tensor, out: Tensor) -> None:
    if broadcast_shapes(out.shape, target.shape) != target.shape:
        raise RuntimeError(
            f"output with shape {list(target.shape)} doesn't match the broadcast shape "
            f"{list(broadcast_shapes(out.shape, target.shape))}"
        )
    _check_castable(out, target)
    if not target._data.flags.writeable:
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation."
        )
    np.copyto(target._data, out._data, casting="unsafe")
    target._version[0] += 1
    if out.grad_fn is not None:
        if target._base is not None:
            raise RuntimeError(
                "numtorch does not record in-place operations on views of tensors that require "
                "grad; use the out-of-place form (e.g. x = x + y) instead."
            )
        target.grad_fn = (
            out.grad_fn if out.shape == target.shape else expand(out, target.shape).grad_fn
        )
        target._requires_grad = True


def _check_castable(result: Tensor, target: Tensor) -> None:
    if not np.can_cast(result._data.dtype, target._data.dtype, casting="same_kind"):
        raise RuntimeError(
            f"result type {type_name(result.dtype)} can't be cast to the desired output type "
            f"{type_name(target.dtype)}"
        )


def write_out(out: object, result: Tensor, name: str) -> Tensor:
    """``torch.<name>(..., out=out)``: ``result`` written into ``out``, which is resized (with
    PyTorch's deprecation warning when it held elements) if its shape differs."""
    check_tensor(out, name, "out", position=None)
    if is_grad_enabled() and (result.requires_grad or out.requires_grad):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad."
        )
    _check_castable(result, out)
    if out.shape != result.shape:
        if out.numel():
            warnings.warn(_RESIZE_WARNING.format(list(out.shape), list(result.shape)), stacklevel=3)
        out._data = np.empty(result.shape, out._data.dtype)
    np.copyto(out._data, result._data, casting="unsafe")
    out._version[0] += 1
    return out


_RESIZE_WARNING = (
    "An output with one or more elements was resized since it had shape {}, which does not "
    "match the required output shape {}. This behavior is deprecated, and in a future PyTorch "
    "release outputs will not be resized unless they have zero elements. You can explicitly "
    "reuse an out tensor t by resizing it, inplace, to zero elements with t.resize_(0)."
)


def replace_with(x: Tensor, values: Tensor | np.ndarray) -> Tensor:
    """``values`` broadcast to ``x``'s shape, recorded so x's old value gets zero gradient."""
    if (
        isinstance(x, Tensor)
        and x.requires_grad
        or isinstance(values, Tensor)
        and values.requires_grad
    ):
        never = np.zeros(x.shape, dtype=bool)
        v = expand_if_needed(values, x.shape) if isinstance(values, Tensor) else values
        return ew.Where.apply(never, x, v)
    return Tensor._make(np.broadcast_to(getattr(values, "_data", values), x.shape))


@op(method=True)
def fill_(input: Tensor, value: object) -> Tensor:
    """Set every element to ``value`` (a number or a 0-d tensor)."""
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(
            f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} "
            "dimensions."
        )
    v = value if isinstance(value, Tensor) else np.asarray(value).astype(input._data.dtype)
    if isinstance(v, Tensor) and v.dtype is not input.dtype:
        v = v.to(input.dtype)
    return inplace(input, replace_with, v)


@op(function=False, method=True)
def copy_(input: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast and cast as needed) into ``input``'s storage."""
    check_tensor(src, "copy_", "src", 2)
    broadcast_shapes(src.shape, input.shape)
    if broadcast_shapes(src.shape, input.shape) != input.shape:
        raise RuntimeError(
            f"output with shape {list(input.shape)} doesn't match the broadcast shape "
            f"{list(broadcast_shapes(src.shape, input.shape))}"
        )
    v = (
        src
        if src.dtype is input.dtype
        else to(src, input.dtype)
        if src.dtype.is_floating_point and input.dtype.is_floating_point
        else Tensor._make(src._data.astype(input._data.dtype))
    )
    return inplace(input, replace_with, v)


@op(function=False, method=True)
def zero_(input: Tensor) -> Tensor:
    """Set every element to zero."""
    return fill_(input, 0)
