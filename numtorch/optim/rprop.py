"""Rprop (Riedmiller & Braun, 1993): per-coordinate steps driven by the gradient's sign alone."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from numtorch.optim.optimizer import Optimizer, _check_lr
from numtorch.tensor import Tensor

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Resilient backpropagation, PyTorch's formulation.

    Per step, with ``s = sign(g * g_prev)``: each coordinate's step size is multiplied by
    ``etaplus`` where ``s > 0``, by ``etaminus`` where ``s < 0`` (and that coordinate's gradient
    is then taken as 0), and clamped to ``step_sizes``; ``p -= sign(g) * step_size``. State per
    parameter, as in PyTorch: ``step``, ``prev`` (the gradient used) and ``step_size`` (starting
    at ``lr``).

    Args:
        params: tensors or parameter groups to optimize.
        lr: initial step size.
        etas: ``(etaminus, etaplus)``, the multiplicative decrease and increase factors.
        step_sizes: ``(min, max)`` allowed step sizes.
        maximize: ascend the objective instead of descending it.
        capturable, foreach, differentiable: accepted for PyTorch compatibility; ignored.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {
            "lr": lr,
            "etas": etas,
            "step_sizes": step_sizes,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        if not state:
            state["step"] = Tensor._make(np.zeros((), np.float32))
            state["prev"] = Tensor._make(np.zeros_like(param))
            state["step_size"] = Tensor._make(np.full_like(param, float(group["lr"])))
        state["step"]._data += 1
        etaminus, etaplus = group["etas"]
        step_min, step_max = group["step_sizes"]
        prev, step_size = state["prev"]._data, state["step_size"]._data
        sign = np.sign(grad * prev)
        factor = np.where(sign > 0, etaplus, np.where(sign < 0, etaminus, 1)).astype(param.dtype)
        step_size *= factor
        np.clip(step_size, step_min, step_max, out=step_size)
        grad = np.where(factor == param.dtype.type(etaminus), 0, grad).astype(param.dtype)
        param -= np.sign(grad) * step_size
        prev[...] = grad
