"""``torch.backends.openmp``: numtorch's kernels run on its own thread pool, not OpenMP."""

from __future__ import annotations

__all__ = ["is_available"]


def is_available() -> bool:
    """False: numtorch is not built with OpenMP (see ``numtorch.set_num_threads``)."""
    return False
