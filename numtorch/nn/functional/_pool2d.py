"""2-D pooling: max, average and their adaptive forms, validated with PyTorch's messages
(``numtorch.nn.functional.pooling`` gathers these and the 1-D/3-D forms).

The maths lives in ``numtorch.ops.pooling``; here arguments are parsed, checked, and an
unbatched (C, H, W) input gets a batch axis for the duration of the call.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from numtorch._checks import check_tensor
from numtorch._checks import type_name as _type_name
from numtorch._namespace._operands import named
from numtorch.ops import pooling as _ops
from numtorch.tensor import Tensor

__all__ = [
    "adaptive_avg_pool2d",
    "adaptive_max_pool2d",
    "adaptive_max_pool2d_with_indices",
    "avg_pool2d",
    "max_pool2d",
    "max_pool2d_with_indices",
]

_IntOrPair = int | Sequence[int]
_POSITIONS = {"kernel_size": 2, "stride": 3, "padding": 4, "dilation": 5}


def _pair(value: object, name: str, fn: str) -> tuple | None:
    """An int or a 1/2-sequence of ints as a pair; ``None`` or ``[]`` for an omitted stride.
    Type errors as PyTorch's argument parser words them, before any other check."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if name == "stride" and items in ((None,), ()):
        return None
    for i, v in enumerate(items):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            if isinstance(value, (tuple, list)):
                raise TypeError(
                    f"{fn}(): argument '{name}' failed to unpack the object at pos {i + 1} with "
                    f'error "type must be tuple of ints,but got {type(v).__name__}"'
                )
            raise TypeError(
                f"{fn}(): argument '{name}' (position {_POSITIONS[name]}) must be tuple of "
                f"ints, not {type(v).__name__}"
            )
    return items


def _two(items: tuple | None, name: str, fn: str) -> tuple | None:
    """PyTorch's length check of a parsed pair argument; the pair itself."""
    if items is None:
        return None
    if len(items) not in (1, 2):
        omitted = "omitted, " if name == "stride" else ""
        verb = "be either" if name == "dilation" else "either be"
        raise RuntimeError(
            f"{fn}: {name} must {verb} {omitted}a single int, or a tuple of two ints"
        )
    return tuple(int(v) for v in items * (3 - len(items)))


def _check_window(kernel: tuple, stride: tuple, padding: tuple, dilation: tuple) -> None:
    """PyTorch's order: each axis' output-size checks (height first), then the window's."""
    for k, s, p, d in zip(kernel, stride, padding, dilation):
        if s == 0:
            raise RuntimeError("stride should not be zero")
        if p < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
        if p > int(((k - 1) * d + 1) / 2):  # C++ division, toward zero
            raise RuntimeError(
                "pad should be at most half of effective kernel size, but got "
                f"pad={p}, kernel_size={k} and dilation={d}"
            )
    if min(kernel) <= 0:
        raise RuntimeError(
            f"kernel size should be greater than zero, but got kH: {kernel[0]} kW: {kernel[1]}"
        )
    if min(stride) < 0:
        raise RuntimeError(
            f"stride should be greater than zero, but got dH: {stride[0]} dW: {stride[1]}"
        )
    if min(dilation) <= 0:
        raise RuntimeError(
            "dilation should be greater than zero, but got dilationH: "
            f"{dilation[0]} dilationW: {dilation[1]}"
        )


def _check_planes(input: Tensor) -> None:
    """3-D or 4-D with non-empty planes (only the batch may be empty)."""
    if input.ndim not in (3, 4) or 0 in input.shape[-3:]:
        raise RuntimeError(
            "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, "
            f"but got:{list(input.shape)}"
        )


def _check_avg_dtype(input: Tensor, fn: str) -> None:
    """Average pooling takes floating inputs and int64 (averaged with division truncating
    toward zero, as PyTorch's CPU kernel does); no other integer type."""
    if not (input.dtype.is_floating_point or input.dtype.name == "int64"):
        raise NotImplementedError(f"\"{fn}\" not implemented for '{_type_name(input.dtype)}'")


def _check_dtype(input: Tensor, fn: str) -> None:
    if input.dtype.name == "bool" or (fn != "max_pool2d" and not input.dtype.is_floating_point):
        raise NotImplementedError(f"\"{fn}\" not implemented for '{_type_name(input.dtype)}'")


def _out_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's rule: in ceil mode the last window must start inside the input or left pad."""
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _output_hw(x: Tensor, kernel, stride, padding, dilation, ceil_mode: bool) -> tuple:
    c, h, w = x.shape[-3:]
    out = tuple(
        _out_size(n, k, s, p, d, ceil_mode)
        for n, k, s, p, d in zip((h, w), kernel, stride, padding, dilation)
    )
    if min(out) < 1:
        raise RuntimeError(
            f"Given input size: ({c}x{h}x{w}). Calculated output size: "
            f"({c}x{out[0]}x{out[1]}). Output size is too small"
        )
    return out


def _batched(input: Tensor) -> Tensor:
    return input if input.ndim == 4 else input.unsqueeze(0)


def _unbatched(out: Tensor, like: Tensor) -> Tensor:
    """``out`` without the batch axis ``_batched`` added. PyTorch pools (C, H, W) natively, so
    the squeeze's node takes the pooling node's name (what ``grad_fn`` shows)."""
    if like.ndim == 4:
        return out
    node = out._grad_fn
    return out.squeeze(0) if node is None else named(out.squeeze(0), node.name())


def max_pool2d_with_indices(
    input: Tensor,
    kernel_size: _IntOrPair,
    stride: _IntOrPair | None = None,
    padding: _IntOrPair = 0,
    dilation: _IntOrPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = True,
) -> tuple[Tensor, Tensor]:
    """:func:`max_pool2d` returning ``(output, indices)``: flat int64 indices into each
    unpadded H*W plane, as ``nn.MaxUnpool2d`` expects."""
    return _max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def _max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, with_indices: bool):
    """Validate (in PyTorch's order), pool, and build the int64 indices only when asked (they
    cost a full pass)."""
    fn = "max_pool2d_with_indices" if with_indices else "max_pool2d"
    check_tensor(input, fn)
    args = [_pair(v, n, fn) for v, n in zip((kernel_size, stride, padding, dilation), _POSITIONS)]
    kernel, stride, padding, dilation = (_two(a, n, "max_pool2d") for a, n in zip(args, _POSITIONS))
    stride = stride or kernel
    if input.ndim not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    _check_window(kernel, stride, padding, dilation)
    _check_planes(input)
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise RuntimeError(
            "pad should be smaller than or equal to half of kernel size, but got "
            f"padW = {padding[1]}, padH = {padding[0]}, kW = {kernel[1]}, kH = {kernel[0]}"
        )
    out_hw = _output_hw(input, kernel, stride, padding, dilation, ceil_mode)
    _check_dtype(input, "max_pool2d")
    sink: list | None = [] if with_indices else None
    out = _ops.MaxPool2d.apply(_batched(input), kernel, stride, padding, dilation, out_hw, sink)
    if not with_indices:
        return _unbatched(out, input)
    indices = Tensor._make(sink[0] if input.ndim == 4 else sink[0][0])
    return _unbatched(out, input), indices


def max_pool2d(
    input: Tensor,
    kernel_size: _IntOrPair,
    stride: _IntOrPair | None = None,
    padding: _IntOrPair = 0,
    dilation: _IntOrPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Max over ``kernel_size`` windows of (N, C, H, W) or (C, H, W); ``stride`` defaults to
    ``kernel_size``, ``padding`` is implicit -inf. Ties go to the first maximum in the
    window (so gradients match PyTorch exactly). ``ceil_mode`` keeps a partial last window
    that starts inside the input or the left padding.

    Example:
        >>> import numtorch as torch
        >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
        >>> torch.nn.functional.max_pool2d(x, 2).flatten().tolist()
        [5.0, 7.0, 13.0, 15.0]
    """
    return _max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def avg_pool2d(
    input: Tensor,
    kernel_size: _IntOrPair,
    stride: _IntOrPair | None = None,
    padding: _IntOrPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over ``kernel_size`` windows. The divisor is ``divisor_override`` if given, else
    the window size counting zero padding (``count_include_pad``) or only real elements.

    An int64 input is averaged with integer division truncating toward zero, as in PyTorch.
    """
    fn = "avg_pool2d"
    check_tensor(input, fn)
    args = [_pair(v, n, fn) for v, n in zip((kernel_size, stride, padding), _POSITIONS)]
    kernel, stride, padding = (_two(a, n, fn) for a, n in zip(args, _POSITIONS))
    stride = stride or kernel
    if divisor_override is not None:
        if isinstance(divisor_override, bool) or not isinstance(divisor_override, int):
            raise TypeError(
                f"avg_pool2d(): argument 'divisor_override' must be int, not "
                f"{type(divisor_override).__name__}"
            )
        if divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
    if input.ndim < 3:  # PyTorch reads input.size(-3)
        raise IndexError(_dim_error(input.ndim, -3))
    _check_window(kernel, stride, padding, (1, 1))
    _check_planes(input)
    out_hw = _output_hw(input, kernel, stride, padding, (1, 1), ceil_mode)
    _check_avg_dtype(input, fn)
    out = _ops.AvgPool2d.apply(
        _batched(input), kernel, stride, padding, out_hw, bool(count_include_pad), divisor_override
    )
    return _unbatched(out, input)


def _dim_error(ndim: int, dim: int) -> str:
    if ndim == 0:
        return f"Dimension specified as {dim} but tensor has no dimensions"
    return (
        f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})"
    )


def _adaptive_size(output_size: object, input: Tensor, fn: str, nd: int = 2) -> tuple:
    """``output_size`` as PyTorch's Python layer passes it on (an int, or a sequence with
    ``None`` replaced by the input's size), its elements type-checked."""
    if isinstance(output_size, (int, np.integer)) and not isinstance(output_size, bool):
        return (int(output_size),) * nd
    if not isinstance(output_size, (tuple, list)):
        raise TypeError(f"object of type '{type(output_size).__name__}' has no len()")
    if input.ndim <= len(output_size):
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    tail = input.shape[input.ndim - len(output_size) :]
    items = tuple(n if v is None else v for v, n in zip(output_size, tail))
    for i, v in enumerate(items):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(
                f"{fn}(): argument 'output_size' (position 2) must be tuple of ints, but found "
                f"element of type {type(v).__name__} at pos {i}"
            )
    return tuple(int(v) for v in items)


def _first_negative(values) -> int:
    return next(v for v in values if v < 0)


def _check_nonempty(input: Tensor, fn: str, dims: range) -> None:
    for dim in dims:
        if input.shape[dim] == 0:
            raise RuntimeError(
                f"{fn}(): Expected input to have non-zero size for non-batch dimensions, but "
                f"input has sizes {list(input.shape)} with dimension {dim} being empty"
            )


def adaptive_avg_pool2d(input: Tensor, output_size: int | Sequence[int | None]) -> Tensor:
    """Average over a ``output_size`` grid of windows; window i along an axis of length n
    covers [floor(i*n/out), ceil((i+1)*n/out)) as in PyTorch. ``None`` keeps that size.

    An output size of 1x1 is the mean over the last two axes of an input of any rank, as in
    PyTorch (its fast path).
    """
    fn = "adaptive_avg_pool2d"
    check_tensor(input, fn)
    size = _adaptive_size(output_size, input, fn)
    if len(size) != 2:
        raise RuntimeError(f"{fn}: output_size must be 2")
    if min(size) < 0:
        raise RuntimeError(
            f"{fn}: elements of output_size must be greater than or equal to 0 but received "
            f"{{{size[0]}, {size[1]}}}"
        )
    if size == (1, 1):
        return input.mean((-1, -2), keepdim=True)
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{fn}(): Expected 3D or 4D tensor, but got {list(input.shape)}")
    _check_nonempty(input, fn, range(input.ndim - 2, input.ndim))
    _check_dtype(input, fn)
    return _unbatched(_ops.AdaptiveAvgPool2d.apply(_batched(input), size), input)


def adaptive_max_pool2d_with_indices(
    input: Tensor, output_size: int | Sequence[int | None], return_indices: bool = True
) -> tuple[Tensor, Tensor]:
    """:func:`adaptive_max_pool2d` returning ``(output, flat H*W indices)``."""
    fn = "adaptive_max_pool2d"
    check_tensor(input, fn)
    size = _adaptive_size(output_size, input, fn)
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{fn}(): Expected 3D or 4D tensor, but got: {list(input.shape)}")
    _check_nonempty(input, fn, range(1, input.ndim))
    if len(size) != 2:
        raise RuntimeError(f"{fn}(): internal error: output_size.size() must be 2")
    if min(size) < 0:
        shape = list(input.shape[:-2]) + list(size)
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {_first_negative(size)}: {shape}"
        )
    _check_dtype(input, fn)
    sink: list = []
    out = _ops.AdaptiveMaxPool2d.apply(_batched(input), size, sink)
    indices = Tensor._make(sink[0] if input.ndim == 4 else sink[0][0])
    return _unbatched(out, input), indices


def adaptive_max_pool2d(
    input: Tensor, output_size: int | Sequence[int | None], return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """Max over the adaptive windows of :func:`adaptive_avg_pool2d` (first maximum wins)."""
    out, indices = adaptive_max_pool2d_with_indices(input, output_size)
    return (out, indices) if return_indices else out
