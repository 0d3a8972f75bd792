"""Padding (``F.pad`` in every mode)."""

from __future__ import annotations

__all__: list[str] = []
