"""The legacy ``torch.*`` forms of the matrix decompositions and solvers (``torch.det``,
``torch.inverse``, ``torch.svd``, ...); the modern forms live in ``numtorch.linalg``."""

from __future__ import annotations
