"""The trainer's data: a held-out split of the bundled digits, or train/test files on disk,
standardised with the training set's per-channel mean and standard deviation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import numtorch as torch
from numtorch import datasets
from numtorch.cli.config import UsageError

DIGITS_TEST_FRACTION = 0.2
SPLIT_SEED = 0  # fixed: every run, whatever its --seed, is scored on the same test images


@dataclass
class Data:
    """Normalised train/test tensors plus what a model needs to know about them."""

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    mean: np.ndarray
    std: np.ndarray
    num_classes: int

    @property
    def channels(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def size(self) -> int:
        return int(self.x_train.shape[2])

    def describe(self) -> str:
        c, h, w = self.x_train.shape[1:]
        return (
            f"{self.name}, {len(self.y_train)} train / {len(self.y_test)} test images of "
            f"{c}x{h}x{w}, {self.num_classes} classes"
        )

    def raw_test_image(self, i: int) -> np.ndarray:
        """Test image ``i`` as it was before standardisation, (C, H, W)."""
        return self.x_test[i].numpy() * self.std[:, None, None] + self.mean[:, None, None]


def _standardise(name: str, x_train, y_train, x_test, y_test, num_classes: int) -> Data:
    xt = np.asarray(x_train, dtype=np.float32)
    mean = xt.mean(axis=(0, 2, 3))
    std = xt.std(axis=(0, 2, 3)) + 1e-6

    def norm(x) -> torch.Tensor:
        x = np.asarray(x, dtype=np.float32)
        return torch.from_numpy(((x - mean[:, None, None]) / std[:, None, None]).astype(np.float32))

    def labels(y) -> torch.Tensor:
        return torch.from_numpy(np.asarray(y, dtype=np.int64))

    return Data(
        name, norm(x_train), labels(y_train), norm(x_test), labels(y_test), mean, std, num_classes
    )


def _digits() -> Data:
    images, labels = datasets.load_digits()
    x, y = images.numpy(), labels.numpy()
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(SPLIT_SEED)).numpy()
    n_test = int(round(len(y) * DIGITS_TEST_FRACTION))
    test, train = order[:n_test], order[n_test:]
    return _standardise("UCI digits (bundled)", x[train], y[train], x[test], y[test], 10)


def load(name: str, data_dir: str | None) -> Data:
    """Load a dataset by its ``--dataset`` name; file problems become one-line UsageErrors."""
    if name == "digits":
        return _digits()
    loader = {
        "cifar10": datasets.load_cifar10,
        "mnist": datasets.load_mnist,
        "fashion-mnist": datasets.load_fashion_mnist,
    }[name]
    if data_dir is None and name != "fashion-mnist":
        raise UsageError(f"--dataset {name} needs --data-dir (the folder holding its files)")
    try:
        train = loader(data_dir, train=True)
        test = loader(data_dir, train=False)
    except (OSError, ValueError, RuntimeError) as err:
        raise UsageError(str(err).splitlines()[0]) from None
    for split, (x, _) in (("training", train), ("test", test)):
        if len(x) == 0:
            where = f" in {data_dir}" if data_dir else ""
            raise UsageError(f"--dataset {name}: the {split} set{where} has 0 images")
    return _standardise(
        name, train[0].numpy(), train[1].numpy(), test[0].numpy(), test[1].numpy(), 10
    )
