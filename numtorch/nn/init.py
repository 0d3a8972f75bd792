"""Parameter initialisation (``torch.nn.init``): PyTorch's formulas, filled in place.

Every function writes into ``tensor`` under ``no_grad`` and returns it; every random one takes
``generator=`` (the default generator when None), so initialisation is reproducible.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from numtorch._checks import check_tensor
from numtorch.autograd.grad_mode import no_grad
from numtorch.random import Generator, _rng
from numtorch.tensor import Tensor

__all__ = [
    "calculate_gain",
    "uniform_",
    "normal_",
    "trunc_normal_",
    "constant_",
    "ones_",
    "zeros_",
    "eye_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "orthogonal_",
]

_LINEAR_FNS = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)


def _check(tensor: object, fn: str) -> Tensor:
    """``tensor``, or a TypeError naming the argument (PyTorch fails later, on an attribute)."""
    return check_tensor(tensor, fn, "tensor")


def _write(tensor: Tensor, values: np.ndarray) -> Tensor:
    """Copy ``values`` into ``tensor``'s storage, unrecorded (initialisation is not maths)."""
    with no_grad():
        return tensor.copy_(Tensor._make(np.asarray(values, dtype=tensor._data.dtype)))


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (scales the init std so signals keep their size).

    ``param`` is leaky_relu's negative slope (0.01 when None).
    """
    if nonlinearity in _LINEAR_FNS:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """Inputs and outputs per unit of a ``(out, in, *kernel)`` weight."""
    if tensor.dim() < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"
        )
    receptive = math.prod(tensor.shape[2:])
    return tensor.size(1) * receptive, tensor.size(0) * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(
    tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Fill with samples from U(a, b)."""
    with no_grad():
        return _check(tensor, "uniform_").uniform_(a, b, generator=generator)


def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Fill with samples from N(mean, std^2)."""
    with no_grad():
        return _check(tensor, "normal_").normal_(mean, std, generator=generator)


def _norm_cdf(x: float) -> float:
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: Generator | None = None,
) -> Tensor:
    """Fill with samples from N(mean, std^2) restricted to ``[a, b]`` (by rejection)."""
    _check(tensor, "trunc_normal_")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn(
            "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
            "The distribution of values may be incorrect.",
            stacklevel=2,
        )
    rng, shape = _rng(generator), tensor.shape
    mass = _norm_cdf((b - mean) / std) - _norm_cdf((a - mean) / std)
    if mass > 0.3:  # most normal draws land inside: redraw the few that do not
        draw = lambda n: rng.normal(mean, std, n)  # noqa: E731
    else:  # a thin slice of the normal: uniform proposals accepted with the density's ratio
        peak = max(a, min(mean, b))

        def draw(n: int) -> np.ndarray:
            x = rng.uniform(a, b, n)
            keep = rng.random(n) < np.exp(
                -0.5 * (((x - mean) / std) ** 2 - ((peak - mean) / std) ** 2)
            )
            return np.where(keep, x, np.nan)

    out = draw(math.prod(shape))
    bad = ~((out >= a) & (out <= b))
    while bad.any():
        out[bad] = draw(int(bad.sum()))
        bad = ~((out >= a) & (out <= b))
    return _write(tensor, out.reshape(shape))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    with no_grad():
        return _check(tensor, "constant_").fill_(val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0."""
    return constant_(tensor, 0.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (as many inputs preserved as possible)."""
    if _check(tensor, "eye_").dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, np.eye(*tensor.shape))


def xavier_uniform_(
    tensor: Tensor, gain: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Glorot uniform: U(-a, a), ``a = gain * sqrt(6 / (fan_in + fan_out))`` (Glorot 2010)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(_check(tensor, "xavier_uniform_"))
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot normal: N(0, std^2), ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(_check(tensor, "xavier_normal_"))
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """He uniform: U(-b, b), ``b = gain * sqrt(3 / fan_mode)`` (He et al. 2015).

    ``Linear`` and ``Conv2d`` use ``a=sqrt(5)``, giving U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    """
    if 0 in _check(tensor, "kaiming_uniform_").shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """He normal: N(0, std^2), ``std = gain / sqrt(fan_mode)``."""
    if 0 in _check(tensor, "kaiming_normal_").shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def orthogonal_(tensor: Tensor, gain: float = 1, generator: Generator | None = None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix, trailing dimensions flattened (Saxe et al. 2013)."""
    if _check(tensor, "orthogonal_").dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.size(0)
    cols = tensor.numel() // rows
    flat = _rng(generator).standard_normal((rows, cols))
    q, r = np.linalg.qr(flat.T if rows < cols else flat)
    q = q * np.sign(np.diag(r))  # makes Q uniform over the orthogonal group (Mezzadri 2006)
    q = q.T if rows < cols else q
    return _write(tensor, gain * q.reshape(tensor.shape))
