"""In-place and ``out=`` test arguments for the comparison, logical and bitwise family's newer
ops (see ``core.py``)."""

from __future__ import annotations

INPLACE_ARGS: dict = {}
INPLACE_VALUES: dict = {}
OUT_ARGS: dict = {}
