"""RAdam (Liu et al., 2020): Adam with a rectified adaptive learning rate."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import numpy as np

from numtorch._kernels import parallel
from numtorch.optim.adam import _update_moments
from numtorch.optim.adamax import _check_betas
from numtorch.optim.optimizer import Optimizer, _apply_weight_decay
from numtorch.tensor import Tensor

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam ("On the Variance of the Adaptive Learning Rate and Beyond").

    Per step t: Adam's ``m`` and ``v``; ``rho_inf = 2 / (1 - beta2) - 1`` and ``rho_t =
    rho_inf - 2 t beta2^t / (1 - beta2^t)``. While ``rho_t <= 5`` the step is SGD with
    momentum, ``p -= lr m / (1 - beta1^t)``; afterwards it is Adam's step times the
    rectification ``r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2)
    rho_t))``. State per parameter, as in PyTorch: ``step``, ``exp_avg``, ``exp_avg_sq``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate.
        betas: decay rates of the two moving averages.
        eps: added to the denominator for numerical stability.
        weight_decay: weight decay coefficient.
        decoupled_weight_decay: decay the weights directly instead of through the gradient.
        maximize: ascend the objective instead of descending it.
        foreach, capturable, differentiable: accepted for PyTorch compatibility; ignored.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_betas(lr, betas, eps, weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        if not state:
            state["step"] = Tensor._make(np.zeros((), np.float32))
            state["exp_avg"] = Tensor._make(np.zeros_like(param))
            state["exp_avg_sq"] = Tensor._make(np.zeros_like(param))
        state["step"]._data += 1
        step = float(state["step"]._data)
        beta1, beta2 = group["betas"]
        bias_correction2 = 1 - beta2**step
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
        rect = None  # the variance is not tractable yet: an un-adapted momentum step
        if rho_t > 5.0:
            rect = (
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            ) ** 0.5
        update = functools.partial(
            _radam_step,
            lr=float(group["lr"]),
            weight_decay=group["weight_decay"],
            decoupled=group["decoupled_weight_decay"],
            beta1=beta1,
            beta2=beta2,
            bias_correction1=1 - beta1**step,
            bias_correction2_sqrt=bias_correction2**0.5,
            eps=group["eps"],
            rect=rect,
        )
        moments = state["exp_avg"]._data, state["exp_avg_sq"]._data
        parallel.update_in_blocks(update, param, grad, *moments)


def _radam_step(
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    *,
    lr: float,
    weight_decay: float,
    decoupled: bool,
    beta1: float,
    beta2: float,
    bias_correction1: float,
    bias_correction2_sqrt: float,
    eps: float,
    rect: float | None,
) -> None:
    """One RAdam step of ``param`` and its moments in place, on whole arrays or on matching
    blocks of them (``parallel.update_in_blocks``); ``rect`` is the variance rectification
    term, None while it is undefined (then the step is not adapted)."""
    grad = _apply_weight_decay(param, grad, lr, weight_decay, decoupled)
    _update_moments(exp_avg, exp_avg_sq, grad, beta1, beta2)
    corrected = exp_avg / bias_correction1
    if rect is not None:
        adaptive = bias_correction2_sqrt / (np.sqrt(exp_avg_sq) + eps)
        param -= corrected * lr * adaptive * rect
    else:
        param -= corrected * lr
