"""Convolutions: ``conv2d`` (Winograd or im2col, see ``numtorch.ops.conv``), ``conv1d`` (the
same kernel on a height-1 image), ``conv3d`` (one 2-D convolution with the depth windows
stacked into the channels), the transposed ``conv_transpose1d/2d/3d`` (the adjoints, see
``numtorch.ops.conv_transpose``) and ``fold`` / ``unfold`` (from ``_fold.py``). Arguments are
validated here with PyTorch's messages, in PyTorch's order of checks, degenerate geometry
included."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from numtorch._checks import check_tensor
from numtorch._checks import type_name as _type_name
from numtorch.nn.functional._fold import fold, unfold
from numtorch.ops import conv as _ops
from numtorch.ops import conv_transpose as _tops
from numtorch.ops import fold as _fold_ops
from numtorch.tensor import Tensor

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "fold",
    "unfold",
]

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
        if len(ksize) == 2 and dilation == (1, 1):
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


def _check_weight_dims(input: Tensor, weight: Tensor, stride: tuple, fn: str) -> None:
    """Refuse a weight of the wrong rank as PyTorch does: it reads the dimensions from the
    weight, so a stride of the function's rank is refused first (unless it is one value)."""
    if weight.ndim < 3:
        raise RuntimeError("weight should have at least three dimensions")
    _int_tuple(stride, weight.ndim - 2, "stride", fn)
    raise RuntimeError(
        f"Expected {weight.ndim}-dimensional input for {weight.ndim}-dimensional weight "
        f"{list(weight.shape)}, but got {input.ndim}-dimensional input of size "
        f"{list(input.shape)} instead"
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
    stride = _int_tuple(stride, nd, "stride", fn)
    if weight.ndim != nd + 2:
        _check_weight_dims(input, weight, stride, fn)
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
    if nd == 3:
        out = _conv3d(x, w, bias, stride, pad, dilation, int(groups))
        return out if batched else out.squeeze(0)
    out = _ops.Conv2d.apply(x, w, bias, stride, pad, dilation, int(groups))
    if nd == 1:
        out = out.squeeze(2)
    return out if batched else out.squeeze(0)


def _conv3d(x: Tensor, w: Tensor, b, stride: tuple, pad: tuple, dil: tuple, groups: int):
    """A 3-D convolution as one 2-D convolution: the ``kd`` depth windows of each output
    depth stacked into the channels, (N*Do, C*kd, H, W), against the weight read as
    (O, C/G*kd, kh, kw) (group blocks stay contiguous: channel ``c*kd + i``)."""
    n, c, depth = x.shape[:3]
    o, kd = w.shape[0], w.shape[2]
    do = (depth + pad[0] + pad[1] - dil[0] * (kd - 1) - 1) // stride[0] + 1
    t = _fold_ops.DepthUnfold.apply(x, kd, stride[0], dil[0], pad[:2], do)
    t = t.reshape(n * do, c * kd, *x.shape[3:])
    w2 = w.reshape(o, w.shape[1] * kd, *w.shape[3:])
    y = _ops.Conv2d.apply(t, w2, b, stride[1:], pad[2:], dil[1:], groups)
    return y.reshape(n, do, o, *y.shape[2:]).permute(0, 2, 1, 3, 4).contiguous()


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


def conv3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: _IntOrTuple = 1,
    padding: str | _IntOrTuple = 0,
    dilation: _IntOrTuple = 1,
    groups: int = 1,
) -> Tensor:
    """3-D cross-correlation of ``input`` (N, C, D, H, W) or (C, D, H, W) with ``weight``
    (O, C/groups, kd, kh, kw); arguments as in :func:`conv2d`.

    Example:
        >>> import numtorch as torch
        >>> x, w = torch.ones(1, 2, 4, 5, 5), torch.ones(3, 2, 3, 3, 3)
        >>> torch.nn.functional.conv3d(x, w, padding=1).shape
        torch.Size([1, 3, 4, 5, 5])
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3)


# ------------------------------------------------------------------ transposed convolutions

_AXES = {1: ("width",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def _transposed_args(stride, padding, output_padding, dilation, k: int, fn: str) -> tuple:
    """The four geometry arguments as ``k``-tuples, with PyTorch's first checks in its order."""
    given = (
        ("stride", stride),
        ("padding", padding),
        ("output_padding", output_padding),
        ("dilation", dilation),
    )
    for name, value in given:  # a scalar of the wrong type (a str too): the binding's words
        if isinstance(value, (tuple, list)):
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(
                f"{fn}(): argument '{name}' must be tuple of ints, not {type(value).__name__}"
            )
    stride = _int_tuple(stride, k, "stride", fn)
    padding = _int_tuple(padding, k, "padding", fn)
    output_padding = _int_tuple(output_padding, k, "output_padding", fn)
    dilation = _int_tuple(dilation, k, "dilation", fn)
    return stride, padding, output_padding, dilation


def _check_transposed(x: Tensor, w: Tensor, b, geo: tuple, groups: int) -> None:
    """PyTorch's checks of a transposed convolution's shapes (its ``transposed=1`` wording)."""
    stride, padding, output_padding, dilation = geo
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d < 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    size = list(w.shape)
    if w.shape[0] == 0 or w.shape[0] % groups:
        _check_shapes(x, w, None, (0,) * 2 * (w.ndim - 2), dilation, groups)  # its messages
    if x.shape[1] != w.shape[0]:
        raise RuntimeError(
            f"Given transposed=1, weight of size {size}, expected input{list(x.shape)} to have "
            f"{w.shape[0]} channels, but got {x.shape[1]} channels instead"
        )
    cout = w.shape[1] * groups
    if b is not None and (b.ndim != 1 or b.shape[0] != cout):
        raise RuntimeError(
            f"Given transposed=1, weight of size {size}, expected bias to be 1-dimensional with "
            f"{cout} elements, but got bias of size {list(b.shape)} instead"
        )
    _check_output_padding(geo)


def _check_output_padding(geo: tuple) -> None:
    stride, _, output_padding, dilation = geo
    if all(p < s or p < d for p, s, d in zip(output_padding, stride, dilation)):
        return
    axes = _AXES[max(len(stride), 2)]
    pads = ((0,) if len(stride) == 1 else ()) + tuple(output_padding)  # 1-D runs as 2-D
    strides = ((1,) if len(stride) == 1 else ()) + tuple(stride)
    dils = ((1,) if len(stride) == 1 else ()) + tuple(dilation)
    words = [
        " ".join(f"{name}_{a}: {v}" for a, v in zip(axes, vals))
        for name, vals in (("output_padding", pads), ("stride", strides), ("dilation", dils))
    ]
    raise RuntimeError(
        f"output padding must be smaller than either stride or dilation, but got {' '.join(words)}"
    )


def _transposed_size(x: Tensor, w: Tensor, geo: tuple) -> tuple:
    """The output's spatial size, ``(i-1)*s - 2p + d*(k-1) + op + 1`` per axis, checked."""
    stride, padding, output_padding, dilation = geo
    sizes = x.shape[2:]
    if len(sizes) == 1:  # PyTorch reports a 1-D one as the height-1 image it runs
        sizes, geo = (1, *sizes), tuple((v, *g) for v, g in zip((1, 0, 0, 1), geo))
        stride, padding, output_padding, dilation = geo
        w = w.unsqueeze(2)
    if 0 in sizes and x.shape[0] and x.shape[1]:
        raise RuntimeError(
            "Only zero batch or zero channel inputs are supported, but got input shape: "
            f"{list(x.shape)}"
        )
    kernel = tuple(w.shape[2:])
    if 0 in kernel:
        words = " ".join(f"kernel_{a}: {k}" for a, k in zip(_AXES[len(kernel)], kernel))
        raise RuntimeError(f"kernel size should be greater than zero, but got {words}")
    if 0 in dilation:
        words = ", ".join(f"dilation_{a}: {d}" for a, d in zip(_AXES[len(dilation)], dilation))
        raise RuntimeError(f"dilation should be greater than zero, but got {words}")
    out = tuple(
        (i - 1) * s - 2 * p + d * (k - 1) + op + 1
        for i, s, p, d, k, op in zip(sizes, stride, padding, dilation, kernel, output_padding)
    )
    if any(o < 1 for o in out):
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(map(str, sizes))}). Calculated output "
            f"size per channel: ({' x '.join(map(str, out))}). Output size is too small"
        )
    return out[-(x.ndim - 2) :]


def _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, nd):
    fn = f"conv_transpose{nd}d"
    check_tensor(input, fn)
    check_tensor(weight, fn, "weight", 2)
    if bias is not None:
        check_tensor(bias, fn, "bias", 3)
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {fn}, but got "
            f"input of size: {list(input.shape)}"
        )
    geo = _transposed_args(stride, padding, output_padding, dilation, nd, fn)
    if weight.ndim != nd + 2:
        _check_weight_dims(input, weight, geo[0], fn)
    _check_groups(groups)
    batched = input.ndim == nd + 2
    x = input if batched else input.unsqueeze(0)
    _check_transposed(x, weight, bias, geo, int(groups))
    _check_dtypes(x, weight, bias)
    out_size = _transposed_size(x, weight, geo)
    if nd == 3:
        out = _conv_transpose3d(x, weight, bias, geo, int(groups), out_size)
    else:
        w = weight
        if nd == 1:  # a length-L signal is a 1 x L image
            x, w = x.unsqueeze(2), weight.unsqueeze(2)
            geo = tuple((v, *g) for v, g in zip((1, 0, 0, 1), geo))
            out_size = (1, *out_size)
        stride, padding, _, dilation = geo
        out = _tops.ConvTranspose2d.apply(
            x, w, bias, stride, padding, dilation, int(groups), out_size
        )
        if nd == 1:
            out = out.squeeze(2)
    return out if batched else out.squeeze(0)


def _conv_transpose3d(x: Tensor, w: Tensor, b, geo: tuple, groups: int, out_size: tuple):
    """A transposed 3-D convolution as one transposed 2-D one over (N*D, C_in, H, W), with
    the weight read as (C_in, C_out/G*kd, kh, kw), whose (N, D, C_out, kd, Ho, Wo) result is
    summed onto the output depths (the adjoint of :func:`_conv3d`'s depth windows)."""
    stride, padding, _, dilation = geo
    n, cin, depth = x.shape[:3]
    kd, cout = w.shape[2], w.shape[1] * groups
    x2 = x.permute(0, 2, 1, 3, 4).reshape(n * depth, cin, *x.shape[3:])
    w2 = w.reshape(cin, w.shape[1] * kd, *w.shape[3:])
    t = _tops.ConvTranspose2d.apply(
        x2, w2, None, stride[1:], padding[1:], dilation[1:], groups, out_size[1:]
    )
    t = t.reshape(n, depth, cout, kd, *out_size[1:])
    pad = (padding[0], padding[0])
    out = _fold_ops.DepthFold.apply(t, out_size[0], kd, stride[0], dilation[0], pad)
    return out if b is None else out + b.reshape(1, cout, 1, 1, 1)


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: _IntOrTuple = 1,
    padding: _IntOrTuple = 0,
    output_padding: _IntOrTuple = 0,
    groups: int = 1,
    dilation: _IntOrTuple = 1,
) -> Tensor:
    """2-D transposed convolution ("deconvolution") of ``input`` (N, C_in, H, W) or
    (C_in, H, W) with ``weight`` (C_in, C_out/groups, kh, kw), plus ``bias`` (C_out,): the
    gradient of :func:`conv2d` with respect to its input.

    The output is ``(H-1)*stride - 2*padding + dilation*(kh-1) + output_padding + 1`` high
    (likewise wide); ``output_padding`` (smaller than the stride or the dilation) picks one of
    the sizes a strided convolution maps to the same size. Note the argument order: ``groups``
    comes before ``dilation``, as in PyTorch.

    Example:
        >>> import numtorch as torch
        >>> x, w = torch.ones(1, 4, 5, 5), torch.ones(4, 2, 3, 3)
        >>> torch.nn.functional.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1).shape
        torch.Size([1, 2, 10, 10])
    """
    return _conv_transpose(
        input, weight, bias, stride, padding, output_padding, groups, dilation, 2
    )


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: _IntOrTuple = 1,
    padding: _IntOrTuple = 0,
    output_padding: _IntOrTuple = 0,
    groups: int = 1,
    dilation: _IntOrTuple = 1,
) -> Tensor:
    """1-D transposed convolution of (N, C_in, L) or (C_in, L) with (C_in, C_out/groups, k);
    arguments as in :func:`conv_transpose2d`."""
    return _conv_transpose(
        input, weight, bias, stride, padding, output_padding, groups, dilation, 1
    )


def conv_transpose3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: _IntOrTuple = 1,
    padding: _IntOrTuple = 0,
    output_padding: _IntOrTuple = 0,
    groups: int = 1,
    dilation: _IntOrTuple = 1,
) -> Tensor:
    """3-D transposed convolution of (N, C_in, D, H, W) or (C_in, D, H, W) with
    (C_in, C_out/groups, kd, kh, kw); arguments as in :func:`conv_transpose2d`."""
    return _conv_transpose(
        input, weight, bias, stride, padding, output_padding, groups, dilation, 3
    )


def _pad_nonzero(input: Tensor, pad: tuple, mode: str) -> Tensor:
    """Reflect / replicate / circular padding of the last 1 or 2 axes, for ``padding_mode``,
    with PyTorch's checks; a negative amount crops (after the padding, as PyTorch indexes).

    ``pad`` is (before, after) per padded axis, first axis first: (left, right) or
    (top, bottom, left, right).
    """
    nd = len(pad) // 2
    if nd == 3:
        return _pad_depth(_pad_nonzero(input, pad[2:], mode), pad[:2], mode)
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


def _pad_depth(input: Tensor, pad: tuple, mode: str) -> Tensor:
    """Reflect / replicate / circular padding of the third axis from the end (a 3-D
    convolution's depth), as :func:`_pad_nonzero` pads the last two: that axis is moved next
    to the last one for the padding."""
    size, (before, after) = input.shape[-3], pad
    if mode == "circular" and (before > size or after > size):
        raise RuntimeError("Padding value causes wrapping around more than once.")
    if mode == "reflect" and (before >= size or after >= size):
        raise RuntimeError(
            "Argument #8: Padding size should be less than the corresponding input dimension, "
            f"but got: padding ({before}, {after}) at dimension {input.ndim - 3} of input "
            f"{list(input.shape)}"
        )
    if size + before + after < 0:
        raise RuntimeError("Negative padding value is resulting in an empty dimension")
    moved = input.transpose(-3, -2)
    return _ops.Pad2d.apply(moved, (before, after, 0, 0), mode).transpose(-3, -2)


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
