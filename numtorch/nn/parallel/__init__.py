"""``torch.nn.parallel``: ``DataParallel`` (PyTorch's CPU build: the module, run directly) and
``DistributedDataParallel`` (one process per replica, gradients averaged over MPI)."""

from numtorch.nn.parallel.data_parallel import DataParallel
from numtorch.nn.parallel.distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]
