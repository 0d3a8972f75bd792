"""``numtorch.linalg``: PyTorch's ``torch.linalg`` (norms, inverses, determinants, solvers and
decompositions, with PyTorch's gradients where it has them)."""

from __future__ import annotations
