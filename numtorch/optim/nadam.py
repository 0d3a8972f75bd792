"""NAdam (Dozat, 2016): Adam with Nesterov momentum and a momentum-decay schedule."""

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

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam ("Incorporating Nesterov Momentum into Adam"), PyTorch's formulation.

    Per step t: ``mu_t = beta1 (1 - 0.5 * 0.96^(t * momentum_decay))``; the product of the
    ``mu`` so far is kept in ``state["mu_product"]`` (float32, as in PyTorch); ``m`` and ``v``
    are Adam's; ``d = sqrt(v / (1 - beta2^t)) + eps``; ``p -= lr (1 - mu_t) / (1 - prod) g / d
    + lr mu_{t+1} / (1 - prod mu_{t+1}) m / d``. Weight decay is L2 or, with
    ``decoupled_weight_decay``, applied to the weights directly (NAdamW).

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate.
        betas: decay rates of the two moving averages.
        eps: added to the denominator for numerical stability.
        weight_decay: weight decay coefficient.
        momentum_decay: momentum-schedule decay (psi in the paper).
        decoupled_weight_decay: decay the weights directly instead of through the gradient.
        maximize: ascend the objective instead of descending it.
        foreach, capturable, differentiable: accepted for PyTorch compatibility; ignored.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_betas(lr, betas, eps, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        if not state:
            state["step"] = Tensor._make(np.zeros((), np.float32))
            state["mu_product"] = Tensor._make(np.ones((), np.float32))
            state["exp_avg"] = Tensor._make(np.zeros_like(param))
            state["exp_avg_sq"] = Tensor._make(np.zeros_like(param))
        state["step"]._data += 1
        step = float(state["step"]._data)
        lr = float(group["lr"])
        beta1, beta2 = group["betas"]
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * group["momentum_decay"])))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * group["momentum_decay"])))
        state["mu_product"]._data *= mu
        mu_product = float(state["mu_product"]._data)
        update = functools.partial(
            _nadam_step,
            lr=lr,
            weight_decay=group["weight_decay"],
            decoupled=group["decoupled_weight_decay"],
            beta1=beta1,
            beta2=beta2,
            bias_correction2=1 - beta2**step,
            eps=group["eps"],
            grad_coef=-lr * (1.0 - mu) / (1.0 - mu_product),
            avg_coef=-lr * mu_next / (1.0 - mu_product * mu_next),
        )
        moments = state["exp_avg"]._data, state["exp_avg_sq"]._data
        parallel.update_in_blocks(update, param, grad, *moments)


def _nadam_step(
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
    bias_correction2: float,
    eps: float,
    grad_coef: float,
    avg_coef: float,
) -> None:
    """One NAdam step of ``param`` and its moments in place, on whole arrays or on matching
    blocks of them (``parallel.update_in_blocks``); ``grad_coef`` and ``avg_coef`` weigh the
    gradient and the moving average, from this step's and the next one's momentum."""
    grad = _apply_weight_decay(param, grad, lr, weight_decay, decoupled)
    _update_moments(exp_avg, exp_avg_sq, grad, beta1, beta2)
    denom = np.sqrt(exp_avg_sq / bias_correction2) + eps
    param += grad_coef * (grad / denom)
    param += avg_coef * (exp_avg / denom)
