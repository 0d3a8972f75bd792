"""Activation functions (``F.relu``, ``F.gelu``, ``F.softmax``, ...), PyTorch's signatures.

``inplace=True`` writes the result into ``input`` through numtorch's in-place machinery, so
autograd still sees the right history (and a leaf that requires grad is refused, as in PyTorch).
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable
from typing import Any

from numtorch import _namespace as _F
from numtorch._checks import check_tensor, type_name
from numtorch._namespace.inplace import inplace as _inplace
from numtorch.ops import activation as ops
from numtorch.tensor import Tensor

__all__ = [
    "relu",
    "relu_",
    "relu6",
    "leaky_relu",
    "elu",
    "selu",
    "celu",
    "gelu",
    "silu",
    "sigmoid",
    "tanh",
    "softmax",
    "softmin",
    "log_softmax",
    "softplus",
    "hardtanh",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _check(input: object, name: str, kernel: str | None = None) -> Tensor:
    """``input`` as a Tensor, or PyTorch's TypeError; a float dtype when ``kernel`` is named."""
    check_tensor(input, name)
    if kernel is not None and not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(input.dtype)}'")
    return input


def _number(fn: str, **named: object) -> None:
    """PyTorch's TypeError for a scalar argument that is not a number (a bool or a one-element
    Tensor counts, as there).

    ``named`` maps each argument name to its value, in positional order from position 2.
    """
    for position, (name, value) in enumerate(named.items(), 2):
        if not isinstance(value, (numbers.Number, Tensor)):
            raise TypeError(
                f"{fn}(): argument '{name}' (position {position}) must be Number, "
                f"not {type(value).__name__}"
            )


def _run(input: Tensor, inplace: bool, fn: Callable[[Tensor], Tensor]) -> Tensor:
    return _inplace(input, fn) if inplace else fn(input)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(0, x)`` element-wise."""
    _check(input, "relu")
    return input.relu_() if inplace else _F.relu(input)


def relu_(input: Tensor) -> Tensor:
    """In-place ``relu``."""
    return relu(input, inplace=True)


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """Clamp to ``[min_val, max_val]``; the gradient is 0 outside and at the ends."""
    _check(input, "hardtanh")
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _run(input, inplace, lambda x: ops.Hardtanh.apply(x, min_val, max_val))


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(0, x), 6)``: ``hardtanh(x, 0, 6)``."""
    _check(input, "relu6")
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` where positive, ``negative_slope * x`` elsewhere.

    The in-place form saves its result for backward, as PyTorch's ``leaky_relu_`` does, so
    (as there) its backward refuses a negative slope.
    """
    _check(input, "leaky_relu", "leaky_relu_cpu")
    _number("leaky_relu", negative_slope=negative_slope)
    slope = float(negative_slope)
    return _run(input, inplace, lambda x: ops.LeakyRelu.apply(x, slope, inplace))


def _elu(
    input: Tensor, alpha: float, scale: float, input_scale: float, inplace: bool, celu=False
) -> Tensor:
    """The ELU family; the in-place forms save their result, as PyTorch's ``elu_`` does."""
    alpha = float(alpha)
    return _run(
        input, inplace, lambda x: ops.Elu.apply(x, alpha, scale, input_scale, inplace, celu)
    )


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere (Clevert et al. 2015)."""
    _check(input, "elu", "elu_cpu")
    _number("elu", alpha=alpha)
    return _elu(input, alpha, 1.0, 1.0, inplace)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """Self-normalising ELU: ``scale * elu(x, alpha)`` with Klambauer et al.'s constants."""
    _check(input, "selu", "elu_cpu")
    return _elu(input, _SELU_ALPHA, _SELU_SCALE, 1.0, inplace)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))`` (Barron 2017)."""
    _check(input, "celu", "elu_cpu")
    _number("celu", alpha=alpha)
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _elu(input, alpha, 1.0, 1.0 / float(alpha), inplace, celu=True)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """``x * Phi(x)``, Phi the standard normal CDF; ``approximate='tanh'`` uses
    ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`` (Hendrycks & Gimpel 2016)."""
    _check(input, "gelu")
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    _check(input, "gelu", "GeluKernelImpl")
    return ops.Gelu.apply(input, approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (SiLU / swish)."""
    _check(input, "silu", "silu_cpu")
    return _run(input, inplace, ops.Silu.apply)


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-x))``."""
    return _F.sigmoid(_check(input, "sigmoid"))


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return _F.tanh(_check(input, "tanh"))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, and ``x`` itself where ``beta * x > threshold``."""
    _check(input, "softplus", "softplus_cpu")
    _number("softplus", beta=beta, threshold=threshold)
    return ops.Softplus.apply(input, beta, threshold)


def _softmax_dim(
    name: str, input: Tensor, dim: int | None, stacklevel: int, dtype: Any, kernel: str = ""
) -> int:
    if dtype is None:
        _check(input, name, f"{kernel or name}_lastdim_kernel_impl")
    if dim is not None:
        return dim
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. "
        "Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if input.ndim in (0, 1, 3) else 1


def softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim`` (PyTorch's implicit-dim rule, with its
    deprecation warning, when ``dim`` is None)."""
    _check(input, "softmax")
    return _F.softmax(input, _softmax_dim("softmax", input, dim, _stacklevel, dtype), dtype)


def softmin(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """``softmax(-x)`` along ``dim``."""
    _check(input, "softmin")
    dim = _softmax_dim("softmin", input, dim, _stacklevel, dtype, "softmax")
    return _F.softmax(_F.neg(input if dtype is None else input.to(dtype)), dim)


def log_softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``, computed in one stable step."""
    _check(input, "log_softmax")
    return _F.log_softmax(input, _softmax_dim("log_softmax", input, dim, _stacklevel, dtype), dtype)
