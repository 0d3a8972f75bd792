"""MNIST-format datasets (MNIST, Fashion-MNIST, KMNIST) read from IDX files on disk.

Each dataset is four files in a directory the user names: ``train-images-idx3-ubyte``,
``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each
optionally gzipped (``.gz``). torchvision's layout (``<root>/<Name>/raw/``) and a ``raw/``
sub-folder are found too. Debian's ``dataset-fashion-mnist`` package installs Fashion-MNIST in
``/usr/share/datasets/fashion-mnist``, which ``FashionMNIST`` uses when no root is given.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from numtorch.datasets._base import ImageDataset
from numtorch.tensor import Tensor

__all__ = [
    "read_idx",
    "MNIST",
    "FashionMNIST",
    "KMNIST",
    "load_mnist",
    "load_fashion_mnist",
    "load_kmnist",
    "FASHION_MNIST_DIR",
]

FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


_MAX_NDIM = 32
_GZIP_RATIO = 1100  # deflate can't compress better than about 1032:1
_CHUNK = 1 << 24


def _read_upto(stream: BinaryIO, count: int) -> bytes:
    """Up to ``count`` bytes, read in chunks: memory grows with the data actually there, not
    with what a header claims."""
    parts, got = [], 0
    while got < count:
        chunk = stream.read(min(_CHUNK, count - got))
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def _parse_idx(stream: BinaryIO, limit: int, path: Path) -> np.ndarray:
    """Header, then exactly the values it declares; ``limit`` bounds the decoded file size."""
    magic = _read_upto(stream, 4)
    if len(magic) < 4 or magic[:2] != b"\0\0" or magic[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file (magic bytes {magic.hex() or 'missing'})")
    ndim, header = magic[3], 4 + 4 * magic[3]
    dims = _read_upto(stream, 4 * ndim)
    if len(dims) < 4 * ndim:
        raise ValueError(
            f"{path} is truncated: the header needs {header} bytes, got {4 + len(dims)}"
        )
    if ndim > _MAX_NDIM:
        raise ValueError(f"{path} is damaged: {ndim} dimensions (at most {_MAX_NDIM})")
    shape = tuple(int(d) for d in np.frombuffer(dims, ">u4"))
    dtype = np.dtype(_IDX_TYPES[magic[2]])
    if math.prod(d for d in shape if d) * dtype.itemsize >= 2**63:  # even with a 0 in the shape
        raise ValueError(f"{path} is damaged: shape {shape} is too large for any array")
    nbytes = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
    if header + nbytes > limit:
        raise ValueError(
            f"{path} is truncated or damaged: its header promises shape {shape} "
            f"({header + nbytes} bytes) but the file holds at most {limit} bytes"
        )
    body = _read_upto(stream, nbytes + 1)
    if len(body) != nbytes:
        raise ValueError(
            f"{path} is truncated or damaged: its header promises shape {shape} "
            f"({header + nbytes} bytes) but the file has {header + len(body)}"
            f"{' or more' if len(body) > nbytes else ''} bytes"
        )
    values = np.frombuffer(body, dtype).reshape(shape)
    return values.astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (the MNIST format; gzipped or not) into an ndarray.

    The header is two zero bytes, a type code (0x08 uint8 ... 0x0E float64), the number of
    dimensions, then each dimension as a big-endian uint32; the values follow, big-endian.
    The file is untrusted: the size its header declares is checked against the file's size
    (for a gzip file, against the most it can decompress to) before anything is allocated,
    and decompression stops one byte past the declared size, so neither absurd dimensions nor
    a gzip bomb can exhaust memory.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: the file is not IDX, or is truncated, damaged or has trailing bytes.
    """
    path = Path(path)
    with open(path, "rb") as raw:
        size = os.fstat(raw.fileno()).st_size
        if raw.read(2) != b"\x1f\x8b":
            raw.seek(0)
            return _parse_idx(raw, size, path)
        raw.seek(0)
        try:
            with gzip.GzipFile(fileobj=raw) as stream:
                return _parse_idx(stream, size * _GZIP_RATIO + 1024, path)
        except (OSError, EOFError, zlib.error) as err:  # gzip.BadGzipFile is an OSError
            raise ValueError(f"{path}: damaged gzip file ({err})") from None


def _find(folder: Path, name: str) -> Path | None:
    """``name`` or ``name.gz`` (also the ``train-images.idx3-ubyte`` spelling) in ``folder``."""
    for stem in (name, name.replace("-idx", ".idx")):
        for suffix in ("", ".gz"):
            if (folder / (stem + suffix)).is_file():
                return folder / (stem + suffix)
    return None


def _locate(root: str | os.PathLike, names: list[str], dataset: str) -> list[Path]:
    """The files ``names`` in ``root`` (or its ``raw/`` or ``<dataset>/raw/``), or a clear error."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{dataset}: data directory '{root}' does not exist")
    for folder in (root, root / "raw", root / dataset / "raw"):
        found = [_find(folder, n) for n in names]
        if all(found):
            return found
    missing = ", ".join(f"{n}[.gz]" for n in names if _find(root, n) is None)
    raise FileNotFoundError(
        f"{dataset}: directory '{root}' is missing {missing} (also looked in raw/ and {dataset}/raw/)"
    )


def _load_idx_pair(root: str | os.PathLike, train: bool, dataset: str) -> tuple:
    split = "train" if train else "t10k"
    names = [f"{split}-images-idx3-ubyte", f"{split}-labels-idx1-ubyte"]
    image_path, label_path = _locate(root, names, dataset)
    images, labels = read_idx(image_path), read_idx(label_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"{image_path}: expected uint8 images (N, H, W), got {images.dtype} {images.shape}"
        )
    bad_values = labels.size and (labels.min() < 0 or labels.max() > 9)
    if (
        labels.ndim != 1
        or len(labels) != len(images)
        or labels.dtype.kind not in "iu"
        or bad_values
    ):
        raise ValueError(
            f"{label_path}: expected {len(images)} labels 0..9 to match {image_path.name}, "
            f"got {labels.dtype} labels of shape {labels.shape}"
        )
    return images[:, None], labels.astype(np.int64)


class MNIST(ImageDataset):
    """MNIST handwritten digits (60,000 train / 10,000 test 28x28 images) from IDX files.

    Args:
        root: the directory holding the four IDX files (``[.gz]``).
        train: the training split (``train-*``) or the test split (``t10k-*``).
        transform: called on each float32 (1, 28, 28) image tensor in [0, 1].
        target_transform: called on each label.

    Raises:
        FileNotFoundError: naming the directory and the missing files.
    """

    classes = [
        f"{d} - {w}"
        for d, w in enumerate("zero one two three four five six seven eight nine".split())
    ]

    def __init__(
        self,
        root: str | os.PathLike | None,
        train: bool = True,
        transform: Callable[[Tensor], Any] | None = None,
        target_transform: Callable[[int], Any] | None = None,
    ) -> None:
        if root is None:
            root = self._default_root()
        if not isinstance(train, bool):
            raise TypeError(f"train must be a bool, but got {type(train).__name__}")
        images, labels = _load_idx_pair(root, train, type(self).__name__)
        classes = list(type(self).classes)
        super().__init__(
            Tensor._make(images), Tensor._make(labels), classes, 255, transform, target_transform
        )
        self.root, self.train = Path(root), train

    def _default_root(self) -> Path:
        raise TypeError(f"{type(self).__name__}() needs root, the directory with its IDX files")

    def _repr_fields(self) -> dict[str, str]:
        return {"Root location": str(self.root), "Split": "Train" if self.train else "Test"}


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST (clothing, 10 classes) in MNIST's IDX format.

    ``root=None`` uses ``/usr/share/datasets/fashion-mnist``, where Debian's
    ``dataset-fashion-mnist`` package installs it.
    """

    classes = [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        train: bool = True,
        transform: Callable[[Tensor], Any] | None = None,
        target_transform: Callable[[int], Any] | None = None,
    ) -> None:
        super().__init__(root, train, transform, target_transform)

    def _default_root(self) -> Path:
        if not FASHION_MNIST_DIR.is_dir():
            raise FileNotFoundError(
                f"FashionMNIST: no root given and '{FASHION_MNIST_DIR}' does not exist; install "
                "Debian's dataset-fashion-mnist package or pass the directory of the IDX files"
            )
        return FASHION_MNIST_DIR


class KMNIST(MNIST):
    """Kuzushiji-MNIST (cursive Japanese characters, 10 classes) in MNIST's IDX format."""

    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


def load_mnist(root: str | os.PathLike, train: bool = True) -> tuple[Tensor, Tensor]:
    """MNIST as float32 images (N, 1, 28, 28) in [0, 1] and int64 labels."""
    return MNIST(root, train).tensors()


def load_fashion_mnist(
    root: str | os.PathLike | None = None, train: bool = True
) -> tuple[Tensor, Tensor]:
    """Fashion-MNIST as float32 images (N, 1, 28, 28) in [0, 1] and int64 labels."""
    return FashionMNIST(root, train).tensors()


def load_kmnist(root: str | os.PathLike, train: bool = True) -> tuple[Tensor, Tensor]:
    """KMNIST as float32 images (N, 1, 28, 28) in [0, 1] and int64 labels."""
    return KMNIST(root, train).tensors()
