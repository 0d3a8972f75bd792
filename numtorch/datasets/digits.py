"""The UCI handwritten digits, bundled with numtorch so that training needs no download.

Data: "Optical Recognition of Handwritten Digits", E. Alpaydin and C. Kaynak (1998), UCI
Machine Learning Repository, https://doi.org/10.24432/C50P49, licensed CC BY 4.0
(https://creativecommons.org/licenses/by/4.0/). The bundled ``data/digits.csv.gz`` is the UCI
test set (1,797 images of 8x8 pixels, values 0..16, digits 0-9 written by 13 people), the same
file scikit-learn ships; see ``data/README.md`` for provenance.
"""

from __future__ import annotations

import functools
import gzip
from collections.abc import Callable
from importlib import resources
from typing import Any

import numpy as np

from numtorch.datasets._base import ImageDataset
from numtorch.tensor import Tensor

__all__ = ["Digits", "load_digits", "DIGITS_CITATION"]

DIGITS_CITATION = (
    "E. Alpaydin and C. Kaynak (1998). Optical Recognition of Handwritten Digits. UCI Machine "
    "Learning Repository. https://doi.org/10.24432/C50P49. Licence: CC BY 4.0."
)
_N, _SIDE, _MAX = 1797, 8, 16


@functools.lru_cache(maxsize=1)
def _read() -> tuple[np.ndarray, np.ndarray]:
    """The bundled CSV as uint8 pixels (N, 1, 8, 8) and int64 labels, read once per process."""
    with resources.files(__package__).joinpath("data", "digits.csv.gz").open("rb") as raw:
        text = gzip.decompress(raw.read())
    table = np.loadtxt(text.decode("ascii").splitlines(), delimiter=",", dtype=np.int64)
    if table.shape != (_N, _SIDE * _SIDE + 1):  # pragma: no cover - guards the vendored file
        raise RuntimeError(f"the bundled digits.csv.gz is damaged: table shape {table.shape}")
    images = table[:, :-1].astype(np.uint8).reshape(_N, 1, _SIDE, _SIDE)
    labels = table[:, -1].copy()
    images.flags.writeable = labels.flags.writeable = False  # the cache is shared: copy to use
    return images, labels


def load_digits() -> tuple[Tensor, Tensor]:
    """The 1,797 bundled UCI digits as tensors.

    Returns:
        ``(images, labels)``: float32 images of shape (1797, 1, 8, 8) scaled to [0, 1] (the raw
        pixel counts 0..16 divided by 16) and int64 labels 0..9. Fresh copies on every call.

    Example:
        >>> from numtorch.datasets import load_digits
        >>> x, y = load_digits()
        >>> tuple(x.shape), x.dtype, y.dtype, int(y.max())
        ((1797, 1, 8, 8), torch.float32, torch.int64, 9)
    """
    images, labels = _read()
    return Tensor._make(images.astype(np.float32) / np.float32(_MAX)), Tensor._make(labels.copy())


class Digits(ImageDataset):
    """The bundled UCI handwritten digits as a dataset of ``(image, label)`` pairs.

    All 1,797 images are in one set (the UCI test partition); use ``random_split`` for a
    held-out split. Images are float32 (1, 8, 8) tensors in [0, 1], labels Python ints.

    Args:
        transform: called on each image tensor.
        target_transform: called on each label.

    Example:
        >>> from numtorch.datasets import Digits
        >>> ds = Digits()
        >>> image, label = ds[0]
        >>> len(ds), tuple(image.shape), label
        (1797, (1, 8, 8), 0)
    """

    def __init__(
        self,
        transform: Callable[[Tensor], Any] | None = None,
        target_transform: Callable[[int], Any] | None = None,
    ) -> None:
        images, labels = _read()
        super().__init__(
            Tensor._make(images.copy()),
            Tensor._make(labels.copy()),
            [str(d) for d in range(10)],
            _MAX,
            transform,
            target_transform,
        )

    def _repr_fields(self) -> dict[str, str]:
        return {"Source": DIGITS_CITATION}
