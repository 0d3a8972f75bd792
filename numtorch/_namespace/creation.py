"""Tensor creation: from data (``tensor``, ``as_tensor``, ``from_numpy``), filled
(``zeros``, ``full``, ``arange``, ...) and random (``rand``, ``randn``, ``randint``, ...)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from numtorch import _dtype
from numtorch._checks import check_tensor
from numtorch._namespace._declare import op
from numtorch._namespace._factory import (
    FactoryOptions,
    check_alloc,
    check_factory,
    check_pin_memory,
    parse_size,
    set_requires_grad,
)
from numtorch.tensor import Size, Tensor, check_cpu

_UNSET = object()  # an argument not given (``None`` is not a valid one)


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
    return set_requires_grad(Tensor._make(_to_array(data, dtype)), requires_grad)


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


def _filled(options: FactoryOptions, size: tuple, kwargs: dict, value: Any) -> Tensor:
    """``zeros``, ``ones`` and ``empty``: a tensor of ``value`` in the sizes given."""
    opts = options.checked()
    d = opts.np_dtype()
    shape = opts.sizes(size, kwargs)
    check_alloc(shape, d)
    return opts.finish(np.full(shape, value, d))


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
    options = FactoryOptions("zeros", dtype, layout, device, pin_memory, requires_grad, out)
    return _filled(options, size, kwargs, 0)


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
    options = FactoryOptions("ones", dtype, layout, device, pin_memory, requires_grad, out)
    return _filled(options, size, kwargs, 1)


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
    """A tensor of the given size, uninitialised (numtorch zero-fills it).

    An uninitialised tensor (numtorch zero-fills it: reading it is never undefined).
    ``memory_format=channels_last`` orders a 4-D tensor's memory as PyTorch does (NHWC)."""
    options = FactoryOptions("empty", dtype, layout, device, pin_memory, out=out)
    t = _filled(options, size, kwargs, 0)
    if memory_format is not None:
        if str(memory_format) == "torch.preserve_format":
            raise RuntimeError("unsupported memory format Preserve")
        t = _in_format(t, memory_format, "empty")
    return set_requires_grad(t, requires_grad)


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
    opts = check_factory("full", dtype, layout, device, pin_memory, requires_grad, out)
    d = (
        _dtype.to_dtype(opts.dtype)
        if opts.dtype is not None
        else _python_dtype(getattr(fill_value, "item", lambda: fill_value)())
    )
    if not isinstance(size, (list, tuple, Size)):
        raise TypeError(
            f"full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}"
        )
    shape = parse_size((size,), "full")
    check_alloc(shape, d.numpy)
    value = fill_value._data if isinstance(fill_value, Tensor) else fill_value
    return opts.finish(np.full(shape, value, d.numpy))


@op()
def arange(
    start: Any = _UNSET,
    end: Any = _UNSET,
    step: Any = _UNSET,
    *,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """Values ``start, start + step, ...`` below ``end``; integers unless an argument is a float."""
    start, end, step = _arange_arguments(start, end, step)
    options = FactoryOptions("arange", dtype, layout, device, pin_memory, requires_grad, out)
    return _range(options, start, end, step)


def _arange_arguments(start: Any, end: Any, step: Any) -> tuple:
    """PyTorch's two overloads, ``arange(end)`` and ``arange(start, end, step=1)``, either by
    position or keyword; ``(start, end, step)`` with the defaults filled in."""
    if end is _UNSET:  # arange(end): one number, no step
        if start is _UNSET or step is not _UNSET:
            raise TypeError('arange() missing 1 required positional arguments: "end"')
        start, end, step = 0, start, 1
    elif start is _UNSET:  # arange(end=...)
        if step is not _UNSET:
            raise TypeError(
                "arange() received an invalid combination of arguments: step without start"
            )
        start, step = 0, 1
    elif step is _UNSET:
        step = 1
    if start is None or end is None or step is None:
        raise TypeError(
            "arange() received an invalid combination of arguments: None is not a number"
        )
    return start, end, step


def _range(options: FactoryOptions, start: Any, end: Any, step: Any) -> Tensor:
    """``arange`` (``end`` excluded) and the deprecated ``range`` (``end`` included)."""
    fn = options.fn
    if isinstance(options.dtype, str):  # PyTorch's overload resolution fails (no dtype message)
        raise TypeError(
            f"{fn}() received an invalid combination of arguments - got dtype=str, but "
            "expected torch.dtype dtype"
        )
    opts = options.checked()
    start, end, step = (x.item() if isinstance(x, Tensor) else x for x in (start, end, step))
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    d = _dtype.to_dtype(opts.dtype) if opts.dtype is not None else _python_dtype([start, end, step])
    if fn == "range" and opts.dtype is None:
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
    return opts.finish(values.astype(d.numpy))


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
    """Deprecated: values from ``start`` to ``end`` inclusive, ``step`` apart.

    Deprecated, as in PyTorch: ``start, start + step, ...`` up to ``end`` *inclusive*, in
    the default float dtype unless ``dtype`` is given. Prefer ``arange``."""
    warnings.warn(
        "torch.range is deprecated and will be removed in a future release because its behavior "
        "is inconsistent with Python's range builtin. Instead, use torch.arange, which produces "
        "values in [start, end).",
        UserWarning,
        stacklevel=2,
    )
    options = FactoryOptions("range", dtype, layout, device, pin_memory, requires_grad, out)
    return _range(options, start, end, step)


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


def _spaced(opts: FactoryOptions, start: Any, end: Any, steps: Any) -> tuple:
    """``linspace``'s and ``logspace``'s ends and step count, checked, and the NumPy dtype."""
    start, end = _endpoint(start, "start", opts.fn), _endpoint(end, "end", opts.fn)
    return start, end, _steps(steps, opts.fn), opts.np_dtype()


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
    opts = check_factory("linspace", dtype, layout, device, pin_memory, requires_grad, out)
    start, end, steps, d = _spaced(opts, start, end, steps)
    check_alloc((steps,), d)
    values = np.linspace(start, end, steps)
    if np.dtype(d).kind in "iub":
        values = np.trunc(values)  # PyTorch computes in the integer dtype: truncation
    return opts.finish(values.astype(d))


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
    opts = check_factory("logspace", dtype, layout, device, pin_memory, requires_grad, out)
    start, end, steps, d = _spaced(opts, start, end, steps)
    if np.dtype(d).kind in "iub":  # PyTorch casts the exponents' ends to the integer dtype
        start, end = int(start), int(end)
    check_alloc((steps,), d)
    with np.errstate(all="ignore"):
        values = np.power(float(base), np.linspace(start, end, steps))
    return opts.finish(values.astype(d))


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
    opts = check_factory("eye", dtype, layout, device, pin_memory, requires_grad, out)
    for name, v in (("n", n), ("m", m)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer))):
            raise TypeError(f"eye(): argument '{name}' must be int, not {type(v).__name__}")
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is not None and m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    check_alloc((n, n if m is None else m), opts.np_dtype())
    return opts.finish(np.eye(n, m, dtype=opts.np_dtype()))


def like_factory(
    input: Tensor, options: FactoryOptions, memory_format: Any, make: Callable[[Any], Tensor]
) -> Tensor:
    """A ``*_like`` factory: ``make(dtype)`` (a tensor of ``input``'s shape; ``dtype`` is
    ``input``'s unless the options give one), laid out in ``memory_format`` and requiring grad
    when asked. ``input`` and the keywords are checked first, as PyTorch does."""
    check_tensor(input, options.fn)
    dtype = options.checked().dtype
    t = make(input.dtype if dtype is None else dtype)
    return like(input, t, memory_format, options.fn, options.requires_grad)


def like(input: Tensor, t: Tensor, memory_format: Any, fn: str, requires_grad: bool) -> Tensor:
    """A ``*_like`` factory's result ``t`` in ``memory_format`` (``preserve_format``: the
    stride order of ``input`` when it is dense), requiring grad when asked."""
    if memory_format is not None:
        t = _in_format(t, memory_format, fn, like=input)
    elif _dense_order(input) is not None:  # the default, preserve_format
        t = Tensor._make(_in_layout(t._data, _dense_order(input)))
    return set_requires_grad(t, requires_grad)


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
    options = FactoryOptions("zeros_like", dtype, layout, device, pin_memory, requires_grad)
    return like_factory(input, options, memory_format, lambda d: zeros(input.shape, dtype=d))


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
    options = FactoryOptions("ones_like", dtype, layout, device, pin_memory, requires_grad)
    return like_factory(input, options, memory_format, lambda d: ones(input.shape, dtype=d))


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
    options = FactoryOptions("empty_like", dtype, layout, device, pin_memory, requires_grad)
    return like_factory(input, options, memory_format, lambda d: zeros(input.shape, dtype=d))


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
    options = FactoryOptions("full_like", dtype, layout, device, pin_memory, requires_grad)
    return like_factory(
        input, options, memory_format, lambda d: full(input.shape, fill_value, dtype=d)
    )
