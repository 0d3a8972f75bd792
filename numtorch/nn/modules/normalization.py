"""Normalisation layers beyond BatchNorm: ``LayerNorm``, ``GroupNorm``, ``RMSNorm`` and
``LocalResponseNorm`` (the functional forms are in ``numtorch.nn.functional.normalization``),
and ``CrossMapLRN2d`` (the legacy Lua-Torch form of the local response norm).
Parameters, defaults, initialisation, ``repr`` and ``state_dict`` keys are PyTorch's."""

from __future__ import annotations

from typing import Any

import numpy as np

from numtorch._namespace import creation as _creation
from numtorch.autograd.graph import Primitive
from numtorch.nn import init
from numtorch.nn.functional.normalization import (
    _shape_tuple,
    group_norm,
    layer_norm,
    local_response_norm,
    rms_norm,
)
from numtorch.nn.modules.module import Module
from numtorch.nn.parameter import Parameter
from numtorch.tensor import Tensor

__all__ = ["CrossMapLRN2d", "LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm"]


def _affine(module: Module, shape: tuple, affine: bool, bias: bool, device: Any, dtype: Any):
    """Register ``weight`` (and ``bias`` unless ``bias=False``) of ``shape`` when ``affine``,
    else both as None, in PyTorch's order (so ``state_dict`` keys match)."""
    make = {"device": device, "dtype": dtype}
    weight = Parameter(_creation.empty(shape, **make)) if affine else None
    module.register_parameter("weight", weight)
    with_bias = affine and bias
    module.register_parameter(
        "bias", Parameter(_creation.empty(shape, **make)) if with_bias else None
    )


def _reset_affine(module: Module) -> None:
    """PyTorch's init of the affine parameters: weight ones, bias zeros."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class LayerNorm(Module):
    """Normalise over the last ``len(normalized_shape)`` dimensions, with a learnt elementwise
    ``weight`` (ones) and ``bias`` (zeros) of shape ``normalized_shape``.

    Example:
        >>> import numtorch as torch
        >>> torch.nn.LayerNorm(8)
        LayerNorm((8,), eps=1e-05, elementwise_affine=True, bias=True)
    """

    def __init__(
        self,
        normalized_shape: int | tuple | list,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine(self, self.normalized_shape, elementwise_affine, bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine="
            f"{self.elementwise_affine}, bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """Normalise ``num_groups`` groups of channels of each sample, with a learnt per-channel
    ``weight`` (ones) and ``bias`` (zeros) when ``affine``.

    Example:
        >>> import numtorch as torch
        >>> torch.nn.GroupNorm(2, 6)(torch.randn(4, 6, 5)).shape
        torch.Size([4, 6, 5])
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(
                f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})"
            )
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        _affine(self, (num_channels,), affine, bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class RMSNorm(Module):
    """Divide by the root mean square over the last ``len(normalized_shape)`` dimensions and
    scale by a learnt ``weight`` (ones); ``eps=None`` uses the dtype's machine epsilon.

    Example:
        >>> import numtorch as torch
        >>> torch.nn.RMSNorm(8)
        RMSNorm((8,), eps=None, elementwise_affine=True)
    """

    def __init__(
        self,
        normalized_shape: int | tuple | list,
        eps: float | None = None,
        elementwise_affine: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            make = {"device": device, "dtype": dtype}
            self.weight = Parameter(_creation.empty(self.normalized_shape, **make))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


class LocalResponseNorm(Module):
    """Normalise each element by the squares of its ``size`` neighbouring channels (AlexNet).

    Example:
        >>> import numtorch as torch
        >>> torch.nn.LocalResponseNorm(2)
        LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class _CrossMapLRN2dFn(Primitive):
    """PyTorch's legacy ``CrossMapLRN2d`` function, step for step: a running sum of squares
    across channels (with its window quirks: the first channel sums ``(size - 1) // 2 + 1``
    channels and a channel is only dropped once past ``pre_pad``), ``out = x * scale^-beta``,
    and its hand-written backward (not the exact gradient of that forward)."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, size: int, alpha, beta, k) -> np.ndarray:
        if x.ndim != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {x.ndim}D instead.")
        channels = x.shape[1]
        square = x * x
        pre_pad = int((size - 1) / 2 + 1)
        scale = np.empty_like(x)
        scale[:, 0] = square[:, : min(pre_pad, channels)].sum(axis=1)
        for c in range(1, channels):
            scale[:, c] = scale[:, c - 1]
            if c < channels - pre_pad + 1:
                scale[:, c] += square[:, c + pre_pad - 1]
            if c > pre_pad:
                scale[:, c] -= square[:, c - pre_pad]
        scale = scale * x.dtype.type(alpha / size) + x.dtype.type(k)
        out = scale ** x.dtype.type(-beta) * x
        ctx.size, ctx.alpha, ctx.beta = size, alpha, beta
        ctx.save_for_backward(x, out, scale)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x, out, scale = ctx.saved_tensors
        size = ctx.size
        channels = x.shape[1]
        inverse_pre_pad = int(size - (size - 1) / 2)
        padded = np.zeros((x.shape[0], channels + size - 1, *x.shape[2:]), x.dtype)
        if inverse_pre_pad + channels > padded.shape[1]:
            raise RuntimeError(
                f"start ({inverse_pre_pad}) + length ({channels}) exceeds dimension size "
                f"({padded.shape[1]})."
            )
        padded[:, inverse_pre_pad : inverse_pre_pad + channels] = g * out / scale
        grad = scale ** x.dtype.type(-ctx.beta) * g
        ratio = x.dtype.type(2 * ctx.alpha * ctx.beta / size)
        accum = padded[:, : size - 1].sum(axis=1)
        for c in range(channels):
            accum += padded[:, c + size - 1]
            grad[:, c] -= ratio * x[:, c] * accum
            accum -= padded[:, c]
        return grad, None, None, None, None

    def name(self) -> str:
        return "CrossMapLRN2dBackward"


class CrossMapLRN2d(Module):
    """PyTorch's legacy cross-channel local response normalisation over 4-D (N, C, H, W)
    input: ``x / (k + alpha / size * sum of squares over nearby channels) ** beta``, with the
    window and the backward of Lua Torch (see :class:`LocalResponseNorm` for the usual form).

    Example:
        >>> import numtorch as torch
        >>> m = torch.nn.CrossMapLRN2d(3, alpha=1e-2)
        >>> m
        CrossMapLRN2d(3, alpha=0.01, beta=0.75, k=1)
        >>> m(torch.ones(1, 4, 2, 2)).shape
        torch.Size([1, 4, 2, 2])
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        return _CrossMapLRN2dFn.apply(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
