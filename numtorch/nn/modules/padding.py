"""Padding layers: ``ConstantPad*d``, ``ZeroPad*d``, ``ReflectionPad*d``, ``ReplicationPad*d``,
``CircularPad*d``."""

from __future__ import annotations

__all__: list[str] = []
