"""Resampling and rearranging pixels: ``interpolate``, ``upsample*``, ``grid_sample``,
``affine_grid``, ``pixel_shuffle``, ``pixel_unshuffle``, ``channel_shuffle``."""

from __future__ import annotations

__all__: list[str] = []
