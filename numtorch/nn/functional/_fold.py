"""``unfold`` (sliding blocks, PyTorch's im2col) and ``fold`` (their sum, col2im), with
PyTorch's argument checks in its order. Re-exported by ``numtorch.nn.functional.conv``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from numtorch._checks import check_tensor
from numtorch.ops import fold as _ops
from numtorch.tensor import Tensor

__all__ = ["fold", "unfold"]

_IntOrPair = int | Sequence[int]


def _pair(value: object, name: str, fn: str, position: int) -> tuple:
    """``value`` (an int or 1 or 2 ints) as a pair, refused as PyTorch's binding does."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    for i, v in enumerate(items):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(
                f"{fn}(): argument '{name}' (position {position}) must be tuple of ints, but "
                f"found element of type {type(v).__name__} at pos {i}"
            )
    if len(items) == 1:
        items = items * 2
    if len(items) != 2:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(items)}")
    return tuple(int(v) for v in items)


def _check_positive(value: tuple, what: str, short: str) -> None:
    if min(value) <= 0:
        raise RuntimeError(
            f"{what} should be greater than zero, but got {short}_height: {value[0]} "
            f"{short}_width: {value[1]}"
        )


def _check_padding(padding: tuple) -> None:
    if min(padding) < 0:
        raise RuntimeError(
            f"padding should be non-negative, but got pad_height: {padding[0]} "
            f"pad_width: {padding[1]}"
        )


def _blocks(size: tuple, kernel: tuple, dilation: tuple, padding: tuple, stride: tuple):
    """Sliding blocks per axis, with C++'s division (toward zero), as PyTorch counts them."""
    out = []
    for n, k, d, p, s in zip(size, kernel, dilation, padding, stride):
        span = n + 2 * p - (d * (k - 1) + 1)
        out.append(int(span / s) + 1)
    return tuple(out)


def _check_float(x: Tensor, kernel: str) -> None:
    if np.dtype(x.dtype.numpy).kind not in "fb":  # floats, and bool (where a sum is an "or")
        name = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte"}
        key = str(x.dtype).replace("torch.", "")
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{name.get(key, key.capitalize())}'"
        )


def unfold(
    input: Tensor,
    kernel_size: _IntOrPair,
    dilation: _IntOrPair = 1,
    padding: _IntOrPair = 0,
    stride: _IntOrPair = 1,
) -> Tensor:
    """The sliding ``kernel_size`` blocks of ``input`` (N, C, H, W) or (C, H, W), one column
    each: (N, C*kh*kw, L), channel-major within a column (PyTorch's ``im2col``).

    Example:
        >>> import numtorch as torch
        >>> torch.nn.functional.unfold(torch.ones(1, 3, 4, 4), 2).shape
        torch.Size([1, 12, 9])
    """
    check_tensor(input, "im2col")
    kernel = _pair(kernel_size, "kernel_size", "im2col", 2)
    dilation = _pair(dilation, "dilation", "im2col", 3)
    padding = _pair(padding, "padding", "im2col", 4)
    stride = _pair(stride, "stride", "im2col", 5)
    _check_positive(kernel, "kernel size", "kernel")
    _check_positive(dilation, "dilation", "dilation")
    _check_padding(padding)
    _check_positive(stride, "stride", "stride")
    if input.ndim < 3:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-max(input.ndim, 1)}, "
            f"{max(input.ndim, 1) - 1}], but got 2)"
        )
    batched = input.ndim == 4
    if input.ndim > 4 or 0 in input.shape[1 if batched else 0 :]:
        raise RuntimeError(
            "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other "
            f"non-zero dimensions for input, but got: {list(input.shape)}"
        )
    size = tuple(input.shape[-2:])
    blocks = _blocks(size, kernel, dilation, padding, stride)
    if min(blocks) < 1:
        raise RuntimeError(
            f"Given input with spatial size {size}, kernel_size={kernel}, dilation={dilation}, "
            f"padding={padding}, calculated shape of the array of sliding blocks as {blocks}, "
            "but its components must be at least one."
        )
    _check_float(input, "im2col_out_cpu")
    x = input if batched else input.unsqueeze(0)
    out = _ops.Unfold.apply(x, kernel, stride, padding, dilation, blocks)
    return out if batched else out.squeeze(0)


def fold(
    input: Tensor,
    output_size: _IntOrPair,
    kernel_size: _IntOrPair,
    dilation: _IntOrPair = 1,
    padding: _IntOrPair = 0,
    stride: _IntOrPair = 1,
) -> Tensor:
    """Sum sliding blocks (N, C*kh*kw, L) or (C*kh*kw, L) into an image (N, C, *output_size):
    the adjoint of :func:`unfold` (PyTorch's ``col2im``; overlapping blocks add up).

    Example:
        >>> import numtorch as torch
        >>> torch.nn.functional.fold(torch.ones(1, 12, 9), (4, 4), 2)[0, 0]
        tensor([[1., 2., 2., 1.],
                [2., 4., 4., 2.],
                [2., 4., 4., 2.],
                [1., 2., 2., 1.]])
    """
    check_tensor(input, "col2im")
    size = _pair(output_size, "output_size", "col2im", 2)
    kernel = _pair(kernel_size, "kernel_size", "col2im", 3)
    dilation = _pair(dilation, "dilation", "col2im", 4)
    padding = _pair(padding, "padding", "col2im", 5)
    stride = _pair(stride, "stride", "col2im", 6)
    _check_positive(kernel, "kernel size", "kernel")
    _check_positive(stride, "stride", "stride")
    _check_positive(dilation, "dilation", "dilation")
    _check_padding(padding)
    batched = input.ndim == 3
    if input.ndim not in (2, 3) or 0 in input.shape[1 if batched else 0 :]:
        raise RuntimeError(
            "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and "
            f"non-zero dimensions for input, but got: {list(input.shape)}"
        )
    rows, cols = input.shape[-2:]
    if rows % (kernel[0] * kernel[1]):
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={rows} and kernel_size={kernel}."
        )
    blocks = _blocks(size, kernel, dilation, padding, stride)
    if blocks[0] * blocks[1] != cols:
        raise RuntimeError(
            f"Given output_size={size}, kernel_size={kernel}, dilation={dilation}, "
            f"padding={padding}, stride={stride}, expected size of input's dimension 2 to match "
            f"the calculated number of sliding blocks {blocks[0]} * {blocks[1]} = "
            f"{blocks[0] * blocks[1]}, but got input.size(2)={cols}."
        )
    _check_float(input, "col2im_out_cpu")
    x = input if batched else input.unsqueeze(0)
    chw = (rows // (kernel[0] * kernel[1]), *size)
    out = _ops.Fold.apply(x, chw, kernel, stride, padding, dilation, blocks)
    return out if batched else out.squeeze(0)
