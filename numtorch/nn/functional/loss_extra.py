"""The second half of the losses: divergences and likelihoods (``kl_div``, ``poisson_nll_loss``,
``gaussian_nll_loss``), margin and embedding losses, each with PyTorch's signature, defaults
and errors.

Those PyTorch composes from other ops (``kl_div``, the NLLs, ``margin_ranking_loss``,
``hinge_embedding_loss``, ``cosine_embedding_loss``, the triplet losses,
``multilabel_soft_margin_loss``) are composed here from the same ops, so values and gradients
(for the target too) follow PyTorch's formulas; the ones PyTorch runs as one kernel
(``soft_margin_loss``, ``multi_margin_loss``, ``multilabel_margin_loss``) are fused primitives
in ``numtorch.ops.loss_extra``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np

import numtorch._namespace as F
from numtorch import _dtype
from numtorch._checks import check_tensor
from numtorch._checks import type_name as _type_name
from numtorch._namespace._operands import elementwise
from numtorch.autograd.grad_mode import no_grad
from numtorch.nn.functional._loss_reduction import (
    _check_tensors,
    _constant,
    _get_reduction,
    _reduce,
)
from numtorch.nn.functional.activation import logsigmoid
from numtorch.ops import loss_extra as ops
from numtorch.ops.ctc import CtcLoss
from numtorch.tensor import Tensor

__all__ = [
    "kl_div",
    "poisson_nll_loss",
    "gaussian_nll_loss",
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "soft_margin_loss",
    "multilabel_soft_margin_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "cosine_embedding_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
    "ctc_loss",
]

_KL_MEAN_WARNING = (
    "reduction: 'mean' divides the total loss by both the batch size and the support size."
    "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
    "'mean' will be changed to behave the same as 'batchmean' in the next major release."
)


# ---------------------------------------------------------------- divergences, likelihoods


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """KL divergence of ``target`` from log-probabilities ``input``, per element
    ``target * (log(target) - input)`` (``exp(target) * (target - input)`` with
    ``log_target``). 'batchmean' divides the sum by the batch size (the true KL); 'mean'
    divides by the element count, with PyTorch's warning."""
    _check_tensors("kl_div", input=input, target=target)
    if size_average is not None or reduce is not None:
        reduction = _get_reduction("mean", size_average, reduce)
    elif reduction == "mean":
        warnings.warn(_KL_MEAN_WARNING, stacklevel=2)
    inner = "sum" if reduction == "batchmean" else _get_reduction(reduction)
    if log_target:
        loss = F.mul(F.exp(target), F.sub(target, input))
    else:
        loss = F.sub(F.xlogy(target, target), F.mul(target, input))
    out = _reduce(loss, inner)
    if reduction == "batchmean" and input.ndim != 0:
        out = F.div(out, input.shape[0])
    return out


def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    size_average: bool | None = None,
    eps: float = 1e-8,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Poisson negative log-likelihood of counts ``target`` with rate ``exp(input)``
    (``log_input``) or ``input``: ``exp(x) - t x`` or ``x - t log(x + eps)``; ``full`` adds
    Stirling's approximation of ``log(t!)`` where ``t > 1``."""
    _check_tensors("poisson_nll_loss", input=input, target=target)
    reduction = _get_reduction(reduction, size_average, reduce)
    if log_input:
        loss = F.sub(F.exp(input), F.mul(target, input))
    else:
        loss = F.sub(input, F.mul(target, F.log(F.add(input, eps))))
    if full:
        stirling = F.add(
            F.sub(F.mul(target, F.log(target)), target),
            F.mul(F.log(F.mul(target, 2 * math.pi)), 0.5),
        )
        loss = F.add(loss, F.masked_fill(stirling, F.le(target, 1), 0))
    return _reduce(loss, reduction)


def _gaussian_var(input: Tensor, var: Tensor | float) -> Tensor:
    """``var`` as a tensor that broadcasts to ``input``, under PyTorch's rules (one variance
    per element, or one shared along a single dimension, possibly the dropped last one)."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        return F.mul(F.ones_like(input), var)
    check_tensor(var, "gaussian_nll_loss", "var", 3)
    if bool(np.any(var._data < 0)):
        raise ValueError("var has negative entry/entries")
    if var.shape == input.shape:
        return var
    if tuple(input.shape[:-1]) == tuple(var.shape):
        return F.unsqueeze(var, -1)
    if input.ndim == var.ndim and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1:
        return var
    raise ValueError("var is of incorrect size")


def gaussian_nll_loss(
    input: Tensor,
    target: Tensor,
    var: Tensor | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """Gaussian negative log-likelihood ``0.5 (log(var) + (input - target)^2 / var)`` (plus
    ``0.5 log(2 pi)`` when ``full``), ``var`` clamped below at ``eps`` without affecting its
    gradient, as in PyTorch."""
    _check_tensors("gaussian_nll_loss", input=input, target=target)
    var = _gaussian_var(input, var)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = F.clone(var)
    with no_grad():
        var.clamp_(min=eps)
    diff2 = F.div(F.pow(F.sub(input, target), 2), var)
    loss = F.mul(F.add(F.log(var), diff2), 0.5)
    if full:
        loss = F.add(loss, 0.5 * math.log(2 * math.pi))
    return _reduce(loss, reduction)


# ---------------------------------------------------------------- margin losses


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``: ``target`` 1 wants ``input1`` ranked
    higher, -1 lower."""
    _check_tensors("margin_ranking_loss", input1=input1, input2=input2, target=target)
    reduction = _get_reduction(reduction, size_average, reduce)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} "
        )
    diff = F.sub(input1, input2)
    return _reduce(F.clamp_min(F.add(F.mul(F.neg(target), diff), margin), 0), reduction)


def hinge_embedding_loss(
    input: Tensor,
    target: Tensor,
    margin: float = 1.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``input`` where ``target`` is 1, ``max(0, margin - input)`` where it is -1 (an input
    that is a distance: small for similar pairs, at least ``margin`` for dissimilar ones)."""
    _check_tensors("hinge_embedding_loss", input=input, target=target)
    reduction = _get_reduction(reduction, size_average, reduce)
    zeros = F.zeros_like(input)
    margin_clamp = F.clamp_min(F.rsub(input, margin), 0)
    output_margin = F.where(F.ne(target, 1), margin_clamp, zeros)
    output_self = F.where(F.ne(target, -1), input, zeros)
    return _reduce(F.add(output_margin, output_self), reduction)


def soft_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Two-class logistic loss ``log(1 + exp(-target * input))``, ``target`` in {1, -1}.

    Computed as ``max(z, 0) + log1p(exp(-|z|))``: where PyTorch's ``log1p(exp(z))``
    overflows (``z = -target * input`` above ~88 in float32) to inf with a NaN gradient,
    numtorch returns the finite loss ``z`` and gradient ``-target``, on purpose."""
    _check_tensors("soft_margin_loss", input=input, target=target)
    reduction = _get_reduction(reduction, size_average, reduce)
    _constant("soft_margin_loss", "target", target)
    return elementwise(ops.SoftMarginLoss, input, target, reduction=reduction)


def multilabel_soft_margin_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """One-versus-all logistic loss over the classes (last dimension), averaged over them:
    ``-mean_c w_c (t_c log s(x_c) + (1 - t_c) log s(-x_c))`` per sample."""
    _check_tensors("multilabel_soft_margin_loss", input=input, target=target)
    if size_average is not None or reduce is not None:
        reduction = _get_reduction("mean", size_average, reduce)
    pos = F.mul(target, logsigmoid(input))
    neg = F.mul(F.rsub(target, 1), logsigmoid(F.neg(input)))
    loss = F.neg(F.add(pos, neg))
    if weight is not None:
        loss = F.mul(loss, weight)
    class_dim = input.ndim - 1
    loss = F.div(F.sum(loss, class_dim), input.shape[class_dim])
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return _reduce(loss, reduction)


def _check_margin_shapes(input: Tensor) -> tuple:
    """PyTorch's input check for the class-margin losses; returns (batch, classes)."""
    if not (
        (input.ndim == 2 and input.shape[1] != 0)
        or (input.ndim == 1 and input.shape[0] != 0)
        or input.ndim == 0
    ):
        raise RuntimeError(
            "Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
            f"{list(input.shape)}"
        )
    n = 1 if input.ndim < 2 else input.shape[0]
    return n, 1 if input.ndim == 0 else input.shape[-1]


def _check_scalar_type(t: Tensor | None, expected) -> None:
    if t is not None and t.dtype is not expected:
        raise RuntimeError(
            f"expected scalar type {_type_name(expected)} but found {_type_name(t.dtype)}"
        )


def multi_margin_loss(
    input: Tensor,
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-class hinge loss: ``sum_{i != y} w_y max(0, margin - x_y + x_i)^p / C`` per
    sample, ``p`` 1 or 2, ``y = target``; input (N, C) or (C,)."""
    _check_tensors("multi_margin_loss", input=input, target=target)
    reduction = _get_reduction(reduction, size_average, reduce)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    n, c = _check_margin_shapes(input)
    if target.ndim > 1 or target.numel() != n or (input.ndim == 2 and target.ndim != 1):
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of "
            f"input samples (batch size). Expected target size [{n}], but got "
            f"{list(target.shape)}. Input has shape {list(input.shape)}."
        )
    if weight is not None and weight.numel() != c:
        raise RuntimeError(f"inconsistent weight size, expected {c} but got {list(weight.shape)}")
    _check_scalar_type(target, _dtype.int64)
    _check_scalar_type(weight, input.dtype)
    t = target._data.reshape(-1)
    if t.size and (t.min() < 0 or t.max() >= c):
        raise RuntimeError("target out of range")
    w = _constant("multi_margin_loss", "weight", weight)
    return ops.MultiMarginLoss.apply(input, target, w, p, margin, reduction, tuple(target.shape))


def multilabel_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-label hinge loss: ``sum_{j listed} sum_{i not listed} max(0, 1 - (x_j - x_i)) / C``
    per sample; ``target`` (input's shape) lists the classes, ended by the first -1."""
    _check_tensors("multilabel_margin_loss", input=input, target=target)
    reduction = _get_reduction(reduction, size_average, reduce)
    n, c = _check_margin_shapes(input)
    ok = target.ndim <= 1 and target.numel() == c if input.ndim <= 1 else target.shape == (n, c)
    if not ok:
        raise RuntimeError(
            f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}"
        )
    _check_scalar_type(target, _dtype.int64)
    tb = target._data
    if tb.size and (tb.min() < -1 or tb.max() >= c):
        raise RuntimeError("argument #2 'target' is out of range")
    out_shape = (n,) if input.ndim == 2 else ()
    return ops.MultilabelMarginLoss.apply(input, target, reduction, out_shape)


# ---------------------------------------------------------------- embedding losses

_EPSILON = 1e-12  # PyTorch's guard on the squared norms in cosine_embedding_loss


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``1 - cos(x1, x2)`` where ``target`` is 1, ``max(0, cos(x1, x2) - margin)`` where it is
    -1; cosine along the last dimension of (N, D) inputs (D for a 0-D target)."""
    _check_tensors("cosine_embedding_loss", input1=input1, input2=input2, target=target)
    reduction = _get_reduction(reduction, size_average, reduce)
    dim = target.ndim
    if dim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = 2 if dim == 1 else 1
    if input1.ndim != want or input2.ndim != want:
        raise RuntimeError(
            f"{dim}D target tensor expects {want}D input tensors, but found inputs with sizes "
            f"{list(input1.shape)} and {list(input2.shape)}."
        )
    prod_sum = F.sum(F.mul(input1, input2), dim)
    mag1 = F.add(F.sum(F.mul(input1, input1), dim), _EPSILON)
    mag2 = F.add(F.sum(F.mul(input2, input2), dim), _EPSILON)
    cos = F.div(prod_sum, F.sqrt(F.mul(mag1, mag2)))
    zeros = F.zeros_like(cos)
    pos = F.rsub(cos, 1)
    neg = F.clamp_min(F.sub(cos, margin), 0)
    output = F.add(F.where(F.eq(target, 1), pos, zeros), F.where(F.eq(target, -1), neg, zeros))
    return _reduce(output, reduction)


def _pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6) -> Tensor:
    """PyTorch's ``pairwise_distance``: ``norm(x1 - x2 + eps, p)`` over the last dimension."""
    dim = max(x1.ndim, x2.ndim) - 1
    return F.norm(F.add(F.sub(x1, x2), eps), p, dim)


def _check_triplet_dims(anchor: Tensor, positive: Tensor, negative: Tensor) -> None:
    a, p, n = anchor.ndim, positive.ndim, negative.ndim
    if not (a == p and p == n):
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {a}D, positive {p}D, and negative {n}D inputs"
        )


def _triplet(dist_pos: Tensor, dist_neg: Tensor, dist_swap, margin: float, reduction: str):
    if dist_swap is not None:
        dist_neg = F.minimum(dist_neg, dist_swap)
    return _reduce(F.clamp_min(F.sub(F.add(dist_pos, margin), dist_neg), 0), reduction)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, d(a, p) - d(a, n) + margin)`` with ``d`` the ``p``-norm distance along the last
    dimension; ``swap`` uses ``min(d(a, n), d(p, n))`` (Balntas et al. 2016)."""
    _check_tensors("triplet_margin_loss", anchor=anchor, positive=positive, negative=negative)
    reduction = _get_reduction(reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    dist_pos = _pairwise_distance(anchor, positive, p, eps)
    dist_neg = _pairwise_distance(anchor, negative, p, eps)
    dist_swap = _pairwise_distance(positive, negative, p, eps) if swap else None
    return _triplet(dist_pos, dist_neg, dist_swap, margin, reduction)


def triplet_margin_with_distance_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    *,
    distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """The triplet loss with any ``distance_function`` (default: the Euclidean
    ``pairwise_distance``)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    distance = distance_function if distance_function is not None else _pairwise_distance
    dist_pos = distance(anchor, positive)
    dist_neg = distance(anchor, negative)
    dist_swap = distance(positive, negative) if swap else None
    return _triplet(dist_pos, dist_neg, dist_swap, margin, reduction)


# ---------------------------------------------------------------- CTC

_CTC = "(while checking arguments for ctc_loss_allocate_outputs)"


def _lengths(value: object, name: str) -> np.ndarray:
    """Lengths given as a tensor (integral) or a sequence of ints, as an int64 array."""
    if isinstance(value, Tensor):
        if value.dtype.is_floating_point or value.dtype.name in ("bool", "complex64", "complex128"):
            raise RuntimeError(f"{name} must be integral")
        return value._data.reshape(-1).astype(np.int64)
    if isinstance(value, (list, tuple)) and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value
    ):
        return np.asarray(value, dtype=np.int64).reshape(-1)
    raise TypeError(
        f"ctc_loss(): argument '{name}' must be tuple of ints or Tensor, not {type(value).__name__}"
    )


def _check_ctc(log_probs: Tensor, targets: Tensor, in_len, tg_len, blank: int) -> None:
    """PyTorch's argument checks for ``ctc_loss``, with its messages."""
    if log_probs.ndim != 3:
        raise RuntimeError(
            f"Expected 3-dimensional tensor, but got {log_probs.ndim}-dimensional tensor for "
            f"argument #1 'log_probs' {_CTC}"
        )
    if not log_probs.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"ctc_loss_cpu\" not implemented for '{_type_name(log_probs.dtype)}'"
        )
    _, n, c = log_probs.shape
    if not 0 <= blank < c:
        raise RuntimeError("blank must be in label range")
    if len(in_len) != n:
        raise RuntimeError("input_lengths must be of size batch_size")
    if len(tg_len) != n:
        raise RuntimeError("target_lengths must be of size batch_size")
    for i in range(n):
        if tg_len[i] < 0:
            raise RuntimeError(
                f"Expected target_lengths to have value at least 0, but got value {tg_len[i]} {_CTC}"
            )
    if targets.ndim == 1 and targets.shape[0] != int(tg_len.sum()):
        raise RuntimeError(
            f"Expected tensor to have size {int(tg_len.sum())} at dimension 0, but got size "
            f"{targets.shape[0]} for argument #2 'targets' {_CTC}"
        )
    if targets.ndim == 2:
        if targets.shape[0] != n:
            raise RuntimeError(
                f"Expected tensor to have size {n} at dimension 0, but got size "
                f"{targets.shape[0]} for argument #2 'targets' {_CTC}"
            )
        longest = int(tg_len.max(initial=0))
        if targets.shape[1] < longest:
            raise RuntimeError(
                f"Expected tensor to have size at least {longest} at dimension 1, but got size "
                f"{targets.shape[1]} for argument #2 'targets' {_CTC}"
            )
    if targets.ndim not in (1, 2):
        raise RuntimeError(
            f"Expected 1 to 2 dimensions, but got {targets.ndim}-dimensional tensor for "
            f"argument #2 'targets' {_CTC}"
        )
    for i in range(n):
        if in_len[i] < 0:
            raise RuntimeError(
                f"Expected input_lengths to have value at least 0, but got value {in_len[i]} {_CTC}"
            )
        if in_len[i] > log_probs.shape[0]:
            raise RuntimeError(
                f"Expected input_lengths to have value at most {log_probs.shape[0]}, but got "
                f"value {in_len[i]} {_CTC}"
            )


def _check_ctc_labels(targets: np.ndarray, n_classes: int) -> None:
    """Class indices in range (PyTorch reads out of bounds here; numtorch refuses)."""
    if targets.size and (targets.min() < 0 or targets.max() >= n_classes):
        raise RuntimeError(f"ctc_loss: target labels must be in [0, {n_classes})")


def ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths: Tensor | tuple,
    target_lengths: Tensor | tuple,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """Connectionist temporal classification loss (Graves et al. 2006).

    ``log_probs`` (T, N, C) or unbatched (T, C) log-probabilities (e.g. ``log_softmax``);
    ``targets`` padded (N, S) or concatenated 1-D class indices; lengths as tensors or
    tuples of ints. 'mean' divides each loss by its target length (at least 1), then
    averages over the batch. ``zero_infinity`` zeroes infinite losses (inputs too short to
    align) and their gradients. The gradient is PyTorch's (see ``numtorch.ops.ctc``).
    """
    _check_tensors("ctc_loss", log_probs=log_probs, targets=targets)
    batched = log_probs.ndim == 3
    lp = log_probs if batched else F.unsqueeze(log_probs, 1)
    if isinstance(input_lengths, Tensor) != isinstance(target_lengths, Tensor):
        raise TypeError(
            "ctc_loss() received an invalid combination of arguments: input_lengths and "
            "target_lengths must be both tuples of ints or both Tensors"
        )
    in_len = _lengths(input_lengths, "input_lengths")
    tg_len = _lengths(target_lengths, "target_lengths")
    reduction = _get_reduction(reduction)
    _check_ctc(lp, targets, in_len, tg_len, blank)
    t = targets._data.astype(np.int64)
    _check_ctc_labels(t, lp.shape[2])
    res = CtcLoss.apply(lp, Tensor._make(t), in_len, tg_len, blank, zero_infinity)
    if zero_infinity:
        res = F.where(F.eq(res, float("inf")), F.zeros((), dtype=res.dtype), res)
    if reduction == "mean":
        lengths = Tensor._make(np.maximum(tg_len, 1).astype(res._data.dtype))
        return F.mean(F.div(res, lengths))
    if reduction == "sum":
        return F.sum(res)
    return res if batched else F.squeeze(res, 0)
