"""Tensor attributes and conversions beyond the core (``byte``/``char``/``short``,
``nbytes``, ``itemsize``, ``storage_offset``, ``apply_``, ``map_``, ...)."""

from __future__ import annotations
