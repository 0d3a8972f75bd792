"""What the trainer's modules share: the run's configuration and the one-line usage error.

The bottom of the CLI's imports: this module imports nothing from ``numtorch``, and every other
``numtorch.cli`` module may import it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DATASETS",
    "MAX_SEED",
    "MODELS",
    "OPTIMIZERS",
    "Config",
    "RunFailed",
    "UsageError",
    "is_model_spec",
]

DATASETS = ("digits", "fashion-mnist", "mnist", "cifar10")
MODELS = ("classifier", "resnet")
OPTIMIZERS = ("adam", "adamw", "sgd")
MAX_SEED = 2**64 - 1  # seeds are unsigned 64-bit integers


class UsageError(Exception):
    """A mistake in the command line or its files: printed as one line, exit code 2."""

    exit_code = 2


class RunFailed(UsageError):
    """The run could not go on (a full disk, a failing write): one line, exit code 1."""

    exit_code = 1


@dataclass
class Config:
    """Everything that decides a run; saved in checkpoints so ``--resume`` continues exactly."""

    dataset: str = "digits"
    data_dir: str | None = None
    model: str = "classifier"
    dropout2d: float = 0.3
    epochs: int = 20
    batch_size: int = 32
    lr: float = 2e-3
    optimizer: str = "adam"
    seed: int = 0
    data: str | None = None  # an .npz file (x_train, y_train[, x_test, y_test]); None: dataset
    model_args: str = "{}"  # JSON keyword arguments for a user model (canonical form)
    val_fraction: float = 0.1  # of the training data, held out to pick the best epoch
    patience: int | None = None  # stop after this many epochs without a better val_acc
    max_steps: int | None = None  # stop after this many optimizer steps in all


def is_model_spec(text: str) -> bool:
    """Whether ``text`` names a user model: ``FILE.py:CLASS`` or ``package.module:CLASS``."""
    where, sep, name = text.rpartition(":")
    return bool(sep and where and name.isidentifier())
