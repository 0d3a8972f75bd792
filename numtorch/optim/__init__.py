"""``numtorch.optim``: optimizers (``SGD``, ``Adam``, ``AdamW``) and learning-rate schedules
(``optim.lr_scheduler``)."""

from numtorch.optim import lr_scheduler
from numtorch.optim.adam import Adam
from numtorch.optim.adamw import AdamW
from numtorch.optim.optimizer import Optimizer
from numtorch.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "lr_scheduler"]
