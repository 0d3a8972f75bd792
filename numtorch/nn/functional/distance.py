"""Distances and similarities (``cosine_similarity``, ``pairwise_distance``, ``pdist``): the
same functions as ``numtorch.cosine_similarity`` and the others, declared in
``numtorch/_namespace/distances.py``."""

from __future__ import annotations

from numtorch._namespace import cosine_similarity, pairwise_distance, pdist

__all__: list[str] = ["cosine_similarity", "pairwise_distance", "pdist"]
