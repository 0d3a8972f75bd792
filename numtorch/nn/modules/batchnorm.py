"""Batch normalisation layers: ``BatchNorm1d``, ``BatchNorm2d``, ``BatchNorm3d``.

Paper: Ioffe & Szegedy, "Batch Normalization: Accelerating Deep Network Training by Reducing
Internal Covariate Shift", 2015 (https://arxiv.org/abs/1502.03167).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numtorch import _dtype
from numtorch._namespace import creation as _creation
from numtorch.autograd.grad_mode import no_grad
from numtorch.nn import init
from numtorch.nn.functional.normalization import batch_norm
from numtorch.nn.modules.module import Module
from numtorch.nn.parameter import Parameter
from numtorch.tensor import Tensor

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"]


class _BatchNorm(Module):
    """Shared state and forward of the BatchNorm layers.

    Parameters ``weight`` (ones) and ``bias`` (zeros) when ``affine``; buffers
    ``running_mean`` (zeros), ``running_var`` (ones) and ``num_batches_tracked`` (int64) when
    ``track_running_stats`` -- registered in PyTorch's order, so ``state_dict`` keys match.
    """

    _version = 2

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.num_features = _check_features(num_features, type(self).__name__)
        self.eps, self.momentum = eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        make = {"dtype": dtype, "device": device}
        if affine:
            self.weight = Parameter(_creation.empty(num_features, **make))
            if bias:
                self.bias = Parameter(_creation.empty(num_features, **make))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", _creation.zeros(num_features, **make))
            self.register_buffer("running_var", _creation.ones(num_features, **make))
            self.register_buffer("num_batches_tracked", _creation.tensor(0, dtype=_dtype.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean to 0, running variance to 1, batch count to 0."""
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked)
        # Batch statistics in training, and in eval when no running statistics are kept.
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        return batch_norm(
            input,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch,
            factor,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )

    def _load_from_state_dict(
        self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, errors
    ) -> None:
        # Checkpoints older than version 2 have no num_batches_tracked: default it to 0.
        version = local_metadata.get("version", None)
        key = prefix + "num_batches_tracked"
        if (version is None or version < 2) and self.track_running_stats:
            if key not in state_dict:
                state_dict[key] = _creation.tensor(0, dtype=_dtype.int64)
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, errors
        )


def _check_features(value: object, cls: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{cls}(): argument 'num_features' must be int, not {type(value).__name__}")
    if value < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {value}: [{value}]")
    return int(value)


def _expect_dims(input: Tensor, allowed: tuple, text: str) -> None:
    if input.dim() not in allowed:
        raise ValueError(f"expected {text} input (got {input.dim()}D input)")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over (N, C) or (N, C, L) input, per channel C.

    Example:
        >>> import numtorch as torch
        >>> torch.nn.BatchNorm1d(16)
        BatchNorm1d(16, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    """

    def _check_input_dim(self, input: Tensor) -> None:
        _expect_dims(input, (2, 3), "2D or 3D")


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over (N, C, H, W) input, per channel C.

    In training, each channel is normalised with the batch's mean and biased variance, then
    scaled by ``weight`` and shifted by ``bias``; the running statistics move towards the
    batch's by ``momentum`` (unbiased variance), or average all batches when ``momentum`` is
    None. In eval mode the running statistics normalise.

    Args:
        num_features: C, the number of channels.
        eps: added to the variance for numerical stability. Default: 1e-5.
        momentum: weight of the newest batch in the running statistics. Default: 0.1.
        affine: learn ``weight`` and ``bias``. Default: ``True``.
        track_running_stats: keep running statistics (else eval uses batch statistics).

    Example:
        >>> import numtorch as torch
        >>> bn = torch.nn.BatchNorm2d(3)
        >>> list(bn.state_dict())
        ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
        >>> bn(torch.randn(4, 3, 8, 8)).shape
        torch.Size([4, 3, 8, 8])
    """

    def _check_input_dim(self, input: Tensor) -> None:
        _expect_dims(input, (4,), "4D")


class BatchNorm3d(_BatchNorm):
    """Batch normalisation over (N, C, D, H, W) input, per channel C."""

    def _check_input_dim(self, input: Tensor) -> None:
        _expect_dims(input, (5,), "5D")
