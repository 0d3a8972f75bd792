"""Loss functions, with PyTorch's signatures, defaults, formulas and errors.

Each loss PyTorch computes in one kernel is one fused primitive here too (``nll_loss``, the
binary cross-entropies, ``mse_loss``, ``smooth_l1_loss``, ``huber_loss``: ``numtorch.ops.loss``),
so its graph node has PyTorch's name and saves what PyTorch saves; the losses PyTorch composes
in Python (``cross_entropy``, ``l1_loss``, the weighted regression losses) are composed here
from the same pieces. Weights are passed to the primitives as tensors, so an in-place change
to one before backward is refused, as in PyTorch.
"""

from __future__ import annotations

import warnings

import numpy as np

import numtorch._namespace as F
from numtorch import _dtype
from numtorch._checks import type_name as _type_name
from numtorch._namespace._operands import elementwise, named
from numtorch.nn.functional._loss_reduction import (
    _check_tensors,
    _constant,
    _get_reduction,
    _legacy_reduction,
    _reduce,
)
from numtorch.nn.functional.loss_extra import *  # noqa: F403 - the second half of the losses
from numtorch.nn.functional.loss_extra import __all__ as _extra_all
from numtorch.ops import loss as ops
from numtorch.tensor import Tensor

__all__ = [
    "nll_loss",
    "cross_entropy",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    *_extra_all,
]


# ---------------------------------------------------------------- classification


def _class_weight(input: Tensor, weight: Tensor | None, n_classes: int, prefix: str = ""):
    if weight is not None and (weight.ndim != 1 or weight.numel() != n_classes):
        raise RuntimeError(
            f"{prefix}weight tensor should be defined either for all {n_classes} classes or no "
            f"classes but got weight tensor of shape: {list(weight.shape)}"
        )
    if weight is not None and weight.dtype is not input.dtype:
        raise RuntimeError(
            f"expected scalar type {_type_name(input.dtype)} but found {_type_name(weight.dtype)}"
        )


def _check_nll_shapes(input: Tensor, target: Tensor) -> Tensor:
    """PyTorch's ``nll_loss_nd`` shape rules; returns the target, reshaped for 1-D input."""
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    batch = target.shape[0] if target.ndim else 0
    if input.ndim != 1 and input.shape[0] != batch:
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({batch})."
        )
    if input.ndim <= 2 and target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input.ndim == 1 and target.ndim == 1:
        if target.shape[0] != 1:
            raise ValueError(
                f"For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}"
            )
        return target.reshape(())
    if input.ndim == 4 and target.shape != (input.shape[0], *input.shape[2:]):
        raise RuntimeError(
            f"size mismatch (got input: {list(input.shape)} , target: {list(target.shape)}"
        )
    expected = (input.shape[0], *input.shape[2:])
    if input.ndim > 2 and target.shape != expected:
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")
    return target


def _check_target(input: Tensor, target: Tensor, ignore_index: int) -> None:
    """PyTorch's dtype and range errors for class indices."""
    if target.dtype.name not in ("int64", "uint8"):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {_type_name(target.dtype)}"
        )
    t = target._data.astype(np.int64, copy=False)
    n_classes = input.shape[0 if input.ndim == 1 else 1]
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"Target {t[bad].flat[0]} is out of bounds.")


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class indices ``target`` under log-probabilities ``input``.

    Shape:
        input (N, C), (C,) or (N, C, d1, ...); target (N,), () or (N, d1, ...), int64.
        'mean' divides by the summed ``weight`` of the non-ignored targets.
    """
    _check_tensors("nll_loss_nd", input=input, target=target)
    reduction = _get_reduction(reduction, size_average, reduce)
    target = _check_nll_shapes(input, target)
    _class_weight(input, weight, input.shape[0 if input.ndim == 1 else 1])
    _check_target(input, target, ignore_index)
    w = _constant("nll_loss_forward", "weight", weight)
    out = ops.NllLoss.apply(input, target, w, ignore_index, reduction)
    return named(out, _nll_name(input.ndim, reduction))


def _nll_name(ndim: int, reduction: str) -> str:
    """PyTorch's node: ``nll_loss`` up to 2-D, ``nll_loss2d`` beyond; for 3-D and 5-D+ input
    with reduction 'none' its result is reshaped back, so a view node is the root."""
    if ndim <= 2:
        return "NllLossBackward0"
    return "ViewBackward0" if reduction == "none" and ndim != 4 else "NllLoss2DBackward0"


def _smoothing_term(logp, t, weight, ignore_index, reduction, class_dim) -> Tensor:
    """PyTorch's label-smoothing term for class-index targets: ``-sum_c w_c logp_c``."""
    if weight is not None:
        shape = [1] * logp.ndim
        shape[class_dim] = weight.shape[0]
        logp = F.mul(logp, weight.detach().reshape(shape))
    ignored = Tensor._make(t == ignore_index)
    smooth = F.masked_fill(F.neg(F.sum(logp, class_dim)), ignored, 0.0)
    if reduction != "mean":
        return smooth if reduction == "none" else F.sum(smooth)
    kept = t[t != ignore_index]
    denom = weight._data[kept].sum() if weight is not None else kept.size
    return F.mul(F.sum(smooth), float("nan") if denom == 0 else 1.0 / float(denom))


def _cross_entropy_probs(input, target, weight, reduction, label_smoothing, class_dim):
    if not target.dtype.is_floating_point:
        raise RuntimeError(
            "Expected floating point type for target with class probabilities, got "
            f"{_type_name(target.dtype)}"
        )
    n_classes = input.shape[class_dim]
    _class_weight(input, weight, n_classes, "cross_entropy: ")
    if label_smoothing > 0:
        target = F.add(F.mul(target, 1 - label_smoothing), label_smoothing / n_classes)
    prod = F.mul(F.log_softmax(input, class_dim), target)
    if weight is not None:
        shape = [1] * input.ndim
        shape[class_dim] = n_classes
        prod = F.mul(prod, weight.detach().reshape(shape))
    if reduction == "none":
        return F.neg(F.sum(prod, class_dim))
    total = F.neg(F.sum(prod))
    if reduction == "sum":
        return total
    count = input.numel() // n_classes if n_classes else 0
    return named(F.div(total, float(count) if count else float("nan")), "DivBackward1")


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between logits ``input`` and class indices or class probabilities.

    Computed as ``nll_loss(log_softmax(input))``, hence stable for any logits. Targets of
    ``input``'s shape are probabilities; otherwise they are int64 class indices. With
    ``label_smoothing`` > 0 the loss is ``(1 - s) * nll + s / C * smooth`` where ``smooth``
    is the (weighted) sum of ``-log p`` over classes, normalised as PyTorch normalises it.
    """
    _check_tensors("cross_entropy_loss", input=input, target=target)
    reduction = _get_reduction(reduction, size_average, reduce)
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing:g}")
    class_dim = 0 if input.ndim == 1 else 1
    if input.shape == target.shape:
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing, class_dim)
    target = _check_nll_shapes(input, target)
    logp = F.log_softmax(input, class_dim)
    nll = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if not label_smoothing > 0:
        return nll
    t = target._data.astype(np.int64, copy=False)
    smooth = _smoothing_term(logp, t, weight, ignore_index, reduction, class_dim)
    n_classes = input.shape[class_dim]
    return F.add(F.mul(nll, 1 - label_smoothing), F.mul(smooth, label_smoothing / n_classes))


def _logit_weights(input: Tensor, weight: Tensor | None, pos_weight: Tensor | None) -> tuple:
    fn = "binary_cross_entropy_with_logits"
    shapes = [w.shape for w in (weight, pos_weight) if w is not None]
    shape = F.broadcast_shapes(input.shape, *shapes)
    if shape != tuple(input.shape):
        raise RuntimeError(
            f"output with shape {list(input.shape)} doesn't match the broadcast shape {list(shape)}"
        )
    return _constant(fn, "weight", weight), _constant(fn, "pos_weight", pos_weight)


def _check_reduction(reduction: str) -> str:
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross-entropy of logits: ``-w [pw t log s(x) + (1 - t) log(1 - s(x))]``.

    Fused and stable for any logits (log-sigmoid through ``log1p(exp(-|x|))``). ``weight``
    rescales each element; ``pos_weight`` (broadcast along the last dimension, one value per
    class) rescales the positive term.
    """
    _check_tensors("binary_cross_entropy_with_logits", input=input, target=target)
    reduction = _get_reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(
            f"Target size ({target.shape!r}) must be the same as input size ({input.shape!r})"
        )
    if not target.dtype.is_floating_point:
        raise RuntimeError(
            f"result type {_type_name(input.dtype)} can't be cast to the desired output type "
            f"{_type_name(target.dtype)}"
        )
    if input.dtype is not target.dtype:
        dt = _dtype.result_type(input, target)
        input, target = input.to(dt), target.to(dt)
    w, pw = _logit_weights(input, weight, pos_weight)
    return ops.BinaryCrossEntropyWithLogits.apply(input, target, w, pw, reduction)


def _broadcast_weight(weight: Tensor | None, shape: tuple) -> Tensor | None:
    """The weight, checked to broadcast to ``shape`` (the primitive broadcasts it)."""
    w = _constant("binary_cross_entropy", "weight", weight)
    if w is not None:
        try:
            np.broadcast_to(w._data, shape)
        except ValueError:
            raise RuntimeError(
                f"Attempting to broadcast weight of shape {list(w.shape)}; but expected shape "
                f"should be broadcastable to {list(shape)}"
            ) from None
    return w


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Binary cross-entropy of probabilities ``input`` in [0, 1]; each log clamped at -100.

    Prefer ``binary_cross_entropy_with_logits``: it is stable where ``sigmoid`` saturates.
    """
    _check_tensors("binary_cross_entropy", input=input, target=target)
    reduction = _get_reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({target.shape!r}) that is different to the input size "
            f"({input.shape!r}) is deprecated. Please ensure they have the same size."
        )
    if target.dtype is not input.dtype:
        raise RuntimeError(
            f"Found dtype {_type_name(target.dtype)} but expected {_type_name(input.dtype)}"
        )
    for name, x in (("input", input), ("target", target)):
        if not np.all((x._data >= 0) & (x._data <= 1)):
            raise RuntimeError(f"all elements of {name} should be between 0 and 1")
    w = _broadcast_weight(weight, input.shape)
    return ops.BinaryCrossEntropy.apply(input, target, w, reduction)


# ---------------------------------------------------------------- regression


def _check_regression(fn: str, input: Tensor, target: Tensor) -> None:
    _check_tensors(fn, input=input, target=target)
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.shape!r}) that is different to the input size "
            f"({input.shape!r}). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.",
            stacklevel=3,
        )


def _weighted(loss: Tensor, input: Tensor, reduction: str, weight: Tensor, mean_by_weight: bool):
    """PyTorch's Python-side weighting: ``loss * weight``, then 'mean' divides by the summed
    weight (``mse_loss``, ``l1_loss``) or by the count (``huber_loss``)."""
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(
            f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'."
        )
    loss = F.mul(loss, weight)
    if reduction == "mean" and mean_by_weight:
        return F.div(F.sum(loss), F.sum(weight))
    return _reduce(loss, reduction)


def _fused(op: type, input: Tensor, target: Tensor, reduction: str, **kw: object) -> Tensor:
    """``op`` on ``input`` and ``target`` broadcast to one shape (PyTorch's
    ``broadcast_tensors`` first): views, so changing either in place is still refused."""
    return elementwise(op, input, target, reduction=reduction, **kw)


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean squared error ``(input - target)^2``; 'mean' with ``weight`` divides by its sum."""
    _check_regression("mse_loss", input, target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if weight is not None:
        return _weighted(F.square(F.sub(input, target)), input, reduction, weight, True)
    return _fused(ops.MseLoss, input, target, _check_reduction(reduction))


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean absolute error ``|input - target|``; 'mean' with ``weight`` divides by its sum.

    Composed (``abs`` of the difference, then the reduction), as PyTorch composes it."""
    _check_regression("l1_loss", input, target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    loss = F.abs(F.sub(input, target))
    if weight is not None:
        return _weighted(loss, input, reduction, weight, True)
    return _reduce(loss, _check_reduction(reduction))


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """Smooth L1 (Girshick, Fast R-CNN): ``0.5 d^2 / beta`` below ``beta``, ``|d| - beta/2``
    above; ``beta=0`` is the L1 loss."""
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    _check_regression("smooth_l1_loss", input, target)
    if beta == 0:  # PyTorch's l1_loss, composed
        return _reduce(F.abs(F.sub(input, target)), _check_reduction(reduction))
    return _fused(ops.SmoothL1Loss, input, target, _check_reduction(reduction), param=beta)


def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """Huber loss: ``0.5 d^2`` below ``delta``, ``delta (|d| - delta/2)`` above (the
    ``delta``-scaled smooth L1). With ``weight``, 'mean' is the plain mean, as in PyTorch.
    The result has ``input``'s dtype, as PyTorch's."""
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _check_regression("huber_loss", input, target)
    dt = input.dtype if input.dtype.is_floating_point else None
    if weight is None:
        return _fused(ops.HuberLoss, input, target, _check_reduction(reduction), param=delta, dt=dt)
    loss = _fused(ops.HuberLoss, input, target, "none", param=delta, dt=dt)
    return _weighted(loss, input, reduction, weight, False)
