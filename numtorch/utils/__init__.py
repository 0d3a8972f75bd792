"""Utilities, as in ``torch.utils``: ``numtorch.utils.data``."""

from numtorch.utils import data

__all__ = ["data"]
