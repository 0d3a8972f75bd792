"""``Fold`` and ``Unfold`` (sliding local blocks): the modules around ``F.fold`` /
``F.unfold``. The arguments are kept exactly as given (an int stays an int), as PyTorch keeps
them, so the reprs agree."""

from __future__ import annotations

from collections.abc import Sequence

from numtorch.nn.functional import conv as _conv
from numtorch.nn.modules.module import Module
from numtorch.tensor import Tensor

__all__ = ["Fold", "Unfold"]

_Size = int | Sequence[int]


class Fold(Module):
    """Sum sliding blocks (N, C*kh*kw, L) or (C*kh*kw, L) into (N, C, *output_size): the
    inverse arrangement of :class:`Unfold` (overlapping blocks add up).

    Example:
        >>> import numtorch as torch
        >>> fold = torch.nn.Fold(output_size=(4, 5), kernel_size=2)
        >>> fold
        Fold(output_size=(4, 5), kernel_size=2, dilation=1, padding=0, stride=1)
        >>> fold(torch.randn(1, 3 * 2 * 2, 12)).shape
        torch.Size([1, 3, 4, 5])
    """

    __constants__ = ["output_size", "kernel_size", "dilation", "padding", "stride"]

    def __init__(
        self,
        output_size: _Size,
        kernel_size: _Size,
        dilation: _Size = 1,
        padding: _Size = 0,
        stride: _Size = 1,
    ) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return _conv.fold(
            input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride
        )

    def extra_repr(self) -> str:
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
            f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}"
        )


class Unfold(Module):
    """The sliding ``kernel_size`` blocks of (N, C, H, W) or (C, H, W) input as columns,
    (N, C*kh*kw, L): what a convolution multiplies its weight by.

    Example:
        >>> import numtorch as torch
        >>> unfold = torch.nn.Unfold(kernel_size=(2, 3))
        >>> unfold(torch.randn(2, 5, 3, 4)).shape
        torch.Size([2, 30, 4])
    """

    __constants__ = ["kernel_size", "dilation", "padding", "stride"]

    def __init__(
        self, kernel_size: _Size, dilation: _Size = 1, padding: _Size = 0, stride: _Size = 1
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return _conv.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
            f"stride={self.stride}"
        )
