"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, 2019)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from numtorch.optim.adam import Adam
from numtorch.tensor import Tensor

__all__ = ["AdamW"]


class AdamW(Adam):
    """Adam whose weight decay shrinks the weights directly (``p *= 1 - lr * weight_decay``)
    instead of entering the gradient's moving averages (Loshchilov & Hutter, "Decoupled
    Weight Decay Regularization", 2019). Defaults as PyTorch: ``weight_decay=1e-2``.

    Args: as ``Adam`` (without ``decoupled_weight_decay``, always True here).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        for group in self.param_groups:  # a loaded AdamW always decays decoupled, as in PyTorch
            group["decoupled_weight_decay"] = True
