"""The type aliases PyTorch's distributions annotate with (``torch.types``)."""

from __future__ import annotations

from collections.abc import Sequence

_Number = (bool, int, float)
Number = int | float | bool
_size = Sequence[int]
