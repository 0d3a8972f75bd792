"""Activation functions (``F.relu``, ``F.gelu``, ``F.softmax``, ...), PyTorch's signatures.

``inplace=True`` writes the result into ``input`` through numtorch's in-place machinery, so
autograd still sees the right history (and a leaf that requires grad is refused, as in PyTorch).
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from numtorch import _namespace as _F
from numtorch._checks import check_tensor, normalize_dim, type_name
from numtorch._namespace.inplace import inplace as _inplace
from numtorch.ops import activation as ops
from numtorch.ops import activation_extra as ops2
from numtorch.ops.destination import writes_into_input
from numtorch.random import Generator, _rng
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
    "hardtanh_",
    "elu_",
    "celu_",
    "selu_",
    "leaky_relu_",
    "threshold",
    "threshold_",
    "hardswish",
    "hardsigmoid",
    "hardshrink",
    "softshrink",
    "tanhshrink",
    "softsign",
    "mish",
    "logsigmoid",
    "glu",
    "prelu",
    "rrelu",
    "rrelu_",
    "gumbel_softmax",
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


def _run_direct(input: Tensor, inplace: bool, fn: Callable[[Tensor], Tensor]) -> Tensor:
    """``_run`` for ``fn`` one element-wise primitive whose in-place form computes straight
    into ``input`` (``numtorch.ops.destination``): no temporary the size of ``input``, no copy.
    Its backward reads only what stays valid after the write (the result, or a mask)."""
    return _inplace(input, writes_into_input(fn)) if inplace else fn(input)


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
    return _run_direct(input, inplace, lambda x: ops.Hardtanh.apply(x, min_val, max_val))


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
    return _run_direct(input, inplace, lambda x: ops.LeakyRelu.apply(x, slope, inplace))


def _elu(
    input: Tensor, alpha: float, scale: float, input_scale: float, inplace: bool, celu=False
) -> Tensor:
    """The ELU family; the in-place forms save their result, as PyTorch's ``elu_`` does."""
    alpha = float(alpha)
    return _run_direct(
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


# ---------------------------------------------------------------- in-place forms


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place ``hardtanh``."""
    return hardtanh(input, min_val, max_val, inplace=True)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place ``elu``."""
    return elu(input, alpha, inplace=True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place ``celu``."""
    return celu(input, alpha, inplace=True)


def selu_(input: Tensor) -> Tensor:
    """In-place ``selu``."""
    return selu(input, inplace=True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place ``leaky_relu``."""
    return leaky_relu(input, negative_slope, inplace=True)


# ---------------------------------------------------------------- threshold and shrinkage


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``input`` where it exceeds ``threshold``, ``value`` elsewhere (integers too)."""
    _check(input, "threshold")
    _number("threshold", threshold=threshold, value=value)
    thr, val = float(threshold), float(value)
    return _run_direct(input, inplace, lambda x: ops2.Threshold.apply(x, thr, val, inplace))


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place ``threshold``."""
    return globals()["threshold"](input, threshold, value, inplace=True)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, 0 elsewhere."""
    _check(input, "hardshrink", "hardshrink_cpu")
    _number("hardshrink", lambd=lambd)
    return ops2.Hardshrink.apply(input, float(lambd))


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` moved ``lambd`` towards 0, and 0 within ``[-lambd, lambd]``; ``lambd >= 0``."""
    _check(input, "softshrink", "softshrink_check")
    _number("softshrink", lambd=lambd)
    lam = float(lambd)
    if not 0 <= lam <= float(np.finfo(input._data.dtype).max):
        big = float(np.finfo(input._data.dtype).max)
        raise RuntimeError(
            f"lambda must be in range [0, {big:g}] for input dtype "
            f"{type_name(input.dtype)}, but found {lam:g}"
        )
    return ops2.Softshrink.apply(input, lam)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``, composed as PyTorch composes it."""
    _check(input, "tanhshrink")
    return _F.sub(input, _F.tanh(input))


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``, composed as PyTorch composes it."""
    _check(input, "softsign")
    return _F.div(input, _F.add(_F.abs(input), 1))


# ---------------------------------------------------------------- smooth gates


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6`` (MobileNetV3)."""
    _check(input, "hardswish", "hardswish_cpu")
    return _run(input, inplace, ops2.Hardswish.apply)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``, a piecewise-linear sigmoid."""
    _check(input, "hardsigmoid", "hardsigmoid_cpu")
    return _run(input, inplace, ops2.Hardsigmoid.apply)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))`` (Misra 2019)."""
    _check(input, "mish", "mish_cpu")
    return _run(input, inplace, ops2.Mish.apply)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))``, stable for any ``x``."""
    _check(input, "logsigmoid", "log_sigmoid_cpu")
    return ops2.LogSigmoid.apply(input)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: ``a * sigmoid(b)``, ``a`` and ``b`` the halves of ``input`` along
    ``dim`` (Dauphin et al. 2016)."""
    _check(input, "glu")
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    axis = normalize_dim(dim, input.ndim)
    _check(input, "glu", "glu_cpu")
    if input.shape[axis] % 2:
        raise RuntimeError(
            f"Halving dimension must be even, but dimension {axis} is size {input.shape[axis]}"
        )
    return ops2.Glu.apply(input, axis)


# ---------------------------------------------------------------- learned and random slopes


def _check_prelu(input: Tensor, weight: Tensor) -> None:
    """PyTorch's checks: a scalar or 1-D weight of one value or one per channel (axis 1)."""
    if weight.ndim > 1:
        raise RuntimeError(
            f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}"
        )
    if input.dtype is not weight.dtype:
        raise RuntimeError(
            f"prelu: Type promoting not supported. Got {type_name(input.dtype)} and "
            f"{type_name(weight.dtype)}"
        )
    if weight.numel() != 1:
        if input.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.ndim >= 2 else 1
        if weight.numel() != channels:
            raise RuntimeError(
                "Mismatch of parameter numbers and input channel size. Found parameter numbers "
                f"= {weight.numel()} and channel size = {channels}."
            )


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` where positive, ``weight * x`` elsewhere; ``weight`` is learned, one value or one
    per channel (axis 1)."""
    _check(input, "prelu")
    check_tensor(weight, "prelu", "weight", 2)
    _check_prelu(input, weight)
    return ops2.PreluKernel.apply(input, weight)


def rrelu(
    input: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Randomised leaky ReLU (Xu et al. 2015): in training each non-positive element gets a
    slope drawn from U(lower, upper) (through numtorch's ``Generator``, the default one unless
    ``generator`` is given); in evaluation the slope is ``(lower + upper) / 2``."""
    _check(input, "rrelu")
    _number("rrelu", lower=lower, upper=upper)
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    kernel = "rrelu_with_noise_out_cpu" if training else "leaky_relu_cpu"
    _check(input, "rrelu", kernel)
    noise = None
    if training:
        draw = _rng(generator).uniform(float(lower), float(upper), input.shape)
        noise = draw.astype(input._data.dtype)
    slope = (float(lower) + float(upper)) / 2
    return _run(input, inplace, lambda x: ops2.RreluWithNoise.apply(x, noise, slope, inplace))


def rrelu_(
    input: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """In-place ``rrelu``."""
    return rrelu(input, lower, upper, training, inplace=True, generator=generator)


def gumbel_softmax(
    logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1
) -> Tensor:
    """A sample from the Gumbel-softmax distribution (Jang et al.; Maddison et al. 2016):
    ``softmax((logits + g) / tau)`` with ``g = -log(Exp(1))`` noise from numtorch's default
    generator. ``hard=True`` returns the one-hot argmax, differentiated as the soft sample
    (``y_hard - y_soft.detach() + y_soft``, PyTorch's straight-through trick)."""
    _check(logits, "gumbel_softmax")
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    draw = _rng(None).standard_exponential(logits.shape)
    gumbels = Tensor._make(-np.log(draw).astype(logits._data.dtype))
    y_soft = _F.softmax(_F.div(_F.add(logits, gumbels), tau), dim)
    if not hard:
        return y_soft
    index = _F.argmax(y_soft, dim, keepdim=True)
    y_hard = _F.scatter(_F.zeros_like(logits), dim, index, 1.0)
    return _F.add(_F.sub(y_hard, y_soft.detach()), y_soft)
