"""``torch.nn.parallel`` as PyTorch's CPU build runs it: with no GPU, ``DataParallel`` wraps
the module and calls it directly (no replicas, no scatter or gather)."""

from __future__ import annotations

from typing import Any

from numtorch.nn.modules.module import Module

__all__ = ["DataParallel"]


class DataParallel(Module):
    """Run ``module`` on the batch, as PyTorch does when no GPU is available.

    The wrapped module is the submodule ``module``, so parameter and ``state_dict`` names gain
    the ``module.`` prefix exactly as under PyTorch, and checkpoints move between the two.

    Args:
        module: the module to run.
        device_ids: GPUs to split the batch over; none exist here, so it becomes ``[]``.
        output_device: ignored (``None``): outputs stay on the CPU.
        dim: the batch dimension a split would use.

    Example:
        >>> import numtorch as torch
        >>> net = torch.nn.parallel.DataParallel(torch.nn.Linear(3, 2))
        >>> net(torch.ones(4, 3)).shape
        torch.Size([4, 2])
        >>> list(net.state_dict())
        ['module.weight', 'module.bias']
    """

    def __init__(
        self,
        module: Module,
        device_ids: list | None = None,
        output_device: Any = None,
        dim: int = 0,
    ) -> None:
        super().__init__()
        self.module = module
        self.device_ids: list = []
        self.dim = dim

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.module(*inputs, **kwargs)
