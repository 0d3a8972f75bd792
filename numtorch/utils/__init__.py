"""Utilities, as in ``torch.utils``: ``numtorch.utils.data`` and ``numtorch.utils.checkpoint``."""

from numtorch.utils import checkpoint, data

__all__ = ["checkpoint", "data"]
