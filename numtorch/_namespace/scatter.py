"""Writing by index (``scatter``, ``scatter_add``, ``scatter_reduce``, ``index_add``,
``index_copy``, ``index_fill``, ``put``, ``*_scatter``) and selecting by index or mask
(``index_select``, ``masked_select``, ``take``, ``nonzero``)."""

from __future__ import annotations
