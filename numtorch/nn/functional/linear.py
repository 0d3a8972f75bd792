"""``linear``: the affine map ``y = x W^T + b`` behind ``nn.Linear``; ``bilinear``: the form
``y = x1^T A x2 + b`` behind ``nn.Bilinear``."""

from __future__ import annotations

import math

from numtorch import _namespace as F
from numtorch._checks import check_tensor, type_name
from numtorch._dtype import c_type_name
from numtorch._namespace._operands import named
from numtorch.ops.linalg import Linear as _LinearOp
from numtorch.tensor import Tensor

__all__ = ["bilinear", "linear"]


def _check_args(input: object, weight: object, bias: object) -> None:
    check_tensor(input, "linear", "input", 1)
    check_tensor(weight, "linear", "weight", 2)
    if bias is not None:
        check_tensor(bias, "linear", "bias", 3)
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(
            "both arguments to linear need to be at least 1D, but they are "
            f"{input.ndim}D and {weight.ndim}D"
        )
    if weight.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {weight.ndim}D")


def _dtype_mismatch(input: Tensor, weight: Tensor, bias: Tensor | None) -> RuntimeError:
    """PyTorch's two messages: ``addmm``'s when there is a bias, ``mm``'s when there is none."""
    if bias is not None:
        return RuntimeError(
            "mat1 and mat2 must have the same dtype, but got "
            f"{type_name(input.dtype)} and {type_name(weight.dtype)}"
        )
    return RuntimeError(
        "expected m1 and m2 to have the same dtype, but got: "
        f"{c_type_name(input.dtype)} != {c_type_name(weight.dtype)}"
    )


def _check_shapes(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> None:
    rows, width, in_w = math.prod(input.shape[:-1]), input.shape[-1], weight.shape[-1]
    if width != in_w and weight.ndim == 1:
        if input.ndim == 1:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{width}] and src [{in_w}] to have "
                f"the same number of elements, but got {width} and {in_w} elements respectively"
            )
        raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{width}), vec ({in_w})")
    if width != in_w:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{width} and "
            f"{in_w}x{weight.shape[0]})"
        )
    if input.dtype is not weight.dtype:
        raise _dtype_mismatch(input, weight, bias)


def _adds_in_addmm(input: Tensor, bias: Tensor) -> bool:
    """Whether PyTorch's ``linear`` adds ``bias`` inside ``addmm``: always for a matrix input,
    and for a contiguous input of another rank (flattened to a matrix, the product viewed
    back) when the bias is a contiguous vector, possibly with extra size-1 dimensions.
    Otherwise it adds the bias in place into ``matmul``'s result."""
    if input.ndim == 2:
        return True
    vector = bias.ndim == 1 or sum(n != 1 for n in bias.shape) == 1
    return vector and bias.is_contiguous() and input.is_contiguous()


def _check_bias(bias: Tensor, out_shape: tuple, input: Tensor, weight: Tensor) -> None:
    """PyTorch's errors for a bias that does not fit: each comes from the kernel it picks."""
    addmm = _adds_in_addmm(input, bias)
    if weight.ndim == 1 and addmm:
        raise RuntimeError("mat2 must be a matrix, got 1-D tensor")
    if addmm and bias.dtype is not weight.dtype:
        raise RuntimeError(
            "self and mat2 must have the same dtype, but got "
            f"{type_name(bias.dtype)} and {type_name(weight.dtype)}"
        )
    if not addmm:  # added in place into the output (any floating bias is cast to it)
        full = list(F.broadcast_shapes(tuple(out_shape), bias.shape))
        if full != list(out_shape):
            raise RuntimeError(
                f"output with shape {list(out_shape)} doesn't match the broadcast shape {full}"
            )
        return
    shape = [math.prod(input.shape[:-1]), weight.shape[0]]  # addmm's (flattened) result
    if bias.ndim > len(shape):
        raise RuntimeError(
            f"expand(torch.{type_name(bias.dtype)}Tensor{{{list(bias.shape)}}}, size={shape}): the number of "
            f"sizes provided ({len(shape)}) must be greater or equal to the number of "
            f"dimensions in the tensor ({bias.ndim})"
        )
    for dim, n in enumerate(bias.shape, len(shape) - bias.ndim):
        if n not in (1, shape[dim]):
            raise RuntimeError(
                f"The expanded size of the tensor ({shape[dim]}) must match the existing size "
                f"({n}) at non-singleton dimension {dim}.  Target sizes: {shape}.  "
                f"Tensor sizes: {list(bias.shape)}"
            )


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``, the affine map of ``nn.Linear``.

    A 2-D weight and a 1-D bias (the usual case) run as one fused primitive; other shapes
    PyTorch accepts (a 1-D weight, a bias that broadcasts) are composed from ``matmul``/``add``.
    The result's node has the name of PyTorch's (``AddmmBackward0``, ``ViewBackward0``, ...).

    Shape:
        - input: ``(*, in_features)``; weight: ``(out_features, in_features)``;
          bias: ``(out_features)``; output: ``(*, out_features)``.
    """
    _check_args(input, weight, bias)
    _check_shapes(input, weight, bias)
    out_shape = input.shape[:-1] + (weight.shape[0],) if weight.ndim == 2 else input.shape[:-1]
    if bias is not None:
        _check_bias(bias, out_shape, input, weight)
    fused = weight.ndim == 2 and input.numel() and weight.numel()  # (linalg.Linear's backward
    # cannot reshape empty arrays; empty inputs take the composed path)
    if fused and (bias is None or bias.shape == weight.shape[:1]):
        return _LinearOp.apply(input, weight, bias)
    if fused:
        out = _LinearOp.apply(input, weight, None)
    else:
        out = F.matmul(input, weight.t() if weight.ndim == 2 else weight)
    if bias is None:
        return out
    if not _adds_in_addmm(input, bias):  # PyTorch's ``output.add_(bias)``
        return F.add(out, bias if bias.dtype is out.dtype else bias.to(out.dtype))
    out = F.add(out, bias)
    if input.ndim == 2:
        return named(out, "AddmmBackward0")
    return named(out if out.shape == out_shape else out.reshape(out_shape), "ViewBackward0")


def _size(t: Tensor, dim: int) -> int:
    """``t.size(dim)`` with PyTorch's IndexError for a 0-d tensor."""
    if t.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return t.size(dim)


def _check_bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's argument checks for ``bilinear``, in its order and with its messages."""
    names = ("input1", "input2", "weight", "bias")
    given = (input1, input2, weight) if bias is None else (input1, input2, weight, bias)
    for i, t in enumerate(given):
        check_tensor(t, "bilinear", names[i], i + 1)
    if len({t.dtype for t in given}) > 1:
        got = ", ".join(f"{n}: {c_type_name(t.dtype)}" for n, t in zip(names, given))
        raise RuntimeError(f"All tensors must have the same dtype, got {got}")
    if input1.dim() != input2.dim():
        raise RuntimeError(
            f"bilinear(): input dimensions do not match: got {input1.dim()} and {input2.dim()}"
        )
    for i in range(input1.dim() - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(
                f"bilinear(): input batch dimensions do not match at dim {i}: got "
                f"{input1.shape[i]} and {input2.shape[i]}"
            )
    for k, x in ((1, input1), (2, input2)):
        if _size(x, -1) != weight.size(k):
            raise RuntimeError(
                f"bilinear(): input{k} size does not match weight size: got {x.shape[-1]} but "
                f"expected {weight.shape[k]}"
            )
    if bias is not None and _size(bias, 0) != weight.size(0):
        raise RuntimeError(
            f"bilinear(): bias size does not match weight size: got {bias.shape[0]} but "
            f"expected {weight.shape[0]}"
        )
    if weight.dim() != 3:
        raise RuntimeError("number of dimensions must match")


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j] + b[o]``, the map of
    ``nn.Bilinear``.

    Shape:
        - input1: ``(*, in1)``; input2: ``(*, in2)`` (the same batch dimensions);
          weight: ``(out, in1, in2)``; bias: ``(out)``; output: ``(*, out)``.

    Example:
        >>> import numtorch as torch
        >>> x1, x2, w = torch.ones(4, 2), torch.ones(4, 3), torch.ones(5, 2, 3)
        >>> torch.nn.functional.bilinear(x1, x2, w).shape
        torch.Size([4, 5])
    """
    _check_bilinear(input1, input2, weight, bias)
    # The outer product x1 x2^T of each sample, flattened, against W seen as (out, in1 * in2).
    outer = input1.unsqueeze(-1) * input2.unsqueeze(-2)
    out = outer.flatten(-2) @ weight.flatten(1).t()
    return out if bias is None else out + bias
