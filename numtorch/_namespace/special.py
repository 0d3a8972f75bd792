"""Special functions of the pointwise family (gamma and its relatives, Bessel ``i0``,
incomplete gamma, ``sinc``, ``logit``, ...)."""

from __future__ import annotations
