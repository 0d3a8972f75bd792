"""Conversion and queries (``clone``, ``Tensor.to``, ``numel``, ``is_tensor``) and the global
settings (``set_num_threads``, ``use_deterministic_algorithms``, ``compile``, ...)."""

from __future__ import annotations

import builtins
import warnings
from collections.abc import Callable

import numpy as np

try:  # optional, as in numtorch._kernels.parallel: without it OpenBLAS keeps its own count
    import threadpoolctl
except ImportError:  # pragma: no cover
    threadpoolctl = None

from numtorch import _dtype
from numtorch._checks import check_tensor
from numtorch._kernels import parallel
from numtorch._namespace._declare import op
from numtorch._namespace._operands import named
from numtorch._namespace.shape import check_materialise
from numtorch.ops import elementwise as ew
from numtorch.tensor import Tensor, check_cpu, device


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
        elif isinstance(a, (str, device)):
            device_arg = a
        elif a is not None:
            target = _dtype.to_dtype(a)
    check_cpu(device_arg)
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


# ------------------------------------------------------------ global settings
# Plain functions, not ``@op``s: they act on the process, not on tensors.
_settings: dict[str, object] = {
    "deterministic": False,
    "deterministic_warn_only": False,
    "matmul_precision": "highest",
}


def set_num_threads(int: int) -> None:  # noqa: A002 - PyTorch's parameter name
    """Threads numtorch's data-parallel kernels use (``numtorch._kernels.parallel``; the
    convolution and pooling kernels) and OpenBLAS's own pool (a matmul outside them)."""
    if isinstance(int, bool) or not isinstance(int, (builtins.int, np.integer)):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(int).__name__}")
    if int <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    parallel.set_num_threads(builtins.int(int))
    if threadpoolctl is not None:
        threadpoolctl.threadpool_limits(builtins.int(int), user_api="blas")


def get_num_threads() -> int:
    """Threads numtorch's data-parallel kernels use (``set_num_threads``, else
    ``NUMTORCH_NUM_THREADS``, else the CPUs this process may run on)."""
    return parallel.num_threads()


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Accepted and recorded: numtorch's kernels are already deterministic (chunked sums add
    in a fixed order, whatever the thread count)."""
    if not isinstance(mode, bool):
        raise TypeError(
            "_set_deterministic_algorithms(): argument 'mode' (position 1) must be bool, not "
            f"{type(mode).__name__}"
        )
    _settings.update(deterministic=mode, deterministic_warn_only=warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return bool(_settings["deterministic"])


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return bool(_settings["deterministic_warn_only"])


def set_float32_matmul_precision(precision: str) -> None:
    """Accepted and recorded: numtorch's float32 matmul always runs in float32 (``'highest'``);
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
    return str(_settings["matmul_precision"])


def compile(model: Callable | None = None, **options: object) -> Callable:  # noqa: A001
    """numtorch has no compiler: returns ``model`` (a module or function) unchanged, so
    ``model = torch.compile(model)`` runs as before. Without a model, a decorator that does the
    same (``@torch.compile(mode="max-autotune")``)."""
    if model is None:
        return lambda fn: fn
    return model
