"""More tensor factories: from any array-like, buffer or file (``asarray``, ``frombuffer``,
``from_dlpack``, ``from_file``), ``scalar_tensor``, ``empty_strided``, ``empty_permuted``, and
``Tensor``'s ``new_*`` methods and legacy ``new`` constructor, with PyTorch's keywords and
errors.

``asarray`` shares memory with an ndarray, a buffer or a tensor whenever ``copy`` is not True
and the dtype allows, as PyTorch's does; ``frombuffer`` shares a writable buffer (a
read-only one, such as ``bytes``, is copied: NumPy cannot write through it).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from numtorch import _dtype
from numtorch._checks import check_tensor
from numtorch._namespace._declare import op
from numtorch._namespace._factory import (
    FactoryOptions,
    check_alloc,
    check_factory,
    factory_dtype,
    np_dtype,
    parse_size,
    set_requires_grad,
)
from numtorch._namespace.creation import _python_dtype, _to_array, full, ones, tensor, zeros
from numtorch._namespace.shape import sizes_or_keyword
from numtorch.tensor import Size, Tensor, check_cpu


@op()
def scalar_tensor(
    s: Any,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """A 0-d tensor holding the number ``s`` (the default float dtype unless given)."""
    if isinstance(s, Tensor) and s.numel() == 1 and s.ndim == 0:
        s = s.item()
    if not isinstance(s, (bool, int, float, np.number, np.bool_)):
        raise TypeError(
            f"scalar_tensor(): argument 's' (position 1) must be Number, not {type(s).__name__}"
        )
    opts = check_factory("scalar_tensor", dtype, layout, device, pin_memory, requires_grad)
    return opts.finish(np.array(s, dtype=opts.np_dtype()))


@op()
def empty_strided(
    size: Any,
    stride: Any,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """An uninitialised tensor with the given size and strides.

    An uninitialised (zero-filled) tensor of ``size`` whose elements lie ``stride`` apart
    in memory (``stride()`` returns it), as PyTorch lays it out."""
    opts = check_factory("empty_strided", dtype, layout, device, pin_memory, requires_grad)
    d = opts.np_dtype()
    for name, pos, v in (("size", 1, size), ("stride", 2, stride)):
        if not isinstance(v, (list, tuple, Size)):
            raise TypeError(
                f"empty_strided(): argument '{name}' (position {pos}) must be tuple of ints, not "
                f"{type(v).__name__}"
            )
    shape = parse_size((size,), "empty_strided") if len(size) else ()
    strides = tuple(int(s) for s in stride)
    if len(shape) != len(strides):
        raise RuntimeError(
            f"dimensionality of sizes ({len(shape)}) must match dimensionality of strides "
            f"({len(strides)})"
        )
    if any(s < 0 for s in strides):
        raise RuntimeError(
            f"Storage size calculation overflowed with sizes={list(shape)} and "
            f"strides={list(strides)}"
        )
    span = 0 if 0 in shape else 1 + sum((n - 1) * s for n, s in zip(shape, strides))
    check_alloc((span,), d)
    storage = np.zeros(span, d)
    itemsize = storage.itemsize
    return opts.finish(
        np.lib.stride_tricks.as_strided(storage, shape, tuple(s * itemsize for s in strides))
    )


@op()
def empty_permuted(
    size: Any,
    physical_layout: Any,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """An uninitialised tensor whose memory holds the dimensions in a given order.

    An uninitialised (zero-filled) tensor of ``size`` whose memory holds its dimensions in
    the order ``physical_layout`` (outermost first): ``(0, 2, 3, 1)`` is channels-last."""
    dtype = check_factory("empty_permuted", dtype, layout, device, pin_memory).dtype
    shape = parse_size((size,), "empty_permuted") if len(size) else ()
    order = tuple(int(i) for i in physical_layout)
    if len(shape) != len(order):
        raise RuntimeError(
            "Number of dimensions in size does not match the length of the physical_layout; "
            f"i.e. len(size) = {len(shape)} is not equal to len(physical_layout) = {len(order)}"
        )
    for i, dim in enumerate(order):
        if not 0 <= dim < len(shape):
            raise RuntimeError(
                f"Dimension out of range (expected to be between 0 and {len(shape) - 1}, but got "
                f"{dim} at index {i}).  NB: negative dims not currently supported; file an issue "
                "if you want it."
            )
        if dim in order[:i]:
            raise RuntimeError("Duplicate dim not allowed")
    strides, step = [0] * len(shape), 1
    for dim in reversed(order):  # innermost first; an empty dimension steps as one of size 1
        strides[dim], step = step, step * max(shape[dim], 1)
    return empty_strided(shape, strides, dtype=dtype, requires_grad=requires_grad)


@op()
def from_file(
    filename: str,
    shared: bool | None = None,
    size: int = 0,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
) -> Tensor:
    """A 1-D tensor backed by a memory map of a file.

    A 1-D tensor of ``size`` elements backed by a memory map of ``filename``: with
    ``shared`` its writes reach the file (created or extended as needed), without it they stay
    private (copy-on-write) and the file must hold ``size`` elements."""
    if pin_memory:
        raise RuntimeError("tensors constructed from a file cannot be pinned")
    d = np.dtype(check_factory("from_file", dtype, layout, device).np_dtype())
    nbytes = int(size) * d.itemsize
    if shared:
        with open(filename, "ab") as f:  # creates the file; extends it to the mapping's size
            if f.tell() < nbytes:
                f.truncate(nbytes)
    else:
        _check_readable(filename, nbytes)
    if not size:
        return Tensor._make(np.zeros(0, d))
    mapped = np.memmap(filename, dtype=d, mode="r+" if shared else "c", shape=(int(size),))
    return Tensor._make(np.asarray(mapped))


def _check_readable(filename: str, nbytes: int) -> None:
    """PyTorch's errors for a private mapping of a missing or too short file."""
    try:
        have = os.path.getsize(filename)
    except OSError as err:
        raise RuntimeError(
            f"unable to open file <{filename}> in read-only mode: {err.strerror} ({err.errno})"
        ) from None
    if have < nbytes:
        raise RuntimeError(
            f"file <{filename}> size <{have}> is smaller than the required mapping size <{nbytes}>"
        )


@op()
def frombuffer(
    buffer: Any,
    *,
    dtype: Any,
    count: int = -1,
    offset: int = 0,
    requires_grad: bool = False,
) -> Tensor:
    """A 1-D tensor over the bytes of an object with the buffer protocol.

    A 1-D tensor over the bytes of ``buffer`` (any object with Python's buffer protocol),
    sharing its memory: ``count`` elements (-1: all) from byte ``offset``."""
    try:
        view = memoryview(buffer)
    except TypeError:
        raise ValueError("object does not implement Python buffer protocol.") from None
    d = np_dtype(dtype, "frombuffer")
    length, itemsize = view.nbytes, np.dtype(d).itemsize
    if length <= 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if not 0 <= offset < length:
        raise ValueError(
            f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
            f"({length} bytes) minus 1"
        )
    if count < 0:
        if (length - offset) % itemsize:
            raise ValueError(
                f"buffer length ({length - offset} bytes) after offset ({offset} bytes) must be a "
                f"multiple of element size ({itemsize})"
            )
        count = (length - offset) // itemsize
    elif offset + count * itemsize > length:
        raise ValueError(
            f"requested buffer length ({count} * {itemsize} bytes) after offset ({offset} bytes) "
            f"must not be greater than actual buffer length ({length} bytes)"
        )
    if view.readonly:
        _warn_not_writable()
    data = np.frombuffer(view.cast("B"), dtype=d, count=count, offset=offset)
    if view.readonly:
        data = _writable(data)
    return set_requires_grad(Tensor._make(data), requires_grad)


def _warn_not_writable() -> None:
    warnings.warn(
        "The given buffer is not writable, and PyTorch does not support non-writable tensors. "
        "This means you can write to the underlying (supposedly non-writable) buffer using the "
        "tensor. You may want to copy the buffer to protect its data or make it writable before "
        "converting it to a tensor. This type of warning will be suppressed for the rest of this "
        "program.",
        UserWarning,
        stacklevel=3,
    )


def _writable(data: np.ndarray) -> np.ndarray:
    """A private copy of a read-only array: numtorch's tensors are always writable, and
    NumPy will not write through a read-only buffer as PyTorch does."""
    return data.copy()


@op()
def asarray(
    obj: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    copy: bool | None = None,
    requires_grad: bool | None = None,
) -> Tensor:
    """Convert ``obj`` to a tensor, sharing its memory where possible.

    ``obj`` (a tensor, an ndarray, a buffer, a number or nested sequences) as a tensor,
    sharing its memory unless ``copy=True`` or the dtype differs; ``copy=False`` refuses to
    copy. A tensor ``obj`` comes back itself when nothing changes."""
    check_cpu(device)
    factory_dtype("asarray", dtype)
    target = None if dtype is None else _dtype.to_dtype(dtype)
    if isinstance(obj, Tensor):
        return _asarray_tensor(obj, target, copy, requires_grad)
    if isinstance(obj, (np.ndarray, np.generic)) or hasattr(obj, "__array_interface__"):
        arr = np.asarray(obj)
        own = _dtype.from_numpy_dtype(arr.dtype)
        if target is not None and target is not own:
            if copy is False:
                raise ValueError(_alias_error(own, target, "tensor"))
            arr = arr.astype(target.numpy)
        elif copy:
            arr = arr.copy()
        return set_requires_grad(Tensor._make(arr), bool(requires_grad))
    if _is_buffer(obj):
        d = target or _dtype.get_default_dtype()
        t = frombuffer(obj, dtype=d)
        return set_requires_grad(Tensor._make(t._data.copy()) if copy else t, bool(requires_grad))
    if copy is False:
        raise ValueError("can't alias arbitrary sequence into a tensor.")
    if isinstance(obj, str):
        raise TypeError(f"new(): invalid data type '{type(obj).__name__}'")
    return tensor(obj, dtype=target, requires_grad=bool(requires_grad))


def _is_buffer(obj: Any) -> bool:
    return isinstance(obj, (bytes, bytearray, memoryview)) or hasattr(obj, "__buffer__")


def _alias_error(own: _dtype.dtype, target: _dtype.dtype, what: str) -> str:
    return (
        f"can't alias {what} with dtype '{_dtype.scalar_type_name(own)}' into dtype "
        f"'{_dtype.scalar_type_name(target)}'."
    )


def _asarray_tensor(
    obj: Tensor, target: _dtype.dtype | None, copy: bool | None, requires_grad: bool | None
) -> Tensor:
    """``asarray`` of a tensor: itself, an alias, a converted tensor or a clone."""
    if requires_grad is None and obj.requires_grad:
        warnings.warn(
            "torch.asarray: unspecified requires_grad now defaults to obj.requires_grad instead "
            "of False. Pass requires_grad=False explicitly to get the old behavior and silence "
            "this warning.",
            UserWarning,
            stacklevel=3,
        )
    if target is not None and target is not obj.dtype:
        if copy is False:
            raise ValueError(_alias_error(obj.dtype, target, "tensor"))
        out = obj.to(target)
    else:
        out = obj.clone() if copy else obj
    if requires_grad is False and out.requires_grad:
        out = out.detach()
    elif requires_grad and not out.requires_grad:
        out = set_requires_grad(out if out is not obj else obj.detach(), True)
    return out


@op()
def from_dlpack(ext_tensor: Any) -> Tensor:
    """A tensor sharing the memory of a DLPack-capable object or capsule.

    A tensor sharing the memory of any object with the DLPack protocol (an ndarray, a
    PyTorch tensor on the CPU, ...) or of a DLPack capsule (``to_dlpack``'s)."""
    if type(ext_tensor).__name__ == "PyCapsule":
        ext_tensor = _Capsule(ext_tensor)
    if not hasattr(ext_tensor, "__dlpack__"):
        raise RuntimeError(
            "from_dlpack received an invalid capsule. Note that DLTensor capsules can be consumed "
            "only once, so you might have already constructed a tensor from it once."
        )
    if isinstance(ext_tensor, Tensor):
        return ext_tensor.detach() if not ext_tensor.requires_grad else _dlpack(ext_tensor)
    try:
        data = np.from_dlpack(ext_tensor)
    except ValueError:  # a capsule already consumed (NumPy renamed it)
        raise RuntimeError(
            "from_dlpack received an invalid capsule. Note that DLTensor capsules can be consumed "
            "only once, so you might have already constructed a tensor from it once."
        ) from None
    _dtype.from_numpy_dtype(data.dtype)
    if not data.flags.writeable:
        data = np.asarray(_WritableView(data))
    return Tensor._make(data)


class _WritableView:
    """The memory of a read-only array as a writable one: NumPy marks an array read from an
    unversioned DLPack capsule read-only though its producer (a tensor, an array) is writable;
    PyTorch shares it writably. Keeps the array (and so the producer's memory) alive."""

    def __init__(self, array: np.ndarray) -> None:
        interface = dict(array.__array_interface__)
        interface["data"] = (interface["data"][0], False)
        self.__array_interface__ = interface
        self.array = array


@op()
def to_dlpack(tensor: Tensor) -> Any:
    """A DLPack capsule of ``tensor``'s memory, for ``from_dlpack`` of any library."""
    return check_tensor(tensor, "to_dlpack", "tensor").__dlpack__()


class _Capsule:
    """A bare DLPack capsule, given the protocol's two methods so NumPy can consume it."""

    def __init__(self, capsule: Any) -> None:
        self.capsule = capsule

    def __dlpack__(self, **kwargs: Any) -> Any:
        if "max_version" in kwargs or "dl_device" in kwargs or "copy" in kwargs:
            raise TypeError("a bare capsule takes no arguments")  # NumPy then asks without
        return self.capsule

    def __dlpack_device__(self) -> tuple:
        return (1, 0)


@op(function=False, method=True, name="__dlpack__")
def _dlpack(self: Tensor, *, stream: Any = None, **kwargs: Any) -> Any:
    """The DLPack capsule of this tensor's memory (PyTorch refuses one that requires grad)."""
    if self.requires_grad:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    return self._data.__dlpack__(stream=stream, **kwargs)


@op(function=False, method=True, name="__dlpack_device__")
def _dlpack_device(self: Tensor) -> tuple:
    """``(device type, index)``: the CPU (DLPack's type 1), device 0."""
    return self._data.__dlpack_device__()


# ---------------------------------------------------------------- Tensor.new_*


def _new_dtype(self: Tensor, dtype: Any) -> Any:
    return self.dtype if dtype is None else dtype


@op(function=False, method=True)
def new_tensor(
    self: Tensor,
    data: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A copy of ``data`` in this tensor's dtype (unless given), cut from any graph."""
    factory_dtype("new_tensor", dtype, None, device)
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach()"
            ".clone() or sourceTensor.detach().clone().requires_grad_(True), rather than "
            "tensor.new_tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
    return tensor(data, dtype=_new_dtype(self, dtype), requires_grad=requires_grad)


def _new(
    self: Tensor, factory: Callable[..., Tensor], options: FactoryOptions, *args: Any
) -> Tensor:
    """``factory(*args)`` with the keywords of the ``new_*`` method ``options.fn`` (checked
    under its name; ``pin_memory`` by ``factory``), in ``self``'s dtype unless given."""
    dtype = _new_dtype(
        self, factory_dtype(options.fn, options.dtype, options.layout, options.device)
    )
    keywords = dict(layout=options.layout, device=options.device, pin_memory=options.pin_memory)
    return factory(*args, dtype=dtype, requires_grad=options.requires_grad, **keywords)


@op(function=False, method=True)
def new_zeros(
    self: Tensor,
    *sizes: Any,
    size: Any = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """Zeros of ``size`` in this tensor's dtype (unless given)."""
    options = FactoryOptions("new_zeros", dtype, layout, device, pin_memory, requires_grad)
    return _new(self, zeros, options, *sizes_or_keyword(sizes, size, "size", "new_zeros"))


@op(function=False, method=True)
def new_ones(
    self: Tensor,
    *sizes: Any,
    size: Any = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """Ones of ``size`` in this tensor's dtype (unless given)."""
    options = FactoryOptions("new_ones", dtype, layout, device, pin_memory, requires_grad)
    return _new(self, ones, options, *sizes_or_keyword(sizes, size, "size", "new_ones"))


@op(function=False, method=True)
def new_empty(
    self: Tensor,
    *sizes: Any,
    size: Any = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """An uninitialised (zero-filled) tensor of ``size`` in this tensor's dtype."""
    options = FactoryOptions("new_empty", dtype, layout, device, pin_memory, requires_grad)
    return _new(self, zeros, options, *sizes_or_keyword(sizes, size, "size", "new_empty"))


@op(function=False, method=True)
def new_full(
    self: Tensor,
    size: Any,
    fill_value: Any,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """``fill_value`` in ``size``, in this tensor's dtype (unless given)."""
    options = FactoryOptions("new_full", dtype, layout, device, pin_memory, requires_grad)
    return _new(self, full, options, size, fill_value)


@op(function=False, method=True)
def new_empty_strided(
    self: Tensor,
    size: Any,
    stride: Any,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """``empty_strided`` in this tensor's dtype (unless given)."""
    options = FactoryOptions("new_empty_strided", dtype, layout, device, pin_memory, requires_grad)
    return _new(self, empty_strided, options, size, stride)


@op(function=False, method=True)
def new(self: Tensor, *args: Any, device: Any = None) -> Tensor:
    """PyTorch's legacy constructor: a new tensor in this tensor's dtype.

    PyTorch's legacy constructor in this tensor's dtype: ``x.new(2, 3)`` or
    ``x.new(torch.Size)`` is uninitialised (zero-filled) of that size, ``x.new(data)`` converts
    a sequence or array, ``x.new(t)`` aliases a tensor of the same dtype, ``x.new()`` is empty."""
    check_cpu(device)
    if not args:
        return Tensor._make(np.zeros((0,), self._data.dtype))
    data = args[0]
    if len(args) == 1 and isinstance(data, Tensor):
        if data.dtype is not self.dtype:
            raise TypeError(
                f"expected {_options_repr(self.dtype)} (got {_options_repr(data.dtype)})"
            )
        return data
    if len(args) == 1 and not isinstance(data, (int, np.integer, Size)):
        if not isinstance(data, (list, tuple, np.ndarray)):
            raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
        _python_dtype(data)  # PyTorch's errors for bad elements (strings...)
        return Tensor._make(_to_array(data, self.dtype))
    shape = parse_size(args, "new")
    check_alloc(shape, self._data.dtype)
    return Tensor._make(np.zeros(shape, self._data.dtype))


def _options_repr(d: _dtype.dtype) -> str:
    return (
        f"TensorOptions(dtype={_dtype.c_type_name(d)}, device=cpu, layout=Strided, "
        "requires_grad=false (default), pinned_memory=false (default), "
        "memory_format=(nullopt))"
    )
