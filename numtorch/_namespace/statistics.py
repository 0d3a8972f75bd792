"""Statistics over values (``quantile``, ``mode``, ``unique``, ``bincount``, ``histc``,
``bucketize``, ``cov``, ...)."""

from __future__ import annotations
