"""``torch.backends``: the switches of backends numtorch does not have, as PyTorch's CPU build
reports them (``cuda``, ``cudnn`` and ``mps`` unavailable, and ``mkldnn`` and ``openmp``, which
numtorch does not use; their flags settable and ignored)."""

from numtorch.backends import cuda, cudnn, mkldnn, mps, openmp

__all__ = ["cuda", "cudnn", "mkldnn", "mps", "openmp"]
