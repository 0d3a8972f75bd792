"""Max unpooling (the partial inverse of max pooling) and fractional max pooling, validated
with PyTorch's messages. The maths lives in ``numtorch.ops.unpool``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from numtorch._checks import check_tensor
from numtorch._checks import type_name as _type_name
from numtorch._namespace._operands import named
from numtorch._namespace.random import rand
from numtorch.autograd.grad_mode import is_recording
from numtorch.ops import unpool as _ops
from numtorch.tensor import Tensor

__all__ = [
    "fractional_max_pool2d",
    "fractional_max_pool2d_with_indices",
    "fractional_max_pool3d",
    "fractional_max_pool3d_with_indices",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
]

_Size = int | Sequence[int]


def _ntuple(value: object, n: int) -> tuple:
    """PyTorch's ``_single``/``_pair``/``_triple``: an iterable as a tuple, else repeated."""
    if isinstance(value, (tuple, list, Sequence)) and not isinstance(value, str):
        return tuple(value)
    return (value,) * n


def _squeeze_batch(out: Tensor) -> Tensor:
    """``out`` without the batch axis added for an unbatched input. PyTorch pools those
    natively, so the squeeze's node takes the pooling node's name."""
    node = out._grad_fn
    return out.squeeze(0) if node is None else named(out.squeeze(0), node.name())


# ------------------------------------------------------------------ max unpooling


def _unpool_output_size(input: Tensor, kernel, stride, padding, output_size) -> list:
    """PyTorch's ``_unpool_output_size``: the default inverse of the pooling's size, or the
    requested ``output_size`` (optionally with N and C first) when within one stride."""
    nd = len(kernel)
    default = [
        (input.shape[-nd + d] - 1) * stride[d] + kernel[d] - 2 * padding[d] for d in range(nd)
    ]
    if output_size is None:
        ret = default
    else:
        if len(output_size) == nd + 2:
            output_size = output_size[2:]
        if len(output_size) != nd:
            raise ValueError(
                f"output_size should be a sequence containing {nd} or {nd + 2} elements, but "
                f"it has a length of '{len(output_size)}'"
            )
        for d in range(nd):
            low, high = default[d] - stride[d], default[d] + stride[d]
            if not low < output_size[d] < high:
                raise ValueError(
                    f'invalid output_size "{output_size}" (dim {d} must be between {low} and '
                    f"{high})"
                )
        ret = output_size
    for d in range(nd):
        if ret[d] < 0:
            raise ValueError(
                "max_unpooling: output_size must contain non-negative spatial dimensions, but "
                f"got output_size[{d}]={ret[d]}"
            )
    return [int(v) for v in ret]


def _check_unpool(input: Tensor, indices: Tensor, out: list, kind: int) -> None:
    """``max_unpooling{2,3}d_forward_out_cpu``'s checks, in its order."""
    if indices.dtype.name != "int64":
        detail = f" but got: {_type_name(indices.dtype)}" if kind == 2 else ""
        raise RuntimeError(f"elements in indices should be type int64{detail}")
    low = kind + 1
    if input.ndim not in (low, low + 1):
        raise RuntimeError(
            f"Input to max_unpooling{kind}d should be a {low}d or {low + 1}d Tensor, but got a "
            f"tensor with {input.ndim} dimensions."
        )
    if tuple(input.shape) != tuple(indices.shape):
        raise RuntimeError(
            "Expected shape of indices to be same as that of the input tensor "
            f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}"
        )
    for dim in range(1, input.ndim):
        if input.shape[dim] <= 0:
            raise RuntimeError(
                f"max_unpooling{kind}d_forward_out_cpu(): Expected input to have non-zero size "
                f"for non-batch dimensions, but got {list(input.shape)} with dimension {dim} "
                "being empty."
            )
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"max_unpool{kind}d\" not implemented for '{_type_name(input.dtype)}'"
        )
    idx, volume = indices._data, int(np.prod(out))
    bad = (idx < 0) | (idx >= volume)
    if volume > 0 and bad.any():
        last = idx.ravel()[np.flatnonzero(bad.ravel())[-1]]
        raise RuntimeError(
            f"Found an invalid max index: {last} (output volumes are of size "
            f"{'x'.join(str(v) for v in out)})"
        )


def _max_unpool(input, indices, kernel_size, stride, padding, output_size, nd: int, kind: int):
    check_tensor(input, f"max_unpool{kind}d")
    kernel = _ntuple(kernel_size, nd)
    stride = _ntuple(stride, nd) if stride is not None else kernel
    padding = _ntuple(padding, nd)
    out = _unpool_output_size(input, kernel, stride, padding, output_size)
    batched_ndim = kind + 2
    if nd == 1:
        input, indices, out = input.unsqueeze(-1), indices.unsqueeze(-1), out + [1]
    _check_unpool(input, indices, out, kind)
    unbatched = input.ndim < batched_ndim
    x = input.unsqueeze(0) if unbatched else input
    i = indices._data[None] if unbatched else indices._data
    result = _ops.MaxUnpoolNd.apply(x, i, tuple(out))
    if unbatched:
        result = _squeeze_batch(result)
    return result.squeeze(-1) if nd == 1 else result


def max_unpool1d(
    input: Tensor,
    indices: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """Partial inverse of :func:`max_pool1d`: each value placed at its index in a zero
    output of length ``(L - 1) * stride + kernel_size - 2 * padding`` (or ``output_size``)."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1, 2)


def max_unpool2d(
    input: Tensor,
    indices: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """Partial inverse of :func:`max_pool2d`: each value placed at its flat H*W index in a
    zero output (all other positions zero); ``output_size`` resolves odd sizes.

    Example:
        >>> import numtorch as torch
        >>> F = torch.nn.functional
        >>> out, idx = F.max_pool2d(torch.arange(16.0).reshape(1, 1, 4, 4), 2, return_indices=True)
        >>> F.max_unpool2d(out, idx, 2).flatten().tolist()[:8]
        [0.0, 0.0, 0.0, 0.0, 0.0, 5.0, 0.0, 7.0]
    """
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2, 2)


def max_unpool3d(
    input: Tensor,
    indices: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """Partial inverse of :func:`max_pool3d` (flat D*H*W indices)."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3, 3)


# ------------------------------------------------------------------ fractional max pooling

_AXES = ("time", "height", "width")


def _check_samples(input: Tensor, samples: Tensor, nd: int) -> None:
    """``fractional_max_pool_check_shape``: the samples' dtype and (N, C, nd) shape."""
    if samples.dtype != input.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    if samples.ndim != 3:
        raise RuntimeError(f"Expect _random_samples to have 3 dimensions, got {samples.ndim}")
    batch, channels = (1, input.shape[0]) if input.ndim == nd + 1 else input.shape[:2]
    n, c, d = samples.shape
    if n < batch:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    if c != channels:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    if d != nd:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {nd}; got {d}.")


def _check_fractional(input: Tensor, kernel: tuple, out: tuple, nd: int) -> None:
    fn = "fractional_max_pool2d()" if nd == 2 else "fractional_max_pool3d_out()"
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"{fn}: Expected {nd + 1}D or {nd + 2}D tensor, but got: {list(input.shape)}"
        )
    for dim in range(1, input.ndim):
        if input.shape[dim] <= 0:
            raise RuntimeError(
                f"{fn}: Expected input to have non-zero size for non-batch dimensions, but "
                f"got{list(input.shape)} with dimension {dim} being empty."
            )
    checks = list(zip(_AXES[3 - nd :], input.shape[-nd:], kernel, out))
    if nd == 3:  # PyTorch's 3-D kernel checks time, width, height, and needs one spare
        checks = [checks[0], checks[2], checks[1]]
    for axis, size, k, o in checks:
        if o + k - 1 > size - (nd == 3):
            raise RuntimeError(f"{fn}: pool {axis} {k} too large relative to input {axis} {size}")


def _fractional(input, kernel_size, output_size, output_ratio, samples, nd: int) -> tuple:
    fn = f"fractional_max_pool{nd}d"
    check_tensor(input, fn)
    if output_size is None and output_ratio is None:
        raise ValueError(f"{fn} requires specifying either an output_size or an output_ratio")
    if output_size is None:
        if nd == 2 and len(output_ratio) > 2:
            raise ValueError(
                f"{fn} requires output_ratio to either be a single Int or tuple of Ints."
            )
        ratio = _ntuple(output_ratio, nd)
        output_size = [int(input.size(i - nd) * ratio[i]) for i in range(nd)]
    if samples is None:
        batch = 1 if input.ndim == nd + 1 else input.shape[0]
        samples = rand(batch, input.size(-nd - 1), nd, dtype=input.dtype)
    kernel, out = _ntuple(kernel_size, nd), _ntuple(output_size, nd)
    if len(kernel) != nd or len(out) != nd:
        what = "kernel_size" if len(kernel) != nd else "output_size"
        raise RuntimeError(f"{fn}: {what} must either be a single Int or tuple of Ints")
    if samples.requires_grad and is_recording():
        raise RuntimeError(
            f"The function '{fn}' is not differentiable with respect to argument "
            "'random_samples'. This input cannot have requires_grad True."
        )
    _check_fractional(input, kernel, out, nd)
    _check_samples(input, samples, nd)
    unbatched = input.ndim == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    u = samples._data[: x.shape[0]].reshape(-1, nd)
    sink: list = []
    result = _ops.FractionalMaxPoolNd.apply(x, tuple(kernel), tuple(out), u, sink)
    idx = Tensor._make(sink[0][0] if unbatched else sink[0])
    return (_squeeze_batch(result) if unbatched else result), idx


def fractional_max_pool2d_with_indices(
    input: Tensor,
    kernel_size: _Size,
    output_size: _Size | None = None,
    output_ratio: float | Sequence[float] | None = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """:func:`fractional_max_pool2d` returning ``(output, flat H*W indices)``."""
    return _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 2)


def fractional_max_pool2d(
    input: Tensor,
    kernel_size: _Size,
    output_size: _Size | None = None,
    output_ratio: float | Sequence[float] | None = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> Tensor | tuple[Tensor, Tensor]:
    """Fractional max pooling (Graham, 2014): ``kernel_size`` windows at pseudo-random
    positions giving an ``output_size`` (or ``output_ratio`` of the input) output. The
    positions come from ``_random_samples`` (N, C, 2) in [0, 1), drawn from numtorch's
    default generator when not given."""
    out, idx = _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 2)
    return (out, idx) if return_indices else out


def fractional_max_pool3d_with_indices(
    input: Tensor,
    kernel_size: _Size,
    output_size: _Size | None = None,
    output_ratio: float | Sequence[float] | None = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """:func:`fractional_max_pool3d` returning ``(output, flat D*H*W indices)``."""
    return _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 3)


def fractional_max_pool3d(
    input: Tensor,
    kernel_size: _Size,
    output_size: _Size | None = None,
    output_ratio: float | Sequence[float] | None = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> Tensor | tuple[Tensor, Tensor]:
    """3-D :func:`fractional_max_pool2d`; ``_random_samples`` is (N, C, 3)."""
    out, idx = _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 3)
    return (out, idx) if return_indices else out
