"""Adam (Kingma & Ba, 2015), with AMSGrad and optional decoupled weight decay."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import numpy as np

from numtorch._kernels import parallel
from numtorch.optim.optimizer import Optimizer, _apply_weight_decay, _check_lr
from numtorch.tensor import Tensor

__all__ = ["Adam"]


def _check_adam(lr, betas, eps, weight_decay) -> None:
    _check_lr(lr)
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if len(betas) != 2:  # PyTorch reads betas[1] and fails with an IndexError
        raise IndexError(f"betas must be a pair (beta1, beta2), but got {tuple(betas)}")
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")
    if not all(isinstance(b, float) for b in betas):
        raise ValueError("betas must be either both floats or both Tensors")


def _lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """``start += weight * (end - start)`` in place, with PyTorch's two-sided lerp rounding."""
    w = start.dtype.type(weight)
    if abs(w) < 0.5:
        start += w * (end - start)
    else:
        start[...] = end - (end - start) * (1 - w)


def _update_moments(
    exp_avg: np.ndarray, exp_avg_sq: np.ndarray, grad: np.ndarray, beta1: float, beta2: float
) -> None:
    """The Adam family's moving averages in place: ``m = lerp(m, g, 1 - beta1)`` and
    ``v = beta2 v + (1 - beta2) g^2`` (Adam, NAdam, RAdam)."""
    _lerp_(exp_avg, grad, 1 - beta1)
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * grad * grad


class Adam(Optimizer):
    """Adam: per-parameter steps from bias-corrected moving averages of the gradient and its
    square (Kingma & Ba, "Adam: A Method for Stochastic Optimization", 2015).

    Per step t: ``g += weight_decay * p`` (or, with ``decoupled_weight_decay``, ``p *= 1 -
    lr * weight_decay``); ``m = lerp(m, g, 1 - beta1)``; ``v = beta2 v + (1 - beta2) g^2``;
    ``p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)``, with ``v``
    replaced by its running maximum under ``amsgrad`` (Reddi et al., 2018). State per
    parameter: ``step`` (a float32 scalar tensor), ``exp_avg``, ``exp_avg_sq`` and
    ``max_exp_avg_sq``, as in PyTorch.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate.
        betas: decay rates of the two moving averages.
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty (added to the gradient unless decoupled).
        amsgrad: use the maximum of past second moments.
        maximize: ascend the objective instead of descending it.
        decoupled_weight_decay: decay the weights directly (that is ``AdamW``).
        foreach, capturable, differentiable, fused: accepted for PyTorch compatibility (they
            appear in ``param_groups`` and ``state_dict``); numtorch has one implementation.

    Example:
        >>> import numtorch as torch
        >>> from numtorch.optim import Adam
        >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = Adam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        _check_adam(lr, betas, eps, weight_decay)
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        if not state:
            state["step"] = Tensor._make(np.zeros((), np.float32))
            state["exp_avg"] = Tensor._make(np.zeros_like(param))
            state["exp_avg_sq"] = Tensor._make(np.zeros_like(param))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = Tensor._make(np.zeros_like(param))
        state["step"]._data += 1
        step = float(state["step"]._data)
        lr = float(group["lr"])
        beta1, beta2 = group["betas"]
        update = functools.partial(
            _adam_step,
            lr=lr,
            weight_decay=float(group["weight_decay"]),
            decoupled=group["decoupled_weight_decay"],
            beta1=beta1,
            beta2=beta2,
            step_size=lr / (1 - beta1**step),
            bias_correction2_sqrt=(1 - beta2**step) ** 0.5,
            eps=group["eps"],
        )
        keys = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if group["amsgrad"] else ())
        moments = [state[k]._data for k in keys]
        parallel.update_in_blocks(update, param, grad, *moments)


def _adam_step(
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    max_exp_avg_sq: np.ndarray | None = None,
    *,
    lr: float,
    weight_decay: float,
    decoupled: bool,
    beta1: float,
    beta2: float,
    step_size: float,
    bias_correction2_sqrt: float,
    eps: float,
) -> None:
    """One Adam step of ``param`` and its moments in place (``max_exp_avg_sq`` with AMSGrad),
    on whole arrays or on matching blocks of them (``parallel.update_in_blocks``)."""
    grad = _apply_weight_decay(param, grad, lr, weight_decay, decoupled)
    _update_moments(exp_avg, exp_avg_sq, grad, beta1, beta2)
    second = exp_avg_sq
    if max_exp_avg_sq is not None:
        second = np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
    denom = np.sqrt(second) / bias_correction2_sqrt + eps
    param += -step_size * exp_avg / denom
