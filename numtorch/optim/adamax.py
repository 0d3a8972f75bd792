"""Adamax (Kingma & Ba, 2015, section 7.1): Adam with the infinity norm."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import numpy as np

from numtorch._kernels import parallel
from numtorch.optim.adam import _lerp_
from numtorch.optim.optimizer import Optimizer, _check_lr
from numtorch.tensor import Tensor

__all__ = ["Adamax"]


def _check_betas(lr, betas, eps, weight_decay) -> None:
    """PyTorch's checks shared by Adamax, NAdam and RAdam, in its order."""
    _check_lr(lr)
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


class Adamax(Optimizer):
    """Adamax: Adam whose second moment is an exponentially weighted infinity norm.

    Per step t: ``g += weight_decay * p``; ``m = lerp(m, g, 1 - beta1)``;
    ``u = max(beta2 u, |g| + eps)``; ``p -= lr / (1 - beta1^t) * m / u``. State per parameter,
    as in PyTorch: ``step``, ``exp_avg`` (m) and ``exp_inf`` (u).

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate.
        betas: decay rates of the moving average and of the infinity norm.
        eps: added to ``|g|`` for numerical stability.
        weight_decay: L2 penalty.
        maximize: ascend the objective instead of descending it.
        foreach, differentiable, capturable: accepted for PyTorch compatibility; ignored.

    Example:
        >>> import numtorch as torch
        >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = torch.optim.Adamax([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        _check_betas(lr, betas, eps, weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        if not state:
            state["step"] = Tensor._make(np.zeros((), np.float32))
            state["exp_avg"] = Tensor._make(np.zeros_like(param))
            state["exp_inf"] = Tensor._make(np.zeros_like(param))
        state["step"]._data += 1
        beta1, beta2 = group["betas"]
        update = functools.partial(
            _adamax_step,
            beta1=beta1,
            beta2=beta2,
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            clr=float(group["lr"]) / (1 - beta1 ** float(state["step"]._data)),
        )
        moments = state["exp_avg"]._data, state["exp_inf"]._data
        parallel.update_in_blocks(update, param, grad, *moments)


def _adamax_step(
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_inf: np.ndarray,
    *,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    clr: float,
) -> None:
    """One Adamax step of ``param`` and its moments in place, on whole arrays or on matching
    blocks of them (``parallel.update_in_blocks``)."""
    if weight_decay != 0:
        grad = grad + weight_decay * param
    _lerp_(exp_avg, grad, 1 - beta1)
    exp_inf *= beta2
    np.maximum(exp_inf, np.abs(grad) + eps, out=exp_inf)
    param += -clr * (exp_avg / exp_inf)
