"""Tensor creation: from data (``tensor``, ``as_tensor``, ``from_numpy``), filled
(``zeros``, ``full``, ``arange``, ...) and random (``rand``, ``randn``, ``randint``, ...)."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from numtorch import _dtype
from numtorch._checks import check_tensor
from numtorch._namespace._declare import op
from numtorch.tensor import Size, Tensor, check_cpu


def _python_dtype(data: Any) -> _dtype.dtype | None:
    """The dtype PyTorch infers from Python data (None when an ndarray decides)."""
    if isinstance(data, (np.ndarray, np.generic)):
        return None
    if isinstance(data, Tensor):
        return data.dtype
    if isinstance(data, (list, tuple)):
        if any(isinstance(x, str) for x in data):
            raise ValueError("too many dimensions 'str'")
        kinds = [_python_dtype(x) for x in data]
        if not kinds:
            return _dtype.get_default_dtype()
        if any(k is not None and k.is_floating_point for k in kinds):
            return max(
                (k for k in kinds if k is not None and k.is_floating_point), key=lambda k: k._rank
            )
        if all(k is _dtype.bool for k in kinds):
            return _dtype.bool
        return None if any(k is None for k in kinds) else _dtype.int64
    if isinstance(data, bool):
        return _dtype.bool
    if isinstance(data, int):
        return _dtype.int64
    if isinstance(data, float):
        return _dtype.get_default_dtype()
    if isinstance(data, str):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")


def _unwrap(data: Any) -> Any:
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_unwrap(x) for x in data]
    return data


def _to_array(data: Any, dtype: Any, copy: bool = True) -> np.ndarray:
    """Convert Python or NumPy data to an ndarray with PyTorch's dtype inference."""
    target = _dtype.to_dtype(dtype) if dtype is not None else _python_dtype(data)
    if isinstance(data, (list, tuple)):
        _check_rectangular(data, 0)
    try:
        arr = np.array(_unwrap(data), copy=copy) if copy else np.asarray(_unwrap(data))
    except ValueError as err:
        raise ValueError(f"expected a rectangular nested sequence of numbers: {err}") from None
    if arr.dtype == object:
        raise TypeError(f"can't convert data of type {type(data).__name__} to a tensor")
    if target is None:
        target = (
            _dtype.int64
            if arr.dtype.kind in "iu" and arr.dtype not in _NATIVE
            else _dtype.from_numpy_dtype(arr.dtype)
        )
    return arr.astype(target.numpy, copy=False)


def _check_rectangular(data: list | tuple, dim: int) -> None:
    """PyTorch's errors for ragged nested lists (checked level by level, as it does)."""
    subs = [x for x in data if isinstance(x, (list, tuple))]
    if not subs:
        return
    if len(subs) != len(data):
        raise TypeError("not a sequence")
    n = len(subs[0])
    for x in subs:
        if len(x) != n:
            raise ValueError(f"expected sequence of length {n} at dim {dim + 1} (got {len(x)})")
    for x in subs:
        _check_rectangular(x, dim + 1)


_NATIVE = {np.dtype(d) for d in (np.uint8, np.int8, np.int16, np.int32, np.int64)}


@op()
def tensor(
    data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, numbers, arrays or tensors).

    Example:
        >>> import numtorch as torch
        >>> torch.tensor([[1, 2], [3, 4]]).dtype
        torch.int64
    """
    check_cpu(device)
    return _finish(Tensor._make(_to_array(data, dtype)), requires_grad)


@op()
def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like ``tensor`` but shares memory with an ndarray or tensor when the dtype allows."""
    check_cpu(device)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    return Tensor._make(_to_array(data, dtype, copy=False))


@op()
def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor that shares memory with ``ndarray``: writes to one show in the other."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_numpy_dtype(ndarray.dtype)
    return Tensor._make(ndarray)


def _finish(t: Tensor, requires_grad: bool) -> Tensor:
    if not isinstance(requires_grad, (bool, np.bool_)):
        raise TypeError(
            f"argument 'requires_grad' must be bool, not {type(requires_grad).__name__}"
        )
    if requires_grad and not t.dtype.is_floating_point:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return t.requires_grad_(True) if requires_grad else t


def size_arg(size: tuple, kwargs: dict, fn: str) -> tuple:
    """The sizes of a factory whose ``size`` may come by keyword (``zeros(size=(2, 3))``)."""
    if not kwargs:
        return size
    name = next(iter(kwargs))
    if name != "size" or len(kwargs) > 1:
        bad = next(k for k in kwargs if k != "size")
        raise TypeError(f"{fn}() got an unexpected keyword argument '{bad}'")
    if size:
        raise TypeError(f"{fn}() got multiple values for argument 'size'")
    if not isinstance(kwargs["size"], (list, tuple)):
        raise TypeError(
            f"{fn}(): argument 'size' must be tuple of ints, not {type(kwargs['size']).__name__}"
        )
    return (kwargs["size"],)


def parse_size(size: Sequence[Any], fn: str) -> tuple:
    """Sizes given as varargs or as one list/tuple, validated as PyTorch validates them."""
    if not size:
        raise TypeError(f'{fn}() missing 1 required positional arguments: "size"')
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        size = tuple(size[0])
    for i, s in enumerate(size):
        if (
            isinstance(s, bool)
            or not isinstance(s, (int, np.integer))
            and not (isinstance(s, Tensor) and s.numel() == 1 and not s.dtype.is_floating_point)
        ):
            raise TypeError(
                f"{fn}(): argument 'size' (position 1) must be tuple of ints, but found element of "
                f"type {type(s).__name__} at pos {i}"
            )
    size = tuple(int(s) for s in size)
    if any(s < 0 for s in size):
        bad = next(s for s in size if s < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {bad}: {list(size)}")
    return size


_CHECK_ABOVE = 1 << 26  # bytes: smaller requests skip the /proc/meminfo read


def _available_bytes() -> int:
    """Memory this process can still get without swapping: MemAvailable + SwapFree, or the
    physical memory where /proc/meminfo is missing."""
    try:
        with open("/proc/meminfo") as f:
            info = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in f}
        return info["MemAvailable"] + info.get("SwapFree", 0)
    except (OSError, KeyError, ValueError, IndexError):
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def check_alloc(shape: Sequence[int], dtype: Any) -> None:
    """Fail fast, with PyTorch's RuntimeError naming the byte count, on a request larger than
    the memory left, instead of letting NumPy swap the machine (or overflow its size count).

    Example:
        >>> check_alloc((10**6, 10**6), np.float32)
        Traceback (most recent call last):
        ...
        RuntimeError: [enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate memory: you tried to allocate 4000000000000 bytes. Error code 12 (Cannot allocate memory)
    """
    numel = math.prod(int(s) for s in shape)
    if numel > _INT64_MAX:
        raise RuntimeError(
            f"Storage size calculation overflowed with sizes={[int(s) for s in shape]}"
        )
    nbytes = numel * np.dtype(dtype).itemsize
    if nbytes > _CHECK_ABOVE and nbytes > _available_bytes():
        raise RuntimeError(
            "[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate "
            f"memory: you tried to allocate {nbytes} bytes. Error code 12 (Cannot allocate memory)"
        )


_INT64_MAX = 2**63 - 1


def _float_dtype(dtype: Any, fn: str) -> np.dtype:
    d = _dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype)
    if not d.is_floating_point:
        raise NotImplementedError(f"\"{fn}\" not implemented for '{_dtype.scalar_type_name(d)}'")
    return d.numpy


def _np_dtype(dtype: Any, fn: str | None = None) -> np.dtype:
    if fn is not None:
        _check_dtype_arg(dtype, fn)
    return (_dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype)).numpy


def _check_dtype_arg(dtype: Any, fn: str) -> None:
    """PyTorch's factories refuse a dtype given as a string (``to_dtype``, used internally, e.g.
    by serialization, still accepts names)."""
    if isinstance(dtype, str):
        raise TypeError(f"{fn}(): argument 'dtype' must be torch.dtype, not str")


@op()
def zeros(
    *size: Any,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kwargs: Any,
) -> Tensor:
    """A tensor of zeros; sizes as varargs or one list (``zeros(2, 3)``, ``zeros([2, 3])``)."""
    check_cpu(device)
    shape, d = parse_size(size_arg(size, kwargs, "zeros"), "zeros"), _np_dtype(dtype, "zeros")
    check_alloc(shape, d)
    return _finish(Tensor._make(np.zeros(shape, d)), requires_grad)


@op()
def ones(
    *size: Any,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kwargs: Any,
) -> Tensor:
    """A tensor of ones."""
    check_cpu(device)
    shape, d = parse_size(size_arg(size, kwargs, "ones"), "ones"), _np_dtype(dtype, "ones")
    check_alloc(shape, d)
    return _finish(Tensor._make(np.ones(shape, d)), requires_grad)


@op()
def empty(
    *size: Any,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kwargs: Any,
) -> Tensor:
    """An uninitialised tensor (numtorch zero-fills it: reading it is never undefined)."""
    check_cpu(device)
    shape, d = parse_size(size_arg(size, kwargs, "empty"), "empty"), _np_dtype(dtype, "empty")
    check_alloc(shape, d)
    return _finish(Tensor._make(np.zeros(shape, d)), requires_grad)


@op()
def full(
    size: Sequence[int],
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor filled with ``fill_value``; the dtype follows the value unless given."""
    check_cpu(device)
    if not isinstance(fill_value, (bool, int, float, np.number, np.bool_, Tensor)):
        raise TypeError(
            "full(): argument 'fill_value' (position 2) must be Number, not "
            f"{type(fill_value).__name__}"
        )
    _check_dtype_arg(dtype, "full")
    d = (
        _dtype.to_dtype(dtype)
        if dtype is not None
        else _python_dtype(getattr(fill_value, "item", lambda: fill_value)())
    )
    if not isinstance(size, (list, tuple, Size)):
        raise TypeError(
            f"full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}"
        )
    shape = parse_size((size,), "full")
    check_alloc(shape, d.numpy)
    return _finish(Tensor._make(np.full(shape, fill_value, d.numpy)), requires_grad)


@op()
def arange(
    start: Any,
    end: Any = None,
    step: Any = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values ``start, start + step, ...`` below ``end``; integers unless an argument is a float."""
    check_cpu(device)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if isinstance(dtype, str):  # PyTorch's overload resolution fails here (no dtype message)
        raise TypeError(
            "arange() received an invalid combination of arguments - got dtype=str, but "
            "expected torch.dtype dtype"
        )
    d = _dtype.to_dtype(dtype) if dtype is not None else _python_dtype([start, end, step])
    if d is _dtype.bool:
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    count = max(0, math.ceil((end - start) / step))
    check_alloc((count,), d.numpy)
    values = start + step * np.arange(count, dtype=np.float64 if d.is_floating_point else np.int64)
    return _finish(Tensor._make(values.astype(d.numpy)), requires_grad)


@op()
def linspace(
    start: float, end: float, steps: int, *, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    check_alloc((steps,), _np_dtype(dtype))
    return _finish(
        Tensor._make(np.linspace(start, end, steps).astype(_np_dtype(dtype))), requires_grad
    )


@op()
def eye(n: int, m: int | None = None, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The identity matrix (n x m)."""
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is not None and m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    check_alloc((n, n if m is None else m), _np_dtype(dtype, "eye"))
    return _finish(Tensor._make(np.eye(n, m, dtype=_np_dtype(dtype))), requires_grad)


def _like_dtype(input: Tensor, dtype: Any, fn: str = "zeros_like") -> Any:
    check_tensor(input, fn)
    _check_dtype_arg(dtype, fn)
    return input.dtype if dtype is None else dtype


@op()
def zeros_like(input: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    dtype = _like_dtype(input, dtype, "zeros_like")
    return zeros(input.shape, dtype=dtype, requires_grad=requires_grad)


@op()
def ones_like(input: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    dtype = _like_dtype(input, dtype, "ones_like")
    return ones(input.shape, dtype=dtype, requires_grad=requires_grad)


@op()
def empty_like(input: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    _like_dtype(input, dtype, "empty_like")
    return zeros_like(input, dtype=dtype, requires_grad=requires_grad)


@op()
def full_like(
    input: Tensor, fill_value: Any, *, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    dtype = _like_dtype(input, dtype, "full_like")
    return full(input.shape, fill_value, dtype=dtype, requires_grad=requires_grad)
