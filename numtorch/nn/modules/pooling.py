"""Pooling layers: max, average, adaptive, LP, unpooling and fractional max pooling in 1-D,
2-D and 3-D.

Each keeps its arguments as PyTorch does (most as given, so ``kernel_size=2`` prints as ``2``;
``AvgPool1d`` and ``MaxUnpool*`` as tuples) and calls the function of the same name in
``nn.functional``.
"""

from __future__ import annotations

from collections.abc import Sequence

from numtorch.nn.functional import pooling as _pool
from numtorch.nn.modules.module import Module
from numtorch.tensor import Tensor

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "FractionalMaxPool2d",
    "FractionalMaxPool3d",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "MaxUnpool1d",
    "MaxUnpool2d",
    "MaxUnpool3d",
]

_Size = int | Sequence[int]


class _MaxPoolNd(Module):
    """Shared arguments and repr of ``MaxPool1d``/``2d``/``3d``."""

    _fn = staticmethod(_pool.max_pool2d)

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
        return self._fn(
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


class MaxPool1d(_MaxPoolNd):
    """Max over ``kernel_size`` windows along the last axis of (N, C, L) or (C, L); see
    :func:`numtorch.nn.functional.max_pool1d`.

    Example:
        >>> import numtorch as torch
        >>> torch.nn.MaxPool1d(3, stride=2)(torch.randn(4, 8, 20)).shape
        torch.Size([4, 8, 9])
    """

    _fn = staticmethod(_pool.max_pool1d)


class MaxPool3d(_MaxPoolNd):
    """Max over ``kernel_size`` windows of (N, C, D, H, W) or (C, D, H, W); see
    :func:`numtorch.nn.functional.max_pool3d`."""

    _fn = staticmethod(_pool.max_pool3d)


class MaxPool2d(_MaxPoolNd):
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


def _ntuple(value: object, n: int) -> tuple:
    """PyTorch's ``_single``/``_pair``/``_triple``."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


class AvgPool1d(Module):
    """Mean over ``kernel_size`` windows along the last axis of (N, C, L) or (C, L); its
    arguments are kept as 1-tuples, as PyTorch does (``AvgPool1d(kernel_size=(3,), ...)``).

    Example:
        >>> import numtorch as torch
        >>> torch.nn.AvgPool1d(3)
        AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))
    """

    def __init__(
        self,
        kernel_size: _Size,
        stride: _Size | None = None,
        padding: _Size = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        self.kernel_size = _ntuple(kernel_size, 1)
        self.stride = _ntuple(stride if stride is not None else kernel_size, 1)
        self.padding = _ntuple(padding, 1)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return _pool.avg_pool1d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool3d(AvgPool2d):
    """Mean over ``kernel_size`` windows of (N, C, D, H, W) or (C, D, H, W); see
    :func:`numtorch.nn.functional.avg_pool3d`."""

    def forward(self, input: Tensor) -> Tensor:
        return _pool.avg_pool3d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    """Average over ``output_size`` adaptive windows along the last axis."""

    def forward(self, input: Tensor) -> Tensor:
        return _pool.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool3d(AdaptiveAvgPool2d):
    """Average over an ``output_size`` grid of adaptive windows of a 3-D volume."""

    def forward(self, input: Tensor) -> Tensor:
        return _pool.adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """Max over ``output_size`` adaptive windows along the last axis."""

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return _pool.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool3d(AdaptiveMaxPool2d):
    """Max over an ``output_size`` grid of adaptive windows of a 3-D volume."""

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return _pool.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class _LPPoolNd(Module):
    """Power-average pooling, ``(sum over the window of x**p) ** (1/p)``; ``norm_type`` p,
    p = inf is max pooling of ``|x|``."""

    _fn = staticmethod(_pool.lp_pool2d)

    def __init__(
        self,
        norm_type: float,
        kernel_size: _Size,
        stride: _Size | None = None,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        return self._fn(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, ceil_mode={self.ceil_mode}"
        )


class LPPool1d(_LPPoolNd):
    """1-D power-average pooling; see :func:`numtorch.nn.functional.lp_pool1d`.

    Example:
        >>> import numtorch as torch
        >>> torch.nn.LPPool1d(2, 3, stride=2)
        LPPool1d(norm_type=2, kernel_size=3, stride=2, ceil_mode=False)
    """

    _fn = staticmethod(_pool.lp_pool1d)


class LPPool2d(_LPPoolNd):
    """2-D power-average pooling; see :func:`numtorch.nn.functional.lp_pool2d`."""

    _fn = staticmethod(_pool.lp_pool2d)


class LPPool3d(_LPPoolNd):
    """3-D power-average pooling; see :func:`numtorch.nn.functional.lp_pool3d`."""

    _fn = staticmethod(_pool.lp_pool3d)


class _MaxUnpoolNd(Module):
    """Partial inverse of max pooling: values placed at the pooling's indices, zeros
    elsewhere. Arguments are kept as tuples, as PyTorch does."""

    _nd = 2
    _fn = staticmethod(_pool.max_unpool2d)

    def __init__(self, kernel_size: _Size, stride: _Size | None = None, padding: _Size = 0):
        super().__init__()
        self.kernel_size = _ntuple(kernel_size, self._nd)
        self.stride = _ntuple(stride if stride is not None else kernel_size, self._nd)
        self.padding = _ntuple(padding, self._nd)

    def forward(
        self, input: Tensor, indices: Tensor, output_size: Sequence[int] | None = None
    ) -> Tensor:
        return self._fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Partial inverse of :class:`MaxPool1d`; see :func:`numtorch.nn.functional.max_unpool1d`."""

    _nd = 1
    _fn = staticmethod(_pool.max_unpool1d)


class MaxUnpool2d(_MaxUnpoolNd):
    """Partial inverse of :class:`MaxPool2d` (``output_size`` in ``forward`` resolves an odd
    input size).

    Example:
        >>> import numtorch as torch
        >>> pool, unpool = torch.nn.MaxPool2d(2, return_indices=True), torch.nn.MaxUnpool2d(2)
        >>> out, idx = pool(torch.randn(1, 1, 5, 5))
        >>> unpool(out, idx, output_size=(5, 5)).shape
        torch.Size([1, 1, 5, 5])
    """


class MaxUnpool3d(_MaxUnpoolNd):
    """Partial inverse of :class:`MaxPool3d`; see :func:`numtorch.nn.functional.max_unpool3d`."""

    _nd = 3
    _fn = staticmethod(_pool.max_unpool3d)


class _FractionalMaxPoolNd(Module):
    """Fractional max pooling: windows at pseudo-random positions, one draw per forward from
    numtorch's default generator unless ``_random_samples`` (a buffer) is given."""

    _nd = 2
    _fn = staticmethod(_pool.fractional_max_pool2d)

    def __init__(
        self,
        kernel_size: _Size,
        output_size: _Size | None = None,
        output_ratio: float | Sequence[float] | None = None,
        return_indices: bool = False,
        _random_samples: Tensor | None = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self._check_kernel(kernel_size)
        self.kernel_size = _ntuple(kernel_size, self._nd)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = _ntuple(output_size, self._nd) if output_size is not None else None
        self.output_ratio = _ntuple(output_ratio, self._nd) if output_ratio is not None else None
        if output_size is None and output_ratio is None:
            raise ValueError(
                f"{name} requires specifying either an output size, or a pooling ratio"
            )
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def _check_kernel(self, kernel_size: _Size) -> None:
        """Only ``FractionalMaxPool3d`` checks its kernel in the constructor."""

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return self._fn(
            input,
            self.kernel_size,
            self.output_size,
            self.output_ratio,
            self.return_indices,
            _random_samples=self._random_samples,
        )


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """2-D fractional max pooling; see :func:`numtorch.nn.functional.fractional_max_pool2d`.

    Example:
        >>> import numtorch as torch
        >>> torch.nn.FractionalMaxPool2d(3, output_ratio=0.5)(torch.randn(1, 2, 10, 12)).shape
        torch.Size([1, 2, 5, 6])
    """


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """3-D fractional max pooling; see :func:`numtorch.nn.functional.fractional_max_pool3d`."""

    _nd = 3
    _fn = staticmethod(_pool.fractional_max_pool3d)

    def _check_kernel(self, kernel_size: _Size) -> None:
        ints = isinstance(kernel_size, int) and kernel_size <= 0
        seq = isinstance(kernel_size, (tuple, list)) and not all(k > 0 for k in kernel_size)
        if ints or seq:
            raise ValueError(f"kernel_size must be greater than 0, but got {kernel_size}")
