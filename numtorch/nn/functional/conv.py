"""Convolutions: ``conv2d`` (Winograd or im2col, see ``numtorch.ops.conv``) and ``conv1d`` (the
same kernel on a height-1 image). Arguments are validated here with PyTorch's messages, in
PyTorch's order of checks, degenerate geometry included."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from numtorch._checks import check_tensor
from numtorch._checks import type_name as _type_name
from numtorch.ops import conv as _ops
from numtorch.tensor import Tensor

__all__ = ["conv1d", "conv2d"]

_IntOrTuple = int | Sequence[int]


def _int_tuple(value: object, n: int, name: str, fn: str) -> tuple:
    """``value`` (an int, or a list of 1 or ``n`` ints) as an ``n``-tuple."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    for v in items:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(
                f"{fn}(): argument '{name}' must be tuple of ints, but found element of type "
                f"{type(v).__name__}"
            )
    if len(items) == 1:
        items = items * n
    if len(items) != n:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {n} values to match "
            f"the convolution dimensions, but got {name}={list(items)}"
        )
    return tuple(int(v) for v in items)


def _padding(padding: object, ksize: tuple, dilation: tuple, stride: tuple, fn: str) -> tuple:
    """Padding as (before, after) per spatial axis, flattened, and how many elements to crop
    from each axis' start (only 'same' with a zero-size kernel crops).

    'same' splits ``d*(k-1)`` as PyTorch does, with C++'s division (toward zero) and any odd
    element after; when a zero-size kernel makes the total negative and odd, PyTorch crops
    the odd element from the input's start, so its later checks see that shape."""
    n = len(ksize)
    if not isinstance(padding, str):
        pads = tuple(p for p in _int_tuple(padding, n, "padding", fn) for _ in (0, 1))
        return pads, (0,) * n
    if padding == "valid":
        return (0, 0) * n, (0,) * n
    if any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    pads: list[int] = []
    crops: list[int] = []
    for d, k in zip(dilation, ksize):
        total = d * (k - 1)
        left = total // 2 if total >= 0 else -(-total // 2)
        right = total - left
        pads += [left, max(left, right)]
        crops.append(max(left - right, 0))
    return tuple(pads), tuple(crops)


def _check_groups(groups: object) -> None:
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)):
        raise TypeError(f"argument 'groups' must be int, not {type(groups).__name__}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")


def _check_args(stride: tuple, pad: tuple, dilation: tuple) -> None:
    """PyTorch's first geometry checks, in its order (a zero dilation is refused later)."""
    if any(p < 0 for p in pad):
        raise RuntimeError("negative padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d < 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")


def _crop(x: Tensor, crops: tuple) -> Tensor:
    """``x`` less ``crops[i]`` elements at the start of spatial axis ``i`` (PyTorch's narrow)."""
    for size, c in zip(x.shape[2:], crops):
        if c > size:
            raise RuntimeError("narrow(): length must be non-negative.")
    return x[(slice(None), slice(None), *(slice(c, None) for c in crops))]


def _check_kernel(x: Tensor, ksize: tuple, dilation: tuple) -> None:
    """The checks PyTorch's kernels make once the shapes agree, on the 2-D geometry (a 1-D
    convolution is a height-1 one): an empty image, a zero-size kernel, a zero dilation.

    PyTorch returns a zero-batch or zero-channel result before these; numtorch refuses a
    zero-size kernel whatever the input (PyTorch: an IndexError for a zero batch, an empty
    result for zero channels). The words are those of PyTorch's native kernels (its oneDNN
    path, taken for float32 batches of 2 or more, says "non-positive dilation is not
    supported", and fails on a zero-size kernel with an internal error)."""
    empty = x.shape[0] == 0 or x.shape[1] == 0
    if not empty and 0 in x.shape:
        raise RuntimeError(
            "Only zero batch or zero channel inputs are supported, but got input shape: "
            f"{list(x.shape)}"
        )
    if 0 in ksize:
        if dilation == (1, 1):
            raise RuntimeError(
                "kernel size should be greater than zero, but got kernel_height: "
                f"{ksize[0]} kernel_width: {ksize[1]}"
            )
        raise RuntimeError(f"kernel size should be greater than zero, but got {list(ksize)}")
    if not empty and 0 in dilation:
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")


def _check_shapes(x: Tensor, w: Tensor, b: Tensor | None, pad: tuple, dil: tuple, groups: int):
    o, size = w.shape[0], list(w.shape)
    if o == 0:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be at least 1 at dimension 0, but got "
            f"weight of size {size} instead"
        )
    if o % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{size}] instead"
        )
    if x.shape[1] != w.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {size}, expected input{list(x.shape)} to "
            f"have {w.shape[1] * groups} channels, but got {x.shape[1]} channels instead"
        )
    if b is not None and (b.ndim != 1 or b.shape[0] != o):
        raise RuntimeError(
            f"Given weight of size {size}, expected bias to be 1-dimensional with {o} elements, "
            f"but got bias of size {list(b.shape)} instead"
        )
    padded = [n + pad[2 * i] + pad[2 * i + 1] for i, n in enumerate(x.shape[2:])]
    kernel = [d * (k - 1) + 1 for d, k in zip(dil, w.shape[2:])]
    if any(p < k for p, k in zip(padded, kernel)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, kernel))}). Kernel size can't be greater than "
            "actual input size"
        )


def _check_dtypes(x: Tensor, w: Tensor, b: Tensor | None) -> None:
    if x.dtype is not w.dtype:
        raise RuntimeError(
            f"Input type (torch.{_type_name(x.dtype)}Tensor) and weight type "
            f"(torch.{_type_name(w.dtype)}Tensor) should be the same"
        )
    if b is not None and b.dtype is not x.dtype:
        raise RuntimeError(
            f"Input type ({_type_name(x.dtype).lower()}) and bias type "
            f"({_type_name(b.dtype).lower()}) should be the same"
        )


def _conv(input, weight, bias, stride, padding, dilation, groups, nd: int) -> Tensor:
    fn = f"conv{nd}d"
    check_tensor(input, fn)
    check_tensor(weight, fn, "weight", 2)
    if bias is not None:
        check_tensor(bias, fn, "bias", 3)
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {fn}, but got "
            f"input of size: {list(input.shape)}"
        )
    if weight.ndim != nd + 2:
        raise RuntimeError(
            f"Expected {nd + 2}D weight for {fn}, but got weight of size: {list(weight.shape)}"
        )
    stride = _int_tuple(stride, nd, "stride", fn)
    dilation = _int_tuple(dilation, nd, "dilation", fn)
    if isinstance(padding, str) and padding not in ("same", "valid"):
        raise RuntimeError(f"Invalid padding string: {padding!r}")
    _check_groups(groups)
    pad, crops = _padding(padding, tuple(weight.shape[2:]), dilation, stride, fn)
    _check_args(stride, pad, dilation)
    batched = input.ndim == nd + 2
    x = input if batched else input.unsqueeze(0)
    if any(crops):
        x = _crop(x, crops)
    _check_shapes(x, weight, bias, pad, dilation, int(groups))
    w = weight
    if nd == 1:  # a length-L signal is a 1 x L image
        x, w = x.unsqueeze(2), weight.unsqueeze(2)
        stride, pad, dilation = (1, *stride), (0, 0, *pad), (1, *dilation)
    _check_kernel(x, tuple(w.shape[2:]), dilation)
    _check_dtypes(x, weight, bias)
    out = _ops.Conv2d.apply(x, w, bias, stride, pad, dilation, int(groups))
    if nd == 1:
        out = out.squeeze(2)
    return out if batched else out.squeeze(0)


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: _IntOrTuple = 1,
    padding: str | _IntOrTuple = 0,
    dilation: _IntOrTuple = 1,
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation of ``input`` (N, C, H, W) or (C, H, W) with ``weight``
    (O, C/groups, kh, kw), plus ``bias`` (O,).

    ``padding`` is an int, a pair, ``'valid'`` (none) or ``'same'`` (output as large as the
    input; stride must be 1; an odd total puts the extra element after, as PyTorch does).
    Unlike PyTorch, ``'same'`` with an even kernel emits no performance warning.

    Example:
        >>> import numtorch as torch
        >>> x, w = torch.ones(1, 1, 4, 4), torch.ones(2, 1, 3, 3)
        >>> torch.nn.functional.conv2d(x, w, padding=1).shape
        torch.Size([1, 2, 4, 4])
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2)


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: _IntOrTuple = 1,
    padding: str | _IntOrTuple = 0,
    dilation: _IntOrTuple = 1,
    groups: int = 1,
) -> Tensor:
    """1-D cross-correlation of ``input`` (N, C, L) or (C, L) with ``weight`` (O, C/groups, k);
    arguments as in :func:`conv2d`."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1)


def _pad_nonzero(input: Tensor, pad: tuple, mode: str) -> Tensor:
    """Reflect / replicate / circular padding of the last 1 or 2 axes, for ``padding_mode``,
    with PyTorch's checks; a negative amount crops (after the padding, as PyTorch indexes).

    ``pad`` is (before, after) per padded axis, first axis first: (left, right) or
    (top, bottom, left, right).
    """
    nd = len(pad) // 2
    sizes = input.shape[-nd:]
    out = [n + pad[2 * i] + pad[2 * i + 1] for i, n in enumerate(sizes)]
    if mode == "circular":
        for i, n in enumerate(sizes):
            if pad[2 * i] > n or pad[2 * i + 1] > n:
                raise RuntimeError("Padding value causes wrapping around more than once.")
            if out[i] < 0:
                raise RuntimeError("Negative padding value is resulting in an empty dimension")
    else:
        _check_edge_padding(input, pad, out, mode)
    pad = (0, 0) * (2 - nd) + tuple(pad)
    return _ops.Pad2d.apply(input, pad, mode)


def _first_negative(values) -> int:
    return next(v for v in values if v < 0)


def _check_edge_padding(input: Tensor, pad: tuple, out: list, mode: str) -> None:
    """PyTorch's checks of reflect and replicate padding, in its order."""
    nd = len(out)
    sizes = input.shape[-nd:]
    if 0 in input.shape[1 if input.ndim == nd + 2 else 0 :]:
        raise RuntimeError(
            f"Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with possibly 0 batch size "
            f"and other non-zero dimensions for input, but got: {list(input.shape)}"
        )
    if mode == "reflect":
        for i in reversed(range(nd)):  # the last axis first
            before, after = pad[2 * i], pad[2 * i + 1]
            if before >= sizes[i] or after >= sizes[i]:
                raise RuntimeError(
                    f"Argument #{4 if i == nd - 1 else 6}: Padding size should be less than "
                    f"the corresponding input dimension, but got: padding ({before}, {after}) "
                    f"at dimension {input.ndim - nd + i} of input {list(input.shape)}"
                )
    if max(out) < 1:
        if nd == 1:
            raise RuntimeError(f"input (W: {sizes[0]}) is too small. Calculated output W: {out[0]}")
        space = " " if mode == "replicate" else ""
        raise RuntimeError(
            f"input (H: {sizes[0]}, W: {sizes[1]}{space}) is too small. Calculated output "
            f"H: {out[0]} W: {out[1]}"
        )
    if min(out) < 0:
        shape = list(input.shape[:-nd]) + out
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {_first_negative(out)}: {shape}"
        )
