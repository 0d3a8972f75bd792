"""Stochastic gradient descent, with momentum (Polyak or Nesterov), dampening, weight decay."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import numpy as np

from numtorch._kernels import parallel
from numtorch.optim.optimizer import Optimizer, _check_lr
from numtorch.tensor import Tensor

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's formulation.

    Per step, with ``g`` the gradient: ``g += weight_decay * p``; with momentum,
    ``b = momentum * b + (1 - dampening) * g`` (``b = g`` on the first step) and ``g = b``, or
    ``g += momentum * b`` with ``nesterov``; then ``p -= lr * g``. The momentum buffer is
    ``state[p]["momentum_buffer"]``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3, PyTorch 2.x's).
        momentum: momentum factor.
        dampening: dampening of the gradient's contribution to the momentum.
        weight_decay: L2 penalty.
        nesterov: Nesterov momentum (Sutskever et al., 2013); needs momentum, no dampening.
        maximize: ascend the objective instead of descending it.
        foreach, differentiable, fused: accepted for PyTorch compatibility (they appear in
            ``param_groups`` and ``state_dict``); numtorch has a single implementation.

    Example:
        >>> import numtorch as torch
        >>> from numtorch.optim import SGD
        >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = SGD([w], lr=0.1, momentum=0.9)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.8000, -1.6000], requires_grad=True)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        momentum = float(group["momentum"])
        step = functools.partial(
            _sgd_step,
            lr=float(group["lr"]),
            weight_decay=float(group["weight_decay"]),
            momentum=momentum,
            dampening=float(group["dampening"]),
            nesterov=group["nesterov"],
            first=state.get("momentum_buffer") is None,  # absent, or None from an old state_dict
        )
        if momentum == 0:
            parallel.update_in_blocks(step, param, grad)
            return
        if step.keywords["first"]:  # filled by the first step, in grad's layout
            state["momentum_buffer"] = Tensor._make(np.empty_like(grad))
        parallel.update_in_blocks(step, param, grad, state["momentum_buffer"]._data)


def _sgd_step(
    param: np.ndarray,
    grad: np.ndarray,
    buf: np.ndarray | None = None,
    *,
    lr: float,
    weight_decay: float,
    momentum: float,
    dampening: float,
    nesterov: bool,
    first: bool,
) -> None:
    """One SGD step of ``param`` (and its momentum buffer ``buf``) in place, on whole arrays
    or on matching blocks of them (``parallel.update_in_blocks``)."""
    if weight_decay != 0:
        grad = grad + weight_decay * param
    if buf is not None:
        if first:
            np.copyto(buf, grad)
        else:
            buf *= momentum
            buf += (1 - dampening) * grad
        grad = grad + momentum * buf if nesterov else buf
    param -= lr * grad
