"""In-place writes: how ``Tensor.add_`` and every other in-place method keeps autograd correct."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from numtorch._checks import (
    SELF_OVERLAP_MESSAGE,
    check_tensor,
    type_name,
)
from numtorch._namespace._declare import op
from numtorch._namespace._operands import broadcast_shapes, expand_if_needed
from numtorch._namespace.other import to
from numtorch._namespace.shape import expand
from numtorch.autograd.grad_mode import is_recording
from numtorch.autograd.graph import Primitive, capture_nodes
from numtorch.ops import destination, movement
from numtorch.ops import elementwise as ew
from numtorch.tensor import Tensor


def check_leaf_inplace(target: Tensor) -> None:
    """PyTorch's refusal to write into a leaf that requires grad, or into a view of one."""
    if not is_recording():
        return
    if "_no_grad_view" in target.__dict__:
        raise no_grad_view_error(target)
    if target._base is not None and target._base.requires_grad and target._base.is_leaf:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation."
        )
    if target.requires_grad and target.is_leaf:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )


_NO_GRAD_VIEW = (
    "is being modified inplace with grad mode enabled. Given that this use case is ambiguous and "
    "error-prone, it is forbidden. You can clarify your code by moving both the view and the "
    "inplace either both inside the no_grad block (if you don't want the inplace to be tracked) "
    "or both outside (if you want the inplace to be tracked)."
)


def no_grad_view_error(target: Tensor, via: str | None = None) -> RuntimeError:
    """PyTorch's error for an in-place write, with grad mode on, into a view made under
    ``no_grad`` of a tensor that requires grad (or a view of one, made by the op ``via``)."""
    made = target.__dict__.get("_no_grad_view")
    name = via or (made if isinstance(made, str) else None)
    if name:
        what = f"Output 0 of {name} is a view of a view which was created in no_grad mode and"
    else:
        what = "A view was created in no_grad mode and"
    return RuntimeError(f"{what} {_NO_GRAD_VIEW}")


def inplace(target: Tensor, op: Callable, *args: object, **kwargs: object) -> Tensor:
    """Run ``op(target, ...)`` and write the result into ``target``'s storage.

    When autograd records, ``target`` takes over the result's history (a view's base takes a
    ``CopySlices`` node: see ``_record_view_write``). Every node recorded while ``op`` ran that
    saved ``target``'s storage for backward gets a private copy of it before the write, so
    backward still reads the value from before (PyTorch saves the ``original_self`` of an
    in-place op the same way); nothing is copied when no node saved it. An op marked
    ``writes_into_input`` computes straight into ``target`` (``_run_op``); its node saved the
    new value, so it is the one node not privatised. When ``target`` is also passed
    as another argument (``y.mul_(y)``), that argument is not private in PyTorch either: the
    saved value is left to the version check, which refuses it at backward as PyTorch does.
    A node that saved its own result (``exp_``, ``relu_``, ...) then reads ``target`` instead
    (see ``rebind_saved_result``), so a later write into ``target`` is refused, as in PyTorch.
    """
    check_leaf_inplace(target)
    aliased = check_overlap(target._data, (*args, *kwargs.values()))
    if not is_recording():
        return _write_result(target, _run_op(target, op, args, kwargs))
    if target._base is not None:
        refresh_view(target)
    with capture_nodes() as recorded:
        out = _run_op(target, op, args, kwargs)
    # a primitive that wrote into target saved the new value, if anything: nothing to privatise
    writer = out._grad_fn if out._data is target._data else None
    if not aliased:
        for node in recorded:
            if node is not writer:
                node._privatise(target._data)
    node = out._grad_fn
    _write_result(target, out)
    if node is not None and out is not target:
        rebind_saved_result(node, out, target)
    return target


def _run_op(target: Tensor, op: Callable, args: tuple, kwargs: dict) -> Tensor:
    """``op(target, ...)``; an op marked ``writes_into_input`` is offered ``target``'s memory
    for its result (``numtorch.ops.destination``), which saves the copy."""
    if not destination.may_write_into_input(op):
        return op(target, *args, **kwargs)
    with destination.offering(target._data):
        return op(target, *args, **kwargs)


def rebind_saved_result(node: Primitive, out: Tensor, target: Tensor) -> None:
    """Make ``node``'s saved copy of its result ``out`` (just written into ``target``) refer to
    ``target``'s storage and version counter instead, as PyTorch's in-place op saves the
    written tensor itself: a later in-place change of ``target`` is then refused at backward,
    and the result array can be freed.

    Version records are ``(index_in_saved, maker, ..., version_cell, expected_version)``; the
    last two of each record for a rebound array become ``target``'s cell and its version now.
    Nothing changes unless ``target`` holds exactly ``out``'s values (same shape and dtype).
    """
    saved = node._saved
    if not saved or out._data is target._data and out._version is target._version:
        return
    if out._data.shape != target._data.shape or out._data.dtype != target._data.dtype:
        return
    rebound = {i for i, s in enumerate(saved) if s is out._data}
    if not rebound:
        return
    node._saved = tuple(target._data if i in rebound else s for i, s in enumerate(saved))
    cell = target._version
    node._versions = tuple(
        (*v[:-2], cell, cell[0]) if v[0] in rebound else v for v in node._versions
    )


_OVERLAP = (
    "unsupported operation: some elements of the input tensor and the written-to tensor refer "
    "to a single memory location. Please clone() the tensor before performing the operation."
)


def check_overlap(target: np.ndarray, args: tuple) -> bool:
    """PyTorch's refusal of an argument that partly overlaps the written memory ``target``
    (``y[1:].add_(y[:-1])``); returns whether one is that memory itself (``y.mul_(y)``)."""
    aliased = False
    for a in args:
        if isinstance(a, Tensor) and np.may_share_memory(a._data, target):
            status = movement.overlap(target, a._data)
            if status == "partial":
                raise RuntimeError(_OVERLAP)
            aliased = aliased or status == "full"
    return aliased


def check_writable(target: np.ndarray) -> None:
    """An expanded view (read-only in NumPy) would write one element many times."""
    if not target.flags.writeable:
        raise RuntimeError(SELF_OVERLAP_MESSAGE)


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
    check_writable(target._data)
    if out._data is not target._data:  # in-place dropout wrote into target already
        np.copyto(target._data, out._data, casting="unsafe")
    target._version[0] += 1
    if not is_recording():
        return
    base = target._base
    if base is not None and (out.requires_grad or base.requires_grad):
        if movement.lies_within(base._data, target._data):
            _record_view_write(base, target, out)
            return
    if out.grad_fn is not None:
        target.grad_fn = (
            out.grad_fn if out.shape == target.shape else expand(out, target.shape).grad_fn
        )
        target._requires_grad = True


def _record_view_write(base: Tensor, view: Tensor, value: Tensor) -> None:
    """Record ``view[...] = value`` (already written) on ``base``, as PyTorch's CopySlices.

    The base takes a node that sends its gradient, the view's region zeroed, to its old
    history and that region to ``value``; the view becomes a view of the new base.
    """
    if value.shape != view.shape:
        value = expand(value, view.shape)
    base.grad_fn = movement.CopySlices.apply(base, value, view._data).grad_fn
    base._requires_grad = True
    view.grad_fn = movement.AsStrided.apply(base, view._data).grad_fn
    view._requires_grad = True


def refresh_view(view: Tensor) -> None:
    """Make ``view``'s history that of its base now, if a recorded write into the base (or
    into another of its views) happened since the view was made.

    A view's node chain (view ops only) ends at the node its base had when the view was made;
    if that is no longer the base's node, the view's history is stale, and the view becomes
    ``AsStrided`` of the base (what PyTorch regenerates a view's ``grad_fn`` as). An in-place
    op on the view then differentiates through the writes it sees. (``Tensor.grad_fn`` can
    call this for every view, to do what PyTorch does for views that are only read.)
    """
    made_by = view.__dict__.get("_multi_view")
    if made_by is not None and view._version[0] != made_by[2]:
        raise RuntimeError(_MULTI_VIEW_MESSAGE.format(made_by[1], made_by[0]))
    base = view._base
    if view._grad_fn is None or not view._grad_fn.is_view or not is_recording():
        return  # made where nothing is recorded, or not by a view op, or read unrecorded
    if base._grad_fn is None or _view_chain_end(view) is base._grad_fn:
        return
    if movement.lies_within(base._data, view._data):
        view.grad_fn = movement.AsStrided.apply(base, view._data).grad_fn
        view._requires_grad = True


_MULTI_VIEW_MESSAGE = (
    "Output {} of {} is a view and its base or another view of its base has been modified "
    "inplace. This view is the output of a function that returns multiple views. Such functions "
    "do not allow the output views to be modified inplace. You should replace the inplace "
    "operation by an out-of-place one."
)


def _view_chain_end(view: Tensor) -> object:
    """The first node below ``view`` that is not a view op (None when there is none)."""
    node = view._grad_fn  # not the ``grad_fn`` property, which may call ``refresh_view``
    while isinstance(node, Primitive) and node.is_view:
        edge = node.next_functions[0]
        node = edge[0] if isinstance(edge, tuple) else edge  # a bare node or (node, input_nr)
    return node


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
    if is_recording() and (result.requires_grad or out.requires_grad):
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


def _replace_named(x: Tensor, values: Tensor | np.ndarray, name: str) -> Tensor:
    """``replace_with`` whose node is PyTorch's ``name`` (``FillBackward2``, ...), showing as
    ``next_functions`` PyTorch's inputs: ``x``, and ``values`` when it is a tensor."""
    out = replace_with(x, values)
    node = out._grad_fn
    if node is not None:
        node._name = name
        node.graph_args = (1, 2) if isinstance(values, Tensor) else (1,)
    return out


@op(method=True)
def fill_(input: Tensor, value: object) -> Tensor:
    """Set every element to ``value`` (a number or a 0-d tensor)."""
    return _fill(input, value, "FillBackward2")


def _fill(input: Tensor, value: object, name: str) -> Tensor:
    """``fill_``, its node named ``name`` for a number ``value`` (``zero_``: ZeroBackward0)."""
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(
            f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} "
            "dimensions."
        )
    v = value if isinstance(value, Tensor) else np.asarray(value).astype(input._data.dtype)
    if isinstance(v, Tensor) and v.dtype is not input.dtype:
        v = v.to(input.dtype)
    return inplace(input, _replace_named, v, "FillBackward3" if isinstance(v, Tensor) else name)


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
    return inplace(input, _replace_named, v, "torch::autograd::CopyBackwards")


@op(method=True)
def zero_(input: Tensor) -> Tensor:
    """Set every element to zero."""
    return _fill(input, 0, "ZeroBackward0")
