"""``torch.backends``: the switches of backends numtorch does not have, as PyTorch's CPU build
reports them (``cudnn`` and ``mps`` unavailable; ``cudnn``'s flags settable and ignored)."""

from numtorch.backends import cudnn, mps

__all__ = ["cudnn", "mps"]
