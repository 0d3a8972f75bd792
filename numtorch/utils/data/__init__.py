"""Data loading: datasets, samplers, ``DataLoader`` and ``default_collate``, as in
``torch.utils.data``."""

from numtorch.utils.data._collate import *
from numtorch.utils.data.dataloader import *
from numtorch.utils.data.dataset import *
from numtorch.utils.data.sampler import *
from numtorch.utils.data.distributed import *
