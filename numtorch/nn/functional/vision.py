"""Resampling and rearranging pixels: ``interpolate``, ``upsample*``, ``grid_sample``,
``affine_grid``, ``pixel_shuffle``, ``pixel_unshuffle``, ``channel_shuffle``.

``interpolate`` parses its arguments as PyTorch's Python layer does (same errors, same
output size: ``floor(n * scale_factor)``), then builds one gather plan per spatial axis with
ATen's coordinate rules (``numtorch.ops.interp``) and runs them as one
``numtorch.ops.resample.Resample`` node; ``area`` is adaptive average pooling, separable too.
The shuffles are reshapes and a permute, differentiable through those ops. ``grid_sample``
and ``affine_grid`` run on ``numtorch.ops.grid_sample``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

from numtorch._checks import check_tensor
from numtorch._checks import type_name as _type_name
from numtorch._namespace._operands import named
from numtorch.ops import grid_sample as _grid
from numtorch.ops import interp as _interp
from numtorch.ops import resample as _ops
from numtorch.tensor import Tensor

__all__ = [
    "affine_grid",
    "channel_shuffle",
    "grid_sample",
    "interpolate",
    "native_channel_shuffle",
    "pixel_shuffle",
    "pixel_unshuffle",
    "upsample",
    "upsample_bilinear",
    "upsample_nearest",
]

_INTERPOLATING = ("linear", "bilinear", "bicubic", "trilinear")
_NEEDS = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}
_NODE = {
    "nearest": "UpsampleNearest{}DBackward0",
    "nearest-exact": "UpsampleNearestExact{}DBackward0",
    "linear": "UpsampleLinear1DBackward0",
    "bilinear": "UpsampleBilinear2DBackward0",
    "bicubic": "UpsampleBicubic2DBackward0",
    "trilinear": "UpsampleTrilinear3DBackward0",
    "area": "AdaptiveAvgPool{}DBackward0",
    "lanczos": "UpsampleLanczos2DAaBackward0",
}
_KERNEL = {  # the kernel PyTorch names in its dtype error
    "nearest": "compute_indices_weights_nearest",
    "nearest-exact": "compute_indices_weights_nearest",
    "linear": "compute_indices_weights_linear",
    "bilinear": "compute_indices_weights_linear",
    "trilinear": "compute_indices_weights_linear",
    "bicubic": "compute_indices_weights_cubic",
    "lanczos": "compute_indices_weights_aa",
}


def _is_integer(x: object) -> bool:
    if isinstance(x, Tensor):
        return not x.dtype.is_floating_point
    return isinstance(x, (int, np.integer))


def _sizes(input: Tensor, size: object, scale_factor: object, dim: int) -> tuple:
    """(output_size, scale_factors): exactly one is a list, as PyTorch's Python layer has it."""
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {list(input.shape[2:])} and output size "
                    f"of {size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                    "and output size in (o1, o2, ...,oK) format."
                )
            if not all(_is_integer(x) for x in size):
                raise TypeError(
                    "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    f"Tuple[int, int, int], but got size with types {[type(x) for x in size]}"
                )
            return [int(v) for v in size], None
        if not _is_integer(size):  # PyTorch's C++ argument parser refuses a non-int size
            raise TypeError(
                f"interpolate(): received an invalid combination of arguments - got size "
                f"{size!r} of type {type(size).__name__}; expected int or tuple of ints"
            )
        return [int(size)] * dim, None
    if scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, "
                    f"but got input with spatial dimensions of {list(input.shape[2:])} and "
                    f"scale_factor of shape {scale_factor}. Please provide input tensor in "
                    "(N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format."
                )
            return None, [float(s) for s in scale_factor]
        return None, [float(scale_factor)] * dim
    raise ValueError("either size or scale_factor should be defined")


def _check_sizes(input: Tensor, out: list) -> None:
    """ATen's ``upsample_*_common_check``: every spatial size above 0."""
    spatial = list(input.shape[2:])
    if min(spatial + out) > 0:
        return
    names = "DHW"[3 - len(out) :]
    shown = ", ".join(f"{c}: {n}" for c, n in zip(names, spatial))
    got = ", ".join(f"{c}: {n}" for c, n in zip(names, out))
    joint = " and" if len(out) == 1 else ""  # PyTorch's 1-D wording
    raise RuntimeError(
        "Input and output sizes should be greater than 0, but got "
        f"input ({shown}){joint} output ({got})"
    )


def _check_area(input: Tensor, out: list) -> None:
    """Adaptive average pooling's checks: non-empty non-batch axes, sizes not negative."""
    nd = len(out)
    for d in range(1, input.ndim):
        if input.shape[d] == 0:
            raise RuntimeError(
                f"adaptive_avg_pool{max(nd, 2)}d(): Expected input to have non-zero size for "
                f"non-batch dimensions, but input has sizes {list(input.shape)} with dimension "
                f"{d} being empty"
            )
    if min(out) < 0:
        raise RuntimeError(
            f"adaptive_avg_pool{max(nd, 2)}d: elements of output_size must be greater than or "
            f"equal to 0 but received {{{', '.join(str(v) for v in out)}}}"
        )


def _check_dtype(input: Tensor, mode: str, ndim: int) -> None:
    """Floating inputs everywhere; uint8 also for the nearest modes (PyTorch's dispatch)."""
    kind = input.dtype
    if kind.is_floating_point and not kind.is_complex:
        return
    if mode in ("nearest", "nearest-exact") and kind.name == "uint8":
        return
    if ndim == 4 and mode in ("nearest", "nearest-exact", "bilinear"):
        kernel = f"upsample_{'bilinear' if mode == 'bilinear' else 'nearest'}2d_channels_last"
    elif mode == "area":
        kernel = "adaptive_avg_pool3d_cpu" if ndim == 5 else "adaptive_avg_pool2d"
    else:
        kernel = _KERNEL[mode]
    raise NotImplementedError(f"\"{kernel}\" not implemented for '{_type_name(kind)}'")


def _plan(mode: str, n: int, m: int, align: bool | None, scale: float | None, dtype) -> tuple:
    if mode == "nearest":
        return _interp.nearest(n, m, scale, dtype)
    if mode == "nearest-exact":
        return _interp.nearest_exact(n, m, scale, dtype)
    if mode == "area":
        return _interp.area(n, m, dtype)
    if mode == "bicubic":
        return _interp.cubic(n, m, bool(align), scale, dtype)
    return _interp.linear(n, m, bool(align), scale, dtype)


def _resample(
    input: Tensor, mode: str, out: list, scales: list | None, align, antialias: bool = False
) -> Tensor:
    """Run the per-axis plans; the output size and kernel scales are already settled."""
    if mode == "area":
        _check_area(input, out)
    else:
        _check_sizes(input, out)
    _check_dtype(input, mode, input.ndim)
    dtype = input._data.dtype
    plans, back = [], []
    for i, m in enumerate(out):
        n = input.shape[2 + i]
        scale = None if scales is None else scales[i]
        if antialias:
            idx, w = _interp.antialiased(n, m, mode, bool(align), scale, dtype)
            back.append((2 + i, np.ascontiguousarray(idx, np.int64), w, n))
            if n == m:  # PyTorch's forward skips an axis of unchanged size; backward does not
                idx, w = np.arange(m)[None], None
        else:
            idx, w = _plan(mode, n, m, align, scale, dtype)
        if mode in ("nearest", "nearest-exact"):
            exact = _interp.nearest_backward(n, m, scale, mode == "nearest-exact")
            back.append((2 + i, np.ascontiguousarray(exact, np.int64), None, n))
            if input.ndim == 4:  # PyTorch's 2-D kernel indexes by the backward's rule
                idx = exact
        plans.append((2 + i, np.ascontiguousarray(idx, np.int64), w, n))
    name = _NODE[mode].format(len(out))
    if antialias:
        name = f"Upsample{mode.capitalize()}2DAaBackward0"
    if mode == "area" and input.ndim == 3:
        name = "SqueezeBackward1"  # PyTorch pools 1-D through its 2-D kernel and a squeeze
    return _ops.Resample.apply(input, tuple(plans), name, tuple(back) or None, mode == "area")


def interpolate(
    input: Tensor,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial axes of (N, C, W), (N, C, H, W) or (N, C, D, H, W) input to ``size``
    or by ``scale_factor`` (output ``floor(n * scale_factor)``).

    Modes: ``nearest`` (``floor(j * n / m)``, OpenCV's), ``nearest-exact`` (pixel centres),
    ``linear`` / ``bilinear`` / ``trilinear`` (3-D / 4-D / 5-D input), ``bicubic`` (4-D;
    Keys' kernel, a = -0.75) and ``area`` (adaptive average pooling). With ``align_corners``
    the corner pixels' centres are matched; without, the half-pixel rule is used and a given
    ``scale_factor`` sets the coordinate scale unless ``recompute_scale_factor`` is True.
    ``antialias=True`` (4-D ``bilinear`` and ``bicubic``, and ``lanczos`` which requires it)
    filters as Pillow does: when shrinking, each output averages all the input under its
    stretched kernel.

    Example:
        >>> import numtorch as torch
        >>> x = torch.tensor([[[1.0, 2.0]]])
        >>> torch.nn.functional.interpolate(x, scale_factor=2, mode="linear").tolist()
        [[[1.0, 1.25, 1.75, 2.0]]]
    """
    check_tensor(input, "interpolate")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the interpolating modes: "
                "linear | bilinear | bicubic | trilinear"
            )
    elif align_corners is None:
        align_corners = False
    dim = input.ndim - 2
    out, scales = _sizes(input, size, scale_factor, dim)
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and out is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        out = [math.trunc(input.shape[i + 2] * scales[i]) for i in range(dim)]
        scales = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError(
            "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and "
            "requires a 4-D tensor as input"
        )
    if mode == "lanczos" and input.ndim == 4:
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
    if mode != "lanczos" or input.ndim != 4:
        _check_mode(input, mode)
    if out is None:
        out = [int(input.shape[i + 2] * scales[i]) for i in range(dim)]
    return _resample(input, mode, out, scales, align_corners, bool(antialias))


def _check_mode(input: Tensor, mode: str) -> None:
    """PyTorch's dispatch errors: a mode for another rank, or an unknown mode or rank."""
    nd = input.ndim
    if nd in (3, 4, 5) and mode in ("nearest", "nearest-exact", "area"):
        return
    if mode in _NEEDS and nd in (3, 4, 5):
        need = _NEEDS[mode]
        if nd == need:
            return
        if mode != "bicubic":
            raise NotImplementedError(f"Got {nd}D input, but {mode} mode needs {need}D input")
    raise NotImplementedError(
        f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {nd}D) for the modes: "
        "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact "
        f"(got {mode})"
    )


def upsample(
    input: Tensor,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """Deprecated alias of :func:`interpolate` (warns, as PyTorch does)."""
    warnings.warn(
        "`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(
    input: Tensor,
    size: int | Sequence[int] | None = None,
    scale_factor: float | None = None,
) -> Tensor:
    """Deprecated: ``interpolate(..., mode='nearest')`` (warns, as PyTorch does)."""
    warnings.warn(
        "`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(
    input: Tensor,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
) -> Tensor:
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)`` (warns)."""
    warnings.warn(
        "`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ------------------------------------------------------------------ pixel and channel shuffles


def _check_factor(value: object, fn: str, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            f"{fn}(): argument '{name}' (position 2) must be int, not {type(value).__name__}"
        )
    return int(value)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r): each group of r*r channels becomes an r x r block.

    Example:
        >>> import numtorch as torch
        >>> torch.nn.functional.pixel_shuffle(torch.zeros(1, 9, 4, 4), 3).shape
        torch.Size([1, 1, 12, 12])
    """
    check_tensor(input, "pixel_shuffle")
    r = _check_factor(upscale_factor, "pixel_shuffle", "upscale_factor")
    if input.ndim < 3:
        raise RuntimeError(
            f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
            f"{input.ndim} dimension(s)"
        )
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
            f"of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}"
        )
    k = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    order = list(range(k + 1)) + [k + 3, k + 1, k + 4, k + 2]
    out = x.permute(*order).reshape(*lead, c // (r * r), h * r, w * r)
    return named(out, "PixelShuffleBackward0")


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W): the inverse of :func:`pixel_shuffle`."""
    check_tensor(input, "pixel_unshuffle")
    r = _check_factor(downscale_factor, "pixel_unshuffle", "downscale_factor")
    if input.ndim < 3:
        raise RuntimeError(
            "pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
            f"{input.ndim} dimension(s)"
        )
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if h % r:
        raise RuntimeError(
            "pixel_unshuffle expects height to be divisible by downscale_factor, but "
            f"input.size(-2)={h} is not divisible by {r}"
        )
    if w % r:
        raise RuntimeError(
            "pixel_unshuffle expects width to be divisible by downscale_factor, but "
            f"input.size(-1)={w} is not divisible by {r}"
        )
    k = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    order = list(range(k + 1)) + [k + 2, k + 4, k + 1, k + 3]
    out = x.permute(*order).reshape(*lead, c * r * r, h // r, w // r)
    return named(out, "PixelUnshuffleBackward0")


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """(N, g*k, *) -> (N, k*g, *): channel ``i*k + j`` moves to ``j*g + i``.

    Example:
        >>> import numtorch as torch
        >>> x = torch.arange(4.0).reshape(1, 4, 1)
        >>> torch.nn.functional.channel_shuffle(x, 2).flatten().tolist()
        [0.0, 2.0, 1.0, 3.0]
    """
    check_tensor(input, "channel_shuffle")
    g = _check_factor(groups, "channel_shuffle", "groups")
    if input.ndim <= 2:
        raise RuntimeError(
            f"channel_shuffle expects input with > 2 dims, but got input with sizes "
            f"{list(input.shape)}"
        )
    if g <= 0:
        raise RuntimeError(
            f"Number of groups to divide channels in must be positive. Value of groups:{g}"
        )
    n, c, *rest = input.shape
    if c % g:
        raise RuntimeError(
            f"Number of channels must be divisible by groups. Got {c} channels and {g} groups."
        )
    x = input.reshape(n, g, c // g, *rest).transpose(1, 2)
    return named(x.reshape(n, c, *rest), "ChannelShuffleBackward0")


def native_channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Same as :func:`channel_shuffle` (PyTorch's native kernel of it)."""
    return channel_shuffle(input, groups)


# ------------------------------------------------------------------ affine_grid and grid_sample

_ALIGN_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since "
    "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
    "documentation of grid_sample for details."
)


def _check_grid_sampler(input: Tensor, grid: Tensor, mode: str) -> None:
    """ATen's ``grid_sampler`` checks, in its order."""
    shapes = f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
    if input.ndim == 0 or grid.ndim == 0 or input.shape[0] != grid.shape[0]:
        raise RuntimeError(
            f"grid_sampler(): expected grid and input to have same batch size, but got {shapes}"
        )
    if grid.shape[-1] != input.ndim - 2:
        raise RuntimeError(
            f"grid_sampler(): expected grid to have size {input.ndim - 2} in last dimension, but "
            f"got grid with sizes {list(grid.shape)}"
        )
    for d in range(2, input.ndim):
        if input.shape[d] == 0:
            raise RuntimeError(
                "grid_sampler(): expected input to have non-empty spatial dimensions, but input "
                f"has sizes {list(input.shape)} with dimension {d} being empty"
            )
    rank = 4 if input.ndim == 4 else 5
    if input.ndim != rank or grid.ndim != rank:
        raise RuntimeError(
            f"grid_sampler(): expected {rank}D input and grid with same number of dimensions, "
            f"but got {shapes}"
        )
    if rank == 5 and mode == "bicubic":
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f'"grid_sampler_{rank - 2}d_cpu_kernel_impl" not implemented for '
            f"'{_type_name(input.dtype)}'"
        )
    if grid.dtype != input.dtype:
        raise RuntimeError(
            f"expected scalar type {_type_name(input.dtype)} but found {_type_name(grid.dtype)}"
        )


def grid_sample(
    input: Tensor,
    grid: Tensor,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """Sample ``input`` (N, C, H, W) or (N, C, D, H, W) at the normalised locations in
    ``grid`` (N, Ho, Wo, 2) or (N, Do, Ho, Wo, 3), ``(x, y[, z])`` in [-1, 1] from the
    left-top corner. ``mode``: ``'bilinear'`` (trilinear for 5-D), ``'nearest'`` (half to
    even) or ``'bicubic'`` (4-D); ``padding_mode``: ``'zeros'``, ``'border'`` or
    ``'reflection'``. Differentiable in the input and the grid.

    Example:
        >>> import numtorch as torch
        >>> x = torch.arange(4.0).reshape(1, 1, 2, 2)
        >>> g = torch.zeros(1, 1, 1, 2)  # the centre
        >>> torch.nn.functional.grid_sample(x, g, align_corners=False).item()
        1.5
    """
    check_tensor(input, "grid_sampler")
    check_tensor(grid, "grid_sampler", "grid", 2)
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(
            "nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or "
            f"'bicubic', but got: '{mode}'"
        )
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
            f"'reflection', but got: '{padding_mode}'"
        )
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    _check_grid_sampler(input, grid, mode)
    return _grid.GridSample.apply(input, grid, mode, padding_mode, bool(align_corners))


def affine_grid(theta: Tensor, size: Sequence[int], align_corners: bool | None = None) -> Tensor:
    """The sampling grid (N, H, W, 2) or (N, D, H, W, 3) of the affine maps ``theta``
    (N, 2, 3) or (N, 3, 4) over an output of ``size`` (N, C, H, W) or (N, C, D, H, W), for
    :func:`grid_sample` (use the same ``align_corners`` for both).

    Example:
        >>> import numtorch as torch
        >>> theta = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
        >>> torch.nn.functional.affine_grid(theta, (1, 1, 2, 2), align_corners=True)[0, 0].tolist()
        [[-1.0, -1.0], [1.0, -1.0]]
    """
    check_tensor(theta, "affine_grid_generator", "theta")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(size)
    nd = len(size) - 2
    if nd in (2, 3):
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (nd, nd + 1):
            name = f"Nx{nd}x{nd + 1}"
            raise ValueError(
                f"Expected a batch of {nd}D affine matrices of shape {name} for size {size}. "
                f"Got {theta.shape}."
            )
    else:
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
            f"respectively. Got size {size}."
        )
    spatial = size[2:]
    if align_corners and min(spatial) == 1:
        warnings.warn(
            "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
            "align_corners=True. This is not an intended use case of affine_grid. See the "
            "documentation of affine_grid for details.",
            stacklevel=2,
        )
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if theta.shape[0] != size[0]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{size[0]}, "
            f"{nd + 1}] but got: [{theta.shape[0]}, {nd + 1}]."
        )
    return _grid.AffineGrid.apply(theta, tuple(int(v) for v in spatial), bool(align_corners))
