"""1-D and 3-D pooling (max, average, adaptive) and power-average (LP) pooling, validated with
PyTorch's messages.

1-D pooling is 2-D pooling of the input with a height-1 axis inserted, exactly as PyTorch's
own ``max_pool1d_with_indices``, ``avg_pool1d`` and ``adaptive_*_pool1d`` do, so it runs on the
2-D kernels (numba). 3-D pooling runs on ``numtorch.ops.pooling_nd``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from numtorch._checks import check_tensor
from numtorch._checks import type_name as _type_name
from numtorch._namespace._operands import named
from numtorch.nn.functional import _pool2d as _p2
from numtorch.nn.functional.activation import relu
from numtorch.ops import pooling_nd as _nd
from numtorch.tensor import Tensor

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool3d",
    "adaptive_max_pool3d_with_indices",
    "avg_pool1d",
    "avg_pool3d",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "max_pool1d",
    "max_pool1d_with_indices",
    "max_pool3d",
    "max_pool3d_with_indices",
]

_Size = int | Sequence[int]
_NAMES = ("kernel_size", "stride", "padding", "dilation")


def _parse(values: tuple, fn: str) -> list:
    """Type-check each int-or-sequence argument as PyTorch's argument parser does."""
    return [_p2._pair(v, n, fn) for v, n in zip(values, _NAMES)]


def _dims_range(input: Tensor, low: int, high: int, fn: str) -> None:
    if not low <= input.ndim <= high:
        raise RuntimeError(
            f"Expected {low} to {high} dimensions, but got {input.ndim}-dimensional tensor for "
            f"argument #1 'self' (while checking arguments for {fn})"
        )


def _one_int(items: tuple | None, name: str, fn: str) -> tuple | None:
    if items is not None and len(items) != 1:
        raise RuntimeError(f"{fn}() argument '{name}' should contain one int (got {len(items)})")
    return items


# ------------------------------------------------------------------ 1-D


def _check_max_pool1d(input: Tensor, args: list, ceil_mode: bool) -> tuple:
    """PyTorch's native ``max_pool1d`` checks, in its order; the resolved geometry."""
    if input.ndim not in (2, 3) or 0 in input.shape[-2:]:
        raise RuntimeError(
            "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size "
            f"for input, but got:{list(input.shape)}"
        )
    kernel, stride, padding, dilation = args
    sizes = {
        "kernel_size": (kernel, "must be an int, list of ints or"),
        "stride": (stride or (), "must be None, an int, list of ints, or"),
        "padding": (padding, "must be an int, list of ints, or"),
        "dilation": (dilation, "must be an int, list of ints or"),
    }
    for name, (items, words) in sizes.items():
        if len(items) != 1 and not (name == "stride" and not items):
            raise RuntimeError(
                f"max_pool1d() {name} {words} tuple of ints of size 1 but got size {len(items)}"
            )
    (k,), (p,), (d,) = kernel, padding, dilation
    (s,) = stride or kernel
    for what, value, ok in (
        ("kernel_size must be greater than zero", k, k > 0),
        ("stride must be greater than zero", s, s > 0),
        ("padding must be non-negative", p, p >= 0),
    ):
        if not ok:
            raise RuntimeError(f"max_pool1d() {what}, but got {value}")
    if p > k // 2:
        raise RuntimeError(
            "max_pool1d() padding should be at most half of kernel size, but got "
            f"padding={p} and kernel_size={k}"
        )
    if d <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d}")
    out = _p2._out_size(input.shape[-1], k, s, p, d, ceil_mode)
    if out <= 0:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"max_pool1d_impl\" not implemented for '{_type_name(input.dtype)}'"
        )
    return k, s, p, d


def _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, with_indices: bool):
    """PyTorch's two routes: without indices its native 1-D checks, with indices those of 2-D
    pooling of the input with a height-1 axis. Both pool on the 2-D primitive."""
    fn = "max_pool1d_with_indices" if with_indices else "max_pool1d"
    check_tensor(input, fn)
    args = _parse((kernel_size, stride, padding, dilation), fn)
    if not with_indices:
        k, s, p, d = _check_max_pool1d(input, args, ceil_mode)
        out = _p2.max_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, p), (1, d), ceil_mode)
        return out.squeeze(-2)
    _dims_range(input, 2, 3, "max_pool1d")
    kernel, stride, padding, dilation = args
    k, s = kernel[0], (stride or kernel)[0]
    out, idx = _p2.max_pool2d_with_indices(
        input.unsqueeze(-2), (1, k), (1, s), (0, padding[0]), (1, dilation[0]), ceil_mode
    )
    return out.squeeze(-2), idx.squeeze(-2)


def max_pool1d_with_indices(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    dilation: _Size = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """:func:`max_pool1d` returning ``(output, indices)``, flat int64 positions along L."""
    return _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool1d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    dilation: _Size = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Max over ``kernel_size`` windows along the last axis of (N, C, L) or (C, L); ``stride``
    defaults to ``kernel_size``. Ties go to the first maximum, as in PyTorch.

    Example:
        >>> import numtorch as torch
        >>> x = torch.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]])
        >>> torch.nn.functional.max_pool1d(x, 2).tolist()
        [[[3.0, 5.0]]]
    """
    return _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def avg_pool1d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Mean over ``kernel_size`` windows along the last axis of (N, C, L) or (C, L); the
    divisor counts zero padding when ``count_include_pad``."""
    fn = "avg_pool1d"
    check_tensor(input, fn)
    kernel, stride, padding = _parse((kernel_size, stride, padding), fn)
    _dims_range(input, 2, 3, fn)
    for items, name in zip((kernel, stride, padding), _NAMES):
        _one_int(items, name, fn)
    stride = stride or kernel
    out = _p2.avg_pool2d(
        input.unsqueeze(-2),
        (1, kernel[0]),
        (1, stride[0]),
        (0, padding[0]),
        ceil_mode,
        count_include_pad,
    )
    return out.squeeze(-2)


def _output_size_1d(output_size: object, fn: str) -> int:
    """The one int of a 1-D ``output_size`` (an int or a 1-sequence), type-checked."""
    seq = isinstance(output_size, (tuple, list))
    items = tuple(output_size) if seq else (output_size,)
    for v in items:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(
                f"{fn}(): argument 'output_size' (position 2) must be tuple of ints, not "
                f"{type(v).__name__}"
            )
    _one_int(items, "output_size", fn)
    return int(items[0])


def adaptive_avg_pool1d(input: Tensor, output_size: int | Sequence[int]) -> Tensor:
    """Average over ``output_size`` adaptive windows along the last axis of (N, C, L) or (C, L);
    window i covers [floor(i*L/out), ceil((i+1)*L/out)), as in PyTorch."""
    fn = "adaptive_avg_pool1d"
    check_tensor(input, fn)
    _dims_range(input, 2, 3, fn)
    size = _output_size_1d(output_size, fn)
    return _p2.adaptive_avg_pool2d(input.unsqueeze(-2), (1, size)).squeeze(-2)


def adaptive_max_pool1d_with_indices(
    input: Tensor, output_size: int | Sequence[int], return_indices: bool = False
) -> tuple[Tensor, Tensor]:
    """:func:`adaptive_max_pool1d` returning ``(output, indices)``."""
    fn = "adaptive_max_pool1d"
    check_tensor(input, fn)
    _dims_range(input, 2, 3, fn)
    _p2._check_nonempty(input, fn, range(1, input.ndim))
    size = _output_size_1d(output_size, fn)
    out, idx = _p2.adaptive_max_pool2d_with_indices(input.unsqueeze(-2), (1, size))
    return out.squeeze(-2), idx.squeeze(-2)


def adaptive_max_pool1d(
    input: Tensor, output_size: int | Sequence[int], return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """Max over the adaptive windows of :func:`adaptive_avg_pool1d` (first maximum wins)."""
    out, idx = adaptive_max_pool1d_with_indices(input, output_size)
    return (out, idx) if return_indices else out


# ------------------------------------------------------------------ 3-D


def _three(items: tuple | None, name: str, fn: str) -> tuple | None:
    """PyTorch's length check of a parsed triple argument (wording differs between max and
    average pooling); the triple itself."""
    if items is None:
        return None
    if len(items) not in (1, 3):
        either = "either " if fn == "max_pool3d" else ""
        omitted = "omitted, " if name == "stride" else ""
        verb = f"{either}be" if name != "dilation" else "be either"
        raise RuntimeError(
            f"{fn}: {name} must {verb} {omitted}a single int, or a tuple of three ints"
        )
    return tuple(int(v) for v in items * (3 - len(items) + 1))[:3]


def _output_shape_checks(kernel, stride, padding, dilation) -> None:
    """``pooling_output_shape``'s checks, depth then height then width."""
    for k, s, p, d in zip(kernel, stride, padding, dilation):
        if s == 0:
            raise RuntimeError("stride should not be zero")
        if p < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
        if p > int(((k - 1) * d + 1) / 2):
            raise RuntimeError(
                "pad should be at most half of effective kernel size, but got "
                f"pad={p}, kernel_size={k} and dilation={d}"
            )


def _shape_check_3d(input, geo: tuple, out: tuple, fn: str, check_size: bool) -> None:
    """PyTorch's ``pool3d_shape_check``, in its order."""
    kernel, stride, padding, dilation = geo
    for what, v in (("kernel size", kernel), ("stride", stride)):
        if min(v) <= 0:
            a, b = ("kT", "kH", "kW") if what == "kernel size" else ("dT", "dH", "dW"), v
            raise RuntimeError(
                f"{what} should be greater than zero, but got {a[0]}: {b[0]} {a[1]}: {b[1]} "
                f"{a[2]}: {b[2]}"
            )
    if min(dilation) <= 0:
        t, h, w = dilation
        raise RuntimeError(
            "dilation should be greater than zero, but got "
            f"dilationT: {t} dilationH: {h} dilationW: {w}"
        )
    for axis in range(input.ndim - 4, input.ndim):
        if input.shape[axis] <= 0:
            raise RuntimeError(
                f"{fn}: Expected input's non-batch dimensions to have positive length, but "
                f"input has a shape of {list(input.shape)} and non-batch dimension "
                f"{input.shape[axis]} has length zero!"
            )
    c, t, h, w = input.shape[-4:]
    if check_size and (t < kernel[0] or h < kernel[1] or w < kernel[2]):
        raise RuntimeError(
            f"input image (T: {t} H: {h} W: {w}) smaller than kernel size "
            f"(kT: {kernel[0]} kH: {kernel[1]} kW: {kernel[2]})"
        )
    if any(k // 2 < p for k, p in zip(kernel, padding)):
        raise RuntimeError(
            "pad should be smaller than or equal to half of kernel size, but got "
            f"kT: {kernel[0]} kW: {kernel[2]} kH: {kernel[1]} padT: {padding[0]} "
            f"padW: {padding[2]} padH: {padding[1]}"
        )
    if min(out) < 1:
        raise RuntimeError(
            f"Given input size: ({c}x{t}x{h}x{w}). Calculated output size: "
            f"({c}x{out[0]}x{out[1]}x{out[2]}). Output size is too small"
        )


def _geometry_3d(input: Tensor, values: tuple, fn: str, parse_fn: str) -> tuple:
    """Parse and length-check a 3-D window (PyTorch's order), check the input's rank; the
    (kernel, stride, padding, dilation) triples, stride defaulting to the kernel."""
    check_tensor(input, parse_fn)
    args = _parse(values, parse_fn)
    kernel, stride, padding, dilation = (_three(a, n, fn) for a, n in zip(args, _NAMES))
    stride = stride or kernel
    if input.ndim not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    return kernel, stride, padding, dilation


def _out_3d(input, kernel, stride, padding, dilation, ceil_mode) -> tuple:
    return tuple(
        _p2._out_size(n, k, s, p, d, ceil_mode)
        for n, k, s, p, d in zip(input.shape[-3:], kernel, stride, padding, dilation)
    )


def _batched5(input: Tensor) -> Tensor:
    return input if input.ndim == 5 else input.unsqueeze(0)


def _unbatched5(out: Tensor, like: Tensor) -> Tensor:
    if like.ndim == 5:
        return out
    node = out._grad_fn
    return out.squeeze(0) if node is None else named(out.squeeze(0), node.name())


def _max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, with_indices: bool):
    parse_fn = "max_pool3d_with_indices" if with_indices else "max_pool3d"
    geo = _geometry_3d(input, (kernel_size, stride, padding, dilation), "max_pool3d", parse_fn)
    _output_shape_checks(*geo)
    out = _out_3d(input, *geo, ceil_mode)
    _shape_check_3d(input, geo, out, "max_pool3d_with_indices_out_cpu_template()", False)
    if input.dtype.name == "bool":
        raise NotImplementedError("\"max_pool3d\" not implemented for 'Bool'")
    sink: list | None = [] if with_indices else None
    result = _unbatched5(_nd.MaxPoolNd.apply(_batched5(input), *geo, out, sink), input)
    if not with_indices:
        return result
    return result, Tensor._make(sink[0] if input.ndim == 5 else sink[0][0])


def max_pool3d_with_indices(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    dilation: _Size = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """:func:`max_pool3d` returning ``(output, indices)``: flat int64 indices into each
    unpadded D*H*W volume, as ``nn.MaxUnpool3d`` expects."""
    return _max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    dilation: _Size = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Max over ``kernel_size`` windows of (N, C, D, H, W) or (C, D, H, W); ``stride`` defaults
    to ``kernel_size``, padding is implicit -inf; ties go to the first maximum."""
    return _max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def avg_pool3d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over ``kernel_size`` windows of (N, C, D, H, W) or (C, D, H, W), with the divisor
    rules of :func:`avg_pool2d` (int64 inputs divide truncating toward zero)."""
    fn = "avg_pool3d"
    kernel, stride, padding, _ = _geometry_3d(input, (kernel_size, stride, padding, 1), fn, fn)
    if divisor_override is not None:
        if isinstance(divisor_override, bool) or not isinstance(divisor_override, int):
            raise TypeError(
                f"avg_pool3d(): argument 'divisor_override' must be int, not "
                f"{type(divisor_override).__name__}"
            )
        if divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
    geo = (kernel, stride, padding, (1, 1, 1))
    _output_shape_checks(*geo)
    out = _out_3d(input, *geo, ceil_mode)
    _shape_check_3d(input, geo, out, "avg_pool3d()", True)
    _p2._check_avg_dtype(input, "avg_pool3d_out_frame")
    result = _nd.AvgPoolNd.apply(
        _batched5(input), kernel, stride, padding, out, bool(count_include_pad), divisor_override
    )
    return _unbatched5(result, input)


def adaptive_avg_pool3d(input: Tensor, output_size: int | Sequence[int | None]) -> Tensor:
    """Average over an ``output_size`` grid of adaptive windows of (N, C, D, H, W) or
    (C, D, H, W); ``None`` keeps that size; 1x1x1 is the mean over the last three axes."""
    fn = "adaptive_avg_pool3d"
    check_tensor(input, fn)
    size = _p2._adaptive_size(output_size, input, fn, 3)
    if len(size) != 3:
        raise RuntimeError(f"{fn}: output_size must be 3")
    if min(size) < 0:
        d, h, w = size
        raise RuntimeError(
            f"{fn}: elements of output_size must be greater than or equal to 0 but received "
            f"{{{d}, {h},{w}}}"
        )
    if size == (1, 1, 1):
        return input.mean((-1, -2, -3), keepdim=True)
    if input.ndim not in (4, 5):
        raise RuntimeError(f"{fn}(): Expected 4D or 5D tensor, but got {list(input.shape)}")
    _p2._check_nonempty(input, fn, range(1, input.ndim))
    _p2._check_dtype(input, "adaptive_avg_pool3d_cpu")
    return _unbatched5(_nd.AdaptiveAvgPoolNd.apply(_batched5(input), size), input)


def adaptive_max_pool3d_with_indices(
    input: Tensor, output_size: int | Sequence[int | None], return_indices: bool = False
) -> tuple[Tensor, Tensor]:
    """:func:`adaptive_max_pool3d` returning ``(output, flat D*H*W indices)``."""
    fn = "adaptive_max_pool3d"
    check_tensor(input, fn)
    size = _p2._adaptive_size(output_size, input, fn, 3)
    if input.ndim not in (4, 5):
        raise RuntimeError(f"{fn}(): Expected 4D or 5D tensor, but got: {list(input.shape)}")
    _p2._check_nonempty(input, fn, range(1, input.ndim))
    if len(size) != 3:
        raise RuntimeError(f"{fn}(): internal error: output_size.size() must be 3")
    if min(size) < 0:
        shape = list(input.shape[:-3]) + list(size)
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {_p2._first_negative(size)}: {shape}"
        )
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"adaptive_max_pool3d_cpu\" not implemented for '{_type_name(input.dtype)}'"
        )
    sink: list = []
    out = _nd.AdaptiveMaxPoolNd.apply(_batched5(input), size, sink)
    indices = Tensor._make(sink[0] if input.ndim == 5 else sink[0][0])
    return _unbatched5(out, input), indices


def adaptive_max_pool3d(
    input: Tensor, output_size: int | Sequence[int | None], return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """Max over the adaptive windows of :func:`adaptive_avg_pool3d` (first maximum wins)."""
    out, indices = adaptive_max_pool3d_with_indices(input, output_size)
    return (out, indices) if return_indices else out


# ------------------------------------------------------------------ LP pooling


def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, nd: int) -> Tensor:
    """PyTorch's composition: ``(sum over the window of x**p) ** (1/p)`` through average
    pooling (so gradients follow the same ops), and max pooling of ``|x|`` for p = +-inf."""
    max_pool = (max_pool1d, _p2.max_pool2d, max_pool3d)[nd - 1]
    avg_pool = (avg_pool1d, _p2.avg_pool2d, avg_pool3d)[nd - 1]
    if isinstance(norm_type, (int, float)):
        if norm_type == math.inf:
            return max_pool(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        if norm_type == -math.inf:
            return -max_pool(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if stride is not None:
        out = avg_pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = avg_pool(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    if nd == 1:
        size = kernel_size
    else:
        k = tuple(kernel_size) if isinstance(kernel_size, (tuple, list)) else (kernel_size,) * nd
        size = math.prod(k)
    return (out.sign() * relu(out.abs())).mul(size).pow(1.0 / norm_type)


def lp_pool1d(
    input: Tensor,
    norm_type: float,
    kernel_size: int,
    stride: _Size | None = None,
    ceil_mode: bool = False,
) -> Tensor:
    """Power-average pooling along the last axis: ``(sum x**p) ** (1/p)`` over each window
    (``norm_type`` p; +-inf gives the max/min of ``|x|``)."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 1)


def lp_pool2d(
    input: Tensor,
    norm_type: float,
    kernel_size: _Size,
    stride: _Size | None = None,
    ceil_mode: bool = False,
) -> Tensor:
    """2-D power-average pooling; see :func:`lp_pool1d`."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2)


def lp_pool3d(
    input: Tensor,
    norm_type: float,
    kernel_size: _Size,
    stride: _Size | None = None,
    ceil_mode: bool = False,
) -> Tensor:
    """3-D power-average pooling; see :func:`lp_pool1d`."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 3)
