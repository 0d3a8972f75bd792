"""``Upsample``, ``UpsamplingNearest2d``, ``UpsamplingBilinear2d``: layers over
:func:`numtorch.nn.functional.interpolate`, storing their arguments as PyTorch does."""

from __future__ import annotations

from collections.abc import Sequence

from numtorch.nn.functional import vision as _F
from numtorch.nn.modules.module import Module
from numtorch.tensor import Tensor

__all__ = ["Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d"]

_Size = int | Sequence[int]
_Ratio = float | Sequence[float]


class Upsample(Module):
    """Resize (N, C, W), (N, C, H, W) or (N, C, D, H, W) input to ``size`` or by
    ``scale_factor`` with ``mode`` (see :func:`numtorch.nn.functional.interpolate`).

    A tuple ``scale_factor`` is stored as floats, a number as a float (``0`` or ``None`` as
    ``None``), exactly as PyTorch stores it.

    Example:
        >>> import numtorch as torch
        >>> torch.nn.Upsample(scale_factor=2, mode="bilinear")
        Upsample(scale_factor=2.0, mode='bilinear')
    """

    def __init__(
        self,
        size: _Size | None = None,
        scale_factor: _Ratio | None = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return _F.interpolate(
            input,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            recompute_scale_factor=self.recompute_scale_factor,
        )

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = "scale_factor=" + repr(self.scale_factor)
        else:
            info = "size=" + repr(self.size)
        return info + ", mode=" + repr(self.mode)


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of (N, C, H, W) input (PyTorch's deprecated layer)."""

    def __init__(self, size: _Size | None = None, scale_factor: _Ratio | None = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling with ``align_corners=True`` (PyTorch's deprecated layer)."""

    def __init__(self, size: _Size | None = None, scale_factor: _Ratio | None = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
