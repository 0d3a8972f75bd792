"""Convolution layers: ``Conv1d/2d/3d`` and ``ConvTranspose1d/2d/3d`` (the maths is
``F.conv*d`` / ``F.conv_transpose*d``), and their lazy forms ``LazyConv*d`` /
``LazyConvTranspose*d``, whose ``in_channels`` is read from the first input."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from numtorch._namespace import creation as _creation
from numtorch.autograd.grad_mode import no_grad
from numtorch.nn import init
from numtorch.nn.functional import conv as _conv
from numtorch.nn.modules.lazy import LazyModuleMixin
from numtorch.nn.modules.module import Module
from numtorch.nn.parameter import Parameter, UninitializedParameter
from numtorch.tensor import Tensor

__all__ = [
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "LazyConv1d",
    "LazyConv2d",
    "LazyConv3d",
    "LazyConvTranspose1d",
    "LazyConvTranspose2d",
    "LazyConvTranspose3d",
]

_PADDING_MODES = {"zeros", "reflect", "replicate", "circular"}


def _ntuple(value: Any, n: int) -> tuple:
    """PyTorch's ``_pair``/``_single``: an iterable as a tuple, anything else repeated."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


def _channels(name: str, value: object, cls: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{cls}(): argument '{name}' must be int, not {type(value).__name__}")
    return int(value)


class _ConvNd(Module):
    """The state every convolution shares: checked hyper-parameters, ``weight`` (O, C/G, *k)
    and ``bias`` (O,), PyTorch's default initialisation and ``extra_repr``. A transposed
    convolution's weight is (C_in, C_out/G, *k)."""

    _n: int = 2
    _transposed: bool = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: str | int | Sequence[int] = 0,
        dilation: int | Sequence[int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name, n = type(self).__name__, self._n
        in_channels = _channels("in_channels", in_channels, name)
        out_channels = _channels("out_channels", out_channels, name)
        stride = _ntuple(stride, n)
        self._check(in_channels, out_channels, padding, stride, groups, padding_mode)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _ntuple(kernel_size, n)
        self.stride = stride
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, n)
        self.dilation = _ntuple(dilation, n)
        self.transposed, self.output_padding = self._transposed, (0,) * n
        self.groups, self.padding_mode = groups, padding_mode
        self._reversed_padding_repeated_twice = self._reversed_padding()
        if self._transposed:
            shape = (in_channels, out_channels // groups, *self.kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(_creation.empty(shape, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(_creation.empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    @staticmethod
    def _check(in_channels, out_channels, padding, stride, groups, padding_mode) -> None:
        if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}"
                )
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {_PADDING_MODES}, but got "
                f"padding_mode='{padding_mode}'"
            )

    def _reversed_padding(self) -> list[int]:
        """Padding for ``F.pad`` order (last axis first, (before, after) each), as PyTorch
        keeps it; 'same' puts an odd extra element after."""
        out: list[int] = []
        for k, d, p in reversed(list(zip(self.kernel_size, self.dilation, self._pads()))):
            if self.padding == "same":
                total = d * (k - 1)
                out += [total // 2, total - total // 2]
            else:
                out += [p, p]
        return out

    def _pads(self) -> tuple:
        return (0,) * self._n if isinstance(self.padding, str) else self.padding

    def reset_parameters(self) -> None:
        """Redraw weight and bias as PyTorch does: ``kaiming_uniform_(a=sqrt(5))``, i.e.
        U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias."""
        with no_grad():
            init.kaiming_uniform_(self.weight, a=math.sqrt(5))
            if self.bias is not None:
                fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
                bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
                init.uniform_(self.bias, -bound, bound)

    def _padded_input(self, input: Tensor) -> Tensor:
        """``input`` with the non-zero ``padding_mode`` applied (the conv then pads nothing)."""
        rev = self._reversed_padding_repeated_twice
        pad = tuple(v for i in reversed(range(self._n)) for v in rev[2 * i : 2 * i + 2])
        return _conv._pad_nonzero(input, pad, self.padding_mode)

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        """The convolution with a given weight and bias (PyTorch's hook for layers that
        transform their weight first, such as weight standardisation)."""
        fn = getattr(_conv, f"conv{self._n}d")
        if self.padding_mode != "zeros":
            return fn(self._padded_input(input), weight, bias, self.stride, 0, self.dilation,
                      self.groups)  # fmt: skip
        return fn(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:
        return self._conv_forward(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"
        s += f", stride={self.stride}"
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation) over (N, C_in, H, W) or (C_in, H, W) input.

    Args:
        in_channels: channels of the input image.
        out_channels: channels produced (number of filters).
        kernel_size: filter size, an int or (kh, kw).
        stride: step between windows. Default: 1.
        padding: an int, a pair, ``'valid'`` or ``'same'`` (stride 1 only). Default: 0.
        dilation: spacing between kernel elements. Default: 1.
        groups: blocked connections; ``in_channels`` and ``out_channels`` must divide by it.
        bias: learn an additive bias. Default: ``True``.
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.

    Shape:
        Output ``(N, C_out, H_out, W_out)`` with
        ``H_out = (H + 2*padding - dilation*(kh-1) - 1) // stride + 1``.

    Example:
        >>> import numtorch as torch
        >>> conv = torch.nn.Conv2d(3, 64, 3, padding=1)
        >>> conv
        Conv2d(3, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
        >>> conv(torch.randn(8, 3, 32, 32)).shape
        torch.Size([8, 64, 32, 32])
    """

    _n = 2


class Conv1d(_ConvNd):
    """1-D convolution over (N, C_in, L) or (C_in, L) input; arguments as in :class:`Conv2d`.

    Example:
        >>> import numtorch as torch
        >>> torch.nn.Conv1d(4, 8, 3)(torch.randn(2, 4, 10)).shape
        torch.Size([2, 8, 8])
    """

    _n = 1


class Conv3d(_ConvNd):
    """3-D convolution over (N, C_in, D, H, W) or (C_in, D, H, W) input; arguments as in
    :class:`Conv2d`, with triples for the sizes.

    Example:
        >>> import numtorch as torch
        >>> torch.nn.Conv3d(2, 4, 3, padding=1)(torch.randn(1, 2, 4, 6, 6)).shape
        torch.Size([1, 4, 4, 6, 6])
    """

    _n = 3


class _ConvTransposeNd(_ConvNd):
    """A transposed convolution: weight (C_in, C_out/G, *k), ``output_padding``, and the
    ``output_size=`` argument of ``forward`` (PyTorch's ``_output_padding``)."""

    _transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] = 0,
        output_padding: int | Sequence[int] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | Sequence[int] = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
            padding_mode, device, dtype,
        )  # fmt: skip
        self.output_padding = _ntuple(output_padding, self._n)

    def _output_padding(
        self,
        input: Tensor,
        output_size: Sequence[int] | None,
        stride: Sequence[int],
        padding: Sequence[int],
        kernel_size: Sequence[int],
        num_spatial_dims: int,
        dilation: Sequence[int] | None = None,
    ) -> list[int]:
        """``output_padding``, or the one that gives ``output_size`` (its last
        ``num_spatial_dims`` entries), refused with PyTorch's ValueError when no output
        padding can; PyTorch's signature, which subclasses call."""
        if output_size is None:
            return list(self.output_padding)
        n = num_spatial_dims
        lead = 2 if input.ndim == n + 2 else 1
        if len(output_size) == lead + n:
            output_size = output_size[lead:]
        if len(output_size) != n:
            raise ValueError(
                f"ConvTranspose{n}D: for {input.ndim}D input, output_size must have {n} or "
                f"{lead + n} elements (got {len(output_size)})"
            )
        dilation = dilation if dilation is not None else (1,) * n
        min_sizes = [
            (input.shape[d + lead] - 1) * stride[d] - 2 * padding[d]
            + dilation[d] * (kernel_size[d] - 1) + 1
            for d in range(n)
        ]  # fmt: skip
        max_sizes = [m + s - 1 for m, s in zip(min_sizes, stride)]
        for size, lo, hi in zip(output_size, min_sizes, max_sizes):
            if size < lo or size > hi:
                raise ValueError(
                    f"requested an output size of {output_size}, but valid sizes range from "
                    f"{min_sizes} to {max_sizes} (for an input of {input.shape[2:]})"
                )
        return [size - lo for size, lo in zip(output_size, min_sizes)]

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        if self.padding_mode != "zeros":
            raise ValueError(f"Only `zeros` padding mode is supported for {type(self).__name__}")
        output_padding = self._output_padding(
            input, output_size, self.stride, self.padding, self.kernel_size, self._n,
            self.dilation,
        )  # fmt: skip
        fn = getattr(_conv, f"conv_transpose{self._n}d")
        return fn(
            input, self.weight, self.bias, self.stride, self.padding, output_padding,
            self.groups, self.dilation,
        )  # fmt: skip


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution (the gradient of :class:`Conv2d` with respect to its input)
    over (N, C_in, H, W) or (C_in, H, W): the upsampling layer of decoders and generators.

    Args:
        in_channels, out_channels, kernel_size, stride, padding, groups, bias, dilation: as in
            :class:`Conv2d` (``padding`` trims the output; no strings).
        output_padding: extra rows/columns on the bottom/right of the output, smaller than
            the stride or the dilation. Default: 0.
        padding_mode: only ``'zeros'``.

    ``forward(input, output_size=None)``: ``output_size`` picks the output padding that gives
    that size. Output height ``(H-1)*stride - 2*padding + dilation*(kh-1) + output_padding + 1``.

    Example:
        >>> import numtorch as torch
        >>> up = torch.nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1)
        >>> up
        ConvTranspose2d(16, 8, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))
        >>> up(torch.randn(2, 16, 7, 7)).shape
        torch.Size([2, 8, 14, 14])
    """

    _n = 2


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution over (N, C_in, L) or (C_in, L); arguments as in
    :class:`ConvTranspose2d`.

    Example:
        >>> import numtorch as torch
        >>> torch.nn.ConvTranspose1d(4, 2, 3, stride=2)(torch.randn(1, 4, 5)).shape
        torch.Size([1, 2, 11])
    """

    _n = 1


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution over (N, C_in, D, H, W) or (C_in, D, H, W); arguments as
    in :class:`ConvTranspose2d`.

    Example:
        >>> import numtorch as torch
        >>> torch.nn.ConvTranspose3d(4, 2, 2, stride=2)(torch.randn(1, 4, 2, 3, 3)).shape
        torch.Size([1, 2, 4, 6, 6])
    """

    _n = 3


class _LazyConvXdMixin(LazyModuleMixin):
    """PyTorch's ``_LazyConvXdMixin``: ``in_channels`` is the first input's channel dimension
    (dimension 1 when batched, 0 when not); ``weight`` and ``bias`` are then materialised and
    drawn as the concrete layer's, and the module becomes ``cls_to_become``."""

    def _lazy_init(self, out_channels: int, bias: bool, device: Any, dtype: Any) -> None:
        """Replace the concrete layer's (empty) parameters by uninitialised ones."""
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        """Draw the parameters as the concrete layer does, once they have a shape."""
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:
        """``in_channels`` from ``input``; materialise and draw ``weight`` and ``bias``."""
        if not self.has_uninitialized_params():
            return
        self.in_channels = self._get_in_channels(input)
        if self.in_channels % self.groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        with no_grad():
            if self.transposed:
                shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
            else:
                shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
            self.weight.materialize(shape)
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()

    def _get_in_channels(self, input: Tensor) -> int:
        """The channel count of a batched or unbatched input, or PyTorch's RuntimeError."""
        unbatched = self._n + 1
        if input.dim() not in (unbatched, unbatched + 1):
            raise RuntimeError(
                f"Expected {unbatched}D (unbatched) or {unbatched + 1}D (batched) input to "
                f"{self.__class__.__name__}, but got input of size: {input.shape}"
            )
        return input.shape[1] if input.dim() == unbatched + 1 else input.shape[0]


class _LazyConvNd(_LazyConvXdMixin, _ConvNd):
    """A lazy convolution: ``_ConvNd``'s arguments less ``in_channels``."""

    def __init__(
        self,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: str | int | Sequence[int] = 0,
        dilation: int | Sequence[int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        # bias=False: no tensor that would be replaced at once.
        super().__init__(
            0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode, device,
            dtype,
        )  # fmt: skip
        self._lazy_init(out_channels, bias, device, dtype)


class _LazyConvTransposeNd(_LazyConvXdMixin, _ConvTransposeNd):
    """A lazy transposed convolution: ``_ConvTransposeNd``'s arguments less ``in_channels``."""

    def __init__(
        self,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] = 0,
        output_padding: int | Sequence[int] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | Sequence[int] = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation,
            padding_mode, device, dtype,
        )  # fmt: skip
        self._lazy_init(out_channels, bias, device, dtype)


class LazyConv1d(_LazyConvNd, Conv1d):
    """A :class:`Conv1d` whose ``in_channels`` is inferred from the first input; it becomes a
    ``Conv1d`` at the first call.

    Example:
        >>> import numtorch as torch
        >>> m = torch.nn.LazyConv1d(8, 3)
        >>> m(torch.randn(2, 4, 10)).shape, m
        (torch.Size([2, 8, 8]), Conv1d(4, 8, kernel_size=(3,), stride=(1,)))
    """

    cls_to_become = Conv1d


class LazyConv2d(_LazyConvNd, Conv2d):
    """A :class:`Conv2d` whose ``in_channels`` is inferred from the first input
    (``input.size(1)``, or ``input.size(0)`` unbatched); it becomes a ``Conv2d`` at the first
    call. ``weight`` and ``bias`` are ``UninitializedParameter`` until then.

    Example:
        >>> import numtorch as torch
        >>> m = torch.nn.LazyConv2d(16, 3, padding=1)
        >>> m
        LazyConv2d(0, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
        >>> m(torch.randn(2, 3, 8, 8)).shape, type(m).__name__
        (torch.Size([2, 16, 8, 8]), 'Conv2d')
    """

    cls_to_become = Conv2d


class LazyConv3d(_LazyConvNd, Conv3d):
    """A :class:`Conv3d` whose ``in_channels`` is inferred from the first input; it becomes a
    ``Conv3d`` at the first call.

    Example:
        >>> import numtorch as torch
        >>> m = torch.nn.LazyConv3d(4, 3, padding=1)
        >>> m(torch.randn(1, 2, 4, 6, 6)).shape, m.in_channels
        (torch.Size([1, 4, 4, 6, 6]), 2)
    """

    cls_to_become = Conv3d


class LazyConvTranspose1d(_LazyConvTransposeNd, ConvTranspose1d):
    """A :class:`ConvTranspose1d` whose ``in_channels`` is inferred from the first input; it
    becomes a ``ConvTranspose1d`` at the first call.

    Example:
        >>> import numtorch as torch
        >>> m = torch.nn.LazyConvTranspose1d(2, 3, stride=2)
        >>> m(torch.randn(1, 4, 5)).shape, m.weight.shape
        (torch.Size([1, 2, 11]), torch.Size([4, 2, 3]))
    """

    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTransposeNd, ConvTranspose2d):
    """A :class:`ConvTranspose2d` whose ``in_channels`` is inferred from the first input; it
    becomes a ``ConvTranspose2d`` at the first call.

    Example:
        >>> import numtorch as torch
        >>> m = torch.nn.LazyConvTranspose2d(8, 4, stride=2, padding=1)
        >>> m(torch.randn(2, 16, 7, 7)).shape, type(m).__name__
        (torch.Size([2, 8, 14, 14]), 'ConvTranspose2d')
    """

    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTransposeNd, ConvTranspose3d):
    """A :class:`ConvTranspose3d` whose ``in_channels`` is inferred from the first input; it
    becomes a ``ConvTranspose3d`` at the first call.

    Example:
        >>> import numtorch as torch
        >>> m = torch.nn.LazyConvTranspose3d(2, 2, stride=2)
        >>> m(torch.randn(1, 4, 2, 3, 3)).shape
        torch.Size([1, 2, 4, 6, 6])
    """

    cls_to_become = ConvTranspose3d
