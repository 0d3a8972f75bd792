"""``Flatten`` and ``Unflatten``: reshape layers for the join between conv and linear parts."""

from __future__ import annotations

from typing import Any

import numpy as np

from numtorch.nn.modules.module import Module
from numtorch.tensor import Tensor

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Merge dimensions ``start_dim..end_dim`` into one (by default all but the batch).

    Example:
        >>> import numtorch as torch
        >>> torch.nn.Flatten()(torch.zeros(32, 1, 5, 5)).shape
        torch.Size([32, 25])
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


def _require_tuple_int(sizes: Any) -> None:
    if not isinstance(sizes, (tuple, list)):
        raise TypeError(
            f"unflattened_size must be a tuple of ints, but found type {type(sizes).__name__}"
        )
    for idx, elem in enumerate(sizes):
        if isinstance(elem, bool) or not isinstance(elem, (int, np.integer)):
            raise TypeError(
                "unflattened_size must be tuple of ints, "
                f"but found element of type {type(elem).__name__} at pos {idx}"
            )


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size`` (one entry may be -1).

    Named-tensor forms (a string ``dim``) are not supported. Unlike PyTorch, a ``dim`` that
    is not an int is refused here rather than at the first forward.

    Example:
        >>> import numtorch as torch
        >>> torch.nn.Unflatten(1, (2, 5))(torch.zeros(3, 10)).shape
        torch.Size([3, 2, 5])
    """

    def __init__(self, dim: int, unflattened_size: tuple[int, ...] | list[int]) -> None:
        super().__init__()
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError("invalid argument type for dim parameter")
        _require_tuple_int(unflattened_size)
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
