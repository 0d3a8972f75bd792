"""The trainer's data: a held-out split of the bundled digits, train/test files on disk, your
own ``--data FILE.npz``, or an image folder ``--data DIR`` (see :mod:`numtorch.cli.image_folder`),
standardised with the training set's per-channel mean and standard deviation (axis 1 is the
channel or feature axis)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

import numtorch as torch
from numtorch import datasets
from numtorch.cli import image_folder
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
    classes: list[str] | None = None  # class names (an image folder's), index k is class k

    @property
    def channels(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def size(self) -> int:
        return int(self.x_train.shape[2])

    @property
    def is_images(self) -> bool:
        """Whether the inputs are (N, C, H, W) images (what the built-in models take)."""
        return self.x_train.dim() == 4

    def describe(self) -> str:
        shape = "x".join(str(n) for n in self.x_train.shape[1:])
        return (
            f"{self.name}, {len(self.y_train)} train / {len(self.y_test)} test samples of "
            f"{shape}, {self.num_classes} classes"
        )

    def raw_test_image(self, i: int) -> np.ndarray:
        """Test sample ``i`` as it was before standardisation."""
        x = self.x_test[i : i + 1].numpy()
        return (x * _along_axis1(self.std, x.ndim) + _along_axis1(self.mean, x.ndim))[0]


def _along_axis1(stat: np.ndarray, ndim: int) -> np.ndarray:
    """A per-channel statistic (C,) shaped to broadcast against an (N, C, ...) batch."""
    return stat.reshape((1, -1) + (1,) * (ndim - 2))


def statistics(x_train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation (+1e-6) over every axis but axis 1."""
    xt = np.asarray(x_train, dtype=np.float32)
    axes = tuple(i for i in range(xt.ndim) if i != 1)
    return xt.mean(axis=axes), xt.std(axis=axes) + 1e-6


def normalise(x, mean: np.ndarray, std: np.ndarray, in_place: bool = False) -> torch.Tensor:
    """Standardise the batch ``x`` (N, C, ...) with per-channel statistics; ``in_place``
    overwrites a float32 ``x`` instead of allocating a second array of its size."""
    x = np.asarray(x, dtype=np.float32)
    out = x if in_place else np.empty_like(x)
    np.subtract(x, _along_axis1(mean, x.ndim), out=out)
    np.divide(out, _along_axis1(std, x.ndim), out=out)
    return torch.from_numpy(out)


def _standardise(
    name: str,
    x_train,
    y_train,
    x_test,
    y_test,
    num_classes: int,
    classes: list[str] | None = None,
    owned: bool = False,
) -> Data:
    """Normalise both splits with the training split's statistics; ``owned`` float32 arrays
    (copies nothing else holds) are overwritten in place, saving a copy of the data."""
    mean, std = statistics(x_train)

    def labels(y) -> torch.Tensor:
        return torch.from_numpy(np.asarray(y, dtype=np.int64))

    return Data(
        name,
        normalise(x_train, mean, std, in_place=owned),
        labels(y_train),
        normalise(x_test, mean, std, in_place=owned),
        labels(y_test),
        mean,
        std,
        num_classes,
        classes,
    )


def _split(n: int) -> tuple[np.ndarray, np.ndarray]:
    """A fixed (seed ``SPLIT_SEED``) held-out test split of ``n`` samples: (train, test)."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(SPLIT_SEED)).numpy()
    n_test = int(round(n * DIGITS_TEST_FRACTION))
    return order[n_test:], order[:n_test]


def _digits() -> Data:
    images, labels = datasets.load_digits()
    x, y = images.numpy(), labels.numpy()
    train, test = _split(len(y))
    return _standardise("UCI digits (bundled)", x[train], y[train], x[test], y[test], 10)


def read_npz(path: str, flag: str = "--data") -> dict[str, np.ndarray]:
    """The arrays of an .npz file (no pickled objects); problems are one-line UsageErrors."""
    if not Path(path).is_file():
        raise UsageError(f"{flag} file {path!r} does not exist")
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except (OSError, ValueError, EOFError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise UsageError(f"cannot read {flag} {path!r} as .npz: {reason}") from None


def check_inputs(x: np.ndarray, name: str, where: str) -> np.ndarray:
    """``x`` as float32 (N, C, ...) inputs: real numbers, finite, at least 2-D, not empty."""
    if x.dtype.kind not in "fiub" or x.ndim < 2 or len(x) == 0:
        raise UsageError(
            f"{where}: {name} must be a non-empty numeric array of shape (N, features...), "
            f"but is {x.dtype} {list(x.shape)}"
        )
    x = x.astype(np.float32)
    if not np.isfinite(x).all():
        raise UsageError(f"{where}: {name} holds NaN or infinite values")
    return x


def check_labels(y: np.ndarray, name: str, n: int, where: str) -> np.ndarray:
    """``y`` as int64 class labels: one non-negative integer per input."""
    if y.dtype.kind not in "iu" or y.ndim != 1:
        raise UsageError(
            f"{where}: {name} must be 1-D integer class labels, but is {y.dtype} {list(y.shape)}"
        )
    if len(y) != n:
        raise UsageError(f"{where}: {name} has {len(y)} labels for {n} inputs")
    if len(y) and y.min() < 0:
        raise UsageError(f"{where}: {name} holds a negative label ({int(y.min())})")
    return y.astype(np.int64)


def _npz(path: str) -> Data:
    arrays, where = read_npz(path), f"--data {path!r}"
    for key in ("x_train", "y_train"):
        if key not in arrays:
            raise UsageError(f"{where} has no {key!r} array (it has {sorted(arrays)})")
    if ("x_test" in arrays) != ("y_test" in arrays):
        raise UsageError(f"{where} needs both x_test and y_test, or neither")
    x = check_inputs(arrays["x_train"], "x_train", where)
    y = check_labels(arrays["y_train"], "y_train", len(x), where)
    if "x_test" in arrays:
        xt = check_inputs(arrays["x_test"], "x_test", where)
        if xt.shape[1:] != x.shape[1:]:
            raise UsageError(
                f"{where}: x_test samples are {list(xt.shape[1:])}, x_train's {list(x.shape[1:])}"
            )
        yt = check_labels(arrays["y_test"], "y_test", len(xt), where)
    else:
        train, test = _held_out(len(y), where)
        x, y, xt, yt = x[train], y[train], x[test], y[test]
    classes = int(max(y.max(), yt.max())) + 1
    return _standardise(Path(path).name, x, y, xt, yt, classes, owned=True)


def _held_out(n: int, where: str) -> tuple[np.ndarray, np.ndarray]:
    """The fixed train/test split of ``n`` samples, refusing one with an empty side."""
    train, test = _split(n)
    if len(test) == 0 or len(train) == 0:
        raise UsageError(f"{where}: too few samples ({n}) to hold out a test split")
    return train, test


def _image_folder(path: str) -> Data:
    """An image folder (``train/`` + ``test/``, or one folder with 20% held out as an .npz's
    is), each split decoded straight into its own array (nothing is copied out afterwards)."""
    train, test = image_folder.list_folder(path)
    if test is None:
        train_idx, test_idx = _held_out(len(train.files), f"--data {path!r}")
        train, test = train.take(train_idx), train.take(test_idx)
    x, xt = image_folder.decode([train, test])
    classes = train.classes
    return _standardise(
        Path(path).name, x.x, train.targets, xt.x, test.targets, len(classes), classes, owned=True
    )


def load(name: str, data_dir: str | None, npz: str | None = None) -> Data:
    """Load ``--data FILE.npz`` or ``--data DIR`` (an image folder) if given, else a dataset by
    its ``--dataset`` name; file problems become one-line UsageErrors."""
    if npz is not None:
        return _image_folder(npz) if Path(npz).is_dir() else _npz(npz)
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
