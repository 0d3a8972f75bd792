"""ASGD: averaged stochastic gradient descent (Polyak & Juditsky, 1992)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import numpy as np

from numtorch._kernels import parallel
from numtorch.optim.optimizer import Optimizer, _check_lr
from numtorch.tensor import Tensor

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD ("Acceleration of Stochastic Approximation by Averaging"), PyTorch's form.

    Per step t: ``g += weight_decay * p``; ``p *= 1 - lambd * eta``; ``p -= eta * g``; the
    average ``ax`` follows ``p`` (``ax += mu (p - ax)``, a copy while ``mu == 1``); then
    ``eta = lr / (1 + lambd lr t)^alpha`` and ``mu = 1 / max(1, t - t0)``. State per parameter,
    as in PyTorch: ``step``, ``eta``, ``mu`` (float32 scalars) and ``ax``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate.
        lambd: decay term.
        alpha: power for the ``eta`` update.
        t0: step at which averaging starts.
        weight_decay: L2 penalty.
        maximize: ascend the objective instead of descending it.
        foreach, differentiable, capturable: accepted for PyTorch compatibility; ignored.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        _check_lr(lr)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        lr, lambd = float(group["lr"]), group["lambd"]
        if not state:
            state["step"] = Tensor._make(np.zeros((), np.float32))
            state["eta"] = Tensor._make(np.array(lr, np.float32))
            state["mu"] = Tensor._make(np.ones((), np.float32))
            state["ax"] = Tensor._make(np.zeros_like(param))
        state["step"]._data += 1
        update = functools.partial(
            _asgd_step,
            eta=float(state["eta"]._data),
            mu=float(state["mu"]._data),
            lambd=lambd,
            weight_decay=group["weight_decay"],
        )
        parallel.update_in_blocks(update, param, grad, state["ax"]._data)
        step = float(state["step"]._data)
        state["eta"]._data[...] = lr / ((1 + lambd * lr * step) ** group["alpha"])
        state["mu"]._data[...] = 1 / max(1, step - group["t0"])


def _asgd_step(
    param: np.ndarray,
    grad: np.ndarray,
    ax: np.ndarray,
    *,
    eta: float,
    mu: float,
    lambd: float,
    weight_decay: float,
) -> None:
    """One ASGD step of ``param`` and its average ``ax`` in place, on whole arrays or on
    matching blocks of them (``parallel.update_in_blocks``)."""
    if weight_decay != 0:
        grad = grad + weight_decay * param
    param *= 1 - lambd * eta
    param += -eta * grad
    if mu != 1:
        ax += (param - ax) * mu
    else:
        ax[...] = param
