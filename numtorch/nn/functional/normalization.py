"""Batch normalisation (``batch_norm``), validated with PyTorch's messages; the maths is the
fused primitive in ``numtorch.ops.normalization``."""

from __future__ import annotations

from numtorch._checks import check_tensor
from numtorch._checks import type_name as _type_name
from numtorch.ops.normalization import BatchNorm
from numtorch.tensor import Tensor

__all__ = ["batch_norm"]


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
