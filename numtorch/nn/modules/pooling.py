"""Pooling layers: ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d``, ``AdaptiveMaxPool2d``.

Each keeps its arguments as given (PyTorch prints ``kernel_size=2``, not ``(2, 2)``) and
calls the function of the same name in ``nn.functional``.
"""

from __future__ import annotations

from collections.abc import Sequence

from numtorch.nn.functional import pooling as _pool
from numtorch.nn.modules.module import Module
from numtorch.tensor import Tensor

__all__ = ["AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "AvgPool2d", "MaxPool2d"]

_Size = int | Sequence[int]


class MaxPool2d(Module):
    """Max over ``kernel_size`` windows of (N, C, H, W) or (C, H, W) input.

    Args:
        kernel_size: window size, an int or (kh, kw).
        stride: step between windows. Default: ``kernel_size``.
        padding: implicit -inf padding on both sides, at most half the kernel. Default: 0.
        dilation: spacing between window elements. Default: 1.
        return_indices: also return the argmax flat indices (for ``MaxUnpool2d``).
        ceil_mode: round the output size up (a last partial window is kept).

    Shape:
        ``H_out = (H + 2*padding - dilation*(kh-1) - 1) // stride + 1`` (ceil in ceil_mode).

    Example:
        >>> import numtorch as torch
        >>> pool = torch.nn.MaxPool2d(2)
        >>> pool
        MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
        >>> pool(torch.randn(1, 3, 8, 8)).shape
        torch.Size([1, 3, 4, 4])
    """

    def __init__(
        self,
        kernel_size: _Size,
        stride: _Size | None = None,
        padding: _Size = 0,
        dilation: _Size = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return _pool.max_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    """Mean over ``kernel_size`` windows; see :func:`numtorch.nn.functional.avg_pool2d`.

    Example:
        >>> import numtorch as torch
        >>> torch.nn.AvgPool2d(2)
        AvgPool2d(kernel_size=2, stride=2, padding=0)
    """

    def __init__(
        self,
        kernel_size: _Size,
        stride: _Size | None = None,
        padding: _Size = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return _pool.avg_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average over an ``output_size`` grid of windows, whatever the input's size (``None``
    keeps that dimension); ``AdaptiveAvgPool2d(1)`` is global average pooling.

    Example:
        >>> import numtorch as torch
        >>> pool = torch.nn.AdaptiveAvgPool2d((1, 1))
        >>> pool(torch.randn(2, 8, 7, 5)).shape
        torch.Size([2, 8, 1, 1])
    """

    def __init__(self, output_size: int | Sequence[int | None]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return _pool.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max over the adaptive windows of :class:`AdaptiveAvgPool2d`."""

    def __init__(
        self, output_size: int | Sequence[int | None], return_indices: bool = False
    ) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return _pool.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
