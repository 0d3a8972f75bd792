"""Padding layers: ``ConstantPad*d``, ``ZeroPad*d``, ``ReflectionPad*d``, ``ReplicationPad*d``,
``CircularPad*d``.

Each stores ``padding`` as PyTorch does (an int repeated to 2, 4 or 6 entries, an iterable
as a tuple) and calls :func:`numtorch.nn.functional.pad`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from numtorch.nn.functional import padding as _F
from numtorch.nn.modules.module import Module
from numtorch.tensor import Tensor

__all__ = [
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
]

_Pad = int | Sequence[int]


def _ntuple(value: object, n: int) -> tuple:
    """PyTorch's ``_ntuple``: an iterable as a tuple, anything else repeated ``n`` times."""
    return tuple(value) if isinstance(value, Iterable) else (value,) * n


class _PadNd(Module):
    """A padding layer: ``padding`` repeated to ``2 * dims`` entries, one ``mode``."""

    mode = "constant"
    dims = 1

    def __init__(self, padding: _Pad) -> None:
        super().__init__()
        self.padding = _ntuple(padding, 2 * self.dims)

    def forward(self, input: Tensor) -> Tensor:
        return _F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    """Pad with a constant ``value``; a negative amount crops."""

    def __init__(self, padding: _Pad, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return _F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last axis with ``value``: ``padding`` is an int or (left, right).

    Example:
        >>> import numtorch as torch
        >>> torch.nn.ConstantPad1d(2, 3.5)(torch.zeros(1, 2, 4)).shape
        torch.Size([1, 2, 8])
    """

    dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two axes with ``value``: (left, right, top, bottom)."""

    dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three axes with ``value``: (left, right, top, bottom, front, back)."""

    dims = 3


class _ZeroPad:
    """Zero padding: a constant layer whose value is 0.0 and whose repr is the padding only.
    A mixin, so ``ZeroPad2d`` is a ``ConstantPad2d`` as in PyTorch."""

    def __init__(self, padding: _Pad) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPad, ConstantPad1d):
    """Pad the last axis with zeros: an int or (left, right)."""


class ZeroPad2d(_ZeroPad, ConstantPad2d):
    """Pad the last two axes with zeros: an int or (left, right, top, bottom).

    Example:
        >>> import numtorch as torch
        >>> torch.nn.ZeroPad2d((1, 1, 2, 0))
        ZeroPad2d((1, 1, 2, 0))
    """


class ZeroPad3d(_ZeroPad, ConstantPad3d):
    """Pad the last three axes with zeros."""


class ReflectionPad1d(_PadNd):
    """Mirror the last axis about its edge elements (each amount below the axis' length)."""

    mode, dims = "reflect", 1


class ReflectionPad2d(_PadNd):
    """Mirror the last two axes about their edge elements."""

    mode, dims = "reflect", 2


class ReflectionPad3d(_PadNd):
    """Mirror the last three axes about their edge elements."""

    mode, dims = "reflect", 3


class ReplicationPad1d(_PadNd):
    """Repeat the edge elements of the last axis."""

    mode, dims = "replicate", 1


class ReplicationPad2d(_PadNd):
    """Repeat the edge elements of the last two axes."""

    mode, dims = "replicate", 2


class ReplicationPad3d(_PadNd):
    """Repeat the edge elements of the last three axes."""

    mode, dims = "replicate", 3


class _CircularPadNd(_PadNd):
    """Wrap around: the padding before an axis copies its end, and the padding after its
    start. The input must have ``dims + 1`` or ``dims + 2`` axes (PyTorch's ValueError)."""

    mode = "circular"

    def forward(self, input: Tensor) -> Tensor:
        if input.dim() not in (self.dims + 1, self.dims + 2):
            raise ValueError(
                f"expected {self.dims + 1}D or {self.dims + 2}D input (got {input.dim()}D input)"
            )
        return _F.pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    """Circular padding of the last axis."""

    dims = 1


class CircularPad2d(_CircularPadNd):
    """Circular padding of the last two axes."""

    dims = 2


class CircularPad3d(_CircularPadNd):
    """Circular padding of the last three axes."""

    dims = 3
