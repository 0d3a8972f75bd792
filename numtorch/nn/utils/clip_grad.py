"""Gradient clipping: ``clip_grad_norm_``, ``clip_grad_value_``, ``get_total_norm`` and
``clip_grads_with_norm_``, with PyTorch's semantics, return values and errors.

The total norm is the norm of the per-tensor norms (as if every gradient were one long vector);
the scale ``min(max_norm / (total_norm + 1e-6), 1)`` only ever shrinks gradients. A non-finite
total norm scales every gradient by NaN (PyTorch's behaviour) unless ``error_if_nonfinite``.

``foreach`` is accepted for compatibility and ignored: numtorch has one (vectorised) path.
"""

from __future__ import annotations

import math
import types
import warnings
from collections.abc import Iterable

import numpy as np

from numtorch.autograd.grad_mode import no_grad
from numtorch.tensor import Tensor

__all__ = [
    "clip_grad_norm",
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
]

_TensorOrTensors = Tensor | Iterable[Tensor]


def _vector_norm(x: np.ndarray, ord: float) -> np.ndarray:
    """``linalg.vector_norm(x, ord)`` of the flattened array, in ``x``'s dtype."""
    if x.size == 0 and (ord < 0 or math.isinf(ord)):
        name = {math.inf: "inf", -math.inf: "-inf"}.get(ord, f"{ord:g}")
        raise RuntimeError(
            f"linalg.vector_norm cannot compute the {name} norm on an empty tensor because the "
            "operation does not have an identity"
        )
    # Accumulate in float64, then round once: as accurate as PyTorch's scaled float32 sums.
    a = np.abs(x.astype(np.float64, copy=False)).reshape(-1)
    with np.errstate(all="ignore"):
        if ord == math.inf:
            r = a.max(initial=0.0) if not np.isnan(a).any() else np.nan
        elif ord == -math.inf:
            r = a.min() if not np.isnan(a).any() else np.nan
        elif ord == 0:
            r = np.count_nonzero(a)
        elif ord == 1:
            r = a.sum()
        elif ord == 2:
            r = np.sqrt(np.dot(a, a))
        else:
            r = np.sum(a**ord) ** (1.0 / ord)
    return np.asarray(r, dtype=x.dtype)


def _as_list(tensors: _TensorOrTensors) -> list:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


@no_grad()
def get_total_norm(
    tensors: _TensorOrTensors,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The ``norm_type``-norm of ``tensors`` viewed as one vector (0-dim tensor).

    Args:
        tensors: a tensor or an iterable of tensors.
        norm_type: the p of the p-norm; ``inf`` for the max-norm.
        error_if_nonfinite: raise ``RuntimeError`` if the total norm is NaN or infinite.
        foreach: ignored (PyTorch's implementation switch).
    """
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return Tensor._make(np.asarray(0.0, dtype=np.float32))
    norms = [_vector_norm(t._data, norm_type) for t in tensors]
    dtype = np.result_type(*norms)
    total = _vector_norm(np.stack([n.astype(dtype) for n in norms]), norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the gradients "
            "by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return Tensor._make(total)


@no_grad()
def clip_grads_with_norm_(
    parameters: _TensorOrTensors,
    max_norm: float,
    total_norm: Tensor,
    foreach: bool | None = None,
) -> None:
    """Scale every ``.grad`` in place by ``min(max_norm / (total_norm + 1e-6), 1)``."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    max_norm = float(max_norm)
    if not grads:
        return
    total = np.asarray(getattr(total_norm, "_data", total_norm))
    t = total.dtype.type
    with np.errstate(all="ignore"):
        coef = np.minimum(t(max_norm) / (total + t(1e-6)), t(1.0))
    for g in grads:  # each grad computes in its own dtype, as PyTorch's mul_ does
        g.mul_(Tensor._make(np.asarray(coef, dtype=g._data.dtype)))


@no_grad()
def clip_grad_norm_(
    parameters: _TensorOrTensors,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Clip the gradients of ``parameters`` so that their total norm is at most ``max_norm``.

    The norm is taken over all gradients together, as if concatenated into one vector;
    gradients are modified in place.

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` is clipped.
        max_norm: the largest allowed total norm.
        norm_type: the p of the p-norm; ``inf`` for the max-norm.
        error_if_nonfinite: raise ``RuntimeError`` if the total norm is NaN or infinite
            (otherwise every gradient is scaled by the non-finite coefficient, as in PyTorch).
        foreach: ignored (PyTorch's implementation switch).

    Returns:
        The total norm of the gradients before clipping (0-dim tensor).

    Example:
        >>> import numtorch as torch
        >>> w = torch.nn.Parameter(torch.zeros(2))
        >>> w.grad = torch.tensor([3.0, 4.0])
        >>> torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)
        tensor(5.)
        >>> w.grad
        tensor([0.6000, 0.8000])
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and not parameters:
            warnings.warn(
                "`parameters` is an empty generator, no gradient clipping will occur.",
                stacklevel=3,
            )
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(
    parameters: _TensorOrTensors,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Deprecated alias of ``clip_grad_norm_`` (warns ``FutureWarning``, as PyTorch does)."""
    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
        "`torch.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


@no_grad()
def clip_grad_value_(
    parameters: _TensorOrTensors,
    clip_value: float,
    foreach: bool | None = None,
) -> None:
    """Clamp every ``.grad`` of ``parameters`` in place to ``[-clip_value, clip_value]``.

    NaN gradients stay NaN; a negative ``clip_value`` sets every entry to ``clip_value``
    (``clamp`` with ``min > max``), both as in PyTorch.
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    clip_value = float(clip_value)
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(min=-clip_value, max=clip_value)
