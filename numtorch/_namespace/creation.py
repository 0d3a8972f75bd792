"""Tensor creation: from data (``tensor``, ``as_tensor``, ``from_numpy``), filled
(``zeros``, ``full``, ``arange``, ...) and random (``rand``, ``randn``, ``randint``, ...)."""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from numtorch import _dtype
from numtorch._checks import check_tensor
from numtorch._namespace._declare import op
from numtorch.autograd.grad_mode import is_grad_enabled
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
        kinds = [_element_dtype(x) for x in data]
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


def _element_dtype(x: Any) -> _dtype.dtype | None:
    """The dtype a list element asks for: a NumPy float scalar its own (``[np.float32(1), 2]``
    is float32 in PyTorch), a NumPy integer int64, anything else as ``_python_dtype``."""
    if isinstance(x, np.floating):
        return _dtype.from_numpy_dtype(x.dtype)
    if isinstance(x, np.integer):
        return _dtype.int64
    return _python_dtype(x)


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
    data: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, numbers, arrays or tensors).

    Example:
        >>> import numtorch as torch
        >>> torch.tensor([[1, 2], [3, 4]]).dtype
        torch.int64
    """
    check_cpu(device)
    check_pin_memory(pin_memory)
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


def check_layout(value: Any, fn: str) -> None:
    """``layout`` may be None or ``strided``: PyTorch's TypeError for a non-layout, and a
    RuntimeError for a layout numtorch does not have (sparse)."""
    if value is None:
        return
    if type(value).__name__ != "layout":
        raise bad_keyword(fn, "layout", value, "torch.layout")
    if str(value) != "torch.strided":
        raise RuntimeError(f"{fn}(): numtorch supports only the strided layout, got {value}")


def bad_keyword(fn: str, name: str, value: Any, expected: str) -> TypeError:
    """PyTorch's TypeError for keyword ``name`` of the wrong type: its overload-resolution
    message for a factory with several signatures, else ``argument 'name' must be ...``."""
    got = type(value).__name__
    if fn in _OVERLOADED:
        return TypeError(
            f"{fn}() received an invalid combination of arguments - got ({name}={got}), but "
            f"expected {expected} {name}"
        )
    return TypeError(f"{fn}(): argument '{name}' must be {expected}, not {got}")


# factories with several signatures: PyTorch reports a bad keyword as no overload matching
_OVERLOADED = set(
    "arange linspace logspace eye rand randn randint randperm rand_like randn_like "
    "randint_like normal hann_window hamming_window bartlett_window blackman_window "
    "kaiser_window".split()
)


def check_pin_memory(pin_memory: Any) -> None:
    """PyTorch's CPU build has no pinned memory: ``pin_memory=True`` is its RuntimeError."""
    if pin_memory:
        raise RuntimeError(
            "pin_memory=True requires a CUDA or other accelerator backend; no pinned memory "
            "allocator is available on this system."
        )


def factory_dtype(
    fn: str,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: Any = False,
    out: Any = None,
) -> Any:
    """Check a factory's common keywords as PyTorch does and return the dtype to make: the
    given one, else ``out``'s (PyTorch's factories with ``out=`` make ``out``'s dtype)."""
    _check_dtype_arg(dtype, fn)
    check_layout(layout, fn)
    check_cpu(device)
    check_pin_memory(pin_memory)
    if out is None:
        return dtype
    if not isinstance(out, Tensor):
        raise bad_keyword(fn, "out", out, "Tensor")
    if dtype is None:
        return out.dtype
    if _dtype.to_dtype(dtype) is not out.dtype:
        raise RuntimeError(
            f"dtype {_dtype.scalar_type_name(_dtype.to_dtype(dtype))} does not match dtype of "
            f"out parameter ({_dtype.scalar_type_name(out.dtype)})"
        )
    return dtype


def into_out(result: Tensor, out: Tensor | None, fn: str) -> Tensor:
    """``result`` written into ``out`` (resized to fit, as PyTorch's factories do silently);
    ``result`` itself when ``out`` is None."""
    if out is None:
        return result
    if fn == "empty" and out.requires_grad and out.shape != result.shape:
        raise RuntimeError("cannot resize variables that require grad")
    if is_grad_enabled() and (out.requires_grad or result.requires_grad):
        raise RuntimeError(
            f"aten::{fn}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad."
        )
    if out.shape != result.shape:
        out._data = np.empty(result.shape, out._data.dtype)
    np.copyto(out._data, result._data, casting="unsafe")
    out._version[0] += 1
    return out


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


def _filled(fn: str, size: tuple, kwargs: dict, value: Any, **options: Any) -> Tensor:
    """``zeros``, ``ones`` and ``empty``: a tensor of ``value``, with the factory keywords."""
    requires_grad, out = options.pop("requires_grad"), options.get("out")
    d = _np_dtype(factory_dtype(fn, **options))
    shape = parse_size(size_arg(size, kwargs, fn), fn)
    check_alloc(shape, d)
    return into_out(_finish(Tensor._make(np.full(shape, value, d)), requires_grad), out, fn)


@op()
def zeros(
    *size: Any,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    **kwargs: Any,
) -> Tensor:
    """A tensor of zeros; sizes as varargs or one list (``zeros(2, 3)``, ``zeros([2, 3])``)."""
    options = dict(out=out, dtype=dtype, layout=layout, device=device, pin_memory=pin_memory)
    return _filled("zeros", size, kwargs, 0, requires_grad=requires_grad, **options)


@op()
def ones(
    *size: Any,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    **kwargs: Any,
) -> Tensor:
    """A tensor of ones."""
    options = dict(out=out, dtype=dtype, layout=layout, device=device, pin_memory=pin_memory)
    return _filled("ones", size, kwargs, 1, requires_grad=requires_grad, **options)


@op()
def empty(
    *size: Any,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    memory_format: Any = None,
    **kwargs: Any,
) -> Tensor:
    """An uninitialised tensor (numtorch zero-fills it: reading it is never undefined).
    ``memory_format=channels_last`` orders a 4-D tensor's memory as PyTorch does (NHWC)."""
    options = dict(out=out, dtype=dtype, layout=layout, device=device, pin_memory=pin_memory)
    t = _filled("empty", size, kwargs, 0, requires_grad=False, **options)
    if memory_format is not None:
        if str(memory_format) == "torch.preserve_format":
            raise RuntimeError("unsupported memory format Preserve")
        t = _in_format(t, memory_format, "empty")
    return _finish(t, requires_grad)


def _in_format(t: Tensor, fmt: Any, fn: str, like: Tensor | None = None) -> Tensor:
    """``t`` (fresh, contiguous) re-laid in memory format ``fmt``: channels-last orders
    (N, C, H, W) as NHWC; ``preserve_format`` keeps ``like``'s dense stride order."""
    if type(fmt).__name__ != "memory_format":
        raise TypeError(
            f"{fn}(): argument 'memory_format' must be torch.memory_format, not "
            f"{type(fmt).__name__}"
        )
    name = str(fmt).removeprefix("torch.")
    if name == "contiguous_format":
        return t
    if name == "preserve_format":
        order = _dense_order(like) if like is not None else None
    else:
        rank = 5 if name == "channels_last_3d" else 4
        if t.ndim != rank:
            raise RuntimeError(f"required rank {rank} tensor to use {name} format")
        order = (0, *range(2, rank), 1)
    return t if order is None else Tensor._make(_in_layout(t._data, order))


def _in_layout(data: np.ndarray, order: tuple) -> np.ndarray:
    """``data``'s values in memory laid out in dimension ``order`` (outermost first)."""
    return np.ascontiguousarray(data.transpose(order)).transpose(np.argsort(order))


def _dense_order(t: Tensor) -> tuple | None:
    """The dimension order (outermost first) of ``t``'s memory when it is dense and not
    contiguous (a transpose, channels-last), else None: PyTorch's ``preserve_format``."""
    if t.is_contiguous() or t.ndim < 2:
        return None
    order = tuple(sorted(range(t.ndim), key=lambda i: -t._data.strides[i]))
    dense = np.empty([t.shape[i] for i in order], t._data.dtype).transpose(np.argsort(order))
    return order if dense.strides == t._data.strides else None


@op()
def full(
    size: Sequence[int],
    fill_value: Any,
    *,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor filled with ``fill_value``; the dtype follows the value unless given."""
    if not isinstance(fill_value, (bool, int, float, np.number, np.bool_, Tensor)):
        raise TypeError(
            "full(): argument 'fill_value' (position 2) must be Number, not "
            f"{type(fill_value).__name__}"
        )
    dtype = factory_dtype("full", dtype, layout, device, pin_memory, out)
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
    value = fill_value._data if isinstance(fill_value, Tensor) else fill_value
    result = _finish(Tensor._make(np.full(shape, value, d.numpy)), requires_grad)
    return into_out(result, out, "full")


@op()
def arange(
    start: Any,
    end: Any = None,
    step: Any = 1,
    *,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """Values ``start, start + step, ...`` below ``end``; integers unless an argument is a float."""
    if end is None:
        start, end = 0, start
    options = dict(out=out, layout=layout, device=device, pin_memory=pin_memory)
    return _range("arange", start, end, step, dtype, requires_grad, **options)


def _range(
    fn: str, start: Any, end: Any, step: Any, dtype: Any, requires_grad: bool, **options: Any
) -> Tensor:
    """``arange`` (``end`` excluded) and the deprecated ``range`` (``end`` included);
    ``options``: ``out``, ``layout``, ``device``, ``pin_memory``."""
    out = options["out"]
    if isinstance(dtype, str):  # PyTorch's overload resolution fails here (no dtype message)
        raise TypeError(
            f"{fn}() received an invalid combination of arguments - got dtype=str, but "
            "expected torch.dtype dtype"
        )
    dtype = factory_dtype(fn, dtype, **options)
    start, end, step = (x.item() if isinstance(x, Tensor) else x for x in (start, end, step))
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    d = _dtype.to_dtype(dtype) if dtype is not None else _python_dtype([start, end, step])
    if fn == "range" and dtype is None:
        d = _dtype.get_default_dtype()
    if d is _dtype.bool:
        raise NotImplementedError(f"\"{fn}_cpu\" not implemented for 'Bool'")
    if not d.is_floating_point:  # PyTorch computes in the integer type: ends and step truncated
        start, end, step = int(start), int(end), int(step)
        if step == 0:
            raise ValueError("step must be nonzero")
    count = (
        max(0, math.ceil((end - start) / step))
        if fn == "arange"
        else int((end - start) // step) + 1
    )
    check_alloc((count,), d.numpy)
    values = start + step * np.arange(count, dtype=np.float64 if d.is_floating_point else np.int64)
    return into_out(_finish(Tensor._make(values.astype(d.numpy)), requires_grad), out, fn)


@op(name="range")
def range_(
    start: Any = 0,
    end: Any = None,
    step: Any = 1,
    *,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """Deprecated, as in PyTorch: ``start, start + step, ...`` up to ``end`` *inclusive*, in
    the default float dtype unless ``dtype`` is given. Prefer ``arange``."""
    warnings.warn(
        "torch.range is deprecated and will be removed in a future release because its behavior "
        "is inconsistent with Python's range builtin. Instead, use torch.arange, which produces "
        "values in [start, end).",
        UserWarning,
        stacklevel=2,
    )
    options = dict(out=out, layout=layout, device=device, pin_memory=pin_memory)
    return _range("range", start, end, step, dtype, requires_grad, **options)


def _endpoint(x: Any, which: str, fn: str) -> float:
    """``linspace``'s ``start`` or ``end``: a number or a 0-d tensor."""
    if isinstance(x, Tensor):
        if x.ndim:
            raise RuntimeError(
                f"{fn} only supports 0-dimensional start and end tensors, but got {which} with "
                f"{x.ndim} dimension(s)."
            )
        return x.item()
    return x


def _steps(steps: Any, fn: str) -> int:
    """``linspace``'s and ``logspace``'s step count, or PyTorch's errors (no overload takes a
    non-integer count)."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        got = type(steps).__name__
        raise TypeError(
            f"{fn}() received an invalid combination of arguments - got steps={got}, but "
            f"expected int steps ('{got}' object cannot be interpreted as an integer)"
        )
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return int(steps)


@op()
def linspace(
    start: Any,
    end: Any,
    steps: int,
    *,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    dtype = factory_dtype("linspace", dtype, layout, device, pin_memory, out)
    start, end = _endpoint(start, "start", "linspace"), _endpoint(end, "end", "linspace")
    steps = _steps(steps, "linspace")
    d = _np_dtype(dtype)
    check_alloc((steps,), d)
    values = np.linspace(start, end, steps)
    if np.dtype(d).kind in "iub":
        values = np.trunc(values)  # PyTorch computes in the integer dtype: truncation
    result = _finish(Tensor._make(values.astype(d)), requires_grad)
    return into_out(result, out, "linspace")


@op()
def logspace(
    start: Any,
    end: Any,
    steps: int,
    base: float = 10.0,
    *,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` values ``base ** e`` for ``e`` evenly spaced from ``start`` to ``end``."""
    dtype = factory_dtype("logspace", dtype, layout, device, pin_memory, out)
    start, end = _endpoint(start, "start", "logspace"), _endpoint(end, "end", "logspace")
    steps = _steps(steps, "logspace")
    d = _np_dtype(dtype)
    if np.dtype(d).kind in "iub":  # PyTorch casts the exponents' ends to the integer dtype
        start, end = int(start), int(end)
    check_alloc((steps,), d)
    with np.errstate(all="ignore"):
        values = np.power(float(base), np.linspace(start, end, steps))
    result = _finish(Tensor._make(values.astype(d)), requires_grad)
    return into_out(result, out, "logspace")


@op()
def eye(
    n: int,
    m: int | None = None,
    *,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """The identity matrix (n x m)."""
    dtype = factory_dtype("eye", dtype, layout, device, pin_memory, out)
    for name, v in (("n", n), ("m", m)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer))):
            raise TypeError(f"eye(): argument '{name}' must be int, not {type(v).__name__}")
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is not None and m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    check_alloc((n, n if m is None else m), _np_dtype(dtype))
    result = _finish(Tensor._make(np.eye(n, m, dtype=_np_dtype(dtype))), requires_grad)
    return into_out(result, out, "eye")


def _like_dtype(input: Tensor, dtype: Any, fn: str = "zeros_like", **options: Any) -> Any:
    """The dtype of a ``*_like`` factory (``input``'s unless given), its keywords checked."""
    check_tensor(input, fn)
    factory_dtype(
        fn, dtype, options.get("layout"), options.get("device"), options.get("pin_memory")
    )
    return input.dtype if dtype is None else dtype


def like(input: Tensor, t: Tensor, memory_format: Any, fn: str, requires_grad: bool) -> Tensor:
    """A ``*_like`` factory's result ``t`` in ``memory_format`` (``preserve_format``: the
    stride order of ``input`` when it is dense), requiring grad when asked."""
    if memory_format is not None:
        t = _in_format(t, memory_format, fn, like=input)
    elif _dense_order(input) is not None:  # the default, preserve_format
        t = Tensor._make(_in_layout(t._data, _dense_order(input)))
    return _finish(t, requires_grad)


@op()
def zeros_like(
    input: Tensor,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """Zeros of ``input``'s shape (and dtype, unless given)."""
    dtype = _like_dtype(
        input, dtype, "zeros_like", layout=layout, device=device, pin_memory=pin_memory
    )
    return like(input, zeros(input.shape, dtype=dtype), memory_format, "zeros_like", requires_grad)


@op()
def ones_like(
    input: Tensor,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """Ones of ``input``'s shape (and dtype, unless given)."""
    dtype = _like_dtype(
        input, dtype, "ones_like", layout=layout, device=device, pin_memory=pin_memory
    )
    return like(input, ones(input.shape, dtype=dtype), memory_format, "ones_like", requires_grad)


@op()
def empty_like(
    input: Tensor,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """An uninitialised (zero-filled) tensor of ``input``'s shape and dtype."""
    dtype = _like_dtype(
        input, dtype, "empty_like", layout=layout, device=device, pin_memory=pin_memory
    )
    return like(input, zeros(input.shape, dtype=dtype), memory_format, "empty_like", requires_grad)


@op()
def full_like(
    input: Tensor,
    fill_value: Any,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """``fill_value`` in ``input``'s shape (and dtype, unless given)."""
    dtype = _like_dtype(
        input, dtype, "full_like", layout=layout, device=device, pin_memory=pin_memory
    )
    t = full(input.shape, fill_value, dtype=dtype)
    return like(input, t, memory_format, "full_like", requires_grad)
