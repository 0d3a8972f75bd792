"""Conversion and queries (``clone``, ``Tensor.to``, ``numel``, ``is_tensor``) and the global
settings (``set_num_threads``, ``use_deterministic_algorithms``, ``compile``, ...)."""

from __future__ import annotations

import builtins
import warnings
from collections.abc import Callable

import numpy as np

from numtorch import _dtype
from numtorch._checks import check_tensor
from numtorch._dtype import check_memory_format
from numtorch._kernels import parallel
from numtorch._namespace._declare import op
from numtorch._namespace._operands import named
from numtorch._namespace.shape import check_materialise
from numtorch.ops import elementwise as ew
from numtorch.tensor import Tensor, check_cpu, device


@op()
def numel(input: Tensor) -> int:
    """The number of elements of ``input``."""
    return input.numel()


@op()
def is_tensor(obj: object) -> bool:
    """Whether ``obj`` is a numtorch Tensor (a Parameter counts)."""
    return isinstance(obj, Tensor)


@op()
def is_floating_point(input: Tensor) -> bool:
    """Whether ``input``'s dtype is a floating-point type."""
    return input.dtype.is_floating_point


@op(method=True)
def clone(input: Tensor, *, memory_format: _dtype.memory_format | None = None) -> Tensor:
    """Return a copy of ``input`` with its own storage.

    A copy with its own storage; gradients flow back to ``input``. ``memory_format`` is
    checked as PyTorch does; the copy is row-major whatever it asks (see ``memory_format``)."""
    check_materialise(check_tensor(input, "clone"))
    check_memory_format(memory_format, input.ndim, "clone")
    return ew.Clone.apply(input)


def parse_to(
    args: tuple, kwargs: dict, ndim: int | None = None
) -> tuple[_dtype.dtype | None, bool]:
    """``Tensor.to``'s arguments: the target dtype (None: unchanged) and ``copy``; ``ndim``
    (None for a module, whose ``to`` applies a format to its 4-d parameters only) checks the
    rank a ``memory_format`` needs."""
    target = kwargs.pop("dtype", None)
    check_memory_format(kwargs.pop("memory_format", None), ndim, "to")
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    device_arg = kwargs.pop("device", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if isinstance(a, Tensor):
            target = a.dtype
        elif isinstance(a, (str, device)):
            device_arg = a
        elif a is not None:
            target = _dtype.to_dtype(a)
    check_cpu(device_arg)
    return (None if target is None else _dtype.to_dtype(target)), copy


@op(function=False, method=True)
def to(input: Tensor, *args: object, **kwargs: object) -> Tensor:
    """Convert to a dtype; returns ``input`` itself when nothing changes (unless ``copy=True``)."""
    target, copy = parse_to(args, dict(kwargs), input.ndim)
    if target is None or target is input.dtype:
        return named(clone(input), "ToCopyBackward0") if copy else input
    if not target.is_floating_point:
        with np.errstate(invalid="ignore"):  # nan/inf to an integer: unspecified, as in C
            return Tensor._make(input._data.astype(target.numpy))
    return ew.Cast.apply(input, target.numpy)


def typename(obj: object, /) -> str:
    """Return the type name of ``obj``, PyTorch-style.

    The qualified name of ``obj``'s type: a tensor's ``type()`` (``'torch.FloatTensor'``),
    else ``module.QualName`` of a class or function, or of an object's class."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        qualname = obj.__class__.__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


# ------------------------------------------------------------ global settings
# Plain functions, not ``@op``s: they act on the process, not on tensors.
_settings: dict[str, object] = {
    "deterministic": False,
    "deterministic_warn_only": False,
    "matmul_precision": "highest",
    "warn_always": False,
    "interop_threads": None,
}


def set_num_threads(int: int) -> None:  # noqa: A002 - PyTorch's parameter name
    """Set the number of threads numtorch's kernels and BLAS use.

    Threads numtorch's data-parallel kernels use (``numtorch._kernels.parallel``; the
    convolution and pooling kernels) and the bound of OpenBLAS's own pool: one setting for
    every pool, like ``NUMTORCH_NUM_THREADS`` at import. OpenBLAS itself stays at one thread
    unless the user's ``OPENBLAS_NUM_THREADS`` allows more (``numtorch/_threads.py``)."""
    if isinstance(int, bool) or not isinstance(int, (builtins.int, np.integer)):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(int).__name__}")
    if int <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    parallel.set_num_threads(builtins.int(int))


def get_num_threads() -> int:
    """Return the number of threads numtorch's kernels use.

    Threads numtorch's data-parallel kernels use (``set_num_threads``, else
    ``NUMTORCH_NUM_THREADS``, else the CPUs this process may run on)."""
    return parallel.num_threads()


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Make ops use deterministic algorithms (numtorch's always are).

    Accepted and recorded: numtorch's kernels are already deterministic (chunked sums add
    in a fixed order, whatever the thread count)."""
    if not isinstance(mode, bool):
        raise TypeError(
            "_set_deterministic_algorithms(): argument 'mode' (position 1) must be bool, not "
            f"{type(mode).__name__}"
        )
    _settings.update(deterministic=mode, deterministic_warn_only=warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """The mode last given to ``use_deterministic_algorithms`` (False by default)."""
    return bool(_settings["deterministic"])


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The ``warn_only`` last given to ``use_deterministic_algorithms`` (False by default)."""
    return bool(_settings["deterministic_warn_only"])


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode: builtins.int | str) -> None:
    """Set the deterministic-algorithms debug level.

    ``use_deterministic_algorithms`` by level: ``"default"``/0 off, ``"warn"``/1 on with
    ``warn_only``, ``"error"``/2 on."""
    if not isinstance(debug_mode, (builtins.int, str)):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(
                "invalid value of debug_mode, expected one of `default`, `warn`, `error`, but "
                f"got {debug_mode}"
            )
        debug_mode = _DEBUG_MODES[debug_mode]
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(
            f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}"
        )
    use_deterministic_algorithms(bool(debug_mode), warn_only=debug_mode == 1)


def get_deterministic_debug_mode() -> builtins.int:
    """0, 1 or 2: see ``set_deterministic_debug_mode``."""
    if not _settings["deterministic"]:
        return 0
    return 1 if _settings["deterministic_warn_only"] else 2


def set_warn_always(b: bool, /) -> None:
    """Make PyTorch-style warnings show every time, not once.

    Recorded for ``is_warn_always_enabled``: numtorch's warnings follow Python's
    ``warnings`` filters, which already show a warning once per place by default."""
    if not isinstance(b, bool):
        raise RuntimeError(f"setWarnOnlyOnce expects a bool, but got {type(b).__name__}")
    _settings["warn_always"] = b


def is_warn_always_enabled() -> bool:
    """The flag last given to ``set_warn_always`` (False by default)."""
    return bool(_settings["warn_always"])


def set_num_interop_threads(int: int) -> None:  # noqa: A002 - PyTorch's parameter name
    """Set the number of inter-op threads.

    Recorded for ``get_num_interop_threads``: numtorch runs no inter-op thread pool (ops
    run one after another; ``set_num_threads`` sizes the intra-op pool)."""
    if isinstance(int, bool) or not isinstance(int, (builtins.int, np.integer)):
        raise RuntimeError(f"set_num_interop_threads expects an int, but got {type(int).__name__}")
    if int <= 0:
        raise RuntimeError("set_num_interop_threads expects a positive integer")
    _settings["interop_threads"] = builtins.int(int)


def get_num_interop_threads() -> builtins.int:
    """Return the number of inter-op threads.

    The value ``set_num_interop_threads`` recorded, else ``get_num_threads()`` (PyTorch's
    default inter-op pool size is the number of CPU threads too)."""
    found = _settings["interop_threads"]
    return get_num_threads() if found is None else builtins.int(found)


def init_num_threads() -> None:
    """Initialise the thread pools (a no-op in numtorch).

    Nothing to do: numtorch's thread pool is set up when first used (PyTorch calls this to
    initialise OpenMP/MKL in a new thread)."""


def is_vulkan_available() -> bool:
    """False: numtorch runs on NumPy, on the CPU."""
    return False


def get_default_device() -> device:
    """Always the CPU, numtorch's one device."""
    return device("cpu")


def set_default_device(device: object) -> None:  # noqa: A002 - PyTorch's parameter name
    """Set the device new tensors are made on (only the CPU).

    Accepts the CPU (or None, the default); another device raises PyTorch's CPU build's
    error at once (PyTorch raises it at the next tensor made there)."""
    check_cpu(device)


def set_flush_denormal(mode: bool) -> bool:
    """Flush denormal floats to zero where supported (never, in numtorch).

    False: NumPy gives no control of the CPU's denormal mode, so numtorch can't set it
    (PyTorch returns whether it could)."""
    return False


_LEGACY_FLOAT_TYPES = {
    "torch.FloatTensor": "float32",
    "torch.DoubleTensor": "float64",
    "torch.HalfTensor": "float16",
    "torch.BFloat16Tensor": "bfloat16",  # refused by set_default_dtype: no NumPy type
}


def set_default_tensor_type(t: type | str, /) -> None:
    """Set the default floating-point tensor type (deprecated).

    Deprecated in PyTorch: ``set_default_dtype`` of a float tensor type (``torch.DoubleTensor``
    or its name). PyTorch's deprecation warning comes once (each time after
    ``set_warn_always(True)``)."""
    if not _settings.get("warned_tensor_type") or _settings["warn_always"]:
        _settings["warned_tensor_type"] = True
        warnings.warn(
            "torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
            "torch.set_default_dtype() and torch.set_default_device() as alternatives.",
            UserWarning,
            stacklevel=2,
        )
    name = t if isinstance(t, str) else repr(t).removeprefix("<class '").removesuffix("'>")
    if name.startswith("torch.cuda."):
        raise TypeError(f"type {name} not available. Torch not compiled with CUDA enabled.")
    if not name.startswith("torch."):
        raise ModuleNotFoundError(f"No module named '{name.split('.')[0]}'")
    if name not in _LEGACY_FLOAT_TYPES:
        legacy = name.count(".") == 1 and name.endswith("Tensor")
        message = "only floating-point types are supported as the default type"
        raise TypeError(message if legacy else f"invalid type object: {message}")
    _dtype.set_default_dtype(getattr(_dtype, _LEGACY_FLOAT_TYPES[name]))


def set_float32_matmul_precision(precision: str) -> None:
    """Set the internal precision of float32 matrix products.

    Accepted and recorded: numtorch's float32 matmul always runs in float32 (``'highest'``);
    an unknown name warns and changes nothing, as in PyTorch."""
    if precision not in ("highest", "high", "medium"):
        warnings.warn(
            f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
            "setFloat32MatmulPrecision call has no effect.",
            UserWarning,
            stacklevel=2,
        )
        return
    _settings["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    """The precision last set by ``set_float32_matmul_precision`` (``"highest"`` by default)."""
    return str(_settings["matmul_precision"])


def compile(model: Callable | None = None, **options: object) -> Callable:  # noqa: A001
    """Return ``model`` unchanged: numtorch has no compiler.

    numtorch has no compiler: returns ``model`` (a module or function) unchanged, so
    ``model = torch.compile(model)`` runs as before. Without a model, a decorator that does the
    same (``@torch.compile(mode="max-autotune")``)."""
    if model is None:
        return lambda fn: fn
    return model
