"""CIFAR-10 read from the "python version" batches (``cifar-10-batches-py``).

The batches are pickles, so this is the one place numtorch unpickles anything, and it does so
with a restricted unpickler: plain data (dicts, lists, strings, numbers) plus NumPy arrays of
numeric dtypes. Every other global -- any function or class a malicious pickle could call -- is
refused with ``UnsafePickleError`` (a ``pickle.UnpicklingError``).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

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


class _Refused(pickle.UnpicklingError):
    """The batch asked for something outside the allowed plain data (not mere damage)."""


class UnsafePickleError(pickle.UnpicklingError, ValueError):
    """A CIFAR-10 batch tried to unpickle more than plain data (a ValueError too, so callers
    that handle bad data files catch it)."""


def _reconstruct(cls: type, shape: Any, dtype: Any) -> np.ndarray:
    """NumPy's ``_reconstruct``, for plain ndarrays only (the pickle then sets the contents)."""
    if cls is not np.ndarray:
        raise _Refused(f"refusing to rebuild an array of type {cls!r}")
    return np.ndarray.__new__(np.ndarray, (0,), _plain_dtype(dtype))


def _plain_dtype(spec: Any, align: bool = False, copy: bool = False) -> np.dtype:
    """``np.dtype(spec)``, refusing object dtypes (their items would be arbitrary objects)."""
    dtype = np.dtype(spec, align, copy)
    if dtype.hasobject:
        raise _Refused(f"refusing an object dtype ({dtype}) in a CIFAR-10 batch")
    return dtype


def _frombuffer(buf: bytes, dtype: np.dtype, shape: tuple, order: str) -> np.ndarray:
    """NumPy's protocol-5 array rebuild, for numeric dtypes only."""
    return np.frombuffer(buf, _plain_dtype(dtype)).reshape(shape, order=order).copy()


def _latin1_bytes(text: str, encoding: str = "utf-8") -> bytes:
    """``_codecs.encode`` as protocol-2 pickles of ``bytes`` use it (latin-1 only)."""
    if encoding != "latin1" or not isinstance(text, str):
        raise _Refused(f"refusing _codecs.encode with encoding {encoding!r}")
    return text.encode("latin1")


_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.numeric", "_frombuffer"): _frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _frombuffer,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): _plain_dtype,
    ("_codecs", "encode"): _latin1_bytes,
}


class _PlainDataUnpickler(pickle.Unpickler):
    """Unpickles plain data and numeric NumPy arrays; any other global is refused."""

    def find_class(self, module: str, name: str) -> Any:
        found = _ALLOWED.get((module, name))
        if found is None:
            raise _Refused(
                f"refusing to unpickle the global {module}.{name}: a CIFAR-10 batch holds only "
                "plain data and NumPy arrays"
            )
        return found


def _load_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One batch file as uint8 images (n, 3, 32, 32) and int64 labels."""
    with open(path, "rb") as f:
        try:
            batch = _PlainDataUnpickler(f, encoding="latin1").load()
        except _Refused as err:
            raise UnsafePickleError(f"{path}: {err}") from None
        except (
            pickle.UnpicklingError,
            EOFError,
            ValueError,
            TypeError,
            IndexError,
            KeyError,
            AttributeError,
            MemoryError,
        ) as err:
            raise ValueError(f"{path} is not a readable CIFAR-10 batch ({err!r})") from None
    data = batch.get("data") if isinstance(batch, dict) else None
    labels = batch.get("labels") if isinstance(batch, dict) else None
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2:
        raise ValueError(f"{path}: expected 'data' to be a uint8 array (N, 3072)")
    if data.shape[1] != 3 * 32 * 32 or labels is None or len(labels) != len(data):
        raise ValueError(
            f"{path}: expected 'data' (N, 3072) and N 'labels', got {data.shape} and "
            f"{None if labels is None else len(labels)} labels"
        )
    labels = np.asarray(labels, dtype=np.int64)
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
