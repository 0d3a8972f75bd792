"""``ChannelShuffle``: interleave channel groups (ShuffleNet's mixing between group convs)."""

from __future__ import annotations

from numtorch.nn.functional import vision as _F
from numtorch.nn.modules.module import Module
from numtorch.tensor import Tensor

__all__ = ["ChannelShuffle"]


class ChannelShuffle(Module):
    """Split the C channels into ``groups`` groups and interleave them:
    (N, g*k, *) -> (N, k*g, *).

    Example:
        >>> import numtorch as torch
        >>> torch.nn.ChannelShuffle(2)
        ChannelShuffle(groups=2)
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        return _F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
