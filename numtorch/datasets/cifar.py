"""CIFAR-10 read from the "python version" batches (``cifar-10-batches-py``).

The batches are pickles, so this is the one place numtorch unpickles anything, and it does so
with a restricted unpickler: plain data (dicts, lists, strings, numbers) plus NumPy arrays of
numeric dtypes. Every other global -- any function or class a malicious pickle could call -- is
refused with ``UnsafePickleError`` (a ``pickle.UnpicklingError``). The opcodes are scanned first
so that no length, memo index or nesting depth in the file can make the unpickler allocate
absurd memory or overflow the stack, and arrays are rebuilt from validated numeric dtypes,
shapes and bytes (see ``numtorch.datasets._safe_pickle``).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from numtorch.datasets import _safe_pickle
from numtorch.datasets._base import ImageDataset
from numtorch.datasets.mnist import _locate
from numtorch.tensor import Tensor

__all__ = ["CIFAR10", "load_cifar10", "UnsafePickleError"]

_CLASSES = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
]
_TRAIN = [f"data_batch_{i}" for i in range(1, 6)]
_TEST = ["test_batch"]


class UnsafePickleError(pickle.UnpicklingError, ValueError):
    """A CIFAR-10 batch tried to unpickle more than plain data (a ValueError too, so callers
    that handle bad data files catch it)."""


_DAMAGE = (
    pickle.UnpicklingError,
    EOFError,
    ValueError,
    TypeError,
    IndexError,
    KeyError,
    AttributeError,
    OverflowError,
    MemoryError,
    RecursionError,
)


def _unpickle(path: Path) -> Any:
    """The batch's object, through the restricted unpickler (see ``_safe_pickle``)."""
    try:
        return _safe_pickle.loads(path.read_bytes())
    except _safe_pickle.Refused as err:
        raise UnsafePickleError(f"{path}: {err}") from None
    except _DAMAGE as err:
        raise ValueError(f"{path} is not a readable CIFAR-10 batch ({str(err)[:200]!r})") from None


def _load_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One batch file as uint8 images (n, 3, 32, 32) and int64 labels."""
    batch = _unpickle(path)
    try:
        data = _safe_pickle.array(batch.get("data")) if isinstance(batch, dict) else None
        labels = batch.get("labels") if isinstance(batch, dict) else None
    except _safe_pickle.Refused as err:
        raise UnsafePickleError(f"{path}: {err}") from None
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2:
        raise ValueError(f"{path}: expected 'data' to be a uint8 array (N, 3072)")
    if not isinstance(labels, (list, tuple)) or data.shape[1] != 3 * 32 * 32:
        raise ValueError(f"{path}: expected 'data' (N, 3072) and a list of N 'labels'")
    if len(labels) != len(data):
        raise ValueError(
            f"{path}: expected 'data' (N, 3072) and N 'labels', got {data.shape} and "
            f"{len(labels)} labels"
        )
    try:
        labels = np.asarray(labels)
    except _DAMAGE:
        labels = None
    if labels is None or labels.ndim != 1 or (labels.size and labels.dtype.kind not in "iu"):
        raise ValueError(f"{path}: labels must be a list of ints 0..9")
    labels = labels.astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{path}: labels must be 0..9")
    return data.reshape(-1, 3, 32, 32), labels  # rows are channel-major: R plane, G, B


class CIFAR10(ImageDataset):
    """CIFAR-10 (50,000 train / 10,000 test 32x32 colour images, 10 classes).

    Args:
        root: the ``cifar-10-batches-py`` directory (or its parent), holding ``data_batch_1``
            .. ``data_batch_5`` and ``test_batch``.
        train: the five training batches, or the test batch.
        transform: called on each float32 (3, 32, 32) image tensor in [0, 1].
        target_transform: called on each label.

    Raises:
        FileNotFoundError: naming the directory and the missing batch files.
        UnsafePickleError: (a ``pickle.UnpicklingError`` and a ``ValueError``) a batch tries
            to load anything but plain data and arrays.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        train: bool = True,
        transform: Callable[[Tensor], Any] | None = None,
        target_transform: Callable[[int], Any] | None = None,
    ) -> None:
        if not isinstance(train, bool):
            raise TypeError(f"train must be a bool, but got {type(train).__name__}")
        folder = Path(root)
        if (folder / "cifar-10-batches-py").is_dir():
            folder = folder / "cifar-10-batches-py"
        paths = _locate(folder, _TRAIN if train else _TEST, "CIFAR10")
        parts = [_load_batch(p) for p in paths]
        images = np.concatenate([p[0] for p in parts])
        labels = np.concatenate([p[1] for p in parts])
        super().__init__(
            Tensor._make(images),
            Tensor._make(labels),
            list(_CLASSES),
            255,
            transform,
            target_transform,
        )
        self.root, self.train = folder, train

    def _repr_fields(self) -> dict[str, str]:
        return {"Root location": str(self.root), "Split": "Train" if self.train else "Test"}


def load_cifar10(root: str | os.PathLike, train: bool = True) -> tuple[Tensor, Tensor]:
    """CIFAR-10 as float32 images (N, 3, 32, 32) in [0, 1] and int64 labels."""
    return CIFAR10(root, train).tensors()
