"""Batch normalisation layers: ``BatchNorm1d``, ``BatchNorm2d``, ``BatchNorm3d``, their lazy
forms (``LazyBatchNorm1d``, ...) and ``SyncBatchNorm``.

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
from numtorch.nn.modules import _sync_batchnorm
from numtorch.nn.modules.lazy import LazyModuleMixin
from numtorch.nn.modules.module import Module
from numtorch.nn.parameter import Parameter, UninitializedBuffer, UninitializedParameter
from numtorch.tensor import Tensor

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "LazyBatchNorm1d",
    "LazyBatchNorm2d",
    "LazyBatchNorm3d",
    "SyncBatchNorm",
]


class _BatchNorm(Module):
    """Shared state and forward of the BatchNorm layers.

    Parameters ``weight`` (ones) and ``bias`` (zeros) when ``affine``; buffers
    ``running_mean`` (zeros), ``running_var`` (ones) and ``num_batches_tracked`` (int64) when
    ``track_running_stats`` -- registered in PyTorch's order, so ``state_dict`` keys match.
    """

    _version = 2
    _is_instance_norm = False  # True for InstanceNorm, which PyTorch keeps apart (_NormBase)

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


class _LazyNormBase(LazyModuleMixin, _BatchNorm):
    """The lazy norm layers: ``num_features`` is the first input's dimension 1; ``weight``,
    ``bias``, ``running_mean`` and ``running_var`` start uninitialised."""

    def __init__(
        self,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        make = {"device": device, "dtype": dtype}
        # affine and track_running_stats off here: no tensors that would be replaced at once.
        super().__init__(0, eps, momentum, False, False, device, dtype, bias=False)
        self.affine, self.track_running_stats = affine, track_running_stats
        if self.affine:
            self.weight = UninitializedParameter(**make)
            if bias:
                self.bias = UninitializedParameter(**make)
        if self.track_running_stats:
            self.running_mean = UninitializedBuffer(**make)
            self.running_var = UninitializedBuffer(**make)
            self.num_batches_tracked = _creation.tensor(0, dtype=_dtype.int64)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor) -> None:
        """``num_features`` from ``input.shape[1]``; materialise and reset the members."""
        if not self.has_uninitialized_params():
            return
        self.num_features = input.shape[1]
        if self.affine:
            self.weight.materialize((self.num_features,))
            if self.bias is not None:
                self.bias.materialize((self.num_features,))
        if self.track_running_stats:
            self.running_mean.materialize((self.num_features,))
            self.running_var.materialize((self.num_features,))
        self.reset_parameters()


class LazyBatchNorm1d(_LazyNormBase, _BatchNorm):
    """``BatchNorm1d`` with ``num_features`` inferred from the first input (``input.size(1)``).

    Example:
        >>> import numtorch as torch
        >>> m = torch.nn.LazyBatchNorm1d()
        >>> m(torch.randn(4, 6)).shape, type(m).__name__
        (torch.Size([4, 6]), 'BatchNorm1d')
    """

    cls_to_become = BatchNorm1d

    def _check_input_dim(self, input: Tensor) -> None:
        _expect_dims(input, (2, 3), "2D or 3D")


class LazyBatchNorm2d(_LazyNormBase, _BatchNorm):
    """``BatchNorm2d`` with ``num_features`` inferred from the first input."""

    cls_to_become = BatchNorm2d

    def _check_input_dim(self, input: Tensor) -> None:
        _expect_dims(input, (4,), "4D")


class LazyBatchNorm3d(_LazyNormBase, _BatchNorm):
    """``BatchNorm3d`` with ``num_features`` inferred from the first input."""

    cls_to_become = BatchNorm3d

    def _check_input_dim(self, input: Tensor) -> None:
        _expect_dims(input, (5,), "5D")


class SyncBatchNorm(_BatchNorm):
    """Batch normalisation over any (N, C, ...) input, with the batch statistics gathered over
    all processes of a distributed group.

    In training, when ``numtorch.distributed`` has an initialised process group of more than
    one process, the mean and variance are those of the global batch -- the concatenation of
    every rank's input, which may differ in size -- and the input gradient uses the global
    sums (see ``numtorch.nn.modules._sync_batchnorm``); ``weight`` and ``bias`` gradients are
    local, for ``DistributedDataParallel`` to average. Otherwise (one process, or eval mode)
    the layer is ``BatchNorm``'s maths on the local batch, as PyTorch's is. Unlike PyTorch,
    which requires GPU inputs for the synchronised path, CPU tensors are synchronised over MPI.

    Args:
        process_group: the group to synchronise over (None: the default group).

    Example:
        >>> import numtorch as torch
        >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
        >>> torch.nn.SyncBatchNorm.convert_sync_batchnorm(net)[1]
        SyncBatchNorm(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        process_group: Any = None,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(
            num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias
        )
        self.process_group = process_group

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        if input.size(1) == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")
        sync = _sync_batchnorm.sync_group(self.process_group, self.training)
        if sync is None:
            return super().forward(input)
        return _sync_batchnorm.sync_batch_norm(self, input, *sync)

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """``module`` with every ``BatchNorm*d`` in it (itself included) replaced by a
        ``SyncBatchNorm`` sharing its parameters and running statistics; other modules are
        kept, their children converted in place."""
        module_output = module
        if isinstance(module, _BatchNorm) and not module._is_instance_norm:
            module_output = SyncBatchNorm(
                module.num_features,
                module.eps,
                module.momentum,
                module.affine,
                module.track_running_stats,
                process_group,
                bias=module.bias is not None,
            )
            if module.affine:
                with no_grad():
                    module_output.weight = module.weight
                    module_output.bias = module.bias
            module_output.running_mean = module.running_mean
            module_output.running_var = module.running_var
            module_output.num_batches_tracked = module.num_batches_tracked
            module_output.training = module.training
            if hasattr(module, "qconfig"):
                module_output.qconfig = module.qconfig
        for name, child in module.named_children():
            module_output.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return module_output
