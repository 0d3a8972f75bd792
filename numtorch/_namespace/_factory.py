"""PyTorch's factory keywords, checked and applied in one place for every factory.

Each factory (``zeros``, ``rand``, ``hann_window``, ``Tensor.new_ones``...) takes some of
``dtype``, ``layout``, ``device``, ``pin_memory``, ``requires_grad`` and ``out=``; a
``FactoryOptions`` holds them, ``checked()`` runs PyTorch's checks and resolves the dtype, and
``finish`` makes the result (requiring grad when asked, written into ``out``). So a factory
reads as "parse, compute, finish". Also here: the size parsing (``parse_size``, ``size_arg``)
and the memory check (``check_alloc``) the factories share.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from numtorch import _dtype
from numtorch.autograd.grad_mode import is_recording
from numtorch.tensor import Tensor, check_cpu


@dataclass(frozen=True)
class FactoryOptions:
    """The PyTorch keywords of one factory call ``fn``, as given (``checked()`` checks them).

    ``requires_grad`` is checked only by ``finish``, after the result exists: PyTorch refuses
    it for an integer result, which the factory's dtype rules decide.
    """

    fn: str
    dtype: Any = None
    layout: Any = None
    device: Any = None
    pin_memory: Any = False
    requires_grad: Any = False
    out: Tensor | None = None

    def checked(self) -> FactoryOptions:
        """These options after PyTorch's checks of ``dtype``, ``layout``, ``device``,
        ``pin_memory`` and ``out``, with ``dtype`` the one to make: the given one, else
        ``out``'s, else None (the factory's default)."""
        dtype = factory_dtype(
            self.fn, self.dtype, self.layout, self.device, self.pin_memory, self.out
        )
        return replace(self, dtype=dtype)

    def np_dtype(self) -> np.dtype:
        """The NumPy dtype to make: ``dtype``, else the default dtype."""
        return np_dtype(self.dtype)

    def float_dtype(self, kernel: str) -> np.dtype:
        """``np_dtype`` for a floating-only factory: an integer dtype is PyTorch's
        NotImplementedError naming ``kernel``."""
        return float_dtype(self.dtype, kernel)

    def sizes(self, size: tuple, kwargs: dict) -> tuple:
        """The shape of a factory whose sizes come as varargs, one sequence or ``size=``."""
        return parse_size(size_arg(size, kwargs, self.fn), self.fn)

    def finish(self, values: np.ndarray) -> Tensor:
        """``values`` as the factory's result: requiring grad when asked, written into ``out``
        when given."""
        return into_out(
            set_requires_grad(Tensor._make(values), self.requires_grad), self.out, self.fn
        )


def check_factory(
    fn: str,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: Any = False,
    requires_grad: Any = False,
    out: Tensor | None = None,
) -> FactoryOptions:
    """``FactoryOptions`` of these keywords, checked now (see ``FactoryOptions.checked``)."""
    return FactoryOptions(fn, dtype, layout, device, pin_memory, requires_grad, out).checked()


def set_requires_grad(t: Tensor, requires_grad: Any) -> Tensor:
    """``t`` requiring grad when asked: PyTorch's TypeError for a non-bool ``requires_grad`` and
    its RuntimeError for an integer tensor that would require grad."""
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
    check_dtype_arg(dtype, fn)
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
    if is_recording() and (out.requires_grad or result.requires_grad):
        raise RuntimeError(
            f"aten::{fn}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad."
        )
    if out.shape != result.shape:
        out._data = np.empty(result.shape, out._data.dtype)
    np.copyto(out._data, result._data, casting="unsafe")
    out._version[0] += 1
    return out


def float_dtype(dtype: Any, fn: str) -> np.dtype:
    """The NumPy dtype of a floating-only factory (the default dtype unless given), or PyTorch's
    error naming kernel ``fn`` for an integer one."""
    d = _dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype)
    if not d.is_floating_point:
        raise NotImplementedError(f"\"{fn}\" not implemented for '{_dtype.scalar_type_name(d)}'")
    return d.numpy


def np_dtype(dtype: Any, fn: str | None = None) -> np.dtype:
    """The NumPy dtype to make (the default dtype unless given); with ``fn``, a string dtype is
    first refused with ``fn``'s error."""
    if fn is not None:
        check_dtype_arg(dtype, fn)
    return (_dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype)).numpy


def check_dtype_arg(dtype: Any, fn: str) -> None:
    """PyTorch's factories refuse a dtype given as a string (``to_dtype``, used internally, e.g.
    by serialization, still accepts names)."""
    if isinstance(dtype, str):
        raise TypeError(f"{fn}(): argument 'dtype' must be torch.dtype, not str")
