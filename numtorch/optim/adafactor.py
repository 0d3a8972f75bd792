"""Adafactor (Shazeer & Stern, 2018): second moments stored as row and column factors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from numtorch.optim.adam import _lerp_
from numtorch.optim.optimizer import Optimizer
from numtorch.tensor import Tensor

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    """Adafactor ("Adaptive Learning Rates with Sublinear Memory Cost"), PyTorch's variant.

    Per step t: ``beta2_hat = 1 - t^beta2_decay``; ``rho = min(lr, 1 / sqrt(t))``; ``alpha =
    max(eps2, RMS(p)) rho``; ``p *= 1 - lr * weight_decay``. For a matrix (or batch of them)
    the squared gradient's row and column means are averaged into ``row_var`` and ``col_var``
    and ``V = row_var col_var / max(mean(row_var), eps1)``; a vector keeps ``variance`` in
    full. ``U = g / sqrt(max(V, eps1^2))``; ``p -= alpha U / max(1, RMS(U) / d)``. ``eps1``
    defaults to the parameter dtype's machine epsilon. State per parameter, as in PyTorch:
    ``step`` and ``row_var``/``col_var`` or ``variance``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: the maximum relative step size, and the weight-decay coefficient's scale.
        beta2_decay: exponent of the second moment's decay schedule (``<= 0``).
        eps: ``(eps1, eps2)``: the denominator's floor (``None``: machine epsilon) and the
            smallest parameter scale.
        d: clipping threshold on the update's RMS.
        weight_decay: decoupled weight decay coefficient.
        maximize: ascend the objective instead of descending it.
        foreach: accepted for PyTorch compatibility; ignored.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1e-2,
        beta2_decay: float = -0.8,
        eps: tuple[float | None, float] = (None, 1e-3),
        d: float = 1.0,
        weight_decay: float = 0.0,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
    ) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = {
            "lr": lr,
            "beta2_decay": beta2_decay,
            "eps": eps,
            "d": d,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        if not state:
            state["step"] = Tensor._make(np.zeros((), np.float32))
            if grad.ndim > 1:
                state["row_var"] = Tensor._make(np.zeros_like(grad[..., :1]))
                state["col_var"] = Tensor._make(np.zeros_like(grad[..., :1, :]))
            else:
                state["variance"] = Tensor._make(np.zeros_like(grad))
        state["step"]._data += 1
        step = float(state["step"]._data)
        lr, (eps1, eps2) = float(group["lr"]), group["eps"]
        if eps1 is None:
            eps1 = float(np.finfo(param.dtype).eps)
        one_minus_beta2 = step ** group["beta2_decay"]
        rho = min(lr, 1 / (step**0.5))
        alpha = max(eps2, float(_norm(param)) / (param.size**0.5)) * rho
        if group["weight_decay"] != 0:
            param *= 1 - lr * group["weight_decay"]
        if grad.ndim > 1:
            row_var, col_var = state["row_var"]._data, state["col_var"]._data
            _lerp_(row_var, _norm(grad, -1) ** 2 / grad.shape[-1], one_minus_beta2)
            _lerp_(col_var, _norm(grad, -2) ** 2 / grad.shape[-2], one_minus_beta2)
            var_estimate = row_var @ col_var
            var_estimate /= np.maximum(row_var.mean(axis=-2, keepdims=True), eps1)
        else:
            variance = state["variance"]._data
            _lerp_(variance, grad * grad, one_minus_beta2)
            var_estimate = variance.copy()
        update = 1 / np.sqrt(np.maximum(var_estimate, eps1 * eps1))
        update *= grad
        denom = max(1.0, float(_norm(update)) / ((update.size**0.5) * group["d"]))
        param += (-alpha / denom) * update


def _norm(x: np.ndarray, axis: int | None = None) -> np.ndarray:
    """The 2-norm, over all of ``x`` or along ``axis`` (kept), in ``x``'s dtype."""
    if axis is None:
        return np.sqrt(np.sum(x * x))
    return np.sqrt(np.sum(x * x, axis=axis, keepdims=True))
