"""Joining and splitting along a dimension (``hstack``, ``vstack``, ``dstack``,
``tensor_split``, ``hsplit``, ...), ``atleast_*d`` and ``broadcast_tensors``."""

from __future__ import annotations
