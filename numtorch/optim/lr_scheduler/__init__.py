"""Learning-rate schedulers, as ``torch.optim.lr_scheduler``: PyTorch's formulas (closed forms
and chainable updates), defaults, errors, warnings and ``state_dict`` keys."""

from numtorch.optim.lr_scheduler.composite import ChainedScheduler, SequentialLR
from numtorch.optim.lr_scheduler.cosine import CosineAnnealingLR, CosineAnnealingWarmRestarts
from numtorch.optim.lr_scheduler.cyclic import CyclicLR, OneCycleLR
from numtorch.optim.lr_scheduler.multiplicative import (
    ConstantLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from numtorch.optim.lr_scheduler.plateau import ReduceLROnPlateau
from numtorch.optim.lr_scheduler.scheduler import LRScheduler, _LRScheduler  # noqa: F401

__all__ = [
    "LRScheduler",
    "LambdaLR",
    "MultiplicativeLR",
    "StepLR",
    "MultiStepLR",
    "ConstantLR",
    "LinearLR",
    "ExponentialLR",
    "SequentialLR",
    "CosineAnnealingLR",
    "ChainedScheduler",
    "ReduceLROnPlateau",
    "CyclicLR",
    "CosineAnnealingWarmRestarts",
    "OneCycleLR",
    "PolynomialLR",
]
