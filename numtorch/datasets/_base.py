"""``ImageDataset``: labelled images held in memory as integers, served as float tensors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from numtorch.tensor import Tensor
from numtorch.utils.data.dataset import Dataset

__all__ = ["ImageDataset"]


class ImageDataset(Dataset):
    """Images and integer labels; ``dataset[i]`` is ``(image, label)``.

    The images stay in memory as integers (``data``: an (N, C, H, W) tensor) and each one is
    served as a float32 (C, H, W) tensor scaled to [0, 1] -- what torchvision's ``ToTensor``
    gives -- and the label as a Python int. torchvision keeps MNIST as (N, H, W) and CIFAR-10
    as (N, H, W, C) and returns PIL images; numtorch has no PIL, so it serves tensors.

    Args:
        data: (N, C, H, W) integer pixels.
        targets: (N,) int64 labels.
        classes: one name per label.
        scale: the largest pixel value (255 for bytes, 16 for the UCI digits).
        transform: called on each image tensor.
        target_transform: called on each label.
    """

    def __init__(
        self,
        data: Tensor,
        targets: Tensor,
        classes: list[str],
        scale: float,
        transform: Callable[[Tensor], Any] | None = None,
        target_transform: Callable[[int], Any] | None = None,
    ) -> None:
        if data.ndim != 4 or targets.ndim != 1 or data.shape[0] != targets.shape[0]:
            raise ValueError(
                f"expected (N, C, H, W) images and (N,) labels, but got {tuple(data.shape)} and "
                f"{tuple(targets.shape)}"
            )
        self.data, self.targets, self.classes = data, targets, classes
        self.scale = scale
        self.transform, self.target_transform = transform, target_transform

    def __len__(self) -> int:
        return self.data.shape[0]

    def _images(self, index: Any) -> Tensor:
        return Tensor._make((self.data._data[index] / np.float32(self.scale)).astype(np.float32))

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image, target = self._images(index), int(self.targets._data[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def _batch_fetcher(self) -> Callable[[np.ndarray], list] | None:
        # One vectorised slice per batch; per-sample transforms need the slow path.
        if self.transform is not None or self.target_transform is not None:
            return None
        if type(self).__getitem__ is not ImageDataset.__getitem__:
            return None
        return lambda indices: [self._images(indices), Tensor._make(self.targets._data[indices])]

    def tensors(self) -> tuple[Tensor, Tensor]:
        """All images as one float32 (N, C, H, W) tensor in [0, 1] and the int64 labels."""
        return self._images(slice(None)), Tensor._make(self.targets._data.copy())

    def __repr__(self) -> str:
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}"]
        lines += [f"    {k}: {v}" for k, v in self._repr_fields().items()]
        return "\n".join(lines)

    def _repr_fields(self) -> dict[str, str]:
        return {}
