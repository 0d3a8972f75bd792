"""RMSprop (Hinton's lecture 6.5), with momentum and the centered variant (Graves, 2013)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import numpy as np

from numtorch._kernels import parallel
from numtorch.optim.adam import _lerp_
from numtorch.optim.optimizer import Optimizer, _check_lr
from numtorch.tensor import Tensor

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root mean square of its recent values.

    Per step: ``g += weight_decay * p``; ``v = alpha v + (1 - alpha) g^2``; with ``centered``,
    ``m = lerp(m, g, 1 - alpha)`` and ``v~ = v - m^2`` (else ``v~ = v``); ``d = sqrt(v~) + eps``;
    with momentum ``b = momentum * b + g / d`` and ``p -= lr * b``, else ``p -= lr * g / d``.
    State per parameter, as in PyTorch: ``step``, ``square_avg``, ``momentum_buffer`` (with
    momentum) and ``grad_avg`` (when centered).

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate.
        alpha: smoothing constant of the squared-gradient average.
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty.
        momentum: momentum factor.
        centered: normalise by an estimate of the gradient's variance.
        maximize: ascend the objective instead of descending it.
        capturable, foreach, differentiable: accepted for PyTorch compatibility; ignored.

    Example:
        >>> import numtorch as torch
        >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = torch.optim.RMSprop([w], lr=0.01)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        momentum = group["momentum"]
        if not state:
            state["step"] = Tensor._make(np.zeros((), np.float32))
            state["square_avg"] = Tensor._make(np.zeros_like(param))
            if momentum > 0:
                state["momentum_buffer"] = Tensor._make(np.zeros_like(param))
            if group["centered"]:
                state["grad_avg"] = Tensor._make(np.zeros_like(param))
        state["step"]._data += 1
        update = functools.partial(
            _rmsprop_step,
            lr=float(group["lr"]),
            alpha=group["alpha"],
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            momentum=momentum,
            centered=group["centered"],
        )
        keys = ("square_avg",) + (("momentum_buffer",) if momentum > 0 else ())
        keys += ("grad_avg",) if group["centered"] else ()
        parallel.update_in_blocks(update, param, grad, *[state[k]._data for k in keys])


def _rmsprop_step(
    param: np.ndarray,
    grad: np.ndarray,
    square_avg: np.ndarray,
    *buffers: np.ndarray,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    centered: bool,
) -> None:
    """One RMSprop step of ``param`` and its state in place, on whole arrays or on matching
    blocks of them (``parallel.update_in_blocks``). ``buffers``: the momentum buffer (with
    ``momentum > 0``), then the gradient's average (``centered``)."""
    rest = iter(buffers)
    buf = next(rest) if momentum > 0 else None
    grad_avg = next(rest) if centered else None
    if weight_decay != 0:
        grad = grad + weight_decay * param
    square_avg *= alpha
    square_avg += (1 - alpha) * grad * grad
    if grad_avg is not None:
        _lerp_(grad_avg, grad, 1 - alpha)
        avg = np.sqrt(square_avg - grad_avg * grad_avg)
    else:
        avg = np.sqrt(square_avg)
    avg += eps
    if buf is not None:
        buf *= momentum
        buf += grad / avg
        param -= lr * buf
    else:
        param += -lr * (grad / avg)
