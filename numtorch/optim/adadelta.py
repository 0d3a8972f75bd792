"""Adadelta (Zeiler, 2012): steps scaled by the ratio of running RMS of updates and gradients."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import numpy as np

from numtorch._kernels import parallel
from numtorch.optim.optimizer import Optimizer, _check_lr
from numtorch.tensor import Tensor

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta ("ADADELTA: An Adaptive Learning Rate Method").

    Per step: ``g += weight_decay * p``; ``v = rho v + (1 - rho) g^2``;
    ``d = sqrt(u + eps) / sqrt(v + eps) * g``; ``u = rho u + (1 - rho) d^2``; ``p -= lr * d``.
    State per parameter, as in PyTorch: ``step``, ``square_avg`` (v) and ``acc_delta`` (u).

    Args:
        params: tensors or parameter groups to optimize.
        lr: coefficient scaling the delta before it is applied.
        rho: decay rate of the running averages.
        eps: added inside the square roots for numerical stability.
        weight_decay: L2 penalty.
        maximize: ascend the objective instead of descending it.
        foreach, capturable, differentiable: accepted for PyTorch compatibility; ignored.

    Example:
        >>> import numtorch as torch
        >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = torch.optim.Adadelta([w])
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.9968, -1.9968], requires_grad=True)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        if not state:
            state["step"] = Tensor._make(np.zeros((), np.float32))
            state["square_avg"] = Tensor._make(np.zeros_like(param))
            state["acc_delta"] = Tensor._make(np.zeros_like(param))
        state["step"]._data += 1
        update = functools.partial(
            _adadelta_step,
            lr=float(group["lr"]),
            rho=group["rho"],
            eps=group["eps"],
            weight_decay=group["weight_decay"],
        )
        averages = state["square_avg"]._data, state["acc_delta"]._data
        parallel.update_in_blocks(update, param, grad, *averages)


def _adadelta_step(
    param: np.ndarray,
    grad: np.ndarray,
    square_avg: np.ndarray,
    acc_delta: np.ndarray,
    *,
    lr: float,
    rho: float,
    eps: float,
    weight_decay: float,
) -> None:
    """One Adadelta step of ``param`` and its running averages in place, on whole arrays or on
    matching blocks of them (``parallel.update_in_blocks``)."""
    if weight_decay != 0:
        grad = grad + weight_decay * param
    square_avg *= rho
    square_avg += (1 - rho) * grad * grad
    std = np.sqrt(square_avg + eps)
    delta = np.sqrt(acc_delta + eps) / std * grad
    acc_delta *= rho
    acc_delta += (1 - rho) * delta * delta
    param += -lr * delta
