"""Tensor attributes and conversions beyond the core (``byte``/``char``/``short``,
``nbytes``, ``itemsize``, ``storage_offset``, ``apply_``, ``map_``, ...), and the namespace's
``detach``, ``detach_`` and ``fill``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from numtorch import _dtype
from numtorch._checks import check_tensor
from numtorch._dtype import check_memory_format
from numtorch._namespace._declare import op
from numtorch._namespace._operands import named
from numtorch._namespace.inplace import check_writable, replace_with
from numtorch._namespace.other import to
from numtorch._namespace.shape import expand, view
from numtorch.autograd.grad_mode import InferenceVersion
from numtorch.tensor import Tensor


# ------------------------------------------------------------ dtype conversions
def _convert(input: Tensor, d: _dtype.dtype, memory_format: object) -> Tensor:
    check_memory_format(memory_format, input.ndim, d.name)
    return to(input, d)


@op(function=False, method=True)
def byte(input: Tensor, memory_format: _dtype.memory_format | None = None) -> Tensor:
    """``input`` as ``torch.uint8``."""
    return _convert(input, _dtype.uint8, memory_format)


@op(function=False, method=True)
def char(input: Tensor, memory_format: _dtype.memory_format | None = None) -> Tensor:
    """``input`` as ``torch.int8``."""
    return _convert(input, _dtype.int8, memory_format)


@op(function=False, method=True)
def short(input: Tensor, memory_format: _dtype.memory_format | None = None) -> Tensor:
    """``input`` as ``torch.int16``."""
    return _convert(input, _dtype.int16, memory_format)


@op(function=False, method=True)
def bfloat16(input: Tensor, memory_format: _dtype.memory_format | None = None) -> Tensor:
    """Always a TypeError: NumPy, so numtorch, has no bfloat16 (use ``float()``/``half()``)."""
    raise TypeError(_dtype.no_numpy_message(_dtype.bfloat16))


# ------------------------------------------------------------ storage attributes
def _nbytes(self: Tensor) -> int:
    """Bytes the elements take (``numel() * itemsize``), as PyTorch's ``nbytes``."""
    return int(self._data.size) * self._data.itemsize


def _itemsize(self: Tensor) -> int:
    """Bytes one element takes."""
    return self._data.itemsize


def _layout(self: Tensor) -> _dtype.layout:
    """Always ``torch.strided``: numtorch's one layout (dense, with strides)."""
    return _dtype.strided


op(function=False, method=property(_nbytes), name="nbytes")(_nbytes)
op(function=False, method=property(_itemsize), name="itemsize")(_itemsize)
op(function=False, method=property(_layout), name="layout")(_layout)


def _root(array: np.ndarray) -> np.ndarray:
    """The ndarray that owns ``array``'s memory (the storage a view was made from)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


@op(function=False, method=True)
def storage_offset(input: Tensor) -> int:
    """The offset of ``input``'s first element in its storage, in elements.

    Elements between the start of the storage and the first element (a view's offset into
    its base). The storage is the NumPy array that owns the memory: for a tensor made by
    ``from_numpy`` of a slice, that is the sliced array's base (PyTorch counts from the slice)."""
    start = _root(input._data).__array_interface__["data"][0]
    return (input._data.__array_interface__["data"][0] - start) // input._data.itemsize


@op(function=False, method=True)
def data_ptr(input: Tensor) -> int:
    """The address of the first element (0 for an empty tensor, as in PyTorch)."""
    return int(input._data.__array_interface__["data"][0]) if input._data.size else 0


op(function=False, method=data_ptr, name="const_data_ptr")(data_ptr)


@op(function=False, method=True)
def ndimension(input: Tensor) -> int:
    """The number of dimensions (``dim()``)."""
    return input._data.ndim


@op(function=False, method=True)
def dim_order(input: Tensor, *, ambiguity_check: bool | list = False) -> tuple[int, ...]:
    """The dimensions in memory order, from the outermost to the innermost.

    The dimensions from the outermost in memory to the innermost (PyTorch's ordering of the
    strides, ties broken by size); ``ambiguity_check=True`` raises when that order is not
    unique (a size-1 dimension or two equal strides)."""
    if not isinstance(ambiguity_check, bool):
        raise TypeError("The ambiguity_check argument must be a bool or a list of memory formats.")
    shape, strides = input.shape, input.stride()
    if ambiguity_check and (1 in shape or any(a == b for a, b in zip(strides, strides[1:]))):
        raise RuntimeError(
            "The tensor does not have unique dim order, or cannot map to exact one of the given "
            "memory formats."
        )
    if input.ndim < 2 or input.is_contiguous():
        return tuple(range(input.ndim))
    return tuple(reversed(_sorted_back_to_front(shape, strides)))


def _sorted_back_to_front(shape: tuple, strides: tuple) -> list[int]:
    """PyTorch's insertion sort of the dimensions by stride, innermost first
    (``torch._prims_common.compute_elementwise_output_logical_to_physical_perm``)."""
    perm = list(reversed(range(len(shape))))
    for i in range(1, len(shape)):
        dim1 = i
        for dim0 in reversed(range(i)):
            order = _should_swap(shape, strides, perm[dim0], perm[dim1])
            if order > 0:
                perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
                dim1 = dim0
            elif order < 0:
                break
    return perm


def _should_swap(shape: tuple, strides: tuple, a: int, b: int) -> int:
    def ge(x: int, y: int) -> bool:
        return True if y == 0 else False if x == 0 else x >= y or x % y == 0

    if strides[a] == 0 or strides[b] == 0:
        return 0
    if strides[a] == strides[b]:
        return 0 if ge(shape[b], shape[a]) else 1
    if ge(strides[b], strides[a]):
        return -1
    return 1 if ge(strides[a], strides[b]) else 0


@op(function=False, method=True)
def as_subclass(input: Tensor, cls: type) -> Tensor:
    """``input``'s data as an instance of the ``Tensor`` subclass ``cls``.

    ``input``'s data as an instance of ``cls`` (a ``Tensor`` subclass), sharing memory and
    attached to the graph through an alias (``AliasBackward0``), as in PyTorch."""
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError(
            "Creating a Tensor subclass from a class that does not inherit from Tensor is not "
            "possible. Make sure your class inherits from Tensor."
        )
    out = named(view(input, *input.shape), "AliasBackward0")
    out.__class__ = cls
    return out


# ------------------------------------------------------------ Python callables, elementwise
def _check_no_grad(name: str, *tensors: Tensor) -> None:
    if any(t.requires_grad for t in tensors):
        raise RuntimeError(
            f"Can't call {name}() on Variable that requires grad. Use var.detach().{name}() "
            "instead."
        )


def _broadcast_operand(input: Tensor, other: object, name: str, arg: str, position: int):
    """``other`` (a tensor of ``input``'s dtype) broadcast to ``input``'s shape, as an array."""
    if name == "map_":
        check_tensor(other, name, arg, position)
    if other.dtype is not input.dtype:
        where = f"'{arg}'" if name == "map_" else f"argument '{arg}'"
        raise TypeError(f"{name}: expected {input.type()} for {where} (got {other.type()})")
    return expand(other.detach(), *input.shape)._data


def _write_each(input: Tensor, fn: Callable, *others: np.ndarray) -> Tensor:
    """``input[i] = fn(input[i], *others[i])`` for every element, in place, with Python
    numbers; a result is cast to ``input``'s dtype (a float into an integer truncates). As in
    PyTorch, the write is not counted in the version counter (these refuse tensors that
    require grad, but not a ``detach()``ed alias of one: backward then reads the new values)."""
    check_writable(input._data)
    columns = [a.ravel().tolist() for a in (input._data, *others)]
    values = [fn(*args) for args in zip(*columns)]
    if values:
        input._data[...] = np.array(values).astype(input._data.dtype).reshape(input.shape)
    return input


@op(function=False, method=True)
def apply_(input: Tensor, callable: Callable) -> Tensor:  # noqa: A002 - PyTorch's name
    """Apply a Python callable to each element, in place.

    Replace each element ``v`` with ``callable(v)`` (a Python function, so slow); refused
    on a tensor that requires grad, as in PyTorch."""
    _check_no_grad("apply_", input)
    return _write_each(input, callable)


@op(function=False, method=True)
def map_(input: Tensor, tensor: Tensor, callable: Callable) -> Tensor:  # noqa: A002
    """Apply a Python callable to each element and ``tensor``'s, in place.

    Replace each element ``v`` with ``callable(v, t)``, ``t`` the element of ``tensor``
    (broadcast to ``input``'s shape, same dtype) at the same place."""
    other = _broadcast_operand(input, tensor, "map_", "other", 1)
    _check_no_grad("map_", input, tensor)
    return _write_each(input, callable, other)


@op(function=False, method=True)
def map2_(input: Tensor, x: Tensor, y: Tensor, callable: Callable) -> Tensor:  # noqa: A002
    """``map_`` with two tensors: each element becomes ``callable(v, a, b)``."""
    a = _broadcast_operand(input, x, "map2_", "x", 1)
    b = _broadcast_operand(input, y, "map2_", "y", 2)
    _check_no_grad("map2_", input, x, y)
    return _write_each(input, callable, a, b)


# ------------------------------------------------------------ namespace functions
@op(name="detach")
def _detach(input: Tensor) -> Tensor:
    """``torch.detach(x)``: ``x.detach()``."""
    return check_tensor(input, "detach").detach()


@op(name="detach_")
def _detach_(input: Tensor) -> Tensor:
    """``torch.detach_(x)``: ``x.detach_()``."""
    return check_tensor(input, "detach_").detach_()


@op()
def fill(input: Tensor, value: object) -> Tensor:
    """A tensor like ``input`` with every element ``value``.

    ``value`` is a number or a 0-d tensor, which gets the gradient's sum; ``input`` gets a
    zero gradient."""
    check_tensor(input, "fill")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(
            f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} "
            "dimensions."
        )
    if isinstance(value, Tensor):
        v = value if value.dtype is input.dtype else to(value, input.dtype)
        return named(replace_with(input, v), "FillBackward1")
    v = np.array(value).astype(input._data.dtype)
    if not input.requires_grad:
        return Tensor._make(np.full(input.shape, v))
    return named(replace_with(input, v), "FillBackward0")


# ------------------------------------------------------------ kind queries
# numtorch's tensors are dense, real, unquantised, unpinned CPU tensors: these say so, as
# PyTorch's do for such a tensor, so library code that branches on them runs.
@op(method=True)
def is_complex(input: Tensor) -> bool:
    """False: numtorch has no complex dtypes."""
    return check_tensor(input, "is_complex").dtype.name.startswith("complex")


@op(method=True)
def is_conj(input: Tensor) -> bool:
    """False: no numtorch tensor has a lazy conjugate bit (there are no complex tensors)."""
    check_tensor(input, "is_conj")
    return False


@op(method=True)
def is_neg(input: Tensor) -> bool:
    """False: numtorch applies negation at once (PyTorch's lazy negative bit is never set)."""
    check_tensor(input, "is_neg")
    return False


def _never(self: Tensor) -> bool:
    """False for every numtorch tensor (dense, strided, on the CPU, unquantised)."""
    return False


for _kind in (
    "is_sparse is_sparse_csr is_quantized is_nested is_mkldnn is_vulkan is_ipu is_xla is_mtia "
    "is_maia"
).split():
    op(function=False, method=property(_never), name=_kind)(_never)


@op(method=True)
def is_inference(input: Tensor) -> bool:
    """Whether ``input`` is an inference tensor.

    That is, made inside ``inference_mode()`` (by any op or factory), or a view of one. A view made
    there of a normal tensor is normal."""
    return type(check_tensor(input, "is_inference")._version) is InferenceVersion


@op(function=False, method=True)
def is_distributed(input: Tensor) -> bool:
    """False: a numtorch tensor lives in one process."""
    return False


@op(function=False, method=True)
def is_pinned(input: Tensor, device: object = None) -> bool:
    """False: pinned memory needs an accelerator, which numtorch (a CPU library) never has."""
    return False


@op(function=False, method=True)
def pin_memory(input: Tensor, device: object = None) -> Tensor:
    """PyTorch's CPU build's error: pinning needs an accelerator."""
    raise RuntimeError("Cannot access accelerator device when none is available.")


@op(method=True)
def get_device(input: Tensor) -> int:
    """-1: the CPU (PyTorch's index for a CPU tensor)."""
    check_tensor(input, "get_device")
    return -1


@op(function=False, method=True)
def is_set_to(input: Tensor, tensor: Tensor) -> bool:
    """Whether both are views of the same memory with the same start, sizes and strides."""
    check_tensor(tensor, "is_set_to", "tensor")
    a, b = input._data, tensor._data
    return (
        a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
        and a.shape == b.shape
        and a.strides == b.strides
        and _root(a) is _root(b)
    )


@op()
def is_storage(obj: object) -> bool:
    """False: numtorch has no storage objects (a tensor's memory is its NumPy array)."""
    return False


# Python 2's names of the truth and integer protocols, which PyTorch's Tensor still has
op(function=False, method=Tensor.__bool__, name="__nonzero__")(Tensor.__bool__)
op(function=False, method=Tensor.__int__, name="__long__")(Tensor.__int__)
