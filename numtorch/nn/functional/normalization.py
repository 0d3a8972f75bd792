"""Normalisation functions (``batch_norm``, ``instance_norm``, ``layer_norm``, ``group_norm``,
``rms_norm``, ``local_response_norm``, ``normalize``), validated with PyTorch's messages; the
batch, layer and group maths are fused primitives in ``numtorch.ops.normalization``, the rest
are compositions of ops, as in PyTorch."""

from __future__ import annotations

import numpy as np

from numtorch import _namespace as _ops
from numtorch._checks import check_tensor
from numtorch._checks import type_name as _type_name
from numtorch.ops.normalization import BatchNorm, GroupNorm, LayerNorm
from numtorch.tensor import Tensor

__all__ = [
    "batch_norm",
    "instance_norm",
    "layer_norm",
    "group_norm",
    "rms_norm",
    "local_response_norm",
    "normalize",
]


def _verify_batch_size(shape: tuple) -> None:
    values = shape[0]
    for n in shape[2:]:
        values *= n
    if values == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size "
            f"torch.Size({list(shape)})"
        )


_BATCH_NORM_POSITIONS = {"running_mean": 2, "running_var": 3, "weight": 4, "bias": 5}


def _check_stats(input: Tensor, named: dict, training: bool) -> None:
    channels = input.shape[1]
    for name, t in named.items():
        if t is None:
            continue
        check_tensor(t, "batch_norm", name, _BATCH_NORM_POSITIONS[name])
        if t.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")
        if t.dtype is not input.dtype:
            raise RuntimeError(
                "mixed dtype (CPU): all inputs must share same datatype: input is "
                f"{input.dtype}, {name} is {t.dtype}"
            )
    if named["running_mean"] is None and not training:
        raise RuntimeError("running_mean must be defined in evaluation mode")


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (axis 1) of ``input`` (N, C, *) to zero mean and unit variance,
    then scale by ``weight`` and shift by ``bias``.

    With ``training=True`` the batch's statistics are used (biased variance) and the running
    buffers, when given, move towards them by ``momentum`` (unbiased variance), in place.
    Otherwise the running statistics normalise. Paper: Ioffe & Szegedy, 2015,
    https://arxiv.org/abs/1502.03167.

    Example:
        >>> import numtorch as torch
        >>> x = torch.tensor([[1.0], [3.0]])
        >>> torch.nn.functional.batch_norm(x, None, None, training=True).flatten().tolist()
        [-0.9999949932098389, 0.9999949932098389]
    """
    check_tensor(input, "batch_norm")
    if input.ndim < 2:
        raise ValueError(f"batch_norm expects an input of at least 2D, but got {input.ndim}D input")
    if training:
        _verify_batch_size(tuple(input.shape))
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"batch_norm\" not implemented for '{_type_name(input.dtype)}'")
    stats = {"running_mean": running_mean, "running_var": running_var}
    _check_stats(input, {**stats, "weight": weight, "bias": bias}, training)
    # The running statistics go in as tensors: the node saves them, version-checked, as
    # PyTorch's does. Their update in training is not counted as an in-place change (as in
    # PyTorch), so a module used twice in one step still back-propagates through both.
    return BatchNorm.apply(
        input,
        weight,
        bias,
        running_mean,
        running_var,
        training=bool(training),
        momentum=momentum,
        eps=eps,
    )


def _verify_spatial_size(shape: tuple) -> None:
    if int(np.prod(shape[2:])) == 1:
        raise ValueError(
            "Expected more than 1 spatial element when training, got input size "
            f"torch.Size({list(shape)})"
        )


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of each sample of ``input`` (N, C, *) over its own spatial
    elements. As in PyTorch, this is ``batch_norm`` on the input viewed as (1, N*C, *), with
    the running statistics (when given) repeated per sample and averaged back after."""
    check_tensor(input, "instance_norm")
    if input.ndim < 2:
        raise ValueError(f"instance_norm expects an input of at least 2D, got {input.ndim}D")
    if use_input_stats:
        _verify_spatial_size(tuple(input.shape))
    n, c = input.shape[:2]
    folded = input.reshape(1, n * c, *input.shape[2:])
    repeated = [None if t is None else t.repeat(n) for t in (running_mean, running_var)]
    w = None if weight is None else weight.repeat(n)
    b = None if bias is None else bias.repeat(n)
    out = batch_norm(folded, *repeated, w, b, use_input_stats, momentum, eps)
    if use_input_stats:
        for running, updated in zip((running_mean, running_var), repeated):
            if running is not None:
                running._data[...] = updated._data.reshape(n, c).mean(axis=0)
    return out.view(input.shape)


def _check_normalized_shape(
    input: Tensor, normalized_shape: tuple, named: dict, lead: str = ", "
) -> None:
    """PyTorch's checks of ``normalized_shape`` against the input and parameters; ``lead``
    joins the ``*`` to the shape in the message (``rms_norm`` writes ``[*2, 5]``)."""
    shape = list(normalized_shape)
    if not shape:
        raise RuntimeError(
            "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least "
            f"one element, but got normalized_shape = {shape}"
        )
    for name, t in named.items():
        if t is not None and list(t.shape) != shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
                f"shape {list(t.shape)} and normalized_shape = {shape}"
            )
    if list(input.shape[input.ndim - len(shape) :]) != shape or input.ndim < len(shape):
        dims = lead + ", ".join(str(n) for n in shape)
        raise RuntimeError(
            f"Given normalized_shape={shape}, expected input with shape [*{dims}], but got "
            f"input of size{list(input.shape)}"
        )


def _shape_tuple(normalized_shape: int | tuple | list) -> tuple:
    if isinstance(normalized_shape, (int, np.integer)):
        return (int(normalized_shape),)
    return tuple(int(n) for n in normalized_shape)


def layer_norm(
    input: Tensor,
    normalized_shape: int | tuple | list,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dimensions to zero mean and unit
    (biased) variance, then scale by ``weight`` and shift by ``bias`` (both of shape
    ``normalized_shape``). Paper: Ba et al., 2016, https://arxiv.org/abs/1607.06450.

    Example:
        >>> import numtorch as torch
        >>> torch.nn.functional.layer_norm(torch.tensor([[1.0, 3.0]]), (2,)).tolist()
        [[-0.9999949932098389, 0.9999949932098389]]
    """
    check_tensor(input, "layer_norm")
    shape = _shape_tuple(normalized_shape)
    _check_normalized_shape(input, shape, {"weight": weight, "bias": bias})
    _check_float(input, "LayerNormKernelImpl")
    return LayerNorm.apply(input, weight, bias, k=len(shape), eps=eps)


def _check_float(input: Tensor, kernel: str) -> None:
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"\"{kernel}\" not implemented for '{_type_name(input.dtype)}'")


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Split the channels of ``input`` (N, C, *) into ``num_groups`` groups, normalise each
    group of each sample, then scale and shift per channel. Paper: Wu & He, 2018,
    https://arxiv.org/abs/1803.08494."""
    check_tensor(input, "group_norm")
    if input.ndim < 2:
        raise RuntimeError(
            f"Expected at least 2 dimensions for input tensor but received {input.ndim}"
        )
    n, c = input.shape[:2]
    _verify_batch_size((n * c // num_groups, num_groups, *input.shape[2:]))
    if c % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input "
            f"of shape {list(input.shape)} and num_groups={num_groups}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.numel() != c):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in "
                f"input, but got {name} of shape {list(t.shape)} and input of shape "
                f"{list(input.shape)}"
            )
    _check_float(input, "GroupNormKernelImpl")
    return GroupNorm.apply(input, weight, bias, groups=int(num_groups), eps=eps)


def rms_norm(
    input: Tensor,
    normalized_shape: int | tuple | list,
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """Divide by the root mean square over the last ``len(normalized_shape)`` dimensions
    (``eps`` defaults to the dtype's machine epsilon), then scale by ``weight``. Paper: Zhang &
    Sennrich, 2019, https://arxiv.org/abs/1910.07467."""
    check_tensor(input, "rms_norm")
    shape = _shape_tuple(normalized_shape)
    _check_normalized_shape(input, shape, {"weight": weight}, lead="")
    if eps is None:
        eps = float(np.finfo(input.dtype.numpy).eps)
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    out = input * _ops.rsqrt(input.pow(2).mean(dims, keepdim=True) + eps)
    return out if weight is None else out * weight


def local_response_norm(
    input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """Divide each element by ``(k + alpha * mean of squares over `size` neighbouring
    channels) ** beta`` (AlexNet's normalisation; the window is zero-padded as in PyTorch)."""
    check_tensor(input, "local_response_norm")
    if input.ndim < 3:
        raise ValueError(
            "Expected 3D or higher dimensionality                          input "
            f"(got {input.ndim} dimensions)"
        )
    if input.numel() == 0:
        return input
    squares = input.mul(input)
    c = input.shape[1]
    before, after = size // 2, (size - 1) // 2
    zeros = _ops.zeros((input.shape[0], 1, *input.shape[2:]), dtype=input.dtype)
    padded = _ops.cat([zeros] * before + [squares] + [zeros] * after, 1)
    window = padded.narrow(1, 0, c)
    for i in range(1, size):
        window = window + padded.narrow(1, i, c)
    div = (window / size).mul(alpha).add(k).pow(beta)
    return input / div


def normalize(
    input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None
) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim`` (PyTorch's formula, with its gradient
    through the norm)."""
    check_tensor(input, "normalize")
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    if out is None:
        return input / denom
    return _ops.div(input, denom, out=out)
