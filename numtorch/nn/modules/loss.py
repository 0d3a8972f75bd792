"""Loss layers: each holds its options (and class weights as buffers) and calls ``F``."""

from __future__ import annotations

from numtorch.nn.functional import loss as F
from numtorch.nn.modules.module import Module
from numtorch.tensor import Tensor

__all__ = [
    "NLLLoss",
    "CrossEntropyLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "MSELoss",
    "L1Loss",
    "SmoothL1Loss",
    "HuberLoss",
]


class _Loss(Module):
    """Base of the losses: the ``reduction`` ('none' | 'mean' | 'sum'), checked when called.

    The deprecated ``size_average``/``reduce`` pair is mapped to a reduction (with PyTorch's
    warning) as in PyTorch.
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = F._legacy_reduction(size_average, reduce)
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with an optional per-class ``weight``, kept as a buffer (so it is in
    ``state_dict`` and follows ``.to()``, as in PyTorch)."""

    def __init__(
        self, weight: Tensor | None = None, size_average=None, reduce=None, reduction="mean"
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices given log-probabilities (see ``F.nll_loss``).

    Shape:
        - Input: (N, C), (C) or (N, C, d1, ...), log-probabilities (e.g. ``LogSoftmax``).
        - Target: (N), () or (N, d1, ...), int64 class indices in [0, C) or ``ignore_index``.
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average=None,
        ignore_index: int = -100,
        reduce=None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy between logits and class indices or class probabilities.

    ``log_softmax`` followed by ``nll_loss``, so large logits never overflow. Targets of the
    input's shape are read as probabilities. ``label_smoothing`` mixes the target with the
    uniform distribution, as in Szegedy et al., "Rethinking the Inception Architecture".

    Shape:
        - Input: (N, C), (C) or (N, C, d1, ...), unnormalised logits.
        - Target: (N), () or (N, d1, ...) int64 class indices, or the input's shape for
          probabilities.

    Example:
        >>> import numtorch as torch
        >>> loss = torch.nn.CrossEntropyLoss()
        >>> logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]], requires_grad=True)
        >>> out = loss(logits, torch.tensor([0, 2]))
        >>> round(out.item(), 4)
        0.6691
        >>> out.backward()
        >>> logits.grad.shape
        torch.Size([2, 3])
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average=None,
        ignore_index: int = -100,
        reduce=None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities in [0, 1] (each log clamped at -100).

    Prefer ``BCEWithLogitsLoss``, which is stable where a sigmoid saturates.
    """

    def __init__(
        self, weight: Tensor | None = None, size_average=None, reduce=None, reduction="mean"
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """A sigmoid and binary cross-entropy in one stable step (log-sum-exp form).

    ``weight`` rescales each element; ``pos_weight`` (one value per class, broadcast along
    the last dimension) weighs positive examples, trading recall against precision. Both are
    buffers.

    Example:
        >>> import numtorch as torch
        >>> loss = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0]))
        >>> round(loss(torch.tensor([0.0, 100.0]), torch.tensor([1.0, 0.0])).item(), 4)
        50.6931
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average=None,
        reduce=None,
        reduction: str = "mean",
        pos_weight: Tensor | None = None,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, pos_weight=self.pos_weight, reduction=self.reduction
        )


class MSELoss(_Loss):
    """Mean squared error between input and target (element-wise ``(x - y)^2``)."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error between input and target (element-wise ``|x - y|``)."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Quadratic below ``beta``, L1 above (Girshick, "Fast R-CNN"); ``beta=0`` is L1."""

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Huber's robust loss: ``0.5 d^2`` below ``delta``, ``delta (|d| - delta/2)`` above."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)
