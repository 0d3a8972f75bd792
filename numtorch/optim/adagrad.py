"""Adagrad (Duchi et al., 2011): per-coordinate steps scaled by the accumulated squared grads."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import numpy as np

from numtorch._kernels import parallel
from numtorch.optim.optimizer import Optimizer, _check_lr
from numtorch.tensor import Tensor

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad ("Adaptive Subgradient Methods for Online Learning and Stochastic Optimization").

    Per step t: ``g += weight_decay * p``; ``clr = lr / (1 + (t - 1) * lr_decay)``;
    ``s += g^2``; ``p -= clr * g / (sqrt(s) + eps)``. As in PyTorch, the state (``step`` and
    ``sum``, filled with ``initial_accumulator_value``) is created for every parameter at
    construction, so ``state_dict()`` lists it before the first step.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate.
        lr_decay: learning-rate decay per step.
        weight_decay: L2 penalty.
        initial_accumulator_value: starting value of the squared-gradient sum.
        eps: added to the denominator for numerical stability.
        maximize: ascend the objective instead of descending it.
        foreach, differentiable, fused: accepted for PyTorch compatibility; ignored.

    Example:
        >>> import numtorch as torch
        >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = torch.optim.Adagrad([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
            )
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = {
                    "step": Tensor._make(np.zeros((), np.float32)),
                    "sum": Tensor._make(np.full_like(p._data, initial_accumulator_value)),
                }

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        if not state:  # a parameter added after construction
            state["step"] = Tensor._make(np.zeros((), np.float32))
            state["sum"] = Tensor._make(np.full_like(param, group["initial_accumulator_value"]))
        state["step"]._data += 1
        step = float(state["step"]._data)
        update = functools.partial(
            _adagrad_step,
            clr=float(group["lr"]) / (1 + (step - 1) * group["lr_decay"]),
            weight_decay=group["weight_decay"],
            eps=group["eps"],
        )
        parallel.update_in_blocks(update, param, grad, state["sum"]._data)


def _adagrad_step(
    param: np.ndarray,
    grad: np.ndarray,
    state_sum: np.ndarray,
    *,
    clr: float,
    weight_decay: float,
    eps: float,
) -> None:
    """One Adagrad step of ``param`` and its sum of squared gradients in place, on whole arrays
    or on matching blocks of them (``parallel.update_in_blocks``)."""
    if weight_decay != 0:
        grad = grad + weight_decay * param
    state_sum += grad * grad
    param += -clr * (grad / (np.sqrt(state_sum) + eps))
